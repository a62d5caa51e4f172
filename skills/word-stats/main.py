"""Read {"text": TEXT, "top": N} on stdin; write counts and the N most frequent words."""

import json
import re
import sys
from collections import Counter


def main() -> int:
    request = json.load(sys.stdin)
    text = request["text"]
    words = re.findall(r"[\w']+", text.lower())
    top = Counter(words).most_common(int(request.get("top", 5)))
    json.dump(
        {"words": len(words), "lines": len(text.splitlines()), "top": top},
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
