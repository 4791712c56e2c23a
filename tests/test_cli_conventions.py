"""The command line's conventions: version, help, examples, JSON, completion, colour, start-up."""

from __future__ import annotations

import inspect
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import core_fixtures
import pytest

import qmframe
from qmframe import api
from qmframe.cli import cli, main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated_registry(monkeypatch: pytest.MonkeyPatch, registry: qmframe.Registry) -> None:
    monkeypatch.setattr(api, "_default", qmframe.Registry())
    monkeypatch.delenv("NO_COLOR", raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def commands(
    group: click.Group = cli, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command and group under ``qmframe``, with the words that run it."""
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from commands(command, (*prefix, name))


ALL = [((), cli), *commands()]


def _id(item: tuple[tuple[str, ...], click.Command]) -> str:
    return " ".join(("qmframe", *item[0]))


def examples(command: click.Command) -> list[str]:
    """The lines of a command's ``Examples:`` section."""
    text = inspect.cleandoc(command.help or "")
    _, found, section = text.partition("\b\nExamples:\n")
    assert found, f"no Examples section in {command.name}'s help"
    return [line.strip() for line in section.split("\n\n")[0].splitlines() if line.strip()]


# -- --version and help --------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--version")
    assert (code, out, err) == (0, f"qmframe {qmframe.__version__}\n", "")


def test_help_exits_0_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--help")
    assert (code, err) == (0, "")
    assert out.startswith("Usage: qmframe [OPTIONS] COMMAND [ARGS]...")
    # Commands listed in the order they were added, as before the move to click.
    listed = [line.split()[0] for line in out.split("Commands:\n")[1].splitlines()]
    assert [w for w in listed if w in cli.commands] == list(cli.commands)
    code, out, _ = run(capsys, "register", "add", "-h")
    assert code == 0
    assert out.startswith("Usage: qmframe register add [OPTIONS] FRAMEWORK [SUBMISSION]")


@pytest.mark.parametrize(("words", "command"), ALL, ids=[_id(c) for c in ALL])
def test_every_command_is_described_with_examples(
    words: tuple[str, ...], command: click.Command
) -> None:
    help_text = inspect.cleandoc(command.help or "")
    paragraphs = [p for p in help_text.split("\n\n") if p.strip()]
    # A one-line summary, then at least one paragraph of description, then the examples.
    assert len(paragraphs) >= 3, help_text
    assert "Examples:" in paragraphs[-1]
    assert command.short_help or not words, "the command list shows a short help"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{' '.join(words)} {param.opts[0]} has no help"
        else:  # click arguments take no help: the description names each one
            assert param.human_readable_name.strip("[].") in help_text, param.name
    assert examples(command)


@pytest.mark.parametrize(("words", "command"), ALL, ids=[_id(c) for c in ALL])
def test_every_example_parses_and_runs_its_own_command(
    words: tuple[str, ...],
    command: click.Command,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each example is accepted as written: options exist, values have the right type."""
    ran: list[tuple[str, dict[str, Any]]] = []
    for _, each in commands():
        if each.callback is not None and not isinstance(each, click.Group):

            def record(name: str = each.name or "", **kwargs: Any) -> int:
                ran.append((name, kwargs))
                return 0

            monkeypatch.setattr(each, "callback", record)
    for line in examples(command):
        argv = shlex.split(line)
        assert argv[0] == "qmframe", line
        ran.clear()
        code, _, err = run(capsys, *argv[1:])
        assert code == 0, f"{line!r}: {err}"
        if "--help" in argv:
            continue
        assert len(ran) == 1, line
        if words and not isinstance(command, click.Group):
            assert ran[0][0] == words[-1], line


# -- --json --------------------------------------------------------------------------------


def test_frameworks_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "frameworks", "--json")
    assert code == 0
    listed = json.loads(out)
    found = api.default_registry().frameworks()
    assert [f["id"] for f in listed] == sorted(found)
    for item in listed:
        assert set(item) == {"id", "version", "title", "plugin"}
        registered = found[item["id"]]
        assert (item["version"], item["title"], item["plugin"]) == (
            registered.value.version,
            registered.value.title,
            registered.plugin,
        )
    _, text, _ = run(capsys, "frameworks")
    assert [line.split()[0] for line in text.splitlines()[1:]] == [f["id"] for f in listed]


def test_validate_json(
    write: Callable[..., Path], mini: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(
        "bad.toml",
        core_fixtures.FRAMEWORK.replace('scale = "lvl"\naggregate', 'scale = "qm5"\naggregate'),
    )
    broken = write("broken.toml", "a = [")
    code, out, err = run(
        capsys,
        "validate",
        "--json",
        str(mini["framework"]),
        str(bad),
        str(broken),
        str(mini["submission"]),
    )
    assert (code, err) == (2, "")
    results = json.loads(out)
    assert [(r["file"], r["kind"], r["ok"]) for r in results] == [
        (str(mini["framework"]), "framework", True),
        (str(bad), "framework", False),
        (str(broken), None, False),
        (str(mini["submission"]), "submission", False),  # names no installed framework
    ]
    problem = next(p for p in results[1]["problems"] if "qm5" in p["message"])
    assert problem == {
        "file": str(bad),
        "path": "sections[0].scale",
        "severity": "error",
        "message": "unknown scale 'qm5'",
    }
    assert all(set(p) == {"file", "path", "severity", "message"} for p in results[2]["problems"])
    code, out, _ = run(
        capsys, "validate", "--json", "--framework", str(mini["framework"]), str(mini["review"])
    )
    assert code == 0
    assert json.loads(out) == [
        {"file": str(mini["review"]), "kind": "review", "ok": True, "problems": []}
    ]


def test_demo_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo", "--list", "--json")
    assert code == 0
    listed = json.loads(out)
    examples_ = api.default_registry().examples
    assert [e["name"] for e in listed] == list(examples_)
    riverside = next(e for e in listed if e["name"] == "example-riverside")
    assert riverside == {
        "name": "example-riverside",
        "title": examples_["example-riverside"].value.title,
        "framework": "example-charter",
        "plugin": examples_["example-riverside"].plugin,
        "demo": examples_["example-riverside"].value.demo,
    }
    code, _, err = run(capsys, "demo", "--json")
    assert code == 2
    assert "--json goes with --list" in err


# -- shell completion ----------------------------------------------------------------------


def test_completion_script(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("_QMFRAME_COMPLETE", "bash_source")
    code, out, _ = run(capsys)
    assert code == 0
    assert "_qmframe_completion()" in out
    assert "complete -o nosort -F _qmframe_completion qmframe" in out


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("qmframe ass", "plain,assess"),
        ("qmframe register hi", "plain,history"),
        ("qmframe assess example-ch", "plain,example-charter"),  # an installed framework
        ("qmframe assess no-such-thing", "file,no-such-thing"),  # else a file name
        ("qmframe demo example-riv", "plain,example-riverside"),
        ("qmframe schema sub", "plain,submission"),
    ],
)
def test_completions(
    words: str,
    expected: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("_QMFRAME_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", words)
    monkeypatch.setenv("COMP_CWORD", str(len(words.split()) - 1))
    code, out, _ = run(capsys)
    assert code == 0
    assert out.splitlines() == [expected]


def _installed_command() -> str:
    found = shutil.which("qmframe", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("the qmframe script is not installed beside this Python")
    return found


def test_completion_script_from_the_installed_command() -> None:
    done = subprocess.run(
        [_installed_command()],
        env={**os.environ, "_QMFRAME_COMPLETE": "bash_source"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "complete -o nosort -F _qmframe_completion qmframe" in done.stdout


def _setup_line(shell: str) -> str:
    """The one-line set-up docs/cli.md gives for ``shell``."""
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    lines = [
        line.strip() for line in text.splitlines() if f"_QMFRAME_COMPLETE={shell}_source" in line
    ]
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize(
    ("shell", "check"),
    [
        ("bash", "complete -p qmframe"),
        ("zsh", "whence -w _qmframe_completion"),
        ("fish", "complete -c qmframe | string match -q '*_qmframe_completion*'"),
    ],
)
def test_documented_completion_setup_works(shell: str, check: str) -> None:
    binary = shutil.which(shell)
    if binary is None:
        pytest.skip(f"{shell} is not installed")
    command = Path(_installed_command())
    line = _setup_line(shell)
    env = {**os.environ, "PATH": f"{command.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    script = f"{line}\n{check}\n"
    if shell == "zsh":
        script = "autoload -Uz compinit && compinit -u\n" + script
    done = subprocess.run(
        [binary, "-c", script], env=env, capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    if shell == "bash":
        assert done.stdout.strip() == "complete -o nosort -F _qmframe_completion qmframe"


# -- colour --------------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("terminal", "no_color", "coloured"),
    [(True, None, True), (True, "1", False), (False, None, False), (True, "", True)],
    ids=["terminal", "terminal-NO_COLOR", "pipe", "terminal-empty-NO_COLOR"],
)
def test_colour_only_on_a_terminal_without_no_color(
    mini: dict[str, Path],
    write: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    terminal: bool,
    no_color: str | None,
    coloured: bool,
) -> None:
    if no_color is not None:
        monkeypatch.setenv("NO_COLOR", no_color)
    stdout, stderr = (Terminal(), Terminal()) if terminal else (io.StringIO(), io.StringIO())
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)
    bad = write("bad.toml", "a = [")
    assert main(["validate", str(mini["framework"]), str(bad)]) == 2
    out, err = stdout.getvalue(), stderr.getvalue()
    assert (click.style(f"{mini['framework']}: ok", fg="green") in out) is coloured
    assert (click.style(f"{bad}: 1 problem", fg="red") in err) is coloured
    assert ("\x1b[" in out + err) is coloured
    assert click.unstyle(out).splitlines() == [f"{mini['framework']}: ok"]


# -- start-up ------------------------------------------------------------------------------

HEAVY = (
    "qmframe.api",
    "qmframe.plugins",
    "qmframe.engine",
    "qmframe.files",
    "qmframe.schema",
    "qmframe._convert",
    "qmframe.awards.register",
    "cattrs",
    "jinja2",
    "sqlite3",
)


@pytest.mark.parametrize("argv", [["--help"], ["assess", "--help"], ["register", "add", "-h"]])
def test_help_loads_no_plugin_and_no_framework(argv: list[str]) -> None:
    code = (
        "import sys\n"
        "from qmframe.cli import main\n"
        f"assert main({argv!r}) == 0\n"
        f"print(sorted(m for m in sys.modules if m.startswith({HEAVY!r})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"


def test_assess_does_not_build_the_register_commands() -> None:
    # qmframe.awards.commands builds some forty click commands; `assess` needs none of them,
    # and `--help` (which lists them) and the register's own commands load them.
    code = (
        "import sys\n"
        "from qmframe.cli import cli, main\n"
        "assert main(['assess', '--help']) == 0\n"
        "print('qmframe.awards.commands' in sys.modules)\n"
        "print(cli.commands['rescore'].name, 'qmframe.awards.commands' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-2:] == ["False", "rescore True"]


# -- progress ------------------------------------------------------------------------------


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "pipe"])
def test_rescore_draws_progress_only_on_a_terminal(
    write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, terminal: bool
) -> None:
    framework = write("mini.toml", core_fixtures.FRAMEWORK)
    for case in ("one", "two", "three"):
        write(f"cases/{case}/submission.toml", core_fixtures.SUBMISSION)
    stdout, stderr = io.StringIO(), (Terminal() if terminal else io.StringIO())
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)
    folder = framework.parent / "cases"
    assert main(["rescore", str(framework), str(framework), str(folder), "--all"]) == 0
    assert "0 of 3 decisions would change" in stdout.getvalue()
    if terminal:
        assert stderr.getvalue().count("\rrescoring [") == 3
        assert stderr.getvalue().endswith("3/3\n")
    else:
        assert stderr.getvalue() == ""
