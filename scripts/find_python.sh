#!/usr/bin/env bash
# Print the path of a Python interpreter of the wanted version.
#   find_python.sh 3.10     exactly 3.10 (Rasa 3.6 needs it)
#   find_python.sh 3.11+    3.11 or newer (the api)
# Looks on PATH first, then in pyenv's versions, so no machine's path is
# written down anywhere.
set -euo pipefail
want="$1"

version_of() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null; }

fits() {
  local have="$1"
  case "$want" in
    *+) [ "$(printf '%s\n%s\n' "${want%+}" "$have" | sort -V | head -n1)" = "${want%+}" ] ;;
    *) [ "$have" = "$want" ] ;;
  esac
}

candidates=()
base="${want%+}"
for name in "python$base" python3.13 python3.12 python3.11 python3.10 python3; do
  path=$(command -v "$name" 2>/dev/null) && candidates+=("$path")
done
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for dir in $(ls -d "$root"/versions/"$base"* 2>/dev/null | sort -rV); do
    candidates+=("$dir/bin/python")
  done
  for dir in $(ls -d "$root"/versions/3.* 2>/dev/null | sort -rV); do
    candidates+=("$dir/bin/python")
  done
fi

for path in "${candidates[@]}"; do
  [ -x "$path" ] || continue
  have=$(version_of "$path") || continue
  # pyenv shims answer for a version that may not be installed; the real
  # interpreter reports its own version, so this check is enough.
  if fits "$have"; then
    echo "$path"
    exit 0
  fi
done
echo "No Python $want found. Install it (for example: pyenv install $base) and run make again." >&2
exit 1
