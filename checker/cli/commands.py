"""The list of verbs; each lives in its own module under ``checker.cli``."""

from __future__ import annotations

import click

from checker.cli import lock_verbs, policy_verbs

ALL: list[click.Command] = [*policy_verbs.COMMANDS, *lock_verbs.COMMANDS]
