"""qmframe.testing.strategies: what it generates as valid is valid, and narrowing narrows.

The oracle is qmframe's own validation: a generated framework has no error
from ``check_framework`` with the built-in rule kinds, a submission none from
``check_submission``, a review none from ``check_review``. The invalid variants
must be reported at the place they say they broke.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib

import attrs
import core_fixtures
import hypothesis
import pytest
import tomli_w
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import qmframe
from qmframe._convert import structure
from qmframe.index import FrameworkIndex
from qmframe.testing import strategies as qs
from qmframe.testing.strategies import AssessmentCase, Invalid
from qmframe.validation import check_framework, check_review, check_submission

REGISTRY = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))


def _mini() -> qmframe.Framework:
    """The core's small hand-written framework."""
    framework = structure(tomllib.loads(core_fixtures.FRAMEWORK), qmframe.Framework)
    assert isinstance(framework, qmframe.Framework)
    return framework


def errors(problems: list[qmframe.Problem]) -> list[str]:
    return [str(p) for p in problems if p.severity == "error"]


@given(qs.assessment_cases())
def test_generated_cases_pass_qmframes_own_validation(case: AssessmentCase) -> None:
    fw = case.framework
    assert errors(check_framework(fw, REGISTRY.rule_kinds)) == []
    index = FrameworkIndex.build(fw)
    assert errors(check_submission(case.submission, index)) == []
    if case.review is not None:
        assert errors(check_review(case.review, index, case.submission)) == []
    decision = REGISTRY.assessor(fw).assess(case.submission, case.review, as_of=case.as_of)
    assert decision.framework == fw.id


@given(qs.frameworks(), st.data())
def test_every_criterion_is_rated_or_not_applicable_where_allowed(
    framework: qmframe.Framework, data: st.DataObject
) -> None:
    submission = data.draw(qs.submissions(framework))
    index = FrameworkIndex.build(framework)
    rated = {r.target: r for r in submission.ratings}
    assert set(index.criteria) <= set(rated)
    for rating in submission.ratings:
        if rating.not_applicable:
            assert index.targets[rating.target].not_applicable_allowed
            assert rating.justification
        else:
            scale = index.targets[rating.target].scale
            assert scale is not None
            assert rating.level in scale.level_ids()


# -- start all-met --
@given(qs.frameworks(max_sections=3), st.data())
def test_all_met_narrows_a_section_to_meeting_levels(
    framework: qmframe.Framework, data: st.DataObject
) -> None:
    section = data.draw(st.sampled_from(framework.sections))
    case = data.draw(qs.assessment_cases(framework, all_met=[section.id], reviewed=True))
    index = FrameworkIndex.build(framework)
    assert case.review is not None
    for criterion in section.criteria:
        rating = case.submission.rating(criterion.id)
        assert rating is not None
        assert not rating.not_applicable
        given_levels = [rating.level] + [
            j.level for j in case.review.judgements if j.target == criterion.id
        ]
        scale = index.targets[criterion.id].scale
        assert scale is not None
        assert all(scale.get(str(level)).meets for level in given_levels)  # type: ignore[union-attr]
    assert len({j.target for j in case.review.judgements} & {c.id for c in section.criteria}) == (
        len(section.criteria)
    )


# -- end all-met --


@given(qs.assessment_cases(qs.frameworks(), not_applicable=False))
def test_not_applicable_false_marks_nothing_not_applicable(case: AssessmentCase) -> None:
    assert not any(r.not_applicable for r in case.submission.ratings)


@given(qs.frameworks(rule_kinds=["minimum-level", "action-plan"], aggregates=()))
def test_rule_kinds_and_aggregates_narrow_the_framework(framework: qmframe.Framework) -> None:
    assert {r.kind for r in framework.decision.rules} <= {"minimum-level", "action-plan"}
    assert not any(s.aggregate for s in framework.sections)


