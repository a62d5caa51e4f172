#!/usr/bin/env bash
# Make sure CPython 3.12 and 3.13 virtualenvs with this checkout installed exist (idempotent),
# for the tests that lock from another Python than the sandbox target's
# (tests/lock/test_any_host.py). Each lives in $SKILLGATE_TEST_PYTHONS/<minor> (default
# build/test-pythons in this checkout: each has this checkout installed in editable mode).
# The interpreter is taken from pyenv's versions, else PATH (python3.12), else installed
# with `pyenv install`.
set -euo pipefail
cd "$(dirname "$0")/.."

home="${SKILLGATE_TEST_PYTHONS:-$PWD/build/test-pythons}"
pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"

find_python() {
    local minor="$1" found
    for found in "${pyenv_root}"/versions/"${minor}".*/bin/python"${minor}"; do
        if [ -x "${found}" ]; then echo "${found}"; return 0; fi
    done
    if found="$(command -v "python${minor}" 2>/dev/null)" && "${found}" -c '' 2>/dev/null; then
        echo "${found}"; return 0
    fi
    if command -v pyenv >/dev/null 2>&1; then
        pyenv install --skip-existing "${minor}" >&2
        for found in "${pyenv_root}"/versions/"${minor}".*/bin/python"${minor}"; do
            if [ -x "${found}" ]; then echo "${found}"; return 0; fi
        done
    fi
    return 1
}

for minor in 3.12 3.13; do
    if ! python="$(find_python "${minor}")"; then
        echo "ensure-pythons: no Python ${minor} (install it, or pyenv to install it)" >&2
        exit 1
    fi
    venv="${home}/${minor}"
    if [ ! -x "${venv}/bin/python" ]; then
        "${python}" -m venv "${venv}"
    fi
    "${venv}/bin/python" -m pip install --quiet --disable-pip-version-check -e .
    echo "ensure-pythons: $("${venv}/bin/python" -V) in ${venv}"
done
