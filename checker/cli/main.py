"""The ``skillgate`` entry point: one group, verbs registered from their modules.

Every error is mapped to the exit-code contract here, in one place: a
``SkillgateError`` prints one ``Error: ...`` line and exits with its code; anything
unexpected is an internal error, exit 3 (could not decide), with the traceback only
behind ``--traceback`` or ``SKILLGATE_TRACEBACK=1``.
"""

from __future__ import annotations

import traceback
from typing import Any

import click

from checker.cli import commands
from checker.exit_codes import ExitCode, PolicyError, SkillgateError


class SkillgateGroup(click.Group):
    """A click group that loads verbs lazily and maps every failure onto the exit-code
    contract."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(commands.VERBS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return commands.load(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.UsageError):
            raise
        except click.exceptions.Abort:
            click.echo("Error: interrupted", err=True)
            ctx.exit(ExitCode.UNDECIDED)
        except KeyboardInterrupt:
            click.echo("Error: interrupted", err=True)
            ctx.exit(ExitCode.UNDECIDED)
        except PolicyError as exc:
            from checker.reporters import text  # noqa: PLC0415 - only on this path

            rendered = text.render(exc.findings)
            if rendered:
                click.echo(rendered, err=True, nl=False)
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except SkillgateError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            ctx.exit(ExitCode.USAGE)
        except Exception as exc:  # noqa: BLE001 - the one place that turns crashes into exit 3
            click.echo(f"Error: internal error: {type(exc).__name__}: {exc}", err=True)
            if ctx.find_root().params.get("show_traceback"):
                click.echo(traceback.format_exc(), err=True)
            else:
                click.echo("(run with --traceback for details)", err=True)
            ctx.exit(ExitCode.UNDECIDED)


@click.group(cls=SkillgateGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--traceback",
    "show_traceback",
    is_flag=True,
    envvar="SKILLGATE_TRACEBACK",
    help="Print the traceback of internal errors.",
)
@click.version_option(package_name="skillgate")
def cli(show_traceback: bool) -> None:
    """skillgate: which third-party packages may AI agents' skills use.

    Exit codes: 0 ok; 1 findings or deny; 2 usage error; 3 could not decide.
    """


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="skillgate")


if __name__ == "__main__":
    main()
