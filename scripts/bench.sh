#!/usr/bin/env bash
# Print the figures (called by `make bench` after setup): the assistant,
# handover and booking (bench/run.py), then the web chat page, then SMS when
# its bench is there, then two minutes of fuzzing the api's OpenAPI schema.
set -euo pipefail
.venvs/api/bin/python -m bench.run "$@"
.venvs/api/bin/python -m bench.web_chat
.venvs/api/bin/python -m bench.teaching
.venvs/api/bin/python -m bench.languages
if [ -f bench/sms.py ]; then .venvs/api/bin/python -m bench.sms; fi
.venvs/api/bin/python -m bench.fuzz_api  # 2 minutes of requests from the OpenAPI schema; fails on a 5xx
