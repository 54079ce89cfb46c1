#!/usr/bin/env bash
# The deploy checks render deploy/ with kubectl's kustomize; the multi-replica
# proof (bench/scale.py) puts HAProxy in front of the replicas. Both come from
# Debian's packages (kubectl is in `kubernetes-client`). Install what is
# missing when we may (root with apt-get, as in CI); otherwise say how, and
# the tests that need them skip with that reason.
set -euo pipefail
missing=()
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} from Debian's packages..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Not installed: ${missing[*]}, so the tests that need them will be skipped."
  echo "To run them: sudo apt-get install ${missing[*]}"
fi
