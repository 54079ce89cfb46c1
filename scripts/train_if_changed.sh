#!/usr/bin/env bash
# Train the Rasa model only when something it is made from has changed.
# The inputs' fingerprint is kept beside the model in models/current.inputs.
set -euo pipefail
model=models/current.tar.gz
stamp=models/current.inputs
inputs=$( { cat config.yml domain.yml requirements/rasa.lock;
            find data/nlu data/rules.yml data/safety bot build/spacy -type f \( -name '*.yml' -o -name '*.py' -o -name '*.json' -o -name '*.jsonl' -o -name '*.cfg' \) | sort | xargs cat; } | sha256sum | cut -d' ' -f1)
if [ -f "$model" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$inputs" ]; then
  echo "Rasa model is up to date."
  exit 0
fi
echo "Training the Rasa model (a few minutes)..."
start=$(date +%s)
.venvs/rasa/bin/rasa train --data data/nlu data/rules.yml --fixed-model-name current --out models --quiet
echo "$inputs" > "$stamp"
echo "Trained in $(( $(date +%s) - start )) seconds."
