"""The one place that turns per-level limits into ``containers.create`` keyword arguments.

The base of every container (image, command, environment, stdin for the payload) is set
here; every control of the checklist contributes its own arguments from
``sandbox.controls.CONTROLS``, the table that ``sandbox.verify`` checks live containers
against. Two controls that ask for the same argument must agree, or nothing is created.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from checker.policy.sandbox import Limits
from sandbox.controls import CONTROLS, TMP_PATH


def create_kwargs(
    *,
    image: str,
    command: Sequence[str],
    limits: Limits,
    labels: Mapping[str, str],
    working_dir: str = "/opt/skill",
) -> dict[str, Any]:
    """Keyword arguments for ``client.containers.create`` implementing every control."""
    kwargs: dict[str, Any] = {
        "image": image,
        "command": list(command),
        "entrypoint": [],
        "working_dir": working_dir,
        "environment": {"HOME": TMP_PATH, "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8"},
        "labels": dict(labels),
        # The payload arrives on stdin; stdout/stderr are read from the attach stream.
        "stdin_open": True,
        "tty": False,
        "auto_remove": False,
    }
    for control in CONTROLS:
        for key, value in control.apply(limits).items():
            if key == "labels":
                kwargs["labels"].update(value)
            elif key in kwargs and kwargs[key] != value:
                raise ValueError(f"control {control.id} disagrees on {key}: {value!r}")
            else:
                kwargs[key] = value
    return kwargs