@given(qs.scales(min_levels=2, max_levels=4, points=True))
def test_scales_meet_upwards_and_points_never_go_down(scale: qmframe.Scale) -> None:
    meets = [level.meets for level in scale.levels]
    assert meets == sorted(meets)
    assert any(meets)
    points = [level.points for level in scale.levels]
    assert all(p is not None for p in points)
    assert points == sorted(points)  # type: ignore[type-var]
    notable = [level.notable for level in scale.levels]
    assert notable == sorted(notable)


def _reported_at(invalid: Invalid, cls: type, check: object) -> list[qmframe.Problem]:
    """Structure the broken table and run the check; every error problem."""
    # What a file holds, read back: the breakage must survive TOML.
    data = tomllib.loads(tomli_w.dumps(invalid.data))
    value = structure(data, cls)
    if isinstance(value, list):
        return value
    assert callable(check)
    problems: list[qmframe.Problem] = check(value)
    return [p for p in problems if p.severity == "error"]


# -- start invalid --
@given(qs.invalid_frameworks())
def test_invalid_frameworks_are_reported_where_they_are_broken(invalid: Invalid) -> None:
    problems = _reported_at(
        invalid, qmframe.Framework, lambda fw: check_framework(fw, REGISTRY.rule_kinds)
    )
    assert problems, invalid.description
    assert any(p.path == invalid.path for p in problems), (invalid.path, problems)


# -- end invalid --


@given(qs.frameworks(), st.data())
def test_invalid_submissions_and_reviews_are_reported_where_they_are_broken(
    framework: qmframe.Framework, data: st.DataObject
) -> None:
    index = FrameworkIndex.build(framework)
    invalid = data.draw(qs.invalid_submissions(framework))
    problems = _reported_at(invalid, qmframe.Submission, lambda s: check_submission(s, index))
    assert any(p.path == invalid.path for p in problems), (invalid, problems)

    submission = data.draw(qs.submissions(framework))
    invalid = data.draw(qs.invalid_reviews(framework, submission))
    problems = _reported_at(invalid, qmframe.Review, lambda r: check_review(r, index, submission))
    assert any(p.path == invalid.path for p in problems), (invalid, problems)


@pytest.mark.parametrize("mutation", qs.MUTATIONS)
@settings(max_examples=10)
@given(data=st.data())
def test_each_mutation_can_be_asked_for(mutation: str, data: st.DataObject) -> None:
    framework = data.draw(qs.frameworks(rule_kinds=["minimum-level"]))
    # A level from another scale can only be planted in a rule that names a level.
    assume(
        mutation != "foreign-level" or any("level" in r.params for r in framework.decision.rules)
    )
    invalid = data.draw(qs.invalid_frameworks(framework, mutations=[mutation]))
    assert invalid.mutation == mutation


@settings(max_examples=20)
@given(qs.frameworks())
def test_ids_come_from_positions_so_a_counterexample_reads_like_a_file(
    framework: qmframe.Framework,
) -> None:
    # What a shrunk counterexample shows: s0, c0-0, r0, scales named from a short list,
    # levels from LEVEL_WORDS. (Waiting for find() to shrink one took minutes.)
    assert [s.id for s in framework.sections] == [f"s{i}" for i in range(len(framework.sections))]
    for i, section in enumerate(framework.sections):
        assert [c.id for c in section.criteria] == [
            f"c{i}-{j}" for j in range(len(section.criteria))
        ]
    assert all(re.fullmatch(r"r\d+", rule.id) for rule in framework.decision.rules)
    assert all(re.fullmatch(r"(scale|grade|rank)\d*", scale.id) for scale in framework.scales)
    assert {lv.id for scale in framework.scales for lv in scale.levels} <= set(qs.LEVEL_WORDS)


