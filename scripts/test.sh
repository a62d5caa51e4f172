#!/usr/bin/env bash
# Install skillgate with its test extras, make sure a Docker engine answers, then run
# the gates: ruff, mypy strict, the policy's own checks, and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
if [ -f scripts/ensure-docker.sh ]; then
  bash scripts/ensure-docker.sh
fi
lint_dirs=$(ls -d checker sandbox tests benchmarks scripts 2>/dev/null)
python3 -m ruff check $lint_dirs
python3 -m ruff format --check $lint_dirs
python3 -m mypy
skillgate validate
skillgate test
python3 -m pytest "$@"
