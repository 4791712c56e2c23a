"""The testing guide, its reference and the tutorial say what the kit does.

Every ``python -m qmframe.testing.mutate`` and ``pytest`` command in a shell block of
docs/testing-plugins.md and docs/tutorial.md is run as written, and the lines of the
text block after it must appear in its output; the mutation scores in the guide's table
are the ones the shipped plugins get; every strategy documents each of its options
with its default.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import qmframe
from qmframe.testing import strategies
from qmframe.testing.mutate import mutation_score

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
TUTORIAL = DOCS / "tutorial" / "qmframe-repaircafe"


def _commands(page: Path) -> list[tuple[str, list[str]]]:
    """Each kit command of a page's sh blocks, with the lines of the text block after it."""
    text = page.read_text(encoding="utf-8")
    found = []
    pattern = r"```sh\n(.*?)```\s*(?:```text\n(.*?)```)?"
    for match in re.finditer(pattern, text, flags=re.DOTALL):
        commands = [
            line
            for line in match.group(1).splitlines()
            if line.startswith(("python -m qmframe.testing", "pytest "))
        ]
        shown = [line for line in (match.group(2) or "").splitlines() if line.strip()]
        found += [
            (command, shown if i == len(commands) - 1 else []) for i, command in enumerate(commands)
        ]
    return found


def _run(
    command: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    argv = command.split()
    if argv[0] == "python":
        argv[0] = sys.executable
    else:
        argv = [sys.executable, "-m", *argv, "-p", "no:cacheprovider"]
    return subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )


GUIDE = _commands(DOCS / "testing-plugins.md")


def test_the_guide_shows_the_kit_commands() -> None:
    assert [command for command, _ in GUIDE] == [
        "python -m qmframe.testing.mutate example-charter",
        "pytest --qmframe-mutation plugins/example/cases",
        "python -m qmframe.testing.mutate buttle-quality-mark --verbose",
    ]


@pytest.mark.parametrize(("command", "shown"), GUIDE, ids=[c for c, _ in GUIDE])
def test_each_command_of_the_guide_works_as_written(command: str, shown: list[str]) -> None:
    done = _run(command, ROOT)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    for line in shown:
        assert line in done.stdout, f"{line!r} not in:\n{done.stdout}"
    if command.startswith("pytest"):
        assert "example-charter: 21 of 21 mutants killed" in done.stdout


@pytest.fixture
def tutorial_installed(tmp_path: Path) -> dict[str, str]:
    """An environment where the tutorial's plugin is installed: its entry point and package."""
    dist = tmp_path / "qmframe_repaircafe-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: qmframe-repaircafe\nVersion: 0.1.0\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(
        "[qmframe]\nrepaircafe = qmframe_repaircafe\n", encoding="utf-8"
    )
    path = os.pathsep.join([str(tmp_path), str(TUTORIAL / "src")])
    return {**os.environ, "PYTHONPATH": path}


def test_each_command_of_the_tutorial_works_as_written(tutorial_installed: dict[str, str]) -> None:
    commands = _commands(DOCS / "tutorial.md")
    assert [command for command, _ in commands] == [
        "pytest qmframe-repaircafe",
        "python -m qmframe.testing.mutate repair-cafe",
    ]
    for command, shown in commands:
        done = _run(command, TUTORIAL.parent, env=tutorial_installed)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        for line in shown:
            assert line in done.stdout, f"{command}: {line!r} not in:\n{done.stdout}"


def _score_table() -> dict[str, tuple[str, ...]]:
    text = (DOCS / "testing-plugins.md").read_text(encoding="utf-8")
    table = text[text.index("| Framework | Killed |") :].split("\n\n")[0]
    rows = [line.strip("|").split("|") for line in table.splitlines()[2:]]
    return {cells[0].strip(): tuple(c.strip() for c in cells[1:]) for cells in rows}


def test_the_guide_gives_each_shipped_plugins_mutation_score() -> None:
    registry = qmframe.Registry()
    table = _score_table()
    assert set(table) == {
        "example-charter",
        "nnecl-quality-mark",
        "nasenco-qsf",
        "buttle-quality-mark",
    }
    for framework_id, (killed, equivalent, invalid, cases) in table.items():
        report = mutation_score(framework_id, registry=registry)
        assert report.ok, report.describe()
        counted = report.killed + report.survived
        assert (killed, equivalent, invalid, cases) == (
            f"{report.killed} of {counted}",
            str(report.equivalent),
            str(len(report.invalid)),
            str(report.cases),
        )


PUBLIC = [
    strategies.frameworks,
    strategies.scales,
    strategies.submissions,
    strategies.reviews,
    strategies.assessment_cases,
    strategies.likely_awards,
    strategies.texts,
    strategies.dates,
    strategies.invalid_frameworks,
    strategies.invalid_submissions,
    strategies.invalid_reviews,
]


@pytest.mark.parametrize("strategy", PUBLIC, ids=lambda f: f.__name__)
def test_every_strategy_documents_each_option_and_its_default(strategy: object) -> None:
    doc = inspect.getdoc(strategy) or ""
    for name, parameter in inspect.signature(strategy).parameters.items():  # type: ignore[arg-type]
        lines = [line for line in doc.splitlines() if f"``{name}``" in line]
        assert lines, f"{strategy.__name__}: option {name!r} is not described"  # type: ignore[attr-defined]
        if parameter.default is not inspect.Parameter.empty:
            assert any("(default" in line for line in lines), (
                f"{strategy.__name__}: option {name!r} does not say its default"  # type: ignore[attr-defined]
            )


def test_the_guide_shows_the_award_levels_liveness_and_award_rate_as_they_are() -> None:
    from qmframe.testing import invariants

    guide = (DOCS / "testing-plugins.md").read_text(encoding="utf-8")
    registry = qmframe.Registry()
    report = invariants.check_liveness("buttle-quality-mark", registry=registry)
    shown = [
        line
        for line in report.describe().splitlines()
        if "(level)" in line or line.startswith("  award level")
    ]
    assert len(shown) == 3
    assert "```text\n" + "\n".join(shown) + "\n```" in guide
    invariants.check_award_rate("buttle-quality-mark", registry=registry)
    counts = invariants.COUNTS[-1].describe()
    pattern = (
        r"`award-rate on buttle-quality-mark: 50 of 50 cases awarded, \d+ reached "
        r"'exemplary', 0 refused by the checks`"
    )
    assert re.fullmatch(pattern.strip("`"), counts), counts
    assert re.search(pattern, guide.replace("\n", " "))
