"""docs/badges.md: its commands cover the whole path, and what its prose promises holds.

``tests/test_docs.py`` runs every console block of every page (output lines checked);
this file checks what is particular to the badges page: that issuing, signing,
publishing the key and the lists, and verifying are all shown as commands that run,
and the claim, made in prose, about verifying after the withdrawal.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import tomllib
from pathlib import Path

import pytest
from test_docs import DOCS, ROOT, blocks, run_console

from qmframe.cli import main

PAGE = DOCS / "badges.md"


def _console_commands() -> list[list[str]]:
    return [
        shlex.split(line[2:])
        for block in blocks(PAGE)
        if block.lang == "console"
        for line in block.body.splitlines()
        if line.startswith("$ ")
    ]


def test_every_step_is_a_command_that_runs() -> None:
    shown = {" ".join(argv[1:3]) for argv in _console_commands()}
    steps = {
        "register add", "register badge", "register keygen", "register issuer-profile",
        "register status-list", "register verify", "register event",
    }  # fmt: skip
    assert steps <= shown
    signed = [argv for argv in _console_commands() if argv[1:3] == ["register", "badge"]]
    assert any("--sign" in argv for argv in signed)
    assert any("--sign" not in argv for argv in signed)  # the unsigned default, too


def test_the_install_step_names_a_real_extra() -> None:
    (line,) = [line for b in blocks(PAGE) if b.lang == "sh" for line in b.body.splitlines() if line]
    extra = re.fullmatch(r'pip install -e "\.\[(\w+)\]"', line)
    assert extra is not None, line
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert any(
        req.startswith("joserfc") for req in project["project"]["optional-dependencies"][extra[1]]
    )


def test_after_the_withdrawal_verify_exits_2_as_the_page_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("joserfc", reason="the page signs; signing needs the sign extra")
    (tmp_path / "plugins").symlink_to(ROOT / "plugins")
    monkeypatch.chdir(tmp_path)
    for block in blocks(PAGE):
        if block.lang == "console":
            run_console(block)
    text = " ".join(PAGE.read_text(encoding="utf-8").split())
    claim = re.search(
        r"`(qmframe register verify [^`]+)` prints the same problem and exits with 2", text
    )
    assert claim is not None
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(shlex.split(claim[1])[1:])
    assert code == 2
    assert "riverside.jwt: credentialStatus: revoked: the issuer's revocation list flags it" in (
        err.getvalue()
    )
