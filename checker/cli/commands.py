"""Where each verb lives: name -> ``module:attribute`` under ``checker.cli``.

Verbs are imported only when invoked (or listed by ``--help``), so that
``skillgate run`` does not pay for importing the scanner, and ``skillgate check``
does not pay for docker-py.
"""

from __future__ import annotations

import importlib

import click

VERBS: dict[str, str] = {
    "validate": "policy_verbs:validate",
    "test": "policy_verbs:test_cmd",
    "compile": "policy_verbs:compile_cmd",
    "check": "policy_verbs:check",
    "gate": "policy_verbs:gate",
    "diff": "diff_verbs:diff_cmd",
    "approve": "edit_verbs:approve_cmd",
    "ban": "edit_verbs:ban_cmd",
    "graduate": "edit_verbs:graduate_cmd",
    "demote": "edit_verbs:demote_cmd",
    "serve": "serve_verbs:serve_cmd",
    "token": "service_verbs:token_group",
    "keygen": "service_verbs:keygen",
    "audit": "audit_verbs:audit_group",
    "lock": "lock_verbs:lock_cmd",
    "tree": "lock_verbs:tree_cmd",
    "db": "db_verbs:db_group",
    "scan": "scan_verbs:scan",
    "build": "sandbox_verbs:build_cmd",
    "run": "sandbox_verbs:run_cmd",
    "sandbox": "sandbox_verbs:sandbox_group",
    "sbom": "image_verbs:sbom_cmd",
    "verify-image": "image_verbs:verify_image_cmd",
    "scan-images": "image_verbs:scan_images_cmd",
}


def load(name: str) -> click.Command | None:
    """The command for verb ``name``, importing its module; None for an unknown verb."""
    target = VERBS.get(name)
    if target is None:
        return None
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(f"checker.cli.{module_name}")
    command = getattr(module, attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{target} is not a click command")
    return command
