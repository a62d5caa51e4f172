"""Read {"markdown": TEXT} on stdin; write {"html": HTML} on stdout."""

import json
import sys

import markdown


def main() -> int:
    request = json.load(sys.stdin)
    html = markdown.markdown(request["markdown"], extensions=["tables", "fenced_code"])
    json.dump({"html": html}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
