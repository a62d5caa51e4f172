"""Run pip with the sandbox target's PEP 508 marker environment instead of the host's.

pip's ``--python-version``, ``--implementation``, ``--abi`` and ``--platform`` make it pick
wheels for another interpreter, but it evaluates every ``Requires-Dist`` marker with the
interpreter running it (``packaging.markers.default_environment``), so a lock resolved on
macOS or Python 3.13 would gain or lose conditional dependencies. pip has no option for a
marker environment, so this launcher replaces that one function in pip's vendored
``packaging`` before pip starts, and nothing else. The caller checks that it took effect:
pip writes the environment it evaluated markers in into its installation report, and a
report whose environment is not the target's is refused.

Usage: ``python -m checker.lock.pip_for_target ENVIRONMENT_JSON PIP_ARGS...``
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> int:
    environment = {str(k): str(v) for k, v in json.loads(argv[0]).items()}

    def target_environment() -> dict[str, str]:
        return dict(environment)

    from pip._internal.cli.main import main as pip_main  # noqa: PLC0415 - after argv is read
    from pip._internal.models import installation_report  # noqa: PLC0415
    from pip._vendor.packaging import markers  # noqa: PLC0415

    markers.default_environment = target_environment
    installation_report.default_environment = target_environment  # type: ignore[attr-defined]
    return int(pip_main(argv[1:]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
