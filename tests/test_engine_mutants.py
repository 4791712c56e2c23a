"""Exact behaviour of the engine and the review and submission checks, written to kill mutants.

The mutation run (docs/development.md) changes ``engine.py`` and the
``check_review`` / ``check_submission`` half of ``validation.py`` one small
step at a time; these tests fail on each change that alters behaviour. They
build frameworks, submissions and reviews in code, use rule kinds that
return a scripted result (so every branch of building a decision can be
reached directly), and compare whole values: every decided level with its
source and note, every unmet item, every problem with its message, path,
severity and code. The cases sit on the boundaries: exactly
``min_reviewers`` and one fewer, two and three reviewers, a month's end, a
leap day, a section partly settled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

from qmframe import (
    Applicability,
    Assessor,
    Comparison,
    Context,
    Criterion,
    Decision,
    EvidenceItem,
    EvidenceType,
    Finding,
    Framework,
    FrameworkIndex,
    Highlight,
    Level,
    Organisation,
    Outcome,
    OutcomeSet,
    PanelDisagreement,
    Problem,
    Rating,
    Review,
    Rule,
    RuleKind,
    RuleOutcome,
    RuleResult,
    Scale,
    Section,
    Submission,
    Unmet,
    ValidationError,
)
from qmframe.engine import add_months
from qmframe.errors import ConflictOfInterestError, PluginError
from qmframe.framework import DecisionPolicy, ReviewPolicy, Validity
from qmframe.rules import AssessmentContext
from qmframe.submission import (
    ActionItem,
    InformationRequest,
    Interest,
    Judgement,
    Reviewer,
)
from qmframe.validation import check_review, check_submission, conflicts_of_interest

AS_OF = dt.date(2026, 2, 1)

# -- the framework ---------------------------------------------------------------------------
# Scale "lvl", lowest first: no (does not meet), yes, wow. Sections, in framework order:
#   a  aggregate minimum: a1, a2, a3 (a3 may be marked not applicable)
#   m  aggregate median, not applicable allowed: m1, m2, m3
#   c  no aggregate, not applicable allowed: c1 (north only), c2
#   k  schools only: k1
#   n  no scale of its own: n1 (on lvl)

LVL = Scale(
    id="lvl",
    levels=(
        Level(id="no", label="Not yet", meets=False),
        Level(id="yes", label="Met", meets=True),
        Level(id="wow", label="Exceptional", meets=True, notable=True),
    ),
)
ORDER = ("a", "a1", "a2", "a3", "m", "m1", "m2", "m3", "c", "c1", "c2", "k", "k1", "n", "n1")


def _framework(
    *,
    rules: tuple[Rule, ...] = (Rule(id="probe", kind="probe"),),
    review: ReviewPolicy | None = None,
    validity: Validity | None = None,
    statuses: tuple[str, ...] = ("ineligible", "withdrawn"),
    organisation_kinds: tuple[str, ...] = ("college", "school"),
    contexts: tuple[Context, ...] = (
        Context(id="north", title="N"),
        Context(id="south", title="S"),
    ),
) -> Framework:
    return Framework(
        id="eng",
        version="3",
        title="Engine",
        organisation_kinds=organisation_kinds,
        contexts=contexts,
        scales=(LVL,),
        evidence_types=(EvidenceType(id="doc", title="Document"),),
        outcome_sets=(OutcomeSet(id="los", outcomes=(Outcome(id="O1", text="Outcome one"),)),),
        sections=(
            Section(
                id="a",
                title="Area A",
                scale="lvl",
                aggregate="minimum",
                criteria=(
                    Criterion(id="a1", title="A one"),
                    Criterion(id="a2", title="A two"),
                    Criterion(id="a3", title="A three", not_applicable_allowed=True),
                ),
            ),
            Section(
                id="m",
                title="Median M",
                scale="lvl",
                aggregate="median",
                not_applicable_allowed=True,
                criteria=(
                    Criterion(id="m1", title="M one"),
                    Criterion(id="m2", title="M two"),
                    Criterion(id="m3", title="M three"),
                ),
            ),
            Section(
                id="c",
                title="Area C",
                scale="lvl",
                not_applicable_allowed=True,
                criteria=(
                    Criterion(
                        id="c1", title="C one", applicability=Applicability(contexts=("north",))
                    ),
                    Criterion(id="c2", title="C two"),
                ),
            ),
            Section(
                id="k",
                title="Schools",
                scale="lvl",
                applicability=Applicability(organisation_kinds=("school",)),
                criteria=(Criterion(id="k1", title="K one"),),
            ),
            Section(
                id="n", title="No scale", criteria=(Criterion(id="n1", title="N one", scale="lvl"),)
            ),
        ),
        decision=DecisionPolicy(
            pass_status="awarded", fail_status="not-yet", statuses=statuses, rules=rules
        ),
        review=review or ReviewPolicy(),
        validity=validity or Validity(months=36, midpoint_months=18),
    )


class Scripted(RuleKind):
    """A rule kind that returns a fixed result, and keeps every context it was shown."""

    name = "scripted"

    def __init__(self, result: RuleResult | None = None) -> None:
        self.result = result or RuleResult(holds=True, saw="saw it", concluded="fine")
        self.seen: list[AssessmentContext] = []

    def prepare(self, rule: Rule, index: FrameworkIndex) -> Any:
        def evaluate(ctx: AssessmentContext) -> RuleResult:
            self.seen.append(ctx)
            return self.result

        return evaluate


class Boom(RuleKind):
    name = "boom"

    def prepare(self, rule: Rule, index: FrameworkIndex) -> Any:
        def evaluate(ctx: AssessmentContext) -> RuleResult:
            raise ValueError("bad luck")

        return evaluate


def _org(kind: str = "college", context: str = "north", id: str = "org-1") -> Organisation:
    return Organisation(id=id, name="Org One", kind=kind, context=context)


def _submission(
    *ratings: Rating,
    kind: str = "college",
    context: str = "north",
    evidence: tuple[EvidenceItem, ...] = (),
    actions: tuple[ActionItem, ...] = (),
) -> Submission:
    return Submission(
        framework="eng",
        framework_version="3",
        organisation=_org(kind, context),
        ratings=ratings,
        evidence=evidence,
        actions=actions,
    )


def _rate(target: str, level: str) -> Rating:
    return Rating(target=target, level=level)


def _na(target: str, why: str = "we have none") -> Rating:
    return Rating(target=target, not_applicable=True, justification=why)


def _review(
    panel: Mapping[str, Mapping[str, str]],
    *,
    rationales: Mapping[tuple[str, str], str] | None = None,
    reviewers: tuple[str, ...] | None = None,
    requests: tuple[InformationRequest, ...] = (),
) -> Review:
    """A review of org-1: ``panel`` maps reviewer id to {target: level}, in that order."""
    rationales = rationales or {}
    named = reviewers if reviewers is not None else tuple(panel)
    return Review(
        framework="eng",
        framework_version="3",
        organisation="org-1",
        reviewers=tuple(Reviewer(id=r, name=f"Reviewer {r}") for r in named),
        judgements=tuple(
            Judgement(
                target=target,
                level=level,
                reviewer=who,
                rationale=rationales.get((who, target), ""),
            )
            for who, levels in panel.items()
            for target, level in levels.items()
        ),
        requests=requests,
    )


def _levels(decision: Decision) -> dict[str, tuple[str, str, str]]:
    return {d.target: (d.level, d.source, d.note) for d in decision.levels}


def _probe_context(
    submission: Submission,
    review: Review | None = None,
    *,
    policy: ReviewPolicy | None = None,
    **framework: Any,
) -> tuple[AssessmentContext, Decision]:
    """The context the rules saw, and the decision, for one assessment."""
    probe = Scripted()
    assessor = Assessor(_framework(review=policy, **framework), {"probe": probe})
    decision = assessor.assess(submission, review, as_of=AS_OF)
    (ctx,) = probe.seen
    return ctx, decision


NA_ORG = "does not apply to this organisation"


# -- add_months ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2025, 1, 31), 1, dt.date(2025, 2, 28)),
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),  # leap year
        (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),  # from a leap day
        (dt.date(2024, 2, 29), 48, dt.date(2028, 2, 29)),
        (dt.date(2025, 3, 31), 1, dt.date(2025, 4, 30)),
        (dt.date(2025, 3, 30), 1, dt.date(2025, 4, 30)),
        (dt.date(2025, 3, 29), 1, dt.date(2025, 4, 29)),
        (dt.date(2025, 11, 30), 1, dt.date(2025, 12, 30)),  # into December
        (dt.date(2025, 10, 31), 2, dt.date(2025, 12, 31)),
        (dt.date(2025, 12, 31), 0, dt.date(2025, 12, 31)),
        (dt.date(2025, 12, 15), 1, dt.date(2026, 1, 15)),  # over the year's end
        (dt.date(2025, 12, 31), 2, dt.date(2026, 2, 28)),
        (dt.date(2025, 1, 15), 11, dt.date(2025, 12, 15)),
        (dt.date(2025, 1, 15), 12, dt.date(2026, 1, 15)),
        (dt.date(2025, 1, 15), 13, dt.date(2026, 2, 15)),
        (dt.date(2025, 6, 30), 36, dt.date(2028, 6, 30)),
        (dt.date(2025, 8, 31), 18, dt.date(2027, 2, 28)),
        (dt.date(2025, 3, 31), -1, dt.date(2025, 2, 28)),
        (dt.date(2025, 1, 15), -1, dt.date(2024, 12, 15)),
        (dt.date(2025, 1, 31), -13, dt.date(2023, 12, 31)),
        # The calendar's last December: the day before "1 January 10000" has no date.
        (dt.date(9999, 11, 30), 1, dt.date(9999, 12, 30)),
        (dt.date(9996, 12, 1), 36, dt.date(9999, 12, 1)),
        (dt.date(9999, 12, 31), 0, dt.date(9999, 12, 31)),
        (dt.date(1, 1, 31), 11, dt.date(1, 12, 31)),
    ],
)
def test_add_months_moves_whole_months_and_clamps_to_the_months_end(
    day: dt.date, months: int, expected: dt.date
) -> None:
    assert add_months(day, months) == expected


# -- combining a panel -----------------------------------------------------------------------


def test_lowest_takes_the_lowest_level_of_exactly_min_reviewers() -> None:
    review = _review(
        {"r1": {"a1": "wow", "a2": "yes", "m1": "no"}, "r2": {"a1": "yes", "a2": "yes"}},
    )
    ctx, decision = _probe_context(
        _submission(), review, policy=ReviewPolicy(min_reviewers=2, combine="lowest")
    )
    assert dict(ctx.levels) == {"a1": "yes", "a2": "yes"}
    assert dict(ctx.unresolved) == {
        "m1": "judged by 1 of the 2 reviewers the panel needs: no",
        "a": "not derived: no settled level for a3",
    }
    assert _levels(decision)["a1"] == ("yes", "judgement", "")


def test_one_fewer_than_min_reviewers_leaves_each_target_unresolved() -> None:
    # The short target comes first, so a loop that stopped at it would lose the others.
    review = _review(
        {
            "r1": {"m1": "yes", "a1": "wow", "a2": "yes", "a3": "no"},
            "r2": {"a1": "wow", "a2": "no", "a3": "no"},
            "r3": {"a1": "yes", "a2": "wow", "a3": "yes", "m2": "wow", "m3": "no"},
            "r4": {"m3": "wow"},
        },
    )
    ctx, _ = _probe_context(
        _submission(), review, policy=ReviewPolicy(min_reviewers=3, combine="lowest")
    )
    assert dict(ctx.levels) == {"a1": "yes", "a2": "no", "a3": "no", "a": "no"}
    assert dict(ctx.unresolved) == {
        "m1": "judged by 1 of the 3 reviewers the panel needs: yes",
        "m2": "judged by 1 of the 3 reviewers the panel needs: wow",
        "m3": "judged by 2 of the 3 reviewers the panel needs: no, wow",
    }


def test_a_single_reviewer_settles_every_target_they_judge() -> None:
    review = _review({"r1": {"a1": "wow", "a2": "no", "m1": "yes"}})
    ctx, decision = _probe_context(_submission(), review)
    assert dict(ctx.levels) == {"a1": "wow", "a2": "no", "m1": "yes"}
    assert dict(ctx.unresolved) == {
        "a": "not derived: no settled level for a3",
        "m": "not derived: no settled level for m2, m3",
    }
    assert decision.basis == "review"


def test_median_of_three_reviewers_is_the_middle_level_not_the_lowest() -> None:
    review = _review(
        {
            "r1": {"m1": "no", "m2": "wow", "m3": "wow"},
            "r2": {"m1": "wow", "m2": "no", "m3": "yes"},
            "r3": {"m1": "wow", "m2": "yes", "m3": "wow"},
        },
    )
    ctx, decision = _probe_context(
        _submission(), review, policy=ReviewPolicy(min_reviewers=3, combine="median")
    )
    # m1: no, wow, wow -> wow; m2: wow, no, yes -> yes; m3: wow, yes, wow -> wow.
    # The section m takes the median of its criteria: wow, yes, wow -> wow.
    assert dict(ctx.levels) == {"m1": "wow", "m2": "yes", "m3": "wow", "m": "wow"}
    assert _levels(decision)["m"] == ("wow", "derived", "")


def test_median_of_two_reviewers_is_the_lower_of_the_two() -> None:
    review = _review({"r1": {"m1": "wow", "m2": "no"}, "r2": {"m1": "yes", "m2": "wow"}})
    ctx, _ = _probe_context(
        _submission(), review, policy=ReviewPolicy(min_reviewers=2, combine="median")
    )
    assert dict(ctx.levels) == {"m1": "yes", "m2": "no"}


def test_unanimous_settles_only_where_every_reviewer_agrees() -> None:
    review = _review(
        {
            "r1": {"a2": "yes", "a1": "wow", "a3": "wow"},
            "r2": {"a2": "wow", "a1": "wow", "a3": "wow"},
        },
    )
    ctx, decision = _probe_context(
        _submission(), review, policy=ReviewPolicy(min_reviewers=2, combine="unanimous")
    )
    assert dict(ctx.levels) == {"a1": "wow", "a3": "wow"}
    assert dict(ctx.unresolved) == {
        "a2": "panel not unanimous: yes, wow",
        "a": "not derived: no settled level for a2",
    }
    assert _levels(decision) == {
        "a": ("", "unresolved", "not derived: no settled level for a2"),
        "a1": ("wow", "judgement", ""),
        "a2": ("", "unresolved", "panel not unanimous: yes, wow"),
        "a3": ("wow", "judgement", ""),
        "k": ("", "not-applicable", NA_ORG),
        "k1": ("", "not-applicable", NA_ORG),
    }


def test_unanimous_with_three_reviewers_two_of_whom_agree_stays_unresolved() -> None:
    review = _review(
        {"r1": {"a1": "yes"}, "r2": {"a1": "yes"}, "r3": {"a1": "wow"}},
    )
    ctx, _ = _probe_context(
        _submission(), review, policy=ReviewPolicy(min_reviewers=3, combine="unanimous")
    )
    assert dict(ctx.levels) == {}
    assert ctx.unresolved["a1"] == "panel not unanimous: yes, yes, wow"


# -- the context: levels, not applicable, derived sections -------------------------------------


def test_self_ratings_derive_sections_and_not_applicable_spreads_from_a_section() -> None:
    submission = _submission(
        _rate("a1", "yes"),
        _rate("a2", "wow"),
        _rate("a3", "wow"),
        _rate("m1", "no"),
        _rate("m2", "wow"),
        _rate("m3", "yes"),
        _na("c", "we teach no C"),
        Rating(target="n1", narrative="a level is still to come"),
    )
    ctx, decision = _probe_context(submission, policy=ReviewPolicy(required=False))
    assert _levels(decision) == {
        "a": ("yes", "derived", ""),  # minimum of yes, wow, wow
        "a1": ("yes", "self-rating", ""),
        "a2": ("wow", "self-rating", ""),
        "a3": ("wow", "self-rating", ""),
        "m": ("yes", "derived", ""),  # median of no, wow, yes
        "m1": ("no", "self-rating", ""),
        "m2": ("wow", "self-rating", ""),
        "m3": ("yes", "self-rating", ""),
        "c": ("", "not-applicable", "marked not applicable by the organisation: we teach no C"),
        "c1": ("", "not-applicable", "its section 'c' does not apply"),
        "c2": ("", "not-applicable", "its section 'c' does not apply"),
        "k": ("", "not-applicable", NA_ORG),
        "k1": ("", "not-applicable", NA_ORG),
    }
    assert [d.target for d in decision.levels] == [t for t in ORDER if t not in ("n", "n1")]
    assert ctx.not_applicable == frozenset({"c", "c1", "c2", "k", "k1"})
    assert dict(ctx.unresolved) == {}
    assert decision.basis == "self-certified"


def test_an_organisation_outside_a_context_or_kind_is_not_judged_there() -> None:
    ctx, decision = _probe_context(
        _submission(kind="school", context="south"), policy=ReviewPolicy(required=False)
    )
    # c1 is for the north only; k is for schools, and this one is a school.
    assert ctx.not_applicable == frozenset({"c1"})
    assert _levels(decision) == {"c1": ("", "not-applicable", NA_ORG)}


def test_a_criterion_marked_not_applicable_is_left_out_of_its_sections_level() -> None:
    submission = _submission(_rate("a1", "wow"), _rate("a2", "wow"), _na("a3", "no such thing"))
    ctx, decision = _probe_context(submission, policy=ReviewPolicy(required=False))
    assert _levels(decision)["a"] == ("wow", "derived", "")
    assert _levels(decision)["a3"] == (
        "",
        "not-applicable",
        "marked not applicable by the organisation: no such thing",
    )
    assert "a3" in ctx.not_applicable


def test_a_section_partly_settled_stays_open_and_one_not_settled_at_all_is_left_alone() -> None:
    submission = _submission(_rate("a1", "wow"), _rate("m1", "yes"), _rate("m2", "yes"))
    ctx, decision = _probe_context(submission, policy=ReviewPolicy(required=False))
    assert dict(ctx.unresolved) == {
        "a": "not derived: no settled level for a2, a3",
        "m": "not derived: no settled level for m3",
    }
    assert _levels(decision)["a"] == ("", "unresolved", "not derived: no settled level for a2, a3")
    # Nothing rated in c: the section is neither derived nor unresolved.
    assert "c" not in ctx.levels
    assert "c" not in ctx.unresolved


def test_a_section_whose_criteria_all_do_not_apply_gets_no_level() -> None:
    submission = _submission(_na("m1"), _na("m2"), _na("m3"))
    ctx, decision = _probe_context(submission, policy=ReviewPolicy(required=False))
    assert "m" not in ctx.levels
    assert "m" not in ctx.unresolved
    assert "m" not in ctx.not_applicable
    assert [d.target for d in decision.levels] == ["m1", "m2", "m3", "k", "k1"]


def test_a_judged_section_keeps_its_own_level_over_its_criteria() -> None:
    review = _review(
        {"r1": {"a": "no", "a1": "wow", "a2": "wow", "a3": "wow", "m1": "yes", "m2": "wow"}}
    )
    submission = _submission(_na("m3"))
    ctx, decision = _probe_context(submission, review)
    assert ctx.levels["a"] == "no"
    assert _levels(decision)["a"] == ("no", "judgement", "")
    # The sections after it are still derived: m from m1 and m2 (m3 does not apply).
    assert _levels(decision)["m"] == ("yes", "derived", "")


def test_a_section_marked_not_applicable_is_not_derived_from_a_judged_criterion() -> None:
    review = _review(
        {"r1": {"m1": "wow", "a1": "yes"}},
        rationales={("r1", "m1"): "they do run M"},
    )
    submission = _submission(_na("m", "no M here"))
    ctx, decision = _probe_context(submission, review)
    assert _levels(decision) == {
        "a": ("", "unresolved", "not derived: no settled level for a2, a3"),
        "a1": ("yes", "judgement", ""),
        "m": ("", "not-applicable", "marked not applicable by the organisation: no M here"),
        "m1": ("wow", "judgement", ""),
        "m2": ("", "not-applicable", "its section 'm' does not apply"),
        "m3": ("", "not-applicable", "its section 'm' does not apply"),
        "k": ("", "not-applicable", NA_ORG),
        "k1": ("", "not-applicable", NA_ORG),
    }
    assert ctx.not_applicable == frozenset({"m", "m2", "m3", "k", "k1"})


def test_a_reviewer_overruling_not_applicable_is_shown_with_every_distinct_rationale() -> None:
    review = _review(
        {
            "r1": {"c2": "yes", "a1": "wow"},
            "r2": {"c2": "yes", "a1": "wow"},
            "r3": {"c2": "yes", "a1": "wow"},
        },
        rationales={
            ("r1", "c2"): "they run C2",
            ("r2", "c2"): "seen in the visit",
            ("r3", "c2"): "they run C2",
            ("r1", "a1"): "strong",
        },
    )
    submission = _submission(_na("c2", "no C2"), _na("a3", "none"))
    ctx, decision = _probe_context(submission, review, policy=ReviewPolicy(min_reviewers=3))
    levels = _levels(decision)
    assert levels["c2"] == (
        "yes",
        "judgement",
        "overrules the organisation's not applicable: they run C2 seen in the visit",
    )
    assert levels["a1"] == ("wow", "judgement", "")  # a rationale, but no overruling
    assert levels["a3"] == ("", "not-applicable", "marked not applicable by the organisation: none")
    assert "c2" not in ctx.not_applicable
    assert ctx.levels["c2"] == "yes"


def test_a_target_marked_not_applicable_and_short_of_reviewers_is_unresolved() -> None:
    review = _review(
        {"r1": {"c2": "yes"}, "r2": {}},
        rationales={("r1", "c2"): "they run C2"},
    )
    submission = _submission(_na("c2", "no C2"))
    ctx, decision = _probe_context(submission, review, policy=ReviewPolicy(min_reviewers=2))
    assert _levels(decision)["c2"] == (
        "",
        "unresolved",
        "judged by 1 of the 2 reviewers the panel needs: yes",
    )
    assert "c2" in ctx.not_applicable


def test_the_rules_see_the_submission_the_date_and_its_evidence_by_criterion() -> None:
    e1 = EvidenceItem(id="e1", type="doc", title="One", criteria=("a1", "a2"))
    e2 = EvidenceItem(id="e2", type="doc", title="Two", criteria=("a1",))
    e3 = EvidenceItem(id="e3", type="doc", title="Three")
    submission = _submission(evidence=(e1, e2, e3))
    ctx, _ = _probe_context(submission, policy=ReviewPolicy(required=False))
    assert ctx.submission is submission
    assert ctx.as_of == AS_OF
    assert ctx.index.framework.id == "eng"
    assert dict(ctx.evidence_by_criterion) == {"a1": (e1, e2), "a2": (e1,)}


# -- check and assess ----------------------------------------------------------------------------


class Hook:
    """A ``qmframe_check_submission`` stand-in: records its calls, returns given problems."""

    def __init__(self, *problems: Problem) -> None:
        self.problems = list(problems)
        self.calls: list[tuple[Framework, Submission, Review | None]] = []

    def __call__(
        self, framework: Framework, submission: Submission, review: Review | None
    ) -> list[Problem]:
        self.calls.append((framework, submission, review))
        return self.problems


@pytest.mark.parametrize(
    ("path", "file"),
    [
        ("reviewers[0]", "r.toml"),
        ("judgements[1].level", "r.toml"),
        ("requests[0].target", "r.toml"),
        ("reviewed_on", "r.toml"),
        ("notes", "r.toml"),
        ("ratings[0].level", "s.toml"),
        ("organisation.id", "s.toml"),
        ("", "s.toml"),
    ],
)
def test_a_plugins_problem_is_located_in_the_file_its_path_belongs_to(path: str, file: str) -> None:
    hook = Hook(Problem("from a plugin", path, severity="warning", code="plugin-said"))
    assessor = Assessor(_framework(), {"probe": Scripted()}, check=hook)
    review = _review({"r1": {"a1": "yes"}})
    problems = assessor.check(_submission(), review, submission_file="s.toml", review_file="r.toml")
    assert problems == [Problem("from a plugin", path, file, "warning", code="plugin-said")]
    assert hook.calls == [(assessor.framework, _submission(), review)]


def test_the_plugins_checks_run_only_when_the_framework_found_no_error(tmp_path: Path) -> None:
    hook = Hook(Problem("from a plugin", "ratings[0]", code="plugin-said"))
    assessor = Assessor(_framework(), {"probe": Scripted()}, check=hook)
    # A warning (an evidence file not found beside the submission) lets them run.
    evidence = (EvidenceItem(id="e1", type="doc", title="One", reference="gone.pdf"),)
    submission = _submission(evidence=evidence)
    problems = assessor.check(submission, folder=tmp_path, submission_file="s.toml")
    assert problems == [
        Problem(
            "file 'gone.pdf' not found beside the submission",
            "evidence[0].reference",
            "s.toml",
            "warning",
            code="evidence-file",
        ),
        Problem("from a plugin", "ratings[0]", "s.toml", code="plugin-said"),
    ]
    assert len(hook.calls) == 1
    # An error does not.
    bad = _submission(_rate("a1", "meh"))
    problems = assessor.check(bad, submission_file="s.toml")
    assert problems == [
        Problem(
            "unknown level 'meh' for scale 'lvl' (expected one of: no, yes, wow)",
            "ratings[0].level",
            "s.toml",
            code="unknown-choice",
        )
    ]
    assert len(hook.calls) == 1
    # An error in the review does not either.
    review = _review({"r1": {"zz": "yes"}})
    assert [p.code for p in assessor.check(_submission(), review)] == ["unknown-reference"]
    assert len(hook.calls) == 1


def test_check_locates_the_reviews_problems_in_its_file_and_checks_conflicts() -> None:
    assessor = Assessor(_framework(), {"probe": Scripted()})
    review = attrs.evolve(
        _review({"r1": {"a1": "yes"}}),
        reviewers=(Reviewer(id="r1", name="Ann", organisation="org-1"),),
    )
    problems = assessor.check(_submission(), review, submission_file="s.toml", review_file="r.toml")
    assert problems == [
        Problem(
            "conflict of interest: reviewer 'r1' (Ann) works for 'org-1', so cannot review "
            "this submission; replace them on the panel",
            "reviewers[0]",
            "r.toml",
            code="conflict-of-interest",
        )
    ]
    with pytest.raises(ConflictOfInterestError) as caught:
        assessor.assess(_submission(), review, as_of=AS_OF, review_file="r.toml")
    assert caught.value.problems == tuple(problems)


def test_assess_raises_every_error_and_passes_the_folder_and_file_names(tmp_path: Path) -> None:
    (tmp_path / "here.pdf").write_bytes(b"x")
    evidence = (
        EvidenceItem(id="e1", type="doc", title="One", reference="here.pdf", sha256="0" * 64),
        EvidenceItem(id="e2", type="doc", title="Two", reference="gone.pdf"),
    )
    assessor = Assessor(_framework(), {"probe": Scripted()})
    with pytest.raises(ValidationError) as caught:
        assessor.assess(
            _submission(_rate("a1", "meh"), evidence=evidence),
            _review({"r1": {"a1": "meh"}}),
            as_of=AS_OF,
            folder=tmp_path,
            submission_file="s.toml",
            review_file="r.toml",
        )
    # Only the errors: the missing file is a warning.
    assert caught.value.problems == (
        Problem(
            "unknown level 'meh' for scale 'lvl' (expected one of: no, yes, wow)",
            "ratings[0].level",
            "s.toml",
            code="unknown-choice",
        ),
        Problem(
            "file 'here.pdf' does not match its sha256",
            "evidence[0].reference",
            "s.toml",
            code="evidence-file",
        ),
        Problem(
            "unknown level 'meh' for scale 'lvl' (expected one of: no, yes, wow)",
            "judgements[0].level",
            "r.toml",
            code="unknown-choice",
        ),
    )
    assert not isinstance(caught.value, ConflictOfInterestError)


def test_assess_decides_despite_warnings() -> None:
    assessor = Assessor(_framework(), {"probe": Scripted()}, check=Hook())
    review = _review({"r1": {"a1": "yes"}}, reviewers=("r1",))
    policy_two = Assessor(_framework(review=ReviewPolicy(min_reviewers=2)), {"probe": Scripted()})
    assert assessor.assess(_submission(), review, as_of=AS_OF).basis == "review"
    # Too few reviewers is a warning: the decision is made, as an indication.
    decision = policy_two.assess(_submission(), review, as_of=AS_OF)
    assert decision.basis == "indication"


def test_building_an_assessor_refuses_an_invalid_framework_but_not_a_warning() -> None:
    with pytest.raises(ValidationError) as caught:
        Assessor(_framework(), {})
    assert [p.code for p in caught.value.problems] == ["unknown-reference"]
    flat = Scale(id="lvl", levels=(Level(id="no", label="No", meets=False),))
    warned = attrs.evolve(_framework(), scales=(flat,))
    assessor = Assessor(warned, {"probe": Scripted()})
    assert assessor.framework is warned


# -- building the decision from the rules' results ----------------------------------------------


def _f(target: str, holds: bool, level: str = "", note: str = "") -> Finding:
    return Finding(target=target, holds=holds, level=level, note=note)


def _scripted(holds: bool, *findings: Finding, saw: str = "saw", concluded: str = "c") -> Scripted:
    return Scripted(RuleResult(holds=holds, saw=saw, concluded=concluded, findings=findings))


def _decide(
    rules: Mapping[Rule, RuleKind],
    submission: Submission | None = None,
    review: Review | None = None,
    *,
    as_of: dt.date = AS_OF,
    kind_sources: Mapping[str, str] | None = None,
    policy: ReviewPolicy | None = None,
    **framework: Any,
) -> Decision:
    """Assess with each rule evaluated by its own kind (named after the rule)."""
    kinds = {rule.kind: kind for rule, kind in rules.items()}
    fw = _framework(rules=tuple(rules), review=policy, **framework)
    assessor = Assessor(fw, kinds, kind_sources=kind_sources)
    return assessor.assess(submission or _submission(), review, as_of=as_of)


SELF = ReviewPolicy(required=False)


def test_highlights_unmet_and_the_explanation_come_from_each_rules_result() -> None:
    shine = Rule(id="shine", kind="k-shine", title="Shines", effect="highlight")
    note = Rule(id="note", kind="k-note", effect="inform")
    need = Rule(id="need", kind="k-need", title="Needed", feedback="")
    plain = Rule(id="plain", kind="k-plain", feedback="Do this.")
    fine = Rule(id="fine", kind="k-fine")
    rules: dict[Rule, RuleKind] = {
        shine: _scripted(
            False,
            _f("a1", True, "wow"),
            _f("a2", False, "yes"),
            _f("O1", True, ""),
            saw="three",
            concluded="two shine",
        ),
        note: _scripted(False, _f("a1", False, "no", "low")),
        need: _scripted(
            False,
            _f("a1", True, "yes"),
            _f("a2", False, "no", "too low"),
            _f("plan-1", False, "", "no plan"),
        ),
        plain: _scripted(False, concluded="nothing there"),
        fine: _scripted(True, _f("a2", False, "no", "ignored: the rule holds")),
    }
    decision = _decide(rules, kind_sources={"k-need": "needs 1.0"}, policy=SELF)
    assert decision.highlights == (
        Highlight(target="a1", title="A one", level="wow", rule="shine"),
        Highlight(target="O1", title="Outcome one", level="", rule="shine"),
    )
    assert decision.unmet == (
        Unmet(target="a2", title="A two", rule="need", reason="too low", feedback="too low"),
        Unmet(target="plan-1", title="Needed", rule="need", reason="no plan", feedback="no plan"),
        Unmet(target="", title="plain", rule="plain", reason="nothing there", feedback="Do this."),
    )
    assert decision.status == "not-yet"
    assert decision.passed is False
    assert (decision.valid_from, decision.valid_until, decision.midpoint_due) == (None, None, None)
    assert decision.explanation == (
        RuleOutcome(
            rule="shine",
            kind="k-shine",
            effect="highlight",
            title="Shines",
            holds=False,
            saw="three",
            concluded="two shine",
            findings=rules[shine].result.findings,  # type: ignore[attr-defined]
            evaluated_by="",
        ),
        RuleOutcome(
            rule="note",
            kind="k-note",
            effect="inform",
            title="",
            holds=False,
            saw="saw",
            concluded="c",
            findings=(_f("a1", False, "no", "low"),),
        ),
        RuleOutcome(
            rule="need",
            kind="k-need",
            effect="require",
            title="Needed",
            holds=False,
            saw="saw",
            concluded="c",
            findings=rules[need].result.findings,  # type: ignore[attr-defined]
            evaluated_by="needs 1.0",
        ),
        RuleOutcome(
            rule="plain",
            kind="k-plain",
            effect="require",
            title="",
            holds=False,
            saw="saw",
            concluded="nothing there",
        ),
        RuleOutcome(
            rule="fine",
            kind="k-fine",
            effect="require",
            title="",
            holds=True,
            saw="saw",
            concluded="c",
            findings=(_f("a2", False, "no", "ignored: the rule holds"),),
        ),
    )


def test_an_unmet_rules_feedback_and_title_fall_back_in_order() -> None:
    titled = Rule(id="titled", kind="k-titled", title="Titled", feedback="Rule feedback.")
    bare = Rule(id="bare", kind="k-bare")
    rules: dict[Rule, RuleKind] = {
        titled: _scripted(
            False,
            _f("a1", False, "no", "a1 low"),
            _f("a2", False, "no", "a2 low"),
            _f("x9", False, "", "x9 missing"),
        ),
        bare: _scripted(False, _f("x9", False, "", "x9 again"), concluded="bare failed"),
    }
    # A reviewer's rationale at the decided level is the feedback; the rule's comes next.
    review = _review({"r1": {"a1": "no", "a2": "no"}}, rationales={("r1", "a1"): "Show more."})
    decision = _decide(rules, _submission(), review)
    assert decision.unmet == (
        Unmet(target="a1", title="A one", rule="titled", reason="a1 low", feedback="Show more."),
        Unmet(
            target="a2", title="A two", rule="titled", reason="a2 low", feedback="Rule feedback."
        ),
        Unmet(
            target="x9",
            title="Titled",
            rule="titled",
            reason="x9 missing",
            feedback="Rule feedback.",
        ),
        Unmet(target="x9", title="bare", rule="bare", reason="x9 again", feedback="x9 again"),
    )
    titled_only = {titled: _scripted(False, concluded="none at all")}
    assert _decide(titled_only, policy=SELF).unmet == (
        Unmet(
            target="",
            title="Titled",
            rule="titled",
            reason="none at all",
            feedback="Rule feedback.",
        ),
    )
    bare_only = {bare: _scripted(False, concluded="none at all")}
    assert _decide(bare_only, policy=SELF).unmet == (
        Unmet(target="", title="bare", rule="bare", reason="none at all", feedback="none at all"),
    )


def test_the_first_failing_veto_sets_the_status() -> None:
    first = Rule(id="v1", kind="k-v1", effect="veto", status="ineligible")
    second = Rule(id="v2", kind="k-v2", effect="veto", status="withdrawn")
    holding = Rule(id="v0", kind="k-v0", effect="veto", status="withdrawn")
    rules: dict[Rule, RuleKind] = {
        holding: _scripted(True),
        first: _scripted(False),
        second: _scripted(False),
    }
    decision = _decide(rules, policy=SELF)
    assert decision.status == "ineligible"
    assert [u.rule for u in decision.unmet] == ["v1", "v2"]
    assert decision.passed is False
    # A veto without a status of its own gives the fail status.
    plain = Rule(id="v3", kind="k-v3", effect="veto")
    assert _decide({plain: _scripted(False), second: _scripted(False)}, policy=SELF).status == (
        "not-yet"
    )
    # A failing require before a veto does not stop the veto's status.
    need = Rule(id="need", kind="k-need")
    assert _decide({need: _scripted(False), first: _scripted(False)}, policy=SELF).status == (
        "ineligible"
    )


def test_a_failing_highlight_or_inform_rule_does_not_stop_an_award() -> None:
    rules: dict[Rule, RuleKind] = {
        Rule(id="h", kind="k-h", effect="highlight"): _scripted(False, _f("a1", False)),
        Rule(id="i", kind="k-i", effect="inform"): _scripted(False, _f("a1", False)),
        Rule(id="r", kind="k-r"): _scripted(True),
    }
    decision = _decide(rules, policy=SELF)
    assert (decision.status, decision.passed, decision.unmet) == ("awarded", True, ())
    assert decision.highlights == ()


def test_a_passing_decision_runs_from_its_date_for_the_frameworks_months() -> None:
    rules: dict[Rule, RuleKind] = {Rule(id="r", kind="k-r"): _scripted(True)}
    decision = _decide(rules, policy=SELF, as_of=dt.date(2024, 1, 31))
    assert decision.status == "awarded"
    assert decision.passed is True
    assert decision.as_of == dt.date(2024, 1, 31)
    assert decision.valid_from == dt.date(2024, 1, 31)
    assert decision.valid_until == dt.date(2027, 1, 30)
    assert decision.midpoint_due == dt.date(2025, 7, 31)
    # A month's award from 31 January ends the day before the clamped 29 February.
    short = _decide(rules, policy=SELF, as_of=dt.date(2024, 1, 31), validity=Validity(months=1))
    assert (short.valid_from, short.valid_until, short.midpoint_due) == (
        dt.date(2024, 1, 31),
        dt.date(2024, 2, 28),
        None,
    )
    endless = _decide(rules, policy=SELF, validity=Validity())
    assert endless.passed is True
    assert (endless.valid_from, endless.valid_until, endless.midpoint_due) == (None, None, None)


def test_the_decision_names_the_framework_and_the_organisation() -> None:
    review = _review(
        {"r1": {"a1": "yes"}},
        requests=(
            InformationRequest(id="q1", request="Send the policy."),
            InformationRequest(id="q2", request="Name the lead.", target="a1"),
        ),
    )
    decision = _decide({Rule(id="r", kind="k-r"): _scripted(True)}, _submission(), review)
    assert (decision.framework, decision.version) == ("eng", "3")
    assert (decision.organisation, decision.organisation_name) == ("org-1", "Org One")
    assert decision.requests == ("Send the policy.", "Name the lead.")
    assert _decide({Rule(id="r", kind="k-r"): _scripted(True)}, policy=SELF).requests == ()


def test_a_rule_kind_that_raises_is_named_as_its_plugins_failure() -> None:
    rule = Rule(id="r-boom", kind="boom")
    with pytest.raises(PluginError) as caught:
        _decide({rule: Boom()}, policy=SELF, kind_sources={"boom": "boomer 2.0"})
    assert (caught.value.plugin, caught.value.hook, caught.value.message) == (
        "boomer 2.0",
        "rule kind 'boom' (rule 'r-boom')",
        "ValueError: bad luck",
    )
    assert isinstance(caught.value.__cause__, ValueError)
    with pytest.raises(PluginError) as unnamed:
        _decide({rule: Boom()}, policy=SELF)
    assert unnamed.value.plugin == "unknown plugin"


# -- the basis of a decision ---------------------------------------------------------------------

PASSING: dict[Rule, RuleKind] = {Rule(id="r", kind="k-r"): Scripted()}
FAILING: dict[Rule, RuleKind] = {Rule(id="r", kind="k-r"): _scripted(False)}


@pytest.mark.parametrize(
    ("needed", "note"),
    [
        (1, "no review: the framework makes an award only on a review by at least 1 reviewer"),
        (2, "no review: the framework makes an award only on a review by at least 2 reviewers"),
    ],
)
def test_no_review_where_one_is_required_is_an_indication(needed: int, note: str) -> None:
    decision = _decide(PASSING, policy=ReviewPolicy(min_reviewers=needed))
    assert (decision.basis, decision.basis_note) == ("indication", note)
    assert (decision.status, decision.indicated_status, decision.passed) == (
        "indication",
        "awarded",
        False,
    )
    assert (decision.valid_from, decision.valid_until, decision.midpoint_due) == (None, None, None)
    failing = _decide(FAILING, policy=ReviewPolicy(min_reviewers=needed))
    assert (failing.status, failing.indicated_status) == ("indication", "not-yet")


def test_a_review_one_short_of_the_panel_is_an_indication_and_a_full_one_is_not() -> None:
    short = _review({"r1": {"a1": "yes"}})
    decision = _decide(PASSING, _submission(), short, policy=ReviewPolicy(min_reviewers=2))
    assert (decision.basis, decision.basis_note, decision.status, decision.passed) == (
        "indication",
        "the review names 1 of the 2 reviewers the framework requires for an award",
        "indication",
        False,
    )
    full = _review({"r1": {"a1": "yes"}, "r2": {"a1": "yes"}})
    decision = _decide(PASSING, _submission(), full, policy=ReviewPolicy(min_reviewers=2))
    assert (decision.basis, decision.basis_note, decision.status, decision.passed) == (
        "review",
        "",
        "awarded",
        True,
    )
    assert decision.indicated_status == ""
    assert decision.valid_until == dt.date(2029, 1, 31)
    assert decision.midpoint_due == dt.date(2027, 8, 1)


def test_a_self_certified_framework_decides_on_the_self_assessment_or_a_short_review() -> None:
    decision = _decide(PASSING, policy=SELF)
    assert (decision.basis, decision.basis_note, decision.status, decision.passed) == (
        "self-certified",
        "",
        "awarded",
        True,
    )
    short = _review({"r1": {"a1": "yes"}})
    policy = ReviewPolicy(required=False, min_reviewers=2)
    decision = _decide(PASSING, _submission(), short, policy=policy)
    assert (decision.basis, decision.basis_note, decision.status) == ("review", "", "awarded")


# -- comparisons and panel disagreements ---------------------------------------------------------


def test_self_ratings_are_compared_with_the_levels_decided() -> None:
    submission = _submission(
        _rate("a1", "yes"), _rate("a2", "wow"), _rate("m1", "no"), _na("a3"), _rate("c", "yes")
    )
    review = _review(
        {"r1": {"a1": "yes", "a2": "yes", "a3": "no", "c": "wow"}},
        rationales={("r1", "a3"): "it applies"},
    )
    decision = _decide(PASSING, submission, review)
    assert decision.comparisons == (
        Comparison(target="a1", title="A one", self_level="yes", assessed_level="yes", agrees=True),
        Comparison(
            target="a2", title="A two", self_level="wow", assessed_level="yes", agrees=False
        ),
        Comparison(
            target="c", title="Area C", self_level="yes", assessed_level="wow", agrees=False
        ),
    )
    assert _decide(PASSING, submission, policy=SELF).comparisons == ()


@pytest.mark.parametrize(
    ("combine", "decided"), [("lowest", "yes"), ("median", "yes"), ("unanimous", "")]
)
def test_a_panels_split_is_shown_with_what_the_policy_decided(combine: str, decided: str) -> None:
    review = _review(
        {"r1": {"a": "wow", "a1": "yes", "m1": "no"}, "r2": {"a": "yes", "a1": "yes", "m1": "no"}}
    )
    policy = ReviewPolicy(min_reviewers=2, combine=combine)
    decision = _decide(PASSING, _submission(), review, policy=policy)
    assert decision.panel_disagreements == (
        PanelDisagreement(
            target="a",
            title="Area A",
            levels={"r1": "wow", "r2": "yes"},
            decided=decided,
            policy=combine,
        ),
    )
    assert _decide(PASSING, policy=SELF).panel_disagreements == ()


# -- a plugin's qmframe_decide ------------------------------------------------------------------


def _hooked(
    adjust: Callable[[Decision], Decision | None],
    review: Review | None = None,
    policy: ReviewPolicy = SELF,
) -> tuple[Decision, list[Decision]]:
    seen: list[Decision] = []

    def decide(
        framework: Framework, submission: Submission, rv: Review | None, decision: Decision
    ) -> Decision | None:
        assert framework.id == "eng"
        assert submission.organisation.id == "org-1"
        assert rv is review
        seen.append(decision)
        return adjust(decision)

    fw = _framework(review=policy)
    assessor = Assessor(fw, {"probe": Scripted()}, decide=decide)
    return assessor.assess(_submission(_rate("a1", "yes")), review, as_of=AS_OF), seen


def test_a_decide_hook_that_returns_none_leaves_the_decision_alone() -> None:
    decision, seen = _hooked(lambda d: None)
    assert seen == [decision]
    plain = Assessor(_framework(review=SELF), {"probe": Scripted()})
    assert decision == plain.assess(_submission(_rate("a1", "yes")), as_of=AS_OF)


def test_a_decide_hook_may_refine_the_status() -> None:
    decision, seen = _hooked(lambda d: attrs.evolve(d, status="withdrawn", passed=False))
    assert (decision.status, decision.passed) == ("withdrawn", False)
    assert seen[0].status == "awarded"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"basis": "review"}, "basis"),
        ({"basis_note": "trust me"}, "basis_note"),
        ({"levels": ()}, "levels"),
        ({"organisation": "org-2"}, "organisation"),
        ({"framework": "other"}, "framework"),
        ({"version": "4"}, "version"),
        ({"basis": "review", "version": "4"}, "basis, version"),
    ],
)
def test_a_decide_hook_may_not_change_what_the_decision_rests_on(
    change: dict[str, Any], named: str
) -> None:
    with pytest.raises(PluginError) as caught:
        _hooked(lambda d: attrs.evolve(d, **change))
    assert (caught.value.plugin, caught.value.hook, caught.value.message) == (
        "a qmframe_decide implementation",
        "qmframe_decide",
        "changed what the decision rests on: " + named,
    )


@pytest.mark.parametrize(
    "change", [{"passed": True}, {"status": "awarded"}, {"status": "awarded", "passed": True}]
)
def test_a_decide_hook_may_not_make_an_indication_an_award(change: dict[str, Any]) -> None:
    with pytest.raises(PluginError) as caught:
        _hooked(lambda d: attrs.evolve(d, **change), policy=ReviewPolicy())
    assert caught.value.message == (
        "changed what the decision rests on: status (an indication cannot be made an award)"
    )
    # Refining an indication's other fields is allowed.
    decision, _ = _hooked(
        lambda d: attrs.evolve(d, indicated_status="withdrawn"), policy=ReviewPolicy()
    )
    assert (decision.status, decision.indicated_status) == ("indication", "withdrawn")


# -- feedback from the review's rationales --------------------------------------------------


def test_feedback_is_every_distinct_rationale_at_the_decided_level_or_all_when_unresolved() -> None:
    failing = {
        Rule(id="r", kind="k-r"): _scripted(
            False, _f("a1", False), _f("a2", False), _f("m1", False), _f("m2", False)
        )
    }
    review = _review(
        {
            "r1": {"a1": "no", "a2": "no", "m1": "no", "m2": "yes"},
            "r2": {"a1": "yes", "a2": "no", "m1": "wow", "m2": "yes"},
            "r3": {"a1": "no", "a2": "no", "m1": "yes"},
        },
        rationales={
            ("r1", "a1"): "Too thin.",
            ("r2", "a1"): "Good enough.",  # above the decided "no": not the feedback
            ("r3", "a1"): "Too thin.",
            ("r1", "a2"): "",
            ("r2", "a2"): "Missing.",
            ("r1", "m1"): "One.",
            ("r2", "m1"): "Two.",
            ("r3", "m1"): "One.",
            ("r1", "m2"): "Short.",
        },
    )
    policy = ReviewPolicy(min_reviewers=3, combine="unanimous")
    decision = _decide(failing, _submission(), review, policy=policy)
    # a1: no, yes, no (split: unresolved, every rationale); a2: all "no"; m1 split; m2 short.
    assert {u.target: u.feedback for u in decision.unmet} == {
        "a1": "Too thin. Good enough.",
        "a2": "Missing.",
        "m1": "One. Two.",
        "m2": "Short.",
    }
    lowest = _decide(failing, _submission(), review, policy=ReviewPolicy(min_reviewers=3))
    assert {u.target: u.feedback for u in lowest.unmet} == {
        "a1": "Too thin.",
        "a2": "Missing.",
        "m1": "One.",
        "m2": "Short.",
    }


# -- check_review ---------------------------------------------------------------------------------

INDEX = FrameworkIndex.build(_framework())


def _problem(message: str, path: str, code: str, severity: str = "error") -> Problem:
    return Problem(message, path, "", severity, code=code)


def test_a_review_for_another_framework_is_refused_before_anything_else() -> None:
    review = attrs.evolve(_review({"r1": {"zz": "meh"}}), framework="other", framework_version="9")
    assert check_review(review, INDEX, _submission()) == [
        _problem("this review is for framework 'other', not 'eng'", "framework", "wrong-framework")
    ]


def test_a_review_for_another_version_or_organisation_is_refused() -> None:
    review = attrs.evolve(
        _review({"r1": {"a1": "yes"}}), framework_version="2", organisation="org-2"
    )
    wrong_version = _problem(
        "this review is for version '2'; the framework given is version '3'",
        "framework_version",
        "wrong-framework",
    )
    assert check_review(review, INDEX, _submission()) == [
        wrong_version,
        _problem(
            "this review is of 'org-2', but the submission is from 'org-1'",
            "organisation",
            "wrong-organisation",
        ),
    ]
    # Without the submission there is nothing to compare the organisation with.
    assert check_review(review, INDEX) == [wrong_version]


def test_too_few_reviewers_is_a_warning_and_exactly_enough_is_none() -> None:
    index = FrameworkIndex.build(_framework(review=ReviewPolicy(min_reviewers=2)))
    one = _review({"r1": {"a1": "yes"}})
    assert check_review(one, index, _submission()) == [
        _problem(
            "the framework asks for at least 2 reviewers; 1 named, so a decision on this "
            "review is only an indication, not an award",
            "reviewers",
            "too-few-reviewers",
            "warning",
        )
    ]
    two = _review({"r1": {"a1": "yes"}, "r2": {"a1": "yes"}})
    assert check_review(two, index, _submission()) == []
    none = _review({}, reviewers=())
    assert [p.code for p in check_review(none, INDEX)] == ["too-few-reviewers"]


def test_reviewer_ids_must_be_well_formed_and_distinct() -> None:
    review = _review({}, reviewers=("r1", "r1", "-bad"))
    assert check_review(review, INDEX) == [
        _problem(
            "duplicate reviewer id 'r1' (first at reviewers[0])", "reviewers[1].id", "duplicate-id"
        ),
        _problem(
            "reviewer id '-bad' must start with a letter or digit and use only letters, "
            "digits, '.', '_' and '-'",
            "reviewers[2].id",
            "bad-id",
        ),
    ]


def test_each_judgement_is_checked_against_the_framework_and_the_panel() -> None:
    review = Review(
        framework="eng",
        framework_version="3",
        organisation="org-1",
        reviewers=(Reviewer(id="r1", name="One"), Reviewer(id="r2", name="Two")),
        judgements=(
            Judgement(target="a1", level="yes", reviewer="r1"),
            Judgement(target="zz", level="meh"),  # unknown: nothing else is said of it
            Judgement(target="a1", level="wow", reviewer="r2"),
            Judgement(target="a1", level="no", reviewer="r1"),
            Judgement(target="a2", level="meh", reviewer="r9"),
            Judgement(target="n", level="yes", reviewer="r1"),
            Judgement(target="a3", level="yes"),
            Judgement(target="a1", level="yes", reviewer="r1"),
        ),
        requests=(
            InformationRequest(id="q1", request="?"),
            InformationRequest(id="q2", request="?", target="a2"),
            InformationRequest(id="q3", request="?", target="qq"),
        ),
    )
    assert check_review(review, INDEX) == [
        _problem("unknown criterion or section 'zz'", "judgements[1].target", "unknown-reference"),
        _problem(
            "'a1' is judged twice by the same reviewer (first at judgements[0])",
            "judgements[3].target",
            "duplicate-id",
        ),
        _problem(
            "unknown level 'meh' for scale 'lvl' (expected one of: no, yes, wow)",
            "judgements[4].level",
            "unknown-choice",
        ),
        _problem("unknown reviewer 'r9'", "judgements[4].reviewer", "unknown-reference"),
        _problem("'n' has no scale to judge it on", "judgements[5].level", "missing-value"),
        _problem(
            "with several reviewers, say whose judgement this is",
            "judgements[6].reviewer",
            "missing-value",
        ),
        _problem(
            "'a1' is judged twice by the same reviewer (first at judgements[0])",
            "judgements[7].target",
            "duplicate-id",
        ),
        _problem("unknown criterion or section 'qq'", "requests[2].target", "unknown-reference"),
    ]


def test_one_reviewer_need_not_sign_each_judgement() -> None:
    review = Review(
        framework="eng",
        framework_version="3",
        organisation="org-1",
        reviewers=(Reviewer(id="r1", name="One"),),
        judgements=(Judgement(target="a1", level="yes"), Judgement(target="a2", level="no")),
    )
    assert check_review(review, INDEX, _submission()) == []


def test_a_judgements_evidence_must_be_in_the_submission() -> None:
    review = attrs.evolve(
        _review({"r1": {}}),
        judgements=(
            Judgement(target="a1", level="yes", reviewer="r1", evidence=("e1", "e9", "e8")),
        ),
    )
    submission = _submission(evidence=(EvidenceItem(id="e1", type="doc", title="One"),))
    assert check_review(review, INDEX, submission) == [
        _problem("unknown evidence item 'e9'", "judgements[0].evidence", "unknown-reference"),
        _problem("unknown evidence item 'e8'", "judgements[0].evidence", "unknown-reference"),
    ]
    assert check_review(review, INDEX) == []


@pytest.mark.parametrize(("rationale", "refused"), [("", True), ("  \n", True), ("seen it", False)])
def test_overruling_not_applicable_needs_a_rationale(rationale: str, refused: bool) -> None:
    review = _review({"r1": {"c2": "yes", "a1": "yes"}}, rationales={("r1", "c2"): rationale})
    submission = _submission(_na("c2"), _rate("a1", "yes"))
    expected = [
        _problem(
            "the submission marks 'c2' not applicable; a reviewer may judge it, overruling "
            "the organisation, only with a rationale",
            "judgements[0].rationale",
            "needs-justification",
        )
    ]
    assert check_review(review, INDEX, submission) == (expected if refused else [])
    assert check_review(review, INDEX) == []


def test_conflicts_of_interest_name_the_reviewer_and_every_reason() -> None:
    review = Review(
        framework="eng",
        framework_version="3",
        organisation="org-1",
        reviewers=(
            Reviewer(id="r1", name="Ann", organisation="org-2"),
            Reviewer(
                id="r2",
                name="Bob",
                organisation="org-1",
                interests=(Interest(organisation="org-1", kind="governor"),),
            ),
            Reviewer(
                id="r3",
                name="Cy",
                interests=(
                    Interest(organisation="org-2", kind="trustee"),
                    Interest(organisation="org-1", kind="former employee"),
                    Interest(organisation="org-1", kind="parent"),
                ),
            ),
        ),
    )
    expected = [
        _problem(
            "conflict of interest: reviewer 'r2' (Bob) works for 'org-1' and declared an "
            "interest in 'org-1' (governor), so cannot review this submission; replace them "
            "on the panel",
            "reviewers[1]",
            "conflict-of-interest",
        ),
        _problem(
            "conflict of interest: reviewer 'r3' (Cy) declared an interest in 'org-1' (former "
            "employee) and declared an interest in 'org-1' (parent), so cannot review this "
            "submission; replace them on the panel",
            "reviewers[2]",
            "conflict-of-interest",
        ),
    ]
    assert conflicts_of_interest(review, _submission()) == expected
    assert check_review(review, INDEX, _submission()) == expected
    assert check_review(review, INDEX) == []


def test_a_reviewer_with_no_organisation_does_not_work_for_one_without_an_id() -> None:
    review = _review({"r1": {}})
    nameless = attrs.evolve(_submission(), organisation=_org(id=""))
    assert conflicts_of_interest(review, nameless) == []


# -- check_submission ---------------------------------------------------------------------------


def test_a_submission_for_another_framework_is_refused_before_anything_else() -> None:
    submission = attrs.evolve(
        _submission(_rate("zz", "meh")), framework="other", framework_version="9"
    )
    assert check_submission(submission, INDEX) == [
        _problem(
            "this submission is for framework 'other', not 'eng'", "framework", "wrong-framework"
        )
    ]


def test_the_submissions_version_organisation_and_kind_are_checked() -> None:
    submission = Submission(
        framework="eng",
        framework_version="2",
        organisation=Organisation(id="", name="Nobody", kind="shop", context="east"),
        kind="wish-list",
    )
    assert check_submission(submission, INDEX) == [
        _problem(
            "this submission is for version '2' of 'eng'; the framework given is version '3'",
            "framework_version",
            "wrong-framework",
        ),
        _problem("must not be empty", "organisation.id", "missing-value"),
        _problem(
            "unknown organisation kind 'shop' (expected one of: college, school)",
            "organisation.kind",
            "unknown-choice",
        ),
        _problem(
            "unknown context 'east' (expected one of: north, south)",
            "organisation.context",
            "unknown-choice",
        ),
        _problem(
            "unknown submission kind 'wish-list' (expected one of: self-assessment, application)",
            "kind",
            "unknown-choice",
        ),
    ]
    # A framework without organisation kinds or contexts takes any.
    open_index = FrameworkIndex.build(_framework(organisation_kinds=(), contexts=()))
    anyone = attrs.evolve(submission, framework_version="3", kind="application")
    assert check_submission(anyone, open_index) == [
        _problem("must not be empty", "organisation.id", "missing-value")
    ]
    assert check_submission(_submission(), INDEX) == []


def test_each_rating_is_checked_against_the_framework() -> None:
    submission = _submission(
        _rate("a1", "yes"),
        _rate("zz", "meh"),  # unknown: nothing else is said of it
        _rate("a1", "no"),
        Rating(target="a2", not_applicable=True, justification=" ", level="yes"),
        _rate("a3", "meh"),
        _rate("n", "yes"),
        _na("n1", "not for us"),
        _rate("a1", "wow"),
        Rating(target="m1", narrative="no level yet"),
    )
    assert check_submission(submission, INDEX) == [
        _problem("unknown criterion or section 'zz'", "ratings[1].target", "unknown-reference"),
        _problem("'a1' is rated twice (first at ratings[0])", "ratings[2].target", "duplicate-id"),
        _problem(
            "the framework does not allow 'a2' to be marked not applicable",
            "ratings[3].not_applicable",
            "not-allowed",
        ),
        _problem(
            "not applicable needs a justification",
            "ratings[3].justification",
            "needs-justification",
        ),
        _problem(
            "give a level or mark not applicable, not both", "ratings[3].level", "inconsistent"
        ),
        _problem(
            "unknown level 'meh' for scale 'lvl' (expected one of: no, yes, wow)",
            "ratings[4].level",
            "unknown-choice",
        ),
        _problem("'n' has no scale to judge it on", "ratings[5].level", "missing-value"),
        _problem(
            "the framework does not allow 'n1' to be marked not applicable",
            "ratings[6].not_applicable",
            "not-allowed",
        ),
        _problem("'a1' is rated twice (first at ratings[0])", "ratings[7].target", "duplicate-id"),
    ]


def test_a_criterion_rated_in_a_section_marked_not_applicable_is_inconsistent() -> None:
    submission = _submission(
        _rate("a", "yes"),
        _rate("a1", "yes"),
        _rate("c1", "yes"),
        _na("c"),
        _na("c2"),
        _na("a3"),
        _rate("a2", "no"),
    )
    assert check_submission(submission, INDEX) == [
        _problem(
            "'c1' is rated, but its section 'c' is marked not applicable",
            "ratings[2].level",
            "inconsistent",
        )
    ]


def test_evidence_and_actions_are_checked_against_the_framework(tmp_path: Path) -> None:
    submission = _submission(
        evidence=(
            EvidenceItem(
                id="e1",
                type="doc",
                title="One",
                criteria=("a1", "a"),
                outcomes=("O1",),
                sha256="ab" * 32,
            ),
            EvidenceItem(
                id="e1",
                type="video",
                title="Two",
                criteria=("zz",),
                outcomes=("O9",),
                sha256="AB" * 32,
            ),
            EvidenceItem(id="-e", type="doc", title="Three", sha256="ab" * 31),
        ),
        actions=(
            ActionItem(id="p1", action="Do", criteria=("a1",)),
            ActionItem(id="p1", action="Do", criteria=("qq",), status="someday"),
            ActionItem(id="p2", action="Do", status="completed"),
        ),
    )
    assert check_submission(submission, INDEX, tmp_path) == [
        _problem(
            "duplicate evidence id 'e1' (first at evidence[0])", "evidence[1].id", "duplicate-id"
        ),
        _problem(
            "evidence id '-e' must start with a letter or digit and use only letters, "
            "digits, '.', '_' and '-'",
            "evidence[2].id",
            "bad-id",
        ),
        _problem("unknown evidence type 'video'", "evidence[1].type", "unknown-reference"),
        _problem("unknown criterion or section 'zz'", "evidence[1].criteria", "unknown-reference"),
        _problem("unknown outcome 'O9'", "evidence[1].outcomes", "unknown-reference"),
        _problem("expected 64 lowercase hexadecimal digits", "evidence[1].sha256", "wrong-value"),
        _problem("expected 64 lowercase hexadecimal digits", "evidence[2].sha256", "wrong-value"),
        _problem("duplicate action id 'p1' (first at actions[0])", "actions[1].id", "duplicate-id"),
        _problem("unknown criterion or section 'qq'", "actions[1].criteria", "unknown-reference"),
        _problem(
            "unknown action status 'someday' (expected one of: planned, in-progress, "
            "completed, dropped)",
            "actions[1].status",
            "unknown-choice",
        ),
    ]


def _evidence_problems(reference: str, folder: Path | None, sha256: str = "") -> list[Problem]:
    item = EvidenceItem(id="e1", type="doc", title="One", reference=reference, sha256=sha256)
    return check_submission(_submission(evidence=(item,)), INDEX, folder)


def test_an_evidence_file_must_sit_inside_the_submissions_folder_and_match_its_sha256(
    tmp_path: Path,
) -> None:
    import hashlib

    folder = tmp_path / "sub"
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "policy.pdf").write_bytes(b"the policy")
    (tmp_path / "outside.pdf").write_bytes(b"elsewhere")
    digest = hashlib.sha256(b"the policy").hexdigest()
    where = "evidence[0].reference"
    assert _evidence_problems("docs/policy.pdf", folder) == []
    assert _evidence_problems("docs/policy.pdf", folder, digest) == []
    assert _evidence_problems("docs/policy.pdf", folder, "0" * 64) == [
        _problem("file 'docs/policy.pdf' does not match its sha256", where, "evidence-file")
    ]
    assert _evidence_problems("docs/gone.pdf", folder) == [
        _problem(
            "file 'docs/gone.pdf' not found beside the submission",
            where,
            "evidence-file",
            "warning",
        )
    ]
    # A folder is no evidence file: said so, as a warning like a missing file.
    assert _evidence_problems("docs", folder) == [
        _problem("'docs' is not a regular file", where, "evidence-file", "warning")
    ]
    assert _evidence_problems("../outside.pdf", folder) == [
        _problem("'../outside.pdf' points outside the submission's folder", where, "evidence-file")
    ]
    absolute = str(tmp_path / "outside.pdf")
    assert _evidence_problems(absolute, folder) == [
        _problem(
            f"{absolute!r} is an absolute path; give it relative to the submission's folder",
            where,
            "evidence-file",
        )
    ]
    # A web address, no reference, or no folder to look in: nothing to check.
    assert _evidence_problems("https://example.org/gone.pdf", folder, "0" * 64) == []
    assert _evidence_problems("", folder, "0" * 64) == []
    assert _evidence_problems("docs/gone.pdf", None, "0" * 64) == []


def test_without_file_names_problems_name_no_file() -> None:
    hook = Hook(Problem("from a plugin", "judgements[0]", severity="warning", code="plugin-said"))
    assessor = Assessor(_framework(), {"probe": Scripted()}, check=hook)
    review = _review({"r1": {"a1": "yes"}, "r2": {}}, reviewers=("r1", "r1"))
    assert assessor.check(_submission(), _review({"r1": {"a1": "yes"}})) == [
        _problem("from a plugin", "judgements[0]", "plugin-said", "warning")
    ]
    submission = _submission(_rate("a1", "meh"))
    expected = [
        _problem(
            "unknown level 'meh' for scale 'lvl' (expected one of: no, yes, wow)",
            "ratings[0].level",
            "unknown-choice",
        ),
        _problem(
            "duplicate reviewer id 'r1' (first at reviewers[0])", "reviewers[1].id", "duplicate-id"
        ),
    ]
    assert assessor.check(submission, review) == expected
    with pytest.raises(ValidationError) as caught:
        assessor.assess(submission, review, as_of=AS_OF)
    assert caught.value.problems == tuple(expected)


def test_every_highlight_rule_adds_its_highlights() -> None:
    rules: dict[Rule, RuleKind] = {
        Rule(id="h1", kind="k-h1", effect="highlight"): _scripted(True, _f("a1", True, "wow")),
        Rule(id="h2", kind="k-h2", effect="highlight"): _scripted(True, _f("m1", True, "yes")),
    }
    assert _decide(rules, policy=SELF).highlights == (
        Highlight(target="a1", title="A one", level="wow", rule="h1"),
        Highlight(target="m1", title="M one", level="yes", rule="h2"),
    )
