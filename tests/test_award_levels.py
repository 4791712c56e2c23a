"""Award levels and their progress, status labels, and self-certified schemes with levels.

The property at the heart of it: the award level a decision reaches is always the highest
whose progress (and that of every lower level) is complete, for an award; an indication
reaches none, but still shows its progress.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

import qmframe
from qmframe.cli import main
from qmframe.errors import PluginError
from qmframe.testing import invariants
from qmframe.testing import strategies as qs
from qmframe.validation import check_framework

ROOT = Path(__file__).resolve().parent.parent
BADGE = ROOT / "docs" / "examples" / "badge"
AS_OF = dt.date(2026, 1, 15)
REGISTRY = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))


def _badge() -> tuple[qmframe.Framework, qmframe.Submission]:
    framework = qmframe.load_framework(BADGE / "framework.toml", registry=REGISTRY)
    submission = qmframe.load_submission(BADGE / "submission.toml", framework, registry=REGISTRY)
    return framework, submission


def _rated(submission: qmframe.Submission, **levels: str) -> qmframe.Submission:
    ratings = tuple(
        attrs.evolve(r, level=levels[r.target]) if r.target in levels else r
        for r in submission.ratings
    )
    return attrs.evolve(submission, ratings=ratings)


def _assess(framework: qmframe.Framework, submission: qmframe.Submission) -> qmframe.Decision:
    return qmframe.assess(framework, submission, as_of=AS_OF, registry=REGISTRY)


# -- the property ------------------------------------------------------------------------------


def _highest_complete(decision: qmframe.Decision) -> str:
    """What the property says the level reached must be, from the progress alone."""
    if not decision.passed:
        return ""
    reached = ""
    for progress in decision.progress:
        if not progress.complete:
            break
        reached = progress.level
    return reached


def _check_levels(case: qs.AssessmentCase) -> qmframe.Decision:
    assessor = REGISTRY.assessor(case.framework)
    decision = assessor.assess(case.submission, case.review, as_of=case.as_of)
    assert [p.level for p in decision.progress] == [lv.id for lv in case.framework.award_levels]
    assert decision.award_level == _highest_complete(decision)
    holds = {o.rule: o.holds for o in decision.explanation}
    deciding = [r.id for r in case.framework.decision.rules if r.effect in ("require", "veto")]
    for i, (level, progress) in enumerate(
        zip(case.framework.award_levels, decision.progress, strict=True)
    ):
        lower_complete = all(p.complete for p in decision.progress[: i + 1])
        assert progress.reached == (decision.passed and lower_complete)
        assert (not progress.missing) == progress.complete
        assert 0.0 <= progress.fraction <= 1.0
        # Derived from the rules' findings, complete exactly when the level's rules hold.
        counted = [*deciding, *level.rules] if i == 0 else level.rules
        assert progress.complete == all(holds[r] for r in counted)
    if decision.is_indication:
        assert decision.award_level == ""
        assert not any(p.reached for p in decision.progress)
    return decision


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(qs.assessment_cases(qs.frameworks(award_levels=True, justification=True)))
def test_the_level_reached_is_the_highest_whose_progress_is_complete(
    case: qs.AssessmentCase,
) -> None:
    _check_levels(case)
    # The testing kit's own bounds check says the same, and more.
    invariants.bounded(case, REGISTRY)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(qs.likely_awards(qs.frameworks(award_levels=True)))
def test_the_same_holds_for_cases_that_are_usually_awarded(case: qs.AssessmentCase) -> None:
    _check_levels(case)


@given(qs.frameworks(award_levels=True, justification=True))
def test_generated_frameworks_with_levels_are_valid(framework: qmframe.Framework) -> None:
    problems = check_framework(framework, REGISTRY.rule_kinds)
    assert [p for p in problems if p.severity == "error"] == []
    assert framework.award_levels
    assert framework.award_levels[0].rules == ()


@given(qs.frameworks())
def test_frameworks_have_no_award_levels_unless_asked(framework: qmframe.Framework) -> None:
    assert framework.award_levels == ()


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(qs.assessment_cases(qs.frameworks()))
def test_without_award_levels_a_single_pass_status(case: qs.AssessmentCase) -> None:
    decision = REGISTRY.assessor(case.framework).assess(
        case.submission, case.review, as_of=case.as_of
    )
    assert (decision.award_level, decision.progress) == ("", ())


@pytest.mark.parametrize(
    "check",
    [invariants.check_monotonicity, invariants.check_bounds, invariants.check_round_trip],
)
def test_the_kits_properties_hold_for_frameworks_with_levels(
    check: Callable[..., None],
) -> None:
    check(qs.frameworks(award_levels=True, justification=True), registry=REGISTRY)


# -- a self-certified badge with three levels (the file format page's example) -----------------


def test_a_self_certified_badge_reaches_silver() -> None:
    framework, submission = _badge()
    decision = _assess(framework, submission)
    assert (decision.basis, decision.status, decision.passed) == (
        "self-certified",
        "awarded",
        True,
    )
    assert decision.award_level == "silver"
    rows = [(p.level, p.reached, p.held, p.required) for p in decision.progress]
    assert rows == [
        ("passing", True, 2, 2),
        ("silver", True, 2, 2),
        ("gold", False, 0, 1),
    ]
    gold = decision.progress_of("gold")
    assert gold is not None
    assert [(m.target, m.rule, m.reason) for m in gold.missing] == [
        ("reproducible", "gold-met", "'unmet' does not meet it")
    ]
    assert decision.progress_of("platinum") is None


def test_every_level_reached_when_everything_holds() -> None:
    framework, submission = _badge()
    decision = _assess(framework, _rated(submission, reproducible="met"))
    assert decision.award_level == "gold"
    assert all(p.reached and p.fraction == 1.0 for p in decision.progress)


def test_a_higher_level_needs_the_lower_one() -> None:
    framework, submission = _badge()
    # Gold's own criterion is met, but silver's signed releases are not: silver is not
    # reached, so gold is not either, though its progress is complete.
    decision = _assess(
        framework, _rated(submission, reproducible="met", **{"signed-releases": "unmet"})
    )
    assert decision.award_level == "passing"
    passing, silver, gold = decision.progress
    assert (passing.reached, silver.reached, silver.held, silver.required) == (True, False, 1, 2)
    assert (gold.complete, gold.reached) == (True, False)


def test_a_refused_award_reaches_no_level_but_shows_progress() -> None:
    framework, submission = _badge()
    ratings = tuple(
        attrs.evolve(r, level="unmet", justification="") if r.target == "licence" else r
        for r in submission.ratings
    )
    decision = _assess(framework, attrs.evolve(submission, ratings=ratings))
    assert (decision.status, decision.award_level) == ("not-awarded", "")
    passing, silver, _ = decision.progress
    assert (passing.held, passing.required, passing.fraction) == (1, 2, 0.5)
    assert [(m.target, m.feedback) for m in passing.missing] == [
        ("licence", "Meet this criterion, and say where to see it.")
    ]
    # Silver's own criteria hold; it is complete, but a level needs the award.
    assert (silver.complete, silver.reached) == (True, False)


def test_an_indication_reaches_no_level_but_shows_progress() -> None:
    framework, submission = _badge()
    reviewed = attrs.evolve(framework, review=qmframe.ReviewPolicy(required=True))
    decision = qmframe.assess(reviewed, submission, as_of=AS_OF, registry=REGISTRY)
    assert (decision.basis, decision.indicated_status) == ("indication", "awarded")
    assert decision.award_level == ""
    assert [(p.level, p.complete, p.reached) for p in decision.progress] == [
        ("passing", True, False),
        ("silver", True, False),
        ("gold", False, False),
    ]


def test_a_level_rule_decides_nothing_but_its_levels() -> None:
    framework, submission = _badge()
    decision = _assess(framework, submission)
    [gold] = [o for o in decision.explanation if o.rule == "gold-met"]
    assert (gold.effect, gold.holds) == ("level", False)
    # A failing level rule is neither unmet nor a reason to refuse the award.
    assert decision.passed
    assert decision.unmet == ()


def test_an_at_least_rule_counts_as_many_targets_as_it_needs(
    write: Callable[[str, str], Path],
) -> None:
    framework, submission = _badge()
    rule = qmframe.Rule(
        id="two-of-three",
        kind="at-least",
        effect="level",
        params={"scope": {}, "level": "met", "count": 4},
    )
    levels = (
        *framework.award_levels[:2],
        attrs.evolve(framework.award_levels[2], rules=("gold-met", "two-of-three")),
    )
    changed = attrs.evolve(
        framework,
        award_levels=levels,
        decision=attrs.evolve(framework.decision, rules=(*framework.decision.rules, rule)),
    )
    gold = _assess(changed, submission).progress_of("gold")
    assert gold is not None
    # Gold's own criterion is unmet (0 of 1); three of the five criteria are met and the
    # new rule needs four (3 of 4); the two unmet criteria are what could still count.
    assert (gold.held, gold.required, gold.reached) == (3, 5, False)
    assert [m.target for m in gold.missing] == ["reproducible", "two-maintainers"]
    gold = _assess(changed, _rated(submission, reproducible="met")).progress_of("gold")
    assert gold is not None
    assert (gold.held, gold.required, gold.reached) == (5, 5, True)


def test_a_target_two_rules_look_at_is_counted_once() -> None:
    framework, submission = _badge()
    both = qmframe.Rule(
        id="licence-again",
        kind="minimum-level",
        effect="require",
        params={"scope": {"section": "passing"}, "level": "met"},
    )
    changed = attrs.evolve(
        framework,
        decision=attrs.evolve(framework.decision, rules=(*framework.decision.rules, both)),
    )
    passing = _assess(changed, submission).progress_of("passing")
    assert passing is not None
    assert (passing.held, passing.required) == (2, 2)


def test_a_plugin_may_lower_the_award_level_but_not_raise_it() -> None:
    framework, submission = _badge()

    class Lower:
        @qmframe.hookimpl
        def qmframe_decide(self, decision: qmframe.Decision) -> qmframe.Decision:
            return attrs.evolve(decision, award_level="passing")

    class Raise:
        @qmframe.hookimpl
        def qmframe_decide(self, decision: qmframe.Decision) -> qmframe.Decision:
            return attrs.evolve(decision, award_level="gold")

    lowered = qmframe.Registry(
        qmframe.get_plugin_manager(load_entrypoints=False, plugins=[Lower()])
    )
    assert qmframe.assess(framework, submission, as_of=AS_OF, registry=lowered).award_level == (
        "passing"
    )
    raised = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False, plugins=[Raise()]))
    with pytest.raises(PluginError, match="award_level"):
        qmframe.assess(framework, submission, as_of=AS_OF, registry=raised)


# -- validation --------------------------------------------------------------------------------


def _problems(framework: qmframe.Framework) -> list[tuple[str, str, str]]:
    return [
        (p.path, p.code, p.message)
        for p in check_framework(framework, REGISTRY.rule_kinds)
        if p.severity == "error"
    ]


def test_the_lowest_level_names_no_rules() -> None:
    framework, _ = _badge()
    lowest = attrs.evolve(framework.award_levels[0], rules=("silver-met",))
    found = _problems(attrs.evolve(framework, award_levels=(lowest, *framework.award_levels[1:])))
    assert [(path, code) for path, code, _ in found] == [("award_levels[0].rules", "inconsistent")]


@pytest.mark.parametrize(
    ("rules", "path", "code", "words"),
    [
        (("nope",), "award_levels[1].rules", "unknown-reference", "unknown rule 'nope'"),
        (
            ("silver-met", "passing-met"),
            "award_levels[1].rules",
            "inconsistent",
            "rule 'passing-met' is a require rule",
        ),
    ],
)
def test_a_level_names_rules_that_exist_and_do_not_decide_the_award(
    rules: tuple[str, ...], path: str, code: str, words: str
) -> None:
    framework, _ = _badge()
    silver = attrs.evolve(framework.award_levels[1], rules=rules)
    levels = (framework.award_levels[0], silver, framework.award_levels[2])
    found = _problems(attrs.evolve(framework, award_levels=levels))
    assert (path, code) in [(p, c) for p, c, _ in found]
    assert any(m.startswith(words) for _, _, m in found)


def test_a_level_rule_no_level_names_is_an_error() -> None:
    framework, _ = _badge()
    found = _problems(attrs.evolve(framework, award_levels=framework.award_levels[:2]))
    assert found == [
        (
            "decision.rules[2].effect",
            "inconsistent",
            "a rule of effect 'level' counts only towards the award levels that name it, and "
            "no award level names 'gold-met'",
        )
    ]


def test_award_level_ids_are_unique_and_labelled() -> None:
    framework, _ = _badge()
    twice = attrs.evolve(framework.award_levels[2], id="silver", label=" ")
    found = _problems(attrs.evolve(framework, award_levels=(*framework.award_levels[:2], twice)))
    assert ("award_levels[2].id", "duplicate-id") in [(p, c) for p, c, _ in found]
    assert ("award_levels[2].label", "missing-value") in [(p, c) for p, c, _ in found]


def test_labels_are_for_the_frameworks_own_statuses(write: Callable[[str, str], Path]) -> None:
    text = (BADGE / "framework.toml").read_text(encoding="utf-8")
    text = text.replace("[decision.labels.not-awarded]", "[decision.labels.refused]")
    text += '\n[decision.labels.indication]\nlabel = "A first look"\n'
    with pytest.raises(qmframe.ValidationError) as raised:
        qmframe.load_framework(write("f.toml", text), registry=REGISTRY)
    [problem] = raised.value.problems
    assert (problem.path, problem.code) == ("decision.labels.refused", "unknown-reference")
    assert problem.message.startswith("unknown status 'refused'")


def test_the_new_keys_are_located_when_mistyped(write: Callable[[str, str], Path]) -> None:
    text = (BADGE / "framework.toml").read_text(encoding="utf-8")
    text = text.replace('rules = ["gold-met"]', 'rules = "gold-met"\nlevel = 3')
    text = text.replace(
        "justification = { met = { url = true } }", 'justification = { met = { url = "yes" } }'
    )
    with pytest.raises(qmframe.ValidationError) as raised:
        qmframe.load_framework(write("f.toml", text), registry=REGISTRY)
    found = {(p.path, p.code, p.message) for p in raised.value.problems}
    assert found == {
        ("award_levels[2]", "unknown-key", "unknown key 'level'"),
        # A name where a list belongs is refused, not read as a list of its letters.
        ("award_levels[2].rules", "wrong-type", "expected a list, got a string ('gold-met')"),
        (
            "sections[0].justification.met.url",
            "wrong-type",
            "expected true or false, got a string ('yes')",
        ),
    }


def test_a_framework_with_levels_survives_a_toml_round_trip(
    write: Callable[[str, str], Path],
) -> None:
    framework, _ = _badge()
    text = qmframe.dumps(framework)
    assert "[[award_levels]]" in text
    assert "[decision.labels.not-awarded]" in text
    assert qmframe.read_framework(write("back.toml", text)) == framework


# -- reports and the register ------------------------------------------------------------------


def _render(fmt: str) -> str:
    framework, submission = _badge()
    decision = _assess(framework, submission)
    return qmframe.render(decision, framework, submission, format=fmt, registry=REGISTRY)


def test_the_text_report_gives_the_label_and_the_levels() -> None:
    text = _render("text")
    assert "Decision:     Badge awarded (Silver) [awarded]\n" in text
    assert "              The project meets every passing criterion.\n" in text
    assert "  + Silver [silver]: reached (2 of 2)\n" in text
    assert "  - Gold [gold]: 0% (0 of 1), not reached\n" in text
    assert "still needed: Builds are reproducible [reproducible]" in text


def test_the_markdown_report_gives_the_label_and_the_levels() -> None:
    text = _render("markdown")
    assert "- **Decision:** Badge awarded (Silver) (`awarded`)\n" in text
    assert "- **Meaning:** The project meets every passing criterion.\n" in text
    assert "## Award levels" in text
    assert "- **Gold \\[gold\\]**: 0% (0 of 1), not reached" in text


def test_the_json_report_carries_the_level_and_progress() -> None:
    data = json.loads(_render("json"))
    assert data["award_level"] == "silver"
    assert [(p["level"], p["reached"], p["held"], p["required"]) for p in data["progress"]] == [
        ("passing", True, 2, 2),
        ("silver", True, 2, 2),
        ("gold", False, 0, 1),
    ]
    assert data["progress"][2]["missing"][0]["target"] == "reproducible"


def test_the_letter_says_the_level_and_what_the_next_needs() -> None:
    flat = " ".join(_render("letter").split())
    assert (
        "We are pleased to tell you that the decision is: Badge awarded, at the Silver level. "
        "The project meets every passing criterion. Silver: Passing, and every silver "
        "criterion is met or justified."
    ) in flat
    assert "Towards the Gold level: 0 of the 1 things it needs are in place." in flat


def test_the_html_report_gives_the_label_and_the_levels() -> None:
    pytest.importorskip("jinja2")
    html = _render("html")
    assert '<p class="status passed">Badge awarded (Silver)</p>' in html
    assert '<section id="award-levels">' in html
    assert '<progress value="0" max="1">0 of 1</progress>' in html


def test_a_framework_without_labels_reads_as_before(write: Callable[[str, str], Path]) -> None:
    framework, submission = _badge()
    plain = attrs.evolve(
        framework, award_levels=(), decision=attrs.evolve(framework.decision, labels={})
    )
    plain = attrs.evolve(
        plain,
        decision=attrs.evolve(
            plain.decision,
            rules=tuple(r for r in plain.decision.rules if r.effect != "level"),
        ),
    )
    decision = _assess(plain, submission)
    text = qmframe.render(decision, plain, submission, format="text", registry=REGISTRY)
    assert "Decision:     AWARDED\n" in text
    assert "Award levels" not in text
    letter = qmframe.render(decision, plain, submission, format="letter", registry=REGISTRY)
    assert "the decision is: awarded." in " ".join(letter.split())


def test_the_register_shows_the_label_and_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from qmframe import api

    monkeypatch.setattr(api, "_default", REGISTRY)
    db = str(tmp_path / "r.sqlite")
    framework = str(BADGE / "framework.toml")
    submission = str(BADGE / "submission.toml")
    add = ["register", "add", framework, submission, "--db", db, "--as-of", "2026-01-15"]
    assert main(add) == 0
    assert main(["register", "history", framework, "tidy-tables", "--db", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "project-badge/tidy-tables/2026-01-15: Badge awarded (Silver) [awarded] recorded "
        "(now awarded)"
    )
    # The history reads the register's columns only, award_level among them (schema 5).
    assert lines[-1] == (
        "  decision project-badge/tidy-tables/2026-01-15: Badge awarded (Silver) [awarded]"
    )


@pytest.mark.parametrize("fmt", ["text", "markdown", "letter"])
def test_every_format_for_people_names_the_level_reached(fmt: str) -> None:
    assert "Silver" in _render(fmt)
