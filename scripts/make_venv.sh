#!/usr/bin/env bash
# Create (or refresh) a virtual environment from a lock file.
#   make_venv.sh DIR PYTHON_VERSION LOCK_FILE
set -euo pipefail
dir="$1"; version="$2"; lock="$3"
python=$(scripts/find_python.sh "$version")
if [ ! -x "$dir/bin/python" ]; then
  echo "Creating $dir with $("$python" --version)"
  "$python" -m venv "$dir"
fi
"$dir/bin/python" -m pip install --quiet --upgrade "pip<24.1" wheel
"$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$lock"
touch "$dir/.installed"
