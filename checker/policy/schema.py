"""JSON Schema checks (draft 2020-12, shipped as package data) with positions.

Every schema error becomes a Finding at the file:line:col of the offending node;
an unexpected key is reported at the key itself.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from checker.findings import Finding
from checker.yaml import Document, JsonPath

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError


@cache
def validator(kind: str) -> Draft202012Validator | None:
    """The validator for one file kind; None when that part ships no schema."""
    from jsonschema import Draft202012Validator  # noqa: PLC0415 - costly; only validation needs it

    resource = resources.files("checker.policy") / "schemas" / f"{kind}.schema.json"
    if not resource.is_file():
        return None
    schema: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def check_document(document: Document, kind: str) -> list[tuple[Finding, JsonPath]]:
    """Schema findings for ``document`` validated as ``kind``, each with its node's path."""
    checker = validator(kind)
    if checker is None:
        return []
    return [
        (_to_finding(document, error), tuple(error.absolute_path))
        for error in checker.iter_errors(document.data)
    ]


def _to_finding(document: Document, error: ValidationError) -> Finding:
    path = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(schema.get("properties", {}))
        extras = sorted(k for k in error.instance if k not in allowed)
        if extras:
            known = ", ".join(sorted(allowed))
            return document.finding(
                (*path, extras[0]),
                "schema.unknown-key",
                f"unknown key {extras[0]!r}"
                + (f" (and {len(extras) - 1} more)" if extras[1:] else ""),
                hint=f"allowed keys: {known}",
                key=True,
            )
    if error.validator == "required":
        return document.finding(path, "schema.required", error.message)
    if error.validator == "oneOf" and path and path[0] == "cases":
        return document.finding(
            path, "schema.case-shape", "a test case needs either package and version, or skill"
        )
    if error.validator == "type" and isinstance(error.instance, int | float):
        where = ".".join(str(p) for p in path)
        return document.finding(
            path,
            "schema.type",
            f"{where}: {error.instance!r} is a number, a string is expected",
            hint="quote it: YAML reads 2.0 as the number 2.0",
        )
    where = ".".join(str(p) for p in path) or "document"
    return document.finding(path, f"schema.{error.validator}", f"{where}: {error.message}")
