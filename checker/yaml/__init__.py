"""All YAML goes through here: plain data plus the file:line:col of every node.

``load_file`` / ``load_text`` (in ``load``) compose with the safe loader and build the data
themselves (``build``), so duplicate keys, merge keys, alias bombs, deep nesting, bad UTF-8
and oversized files are findings; ``document`` holds the loaded mapping and its positions.
"""

from checker.yaml.document import Document, JsonPath, Position, walk_paths
from checker.yaml.load import MAX_FILE_BYTES, load_bytes, load_file, load_text

__all__ = [
    "MAX_FILE_BYTES",
    "Document",
    "JsonPath",
    "Position",
    "load_bytes",
    "load_file",
    "load_text",
    "walk_paths",
]