def _small_case() -> AssessmentCase:
    framework = _mini()
    submission = qmframe.Submission(
        framework="mini",
        framework_version="2",
        organisation=qmframe.Organisation(id="org", name="Org", kind="college", context="north"),
        evidence=(qmframe.EvidenceItem(id="e0", type="doc", title="A policy"),),
    )
    review = qmframe.Review(
        framework="mini",
        framework_version="2",
        organisation="org",
        reviewers=(qmframe.Reviewer(id="rev0", name="R"),),
        judgements=(qmframe.Judgement(target="a1", level="yes"),),
    )
    return AssessmentCase(
        framework=framework, submission=submission, review=review, as_of=dt.date(2026, 1, 1)
    )


def test_a_case_has_a_short_repr_and_describes_itself_as_toml() -> None:
    case = _small_case()
    # The short repr names the framework instead of printing it whole.
    assert repr(case) == (
        "AssessmentCase(framework=<mini 2>, as_of=datetime.date(2026, 1, 1), ratings=0, "
        "evidence=1, review=<1 judgements>)"
    )
    text = case.describe()
    assert text.startswith("# as_of = 2026-01-01\n# --- framework ---\n")
    assert "# --- review ---" in text
    documents = text.split("# --- ")[1:]
    assert [d.split(" ---")[0] for d in documents] == ["framework", "submission", "review"]
    assert tomllib.loads(documents[2].split("\n", 1)[1])["judgements"][0]["target"] == "a1"
    assert "# --- framework ---" not in case.describe(with_framework=False)


@pytest.mark.parametrize(
    ("factory", "kwargs"),
    [
        (qs.frameworks, {"rule_kinds": ["no-such-kind"]}),
        (qs.frameworks, {"min_sections": 3, "max_sections": 2}),
        (qs.scales, {"max_levels": 99}),
        (qs.invalid_frameworks, {"mutations": []}),
    ],
)
def test_bad_arguments_are_refused_when_the_strategy_is_made(
    factory: object, kwargs: dict[str, object]
) -> None:
    assert callable(factory)
    with pytest.raises(ValueError, match=r"must|need"):
        factory(**kwargs)


def test_unknown_target_in_all_met_is_an_error() -> None:
    framework = _mini()

    @settings(max_examples=1, database=None)
    @given(qs.submissions(framework, all_met=["nope"]))
    def draw(submission: qmframe.Submission) -> None:
        raise AssertionError("drawn without an error")

    with pytest.raises(ValueError, match="unknown criterion or section 'nope'"):
        draw()


@settings(max_examples=3)
@given(st.from_type(qmframe.Framework), st.from_type(qmframe.Submission))
def test_types_are_registered_with_hypothesis_through_the_entry_point(
    framework: qmframe.Framework, submission: qmframe.Submission
) -> None:
    # The hypothesis entry point ran when hypothesis was imported.
    assert errors(check_framework(framework, REGISTRY.rule_kinds)) == []
    assert isinstance(submission, qmframe.Submission)
    index = FrameworkIndex.build(framework)
    assert all(level.id in qs.LEVEL_WORDS for s in index.scales.values() for level in s.levels)


@given(qs.frameworks(), st.data())
def test_likely_awards_have_complete_evidence_and_the_given_organisation(
    framework: qmframe.Framework, data: st.DataObject
) -> None:
    org = qmframe.Organisation(
        id="given",
        name="Given",
        kind=framework.organisation_kinds[0] if framework.organisation_kinds else "",
        context=framework.contexts[0].id if framework.contexts else "",
        linked={"partner": "elsewhere"},
    )
    case = data.draw(qs.likely_awards(framework, organisations=st.just(org)))
    assert case.submission.organisation == org
    assert sum(a.status in ("planned", "in-progress") for a in case.submission.actions) >= 2
    items = case.submission.evidence
    for _, criterion in framework.iter_criteria():
        for req in criterion.evidence:
            have = [e for e in items if criterion.id in e.criteria and e.type in req.types]
            assert len(have) >= req.min_count
    covered = {o for e in items for o in e.outcomes}
    assert {o.id for s in framework.outcome_sets for o in s.outcomes} <= covered


