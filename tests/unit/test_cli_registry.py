"""The lazy verb registry names every verb module's commands, and nothing else."""

from __future__ import annotations

import importlib

import click

from checker.cli import commands


def test_every_registered_verb_loads_under_its_name() -> None:
    for name in commands.VERBS:
        command = commands.load(name)
        assert command is not None
        assert command.name == name


def test_every_verb_module_command_is_registered() -> None:
    modules = {target.partition(":")[0] for target in commands.VERBS.values()}
    for module_name in modules:
        module = importlib.import_module(f"checker.cli.{module_name}")
        defined = [c for c in vars(module).values() if isinstance(c, click.Command)]
        nested = {
            id(sub) for c in defined if isinstance(c, click.Group) for sub in c.commands.values()
        }
        for command in defined:
            if id(command) not in nested:
                assert command.name in commands.VERBS, f"{module_name}: {command.name}"


def test_unknown_verb_is_none() -> None:
    assert commands.load("no-such-verb") is None
