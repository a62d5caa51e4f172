#!/usr/bin/env bash
# Install skillgate with its test extras, make sure a Docker engine and PostgreSQL (the
# audit store's second backend) answer, then run the gates: ruff, mypy strict, the pre-commit hooks (the policy's own checks), and the
# whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
if [ -f scripts/ensure-docker.sh ]; then
  bash scripts/ensure-docker.sh
fi
# The audit-store tests run against SQLite and a real PostgreSQL. With
# SKILLGATE_REQUIRE_POSTGRES=1 (CI) a server that does not answer fails the run; otherwise
# the PostgreSQL cases are skipped when none answers.
if [ "${SKILLGATE_REQUIRE_POSTGRES:-0}" = "1" ]; then
  bash scripts/ensure-postgres.sh
fi
# Locks must not depend on the host's Python: CPython 3.12 and 3.13 virtualenvs with this
# checkout lock the same skills (required under CI, skipped elsewhere when absent).
if [ "${SKILLGATE_REQUIRE_PYTHONS:-0}" = "1" ]; then
  bash scripts/ensure-pythons.sh
fi
lint_dirs=$(ls -d checker sandbox tests benchmarks scripts 2>/dev/null)
python3 -m ruff check $lint_dirs
python3 -m ruff format --check $lint_dirs
python3 -m mypy
# The pre-commit hooks, offline: local `language: system` hooks install nothing. They run
# ruff and mypy again (cached) and the policy's own checks: skillgate validate, test and
# lock --check. A private PRE_COMMIT_HOME keeps pre-commit's state out of the home directory.
PRE_COMMIT_HOME="$(mktemp -d)"
export PRE_COMMIT_HOME
trap 'rm -rf "$PRE_COMMIT_HOME"' EXIT
python3 -m pre_commit run --all-files
python3 -m pytest "$@"
