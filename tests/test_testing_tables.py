"""Decision tables: read with located problems, built as they say, compared key by key."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import kit_fixtures
import pytest

import qmframe
from qmframe.testing.tables import find_tables, load_table, run_case, run_table


class KitPlugin:
    """Supplies the kit framework and a registered example of it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @qmframe.hookimpl
    def qmframe_register_frameworks(self, register: Callable[[object], None]) -> None:
        register(kit_fixtures.framework())

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


def _table(tmp_path: Path, text: str, name: str = "kit.cases.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_table_with_mistakes_lists_every_problem_where_it_is(tmp_path: Path) -> None:
    path = _table(
        tmp_path,
        """\
        framework = "kit"
        [[case]]
        id = "one"
        base = "kit-college"
        submission = "submission.toml"
        [case.expect]
        status = "awarded"
        refused = ["x"]
        [[case]]
        id = "one"
        [case.expect]
        [[equivalent]]
        mutant = "drop:plan"
        reason = " "
        """,
    )
    with pytest.raises(qmframe.ValidationError) as caught:
        load_table(path)
    found = [(p.path, p.code) for p in caught.value.problems]
    assert found == [
        ("case[0].expect.refused", "inconsistent"),
        ("case[0].base", "inconsistent"),
        ("case[1].id", "duplicate-id"),
        ("case[1].expect.status", "missing-value"),
        ("case[1].as_of", "missing-value"),
        ("equivalent[0].reason", "missing-value"),
    ]
    assert all(p.file == str(path) for p in caught.value.problems)


def test_an_unknown_key_is_located(tmp_path: Path) -> None:
    path = _table(
        tmp_path,
        """\
        framework = "kit"
        as_of = 2026-01-01
        [[case]]
        id = "typo"
        [case.expect]
        stauts = "awarded"
        """,
    )
    with pytest.raises(qmframe.ValidationError) as caught:
        load_table(path)
    [problem] = caught.value.problems
    assert (problem.path, problem.message) == ("case[0].expect", "unknown key 'stauts'")


def test_a_case_from_an_example_with_changes_and_every_expectation(
    tmp_path: Path, registry: qmframe.Registry
) -> None:
    table = load_table(
        _table(
            tmp_path,
            """\
            framework = "kit"
            base = "kit-college"
            [[case]]
            id = "b1-low-and-a-strong"
            levels = { b1 = "low", a = "high" }
            [case.expect]
            status = "not-awarded"
            passed = false
            basis = "self-certified"
            failing = ["criteria-mid"]
            unmet = ["b1"]
            highlights = ["a"]
            holds = { plan = true, strong = true }
            """,
        )
    )
    [result] = run_table(table, registry)
    assert result.ok, result.describe()
    assert result.assessed is not None
    assert {r.target: r.level for r in result.assessed.submission.ratings} == {
        "a1": "high",
        "a2": "high",
        "b1": "low",
    }


def test_a_failing_case_says_what_was_expected_and_shows_the_explanation(
    tmp_path: Path, registry: qmframe.Registry
) -> None:
    table = load_table(
        _table(
            tmp_path,
            """\
            framework = "kit"
            base = "kit-college"
            [[case]]
            id = "wrong"
            source = "a made-up rule"
            drop_actions = ["*"]
            [case.expect]
            status = "awarded"
            failing = []
            unmet = []
            holds = { nope = true }
            award_level = "gold"
            """,
        )
    )
    [result] = run_table(table, registry)
    assert list(result.mismatches) == [
        "status: expected 'awarded', got 'not-awarded'",
        "award_level: expected 'gold', got ''",
        "unmet: expected [], got ['action-plan']",
        "failing: expected [], got ['plan']",
        "holds.nope: expected True, but the rule is not in the explanation",
    ]
    text = result.describe()
    assert "case 'wrong': the decision is not what the table expects" in text
    assert "(expected because: a made-up rule)" in text
    assert "FAILS  plan (action-plan, require): saw 0 action-plan item(s), 0 open" in text
    assert text.endswith("unmet: ['action-plan']")


def test_refusals_are_expected_by_path(tmp_path: Path, registry: qmframe.Registry) -> None:
    table = load_table(
        _table(
            tmp_path,
            """\
            framework = "kit"
            base = "kit-college"
            [[case]]
            id = "unknown-level"
            levels = { a2 = "nope" }
            [case.expect]
            refused = ["ratings[1].level"]
            [[case]]
            id = "unexpected"
            levels = { a2 = "nope" }
            [case.expect]
            status = "awarded"
            [[case]]
            id = "not-refused"
            [case.expect]
            refused = ["ratings[0].level"]
            """,
        )
    )
    results = run_table(table, registry)
    assert [r.mismatches for r in results] == [
        (),
        ("refused by the checks, at ['ratings[1].level']",),
        ("refused: expected the checks to refuse it at ['ratings[0].level']",),
    ]
    assert "refused by the checks:" in results[1].describe()


def test_a_case_written_out_as_ratings_and_a_panel(tmp_path: Path) -> None:
    text = kit_fixtures.FRAMEWORK.replace(
        "[review]\nrequired = false", "[review]\nmin_reviewers = 2\ncombine = 'lowest'"
    )

    class Plugin:
        @qmframe.hookimpl
        def qmframe_register_frameworks(self, register: Callable[[object], None]) -> None:
            register(kit_fixtures.framework(text))

    registry = qmframe.Registry(
        qmframe.get_plugin_manager(load_entrypoints=False, plugins=[Plugin()])
    )
    table = load_table(
        _table(
            tmp_path,
            """\
            framework = "kit"
            as_of = 2026-01-01
            [[case]]
            id = "split-panel"
            organisation = { kind = "school" }
            levels = { a1 = "mid" }
            panel = { a2 = ["high", "low"] }
            add_evidence = [{ id = "e1", type = "doc", title = "Policy", criteria = ["a1"] }]
            add_actions = [{ id = "act", action = "Do more" }]
            [case.expect]
            status = "not-awarded"
            failing = ["criteria-mid", "section-a-mid"]
            unmet = ["a2", "a"]
            """,
        )
    )
    [result] = run_table(table, registry)
    assert result.ok, result.describe()
    assert result.assessed is not None
    assert result.assessed.review is not None
    assert [(j.target, j.reviewer, j.level) for j in result.assessed.review.judgements] == [
        ("a1", "reviewer-1", "mid"),
        ("a1", "reviewer-2", "mid"),
        ("a2", "reviewer-1", "high"),
        ("a2", "reviewer-2", "low"),
    ]


def test_a_submission_beside_the_table(tmp_path: Path, registry: qmframe.Registry) -> None:
    folder = tmp_path / "cases"
    folder.mkdir()
    qmframe.write_toml(folder / "sub.toml", kit_fixtures.passing_case().submission)
    table = load_table(
        _table(
            folder,
            """\
            framework = "kit"
            submission = "sub.toml"
            as_of = 2026-01-01
            [[case]]
            id = "as-sent"
            [case.expect]
            status = "awarded"
            valid_until = 2026-12-31
            """,
        )
    )
    [result] = run_table(table, registry)
    # The kit framework declares no validity: an award with no end date.
    assert result.mismatches == ("valid_until: expected datetime.date(2026, 12, 31), got None",)


def test_an_unknown_base_example_is_a_located_error(
    tmp_path: Path, registry: qmframe.Registry
) -> None:
    table = load_table(
        _table(
            tmp_path,
            """\
            framework = "kit"
            base = "no-such-example"
            as_of = 2026-01-01
            [[case]]
            id = "x"
            [case.expect]
            status = "awarded"
            """,
        )
    )
    with pytest.raises(qmframe.ValidationError, match="unknown example 'no-such-example'"):
        run_case(table, table.case[0], registry)


def test_tables_are_found_by_framework_in_the_given_folders(
    tmp_path: Path, registry: qmframe.Registry
) -> None:
    _table(tmp_path, 'framework = "kit"\n', "a.cases.toml")
    _table(tmp_path, 'framework = "other"\n', "b.cases.toml")
    (tmp_path / "sub").mkdir()
    _table(tmp_path / "sub", 'framework = "kit"\n', "c.cases.toml")
    _table(tmp_path, 'framework = "kit"\n', "not-a-table.toml")
    found = find_tables("kit", registry, folders=[tmp_path])
    assert [Path(t.path).name for t in found] == ["a.cases.toml", "c.cases.toml"]


def test_the_shipped_plugins_tables_are_in_their_packages() -> None:
    registry = qmframe.Registry()
    for framework_id in ("example-charter", "nnecl-quality-mark", "nasenco-qsf"):
        tables = find_tables(framework_id, registry)
        assert [t.framework for t in tables] == [framework_id]
        assert "site-packages" in tables[0].path or "dist-packages" in tables[0].path
