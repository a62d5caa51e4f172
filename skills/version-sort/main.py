"""Read {"versions": [...], "specifier": ">=1"} on stdin; write the sorted matching versions."""

import json
import sys

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version


def main() -> int:
    request = json.load(sys.stdin)
    spec = SpecifierSet(request.get("specifier", ""))
    valid, invalid = [], []
    for text in request["versions"]:
        try:
            valid.append(Version(text))
        except InvalidVersion:
            invalid.append(text)
    matching = sorted(v for v in valid if v in spec)
    json.dump({"versions": [str(v) for v in matching], "invalid": invalid}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