# -- reaching everything -----------------------------------------------------------------------


def _sample(strategy: st.SearchStrategy[AssessmentCase], n: int = 40) -> list[AssessmentCase]:
    drawn: list[AssessmentCase] = []

    @hypothesis.seed(0)
    @settings(max_examples=n, database=None, phases=[hypothesis.Phase.generate])
    @given(strategy)
    def collect(case: AssessmentCase) -> None:
        drawn.append(case)

    collect()
    return drawn


def test_the_default_cases_reach_renewals_justifications_and_interests() -> None:
    cases = _sample(qs.assessment_cases(reviewed=True))
    renewals = [c for c in cases if c.submission.previous_award]
    assert 0 < len(renewals) < len(cases)
    assert any(a.carried_from for c in renewals for a in c.submission.actions)
    assert not any(
        a.carried_from
        for c in cases
        if not c.submission.previous_award
        for a in c.submission.actions
    )
    justified = [r for c in cases for r in c.submission.ratings if r.level and r.justification]
    assert any("https://" in r.justification for r in justified)
    assert any(not r.justification for c in cases for r in c.submission.ratings if r.level)
    interested = [i for c in cases if c.review for r in c.review.reviewers for i in r.interests]
    assert interested
    assert {i.kind for i in interested} <= set(qs.INTEREST_KINDS)
    assert all(
        i.organisation != c.submission.organisation.id
        for c in cases
        if c.review
        for r in c.review.reviewers
        for i in r.interests
    )


@settings(max_examples=15)
@given(st.data())
def test_each_option_gives_what_it_says(data: st.DataObject) -> None:
    framework = data.draw(qs.frameworks())
    renewal = data.draw(qs.submissions(framework, renewals=True, justified=True))
    assert renewal.previous_award == f"{framework.id}-{renewal.organisation.id}-previous"
    assert all(
        r.justification.startswith("Shown by the evidence") for r in renewal.ratings if r.level
    )
    plain = data.draw(
        qs.submissions(
            framework,
            renewals=False,
            justified=False,
            details={"definition": st.just("statutory")},
        )
    )
    assert plain.previous_award == ""
    assert all(not r.justification for r in plain.ratings if r.level)
    # Given details are added to those the framework declares (valid for its declarations).
    assert plain.details["definition"] == "statutory"
    review = data.draw(qs.reviews(framework, plain, interests=True))
    assert all(1 <= len(r.interests) <= 2 for r in review.reviewers)
    assert errors(check_review(review, FrameworkIndex.build(framework), plain)) == []
    alone = data.draw(qs.reviews(framework, plain, interests=False))
    assert all(r.interests == () for r in alone.reviewers)


def test_likely_awards_are_reviewed_when_awards_need_a_review() -> None:
    cases = _sample(qs.likely_awards(), n=30)
    assert all(c.review is not None for c in cases if c.framework.review.required)


# -- award levels and recurring events ---------------------------------------------------------


def test_likely_awards_reach_the_highest_award_level_often() -> None:
    levelled = qs.frameworks(award_levels=True, contexts=False, outcome_sets=False)
    cases = _sample(qs.likely_awards(levelled), n=60)
    reached = []
    for case in cases:
        decision = REGISTRY.assessor(case.framework).assess(
            case.submission, case.review, as_of=case.as_of
        )
        top = case.framework.award_levels[-1].id
        reached.append(decision.passed and decision.award_level == top)
    # Half the cases aim at the top of every scale, renewing an award: most of those get there.
    assert sum(reached) >= len(cases) // 5
    assert not all(reached)


