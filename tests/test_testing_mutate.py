"""Mutation scores: every mutant is made, tried against the tables and properties, and scored."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import kit_fixtures
import pytest

import qmframe
from qmframe.testing.mutate import main, mutants, mutation_score
from qmframe.testing.tables import load_table


def builtins() -> qmframe.Registry:
    return qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))


def test_every_operator_makes_its_mutants() -> None:
    valid, invalid = mutants(kit_fixtures.framework(), builtins())
    assert [m.id for m in valid] == [
        "drop:criteria-mid",
        "inform:criteria-mid",
        "level-down:criteria-mid",
        "level-up:criteria-mid",
        "scope-narrow:criteria-mid:a",
        "scope-narrow:criteria-mid:b",
        "drop:section-a-mid",
        "inform:section-a-mid",
        "level-down:section-a-mid",
        "level-up:section-a-mid",
        "scope-widen:section-a-mid:b",
        "drop:evidence",
        "inform:evidence",
        "scope-narrow:evidence:a",
        "scope-narrow:evidence:b",
        "drop:plan",
        "inform:plan",
        "count-up:plan",
        "drop:strong",
        "scope-narrow:strong:a",
        "scope-narrow:strong:b",
    ]
    # min_items 0 does not check. Widening the criteria rule is no mutant: it has all.
    assert [m.id for m in invalid] == ["count-down:plan"]


TABLE = """\
    framework = "kit"
    base = "kit-college"

    [[case]]
    id = "as-sent"
    [case.expect]
    status = "awarded"
    failing = []

    [[case]]
    id = "a1-low"
    levels = { a1 = "low" }
    [case.expect]
    status = "not-awarded"
"""


class KitPlugin:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @qmframe.hookimpl
    def qmframe_register_frameworks(self, register: Callable[[object], None]) -> None:
        fw = kit_fixtures.framework()
        # The shadowed section rule is left out: the kit would (rightly) refuse to score.
        register(
            kit_fixtures.with_rules(fw, *(r for r in fw.decision.rules if r.id != "section-a-mid"))
        )

    @qmframe.hookimpl
    def qmframe_register_examples(self, register: Callable[[qmframe.Example], None]) -> None:
        register(
            qmframe.Example(
                name="kit-college",
                framework="kit",
                title="A college",
                submission=self.folder / "submission.toml",
                as_of="2026-01-01",
            )
        )


@pytest.fixture
def registry(tmp_path: Path, qmframe_register: Callable[..., qmframe.Registry]) -> qmframe.Registry:
    qmframe.write_toml(tmp_path / "submission.toml", kit_fixtures.passing_case().submission)
    return qmframe_register(KitPlugin(tmp_path))


def _tables(tmp_path: Path, extra: str = "") -> list:
    path = tmp_path / "kit.cases.toml"
    path.write_text(textwrap.dedent(TABLE) + textwrap.dedent(extra), encoding="utf-8")
    return [load_table(path)]


def test_weak_tables_leave_survivors_and_more_cases_kill_them(
    tmp_path: Path, registry: qmframe.Registry
) -> None:
    weak = mutation_score("kit", registry=registry, tables=_tables(tmp_path))
    assert weak.problems == ()
    assert {r.mutant.id for r in weak.of("survived")} == {
        "scope-narrow:criteria-mid:b",
        "drop:evidence",
        "inform:evidence",
        "scope-narrow:evidence:b",
        "drop:plan",
        "inform:plan",
        "drop:strong",
        "scope-narrow:strong:a",
        "scope-narrow:strong:b",
    }
    # Liveness kills what no case looks at: an evidence rule left with only b1, which
    # asks for no evidence, can never fail.
    killed = {r.mutant.id: r.by for r in weak.of("killed")}
    assert killed["scope-narrow:evidence:a"].startswith(
        "killed by rule liveness: evidence (require): dead"
    )
    assert not weak.ok
    assert (
        weak.summary() == "kit: 7 of 16 mutants killed (0 equivalent, 1 not valid, 2 table cases)"
    )

    strong = mutation_score("kit", registry=registry, tables=_tables(tmp_path, STRONGER))
    assert strong.ok, strong.describe()
    assert (strong.killed, strong.survived, strong.equivalent) == (15, 0, 1)
    assert strong.describe().splitlines()[1:] == [
        "  equivalent  scope-narrow:evidence:b  (rule 'evidence': section 'b' taken out of "
        "the scope)",
        "                b1 asks for no evidence",
    ]


STRONGER = """
    [[case]]
    id = "every-section-strong"
    levels = { a1 = "high", a2 = "high", b1 = "high" }
    [case.expect]
    status = "awarded"
    highlights = ["a", "b"]

    [[case]]
    id = "b1-low"
    levels = { b1 = "low" }
    [case.expect]
    status = "not-awarded"
    unmet = ["b1"]

    [[case]]
    id = "no-document"
    drop_evidence = ["e1"]
    [case.expect]
    status = "not-awarded"

    [[case]]
    id = "no-plan"
    drop_actions = ["*"]
    [case.expect]
    status = "not-awarded"

    [[equivalent]]
    mutant = "scope-narrow:evidence:b"
    reason = "b1 asks for no evidence"
