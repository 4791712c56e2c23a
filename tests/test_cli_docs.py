"""docs/cli.md holds every command's ``--help``, written by cog; it must match the code."""

from __future__ import annotations

import io
from pathlib import Path

import click
import pytest
from cogapp import Cog

from qmframe.cli import cli

CLI_MD = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
FIX = "run `python -m cogapp -r docs/cli.md` and commit the result"


def cog_check(path: Path) -> tuple[int, str]:
    """Run ``cog --check --diff`` on ``path``: the exit status and what cog printed."""
    out = io.StringIO()
    cog = Cog()
    cog.set_output(stdout=out, stderr=out)
    status = cog.main(["cog", "--check", "--diff", "--check-fail-msg", FIX, str(path)])
    return status, out.getvalue()


def test_cli_page_matches_the_help() -> None:
    status, printed = cog_check(CLI_MD)
    assert status == 0, printed


def test_the_check_catches_drift(tmp_path: Path) -> None:
    text = CLI_MD.read_text(encoding="utf-8")
    stale = text.replace("  --review FILE", "  --review PATH", 1)
    assert stale != text
    copy = tmp_path / "cli.md"
    copy.write_text(stale, encoding="utf-8")
    status, printed = cog_check(copy)
    assert status != 0
    assert "--review PATH" in printed


def _paths(group: click.Group, prefix: str) -> list[str]:
    found = []
    for name, command in group.commands.items():
        found.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            found += _paths(command, f"{prefix} {name}")
    return found


@pytest.mark.parametrize("command", ["qmframe", *_paths(cli, "qmframe")])
def test_every_command_has_its_help_on_the_page(command: str) -> None:
    assert f"\nUsage: {command} [OPTIONS]" in CLI_MD.read_text(encoding="utf-8")