@settings(max_examples=25)
@given(st.data())
def test_highest_rates_and_judges_every_target_at_the_top_of_its_scale(
    data: st.DataObject,
) -> None:
    framework = data.draw(qs.frameworks(award_levels=True))
    case = data.draw(qs.likely_awards(framework, highest=True, reviewed=True))
    index = FrameworkIndex.build(framework)
    assert case.submission.previous_award
    for rating in case.submission.ratings:
        scale = index.targets[rating.target].scale
        assert scale is not None
        assert rating.level == scale.levels[-1].id
    assert case.review is not None
    for judgement in case.review.judgements:
        scale = index.targets[judgement.target].scale
        assert scale is not None
        assert judgement.level == scale.levels[-1].id
    first = data.draw(qs.likely_awards(framework, highest=True, renewals=False))
    assert first.submission.previous_award == ""
    plain = data.draw(qs.likely_awards(framework, highest=False, renewals=False))
    assert plain.submission.previous_award == ""


@settings(max_examples=40)
@given(qs.frameworks(recurring=True))
def test_recurring_events_check_and_fall_due_during_the_award(
    framework: qmframe.Framework,
) -> None:
    assert errors(check_framework(framework, REGISTRY.rule_kinds)) == []
    assert [
        p for p in check_framework(framework, REGISTRY.rule_kinds) if "never falls due" in str(p)
    ] == []
    events = framework.lifecycle.recurring
    assert 1 <= len(events) <= 2
    for event in events:
        assert 1 <= len(event.figures) <= 3
        assert {f.type for f in event.figures} <= {"count", "number"}


def test_generated_recurring_events_reach_required_figures_and_bounds() -> None:
    events = [
        e
        for fw in _sample_frameworks(qs.frameworks(recurring=True), 40)
        for e in fw.lifecycle.recurring
    ]
    figures = [f for e in events for f in e.figures]
    assert any(f.required for f in figures)
    assert any(not f.required for f in figures)
    assert any(f.at_most for f in figures)
    assert {f.type for f in figures} == {"count", "number"}
    assert {e.every_months for e in events} == {6, 12}


def _sample_frameworks(strategy: st.SearchStrategy[qmframe.Framework], n: int) -> list:
    drawn: list[qmframe.Framework] = []

    @hypothesis.seed(0)
    @settings(max_examples=n, database=None, phases=[hypothesis.Phase.generate])
    @given(strategy)
    def collect(framework: qmframe.Framework) -> None:
        drawn.append(framework)

    collect()
    return drawn


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_generated_returns_are_recorded_and_totalled(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    from qmframe.awards.register import Register
    from qmframe.awards.returns import check_figures, read_figures
    from qmframe.awards.sector import sector_view

    framework = data.draw(qs.frameworks(recurring=True, award_levels=data.draw(st.booleans())))
    framework = attrs.evolve(framework, validity=attrs.evolve(framework.validity, months=24))
    event = data.draw(st.sampled_from(framework.lifecycle.recurring))
    figures = data.draw(qs.return_figures(event))
    assert check_figures(event, figures) == []
    assert read_figures(event, figures) == figures
    assert {f.id for f in event.figures if f.required} <= set(figures)
    on = dt.date(2026, 1, 1)
    decision = qmframe.Decision(
        framework=framework.id,
        version=framework.version,
        organisation="org",
        organisation_name="Org",
        status="awarded",
        passed=True,
        basis="self-certified",
        as_of=on,
        valid_from=on,
        valid_until=dt.date(2027, 12, 31),
    )
    register = Register(tmp_path_factory.mktemp("returns") / "r.sqlite")
    register.add_decision(decision, framework.lifecycle)
    recorded = register.add_return(framework, "org", event.id, figures, on=dt.date(2026, 12, 1))
    assert dict(recorded.figures) == figures
    view = sector_view(framework, [decision], returns=register.returns(framework.id))
    totals = {(t.event, t.figure): t.total for t in view.returns}
    for key, value in figures.items():
        assert totals[(event.id, key)] == pytest.approx(value)