"""


def test_an_equivalent_mutant_that_is_killed_or_unknown_is_a_problem(
    tmp_path: Path, registry: qmframe.Registry
) -> None:
    extra = (
        STRONGER
        + """
    [[equivalent]]
    mutant = "drop:plan"
    reason = "it is not"

    [[equivalent]]
    mutant = "drop:nothing"
    reason = "no such mutant"
    """
    )
    report = mutation_score("kit", registry=registry, tables=_tables(tmp_path, extra))
    assert report.problems == (
        "equivalent mutant 'drop:nothing' is not one of this framework's mutants",
        "mutant 'drop:plan' is listed as equivalent, but killed by case 'no-plan': status: "
        "expected 'not-awarded', got 'awarded'",
    )
    assert not report.ok
    assert report.summary() == "kit: no mutation score, the framework's own checks fail"


def test_a_failing_table_case_means_no_score(tmp_path: Path, registry: qmframe.Registry) -> None:
    report = mutation_score(
        "kit",
        registry=registry,
        tables=_tables(
            tmp_path,
            """
            [[case]]
            id = "wrong"
            [case.expect]
            status = "not-awarded"
            """,
        ),
    )
    assert report.problems == ("case 'wrong' fails: status: expected 'not-awarded', got 'awarded'",)


def test_the_command_shows_the_score_and_exits_by_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["example-charter"]) == 0
    assert capsys.readouterr().out == (
        "example-charter: 21 of 21 mutants killed (0 equivalent, 1 not valid, 17 table cases)\n"
    )
    assert main(["no-such-framework"]) == 2
    assert "unknown framework 'no-such-framework'" in capsys.readouterr().err


def test_the_command_runs_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "qmframe.testing.mutate", "--verbose", "nasenco-qsf"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert (
        lines[0]
        == "nasenco-qsf: 17 of 17 mutants killed (0 equivalent, 0 not valid, 19 table cases)"
    )
    assert (
        "  killed      drop:validating-university  (rule 'validating-university' dropped)" in lines
    )


def test_the_command_takes_tables_from_a_folder(tmp_path: Path) -> None:
    (tmp_path / "weak.cases.toml").write_text(
        textwrap.dedent(
            """\
            framework = "example-charter"
            base = "example-riverside"
            [[case]]
            id = "as-sent"
            [case.expect]
            status = "charter-awarded"
            """
        ),
        encoding="utf-8",
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "qmframe.testing.mutate",
            "example-charter",
            "--cases",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "  survived    drop:strong-sections  (rule 'strong-sections' dropped)" in done.stdout
