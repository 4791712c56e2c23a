"""Framework versions: the diff between two, and re-scoring past submissions under a new one."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import attrs
import core_fixtures
import pytest
from hypothesis import HealthCheck, given, settings

import qmframe
from qmframe.awards.commands import Progress
from qmframe.awards.versions import Case, adapt, diff, rescore
from qmframe.cli import main
from qmframe.testing.strategies import AssessmentCase, assessment_cases


def _v3(text: str) -> str:
    """Version 3 of the mini framework: one criterion reworded, one changed, one retired,
    one added, a rule tightened and a new rule."""
    text = text.replace('version = "2"', 'version = "3"')
    text = text.replace('title = "A one"', 'title = "A one, reworded"')
    text = text.replace(
        'id = "a2"\ntitle = "A two"\nmappings = { los = ["O2"] }\n',
        'id = "a2"\ntitle = "A two"\nmappings = { los = ["O2", "O3"] }\n',
    )
    text = text.replace(
        '[[sections.criteria]]\nid = "b2"\ntitle = "B two"\nnot_applicable_allowed = true\n',
        '[[sections.criteria]]\nid = "b3"\ntitle = "B three (new)"\n',
    )
    return text.replace(
        'id = "plan"\nkind = "action-plan"\n',
        'id = "plan"\nkind = "action-plan"\nmin_items = 2\n',
    )


@pytest.fixture
def versions(write: Callable[[str, str], Path]) -> tuple[Path, Path]:
    old = write("mini-2.toml", core_fixtures.FRAMEWORK)
    new = write("mini-3.toml", _v3(core_fixtures.FRAMEWORK))
    return old, new


def test_diff_lists_each_kind_of_change(
    versions: tuple[Path, Path], registry: qmframe.Registry
) -> None:
    old, new = (qmframe.load_framework(p, registry=registry) for p in versions)
    result = diff(old, new)
    assert (result.old_version, result.new_version) == ("2", "3")
    found = {(c.change, c.part, c.id) for c in result.changes}
    assert found == {
        ("reworded", "criterion", "a1"),
        ("changed", "criterion", "a2"),
        ("removed", "criterion", "b2"),
        ("added", "criterion", "b3"),
        ("changed", "rule", "plan"),
    }
    (rule,) = [c for c in result.changes if c.part == "rule"]
    assert "min_items" in rule.detail
    assert diff(old, old).changes == ()


def test_diff_notices_a_moved_criterion_and_framework_level_changes(
    write: Callable[[str, str], Path], registry: qmframe.Registry
) -> None:
    old = qmframe.load_framework(write("a.toml", core_fixtures.FRAMEWORK), registry=registry)
    a, b = old.sections
    a2 = a.criteria[1]
    new = attrs.evolve(
        old,
        version="2.1",
        validity=attrs.evolve(old.validity, months=24),
        sections=(
            attrs.evolve(a, criteria=a.criteria[:1]),
            attrs.evolve(b, criteria=(*b.criteria, a2)),
        ),
    )
    found = {(c.change, c.part, c.id): c.detail for c in diff(old, new).changes}
    assert "moved from section 'a' to 'b'" in found[("changed", "criterion", "a2")]
    assert "validity" in found[("changed", "framework", "mini")]


def test_diff_refuses_two_different_frameworks(registry: qmframe.Registry, mini) -> None:  # type: ignore[no-untyped-def]
    fw = qmframe.load_framework(mini["framework"], registry=registry)
    other = qmframe.Framework(id="other", version="1", title="Other")
    with pytest.raises(qmframe.ValidationError, match="two different frameworks"):
        diff(fw, other)


def test_rescore_says_whose_decision_changes_and_why(
    versions: tuple[Path, Path], mini: dict[str, Path], registry: qmframe.Registry
) -> None:
    old, new = (qmframe.load_framework(p, registry=registry) for p in versions)
    submission = qmframe.load_submission(mini["submission"], old, registry=registry)
    passing = core_fixtures.REVIEW.replace(
        'target = "b2"\nlevel = "no"', 'target = "b2"\nlevel = "yes"'
    )
    review_path = mini["review"].with_name("passing.toml")
    review_path.write_text(passing, encoding="utf-8")
    review = qmframe.load_review(review_path, old, submission, registry=registry)
    results = rescore(
        old,
        new,
        [Case(label="org-1", submission=submission, review=review)],
        registry=registry,
    )
    (result,) = results
    assert (result.old_status, result.old_passed) == ("awarded", True)
    assert (result.new_status, result.new_passed) == ("not-yet", False)
    assert result.changed
    text = "\n".join(result.reasons)
    assert "rule 'plan'" in text
    assert "now fails" in text
    assert "b3" in text  # the new criterion is not met: nobody judged it
    assert any("b2" in note for note in result.notes)  # the retired criterion's judgement


def test_rescore_under_the_same_version_changes_nothing_for_the_mini_case(
    mini: dict[str, Path], registry: qmframe.Registry
) -> None:
    fw = qmframe.load_framework(mini["framework"], registry=registry)
    submission = qmframe.load_submission(mini["submission"], fw, registry=registry)
    review = qmframe.load_review(mini["review"], fw, submission, registry=registry)
    done: list[int] = []
    (result,) = rescore(
        fw, fw, [Case(label="x", submission=submission, review=review)], registry=registry,
        progress=done.append,
    )  # fmt: skip
    assert not result.changed
    assert result.reasons == ()
    assert done == [1]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(assessment_cases())
def test_rescoring_under_the_same_framework_never_changes_a_decision(
    case: AssessmentCase,
) -> None:
    registry = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))
    (result,) = rescore(
        case.framework,
        case.framework,
        [Case(label="c", submission=case.submission, review=case.review, as_of=case.as_of)],
        registry=registry,
    )
    assert not result.changed, result
    assert result.reasons == ()


def test_adapt_drops_references_to_retired_parts(
    versions: tuple[Path, Path], mini: dict[str, Path], registry: qmframe.Registry
) -> None:
    old, new = (qmframe.load_framework(p, registry=registry) for p in versions)
    submission = qmframe.load_submission(mini["submission"], old, registry=registry)
    adapted, review, notes = adapt(submission, None, new)
    assert review is None
    assert adapted.framework_version == "3"
    assert [r.target for r in adapted.ratings] == ["a1", "a2", "b1"]
    assert notes == ("ratings and judgements of retired parts ignored: b2",)


def test_the_diff_and_rescore_commands(
    versions: tuple[Path, Path],
    mini: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    old, new = versions
    assert main(["diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert "removed   criterion b2" in out
    assert "added     criterion b3" in out
    folder = mini["submission"].parent.parent
    # As given, the mini review fails under both versions: nothing would change.
    assert main(["rescore", str(old), str(new), str(folder)]) == 0
    assert "0 of 1 decisions would change" in capsys.readouterr().out
    passing = core_fixtures.REVIEW.replace(
        'target = "b2"\nlevel = "no"', 'target = "b2"\nlevel = "yes"'
    )
    mini["review"].write_text(passing, encoding="utf-8")
    assert main(["rescore", str(old), str(new), str(folder)]) == 0
    out = capsys.readouterr().out
    assert "1 of 1 decisions would change" in out
    assert "sub (org-1): awarded -> not-yet" in out
    assert "rule 'plan'" in out
    assert main(["rescore", str(old), str(old), str(folder), "--format", "json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"
    assert main(["rescore", str(old), str(old), str(folder), "--all"]) == 0
    assert "awarded (same)" in capsys.readouterr().out


def test_progress_is_drawn_only_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    quiet = io.StringIO()
    bar = Progress(3, "work", quiet)
    for done in (1, 2, 3):
        bar(done)
    assert quiet.getvalue() == ""
    screen = Terminal()
    bar = Progress(3, "work", screen)
    for done in (1, 2, 3):
        bar(done)
    shown = screen.getvalue()
    assert shown.count("\r") == 3
    assert "3/3" in shown
    assert shown.endswith("\n")
