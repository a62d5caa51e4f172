"""Read {"yaml": TEXT} on stdin; write {"yaml": CANONICAL, "documents": N} on stdout."""

import json
import sys

import yaml


def main() -> int:
    request = json.load(sys.stdin)
    documents = list(yaml.safe_load_all(request["yaml"]))
    canonical = yaml.safe_dump_all(documents, sort_keys=True, default_flow_style=False)
    json.dump({"yaml": canonical, "documents": len(documents)}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
