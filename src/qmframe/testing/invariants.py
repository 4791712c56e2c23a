"""Ready-made properties of a framework and its rules, each checkable in one line.

A plugin author writes, in a test::

    from qmframe.testing import invariants

    def test_my_framework_is_monotone():
        invariants.check_monotonicity("my-framework")

and hypothesis generates valid submissions and reviews for that framework,
assesses them, and fails with a small counterexample (the submission and
review as TOML, and what changed) if the property does not hold. Each
``check_*`` runs one property; :func:`check_all` runs them all. The property
functions themselves (``deterministic``, ``monotone``, ...) take one case and
can be used inside your own ``@given`` tests.

The properties, precisely:

determinism
    Assessing the same case twice, with the same or a freshly built assessor,
    gives equal decisions; shuffling the order of ratings, evidence, action
    items, judgements, reviewers, sections and the criteria within each
    section gives the same status, the same rule results, the same unmet
    targets and the same highlights.
monotonicity
    Raising a judgement (every judgement of one target moved to one level
    higher on its scale than the level decided on; without a review, the
    self-rating), adding an evidence item, or adding an open action never
    turns a ``require`` or ``veto`` rule of a kind declared ``monotone`` from
    holding to failing, and, when every such rule is of a monotone kind,
    never turns an award into a non-award; when the rules award levels count
    are of monotone kinds too, it never lowers the award level reached.
not-applicable neutrality
    Where the framework allows a criterion or section to be marked not
    applicable, and every level decided for it (and, for a section, its
    criteria) is a meeting level, marking it not applicable instead (and
    dropping the reviewers' judgements of it) never turns an award into a
    non-award.
bounds
    The status is one the framework declares; an award has every required
    and veto rule holding; every failing finding of a failing required or
    veto rule is listed as unmet, and every unmet entry comes from such a
    rule and names a target that rule found failing; every highlight is at a
    level its scale marks notable (or at or above the rule's own ``level``);
    every level a finding reports is on its target's scale; a weighted score
    lies within its declared range; validity dates are set exactly for an
    award of a framework that declares them, and are in order; the decision
    shows progress towards each award level the framework declares, in
    order, complete exactly when every rule the level counts holds, and the
    award level reached is the highest whose progress, and every lower
    level's, is complete, for an award (none for an indication or a refusal).
round trip
    Writing the framework, the submission, the review and the decision as
    TOML and reading them back gives equal objects.
explanation completeness
    The explanation starts with every rule the framework declares, in order,
    once each, with its kind and effect (a plugin's ``qmframe_decide`` may
    append more).

Requires hypothesis.
"""

from __future__ import annotations

import random
import re
import tomllib
from collections.abc import Callable, Iterable
from typing import Any

import attrs
from hypothesis import HealthCheck, given, note, reject, settings
from hypothesis import strategies as st

from qmframe._convert import structure
from qmframe.decision import Decision
from qmframe.errors import ValidationError
from qmframe.files import dumps
from qmframe.framework import Framework
from qmframe.index import FrameworkIndex
from qmframe.plugins import Registry
from qmframe.submission import ActionItem, EvidenceItem, Rating
from qmframe.testing.strategies import (
    AssessmentCase,
    assessment_cases,
    justification_for,
    likely_awards,
)

__all__ = [
    "PROPERTIES",
    "InvariantError",
    "bounded",
    "check_all",
    "check_bounds",
    "check_determinism",
    "check_explanation_complete",
    "check_monotonicity",
    "check_not_applicable_neutrality",
    "check_round_trip",
    "deterministic",
    "explanation_complete",
    "monotone",
    "not_applicable_neutral",
    "round_trips",
]

_DECIDING = ("require", "veto")
_SCORE = re.compile(r"^score (-?[\d.e+-]+) from .*\(range (-?[\d.e+-]+)-(-?[\d.e+-]+)\)$")


class InvariantError(AssertionError):
    """A property of a framework or its rules does not hold; the message says how."""


def _assess(registry: Registry, case: AssessmentCase) -> Decision:
    """The case's decision; a case the plugins' checks refuse is no example (rejected).

    Generated cases satisfy the framework file; a plugin's own checks can ask
    for more (facts a file cannot declare yet). Every decision runs those
    checks, so such a case has no decision to test: hypothesis draws another.
    """
    try:
        return registry.assessor(case.framework).assess(
            case.submission, case.review, as_of=case.as_of
        )
    except ValidationError as exc:
        note(f"refused by the checks: {exc}")
        reject()


def _fail(message: str) -> None:
    raise InvariantError(message)


def _holds(decision: Decision) -> dict[str, bool]:
    return {outcome.rule: outcome.holds for outcome in decision.explanation}


def _summary(decision: Decision) -> tuple[Any, ...]:
    """What must not depend on the order things are listed in."""
    return (
        decision.status,
        decision.passed,
        decision.valid_from,
        decision.valid_until,
        decision.midpoint_due,
        sorted(_holds(decision).items()),
        sorted((u.rule, u.target) for u in decision.unmet),
        sorted((h.rule, h.target, h.level) for h in decision.highlights),
    )


# -- determinism -------------------------------------------------------------------------------


def _shuffled(case: AssessmentCase, rng: random.Random) -> AssessmentCase:
    def mix(items: Iterable[Any]) -> tuple[Any, ...]:
        out = list(items)
        rng.shuffle(out)
        return tuple(out)

    fw = case.framework
    sections = mix(attrs.evolve(s, criteria=mix(s.criteria)) for s in fw.sections)
    submission = attrs.evolve(
        case.submission,
        ratings=mix(case.submission.ratings),
        evidence=mix(case.submission.evidence),
        actions=mix(case.submission.actions),
    )
    review = case.review
    if review is not None:
        review = attrs.evolve(
            review, judgements=mix(review.judgements), reviewers=mix(review.reviewers)
        )
    return attrs.evolve(
        case,
        framework=attrs.evolve(fw, sections=sections),
        submission=submission,
        review=review,
    )


def deterministic(case: AssessmentCase, registry: Registry, seed: int = 0) -> None:
    """Same inputs, same decision; any order of the parts, the same outcome."""
    first = _assess(registry, case)
    if _assess(registry, case) != first:
        _fail("assessing the same case twice gave different decisions")
    if _assess(Registry(registry.pm), case) != first:
        _fail("a freshly built assessor gave a different decision")
    shuffled = _shuffled(case, random.Random(seed))
    other = _assess(registry, shuffled)
    if _summary(other) != _summary(first):
        note("shuffled case:\n" + shuffled.describe())
        _fail(
            "reordering ratings, evidence, actions, judgements, sections or criteria changed "
            f"the outcome:\n  before: {_summary(first)}\n  after:  {_summary(other)}"
        )


# -- monotonicity ------------------------------------------------------------------------------


def _raisable(case: AssessmentCase, index: FrameworkIndex) -> list[tuple[str, int]]:
    """(target, lowest rank a raise may go to) for every judged target below the top."""
    out = []
    if case.review is not None:
        given: dict[str, list[str]] = {}
        for judgement in case.review.judgements:
            given.setdefault(judgement.target, []).append(judgement.level)
        for target, levels in given.items():
            scale = index.targets[target].scale
            assert scale is not None
            ranks = sorted(scale.rank(level) for level in levels)
            # Above the highest given level, the combined level rises whatever the policy.
            floor = ranks[-1] + 1 if len(set(ranks)) == 1 else ranks[-1]
            if floor < len(scale.levels):
                out.append((target, floor))
    else:
        for rating in case.submission.ratings:
            scale = index.targets[rating.target].scale
            if rating.level is not None and scale is not None:
                floor = scale.rank(rating.level) + 1
                if floor < len(scale.levels):
                    out.append((rating.target, floor))
    return out


def _raise(case: AssessmentCase, index: FrameworkIndex, target: str, rank: int) -> AssessmentCase:
    scale = index.targets[target].scale
    assert scale is not None
    level = scale.levels[rank].id
    if case.review is not None:
        judgements = tuple(
            attrs.evolve(j, level=level) if j.target == target else j
            for j in case.review.judgements
        )
        return attrs.evolve(case, review=attrs.evolve(case.review, judgements=judgements))
    ratings = tuple(
        attrs.evolve(r, level=level) if r.target == target else r for r in case.submission.ratings
    )
    return attrs.evolve(case, submission=attrs.evolve(case.submission, ratings=ratings))


def _improvement(case: AssessmentCase, data: st.DataObject) -> tuple[str, AssessmentCase]:
    """One change that should never make things worse, and what it was."""
    fw = case.framework
    index = FrameworkIndex.build(fw)
    raisable = _raisable(case, index)
    options = ["evidence"] if fw.evidence_types else []
    options += ["action"] + (["raise"] * 3 if raisable else [])
    change = data.draw(st.sampled_from(options), label="change")
    if change == "raise":
        target, floor = data.draw(st.sampled_from(raisable), label="target")
        scale = index.targets[target].scale
        assert scale is not None
        rank = data.draw(st.integers(floor, len(scale.levels) - 1), label="new rank")
        text = f"raised every judgement of {target!r} to {scale.levels[rank].id!r}"
        return text, _raise(case, index, target, rank)
    sub = case.submission
    if change == "evidence":
        criteria = tuple(index.criteria)
        outcomes = [o.id for s in fw.outcome_sets for o in s.outcomes]
        item = EvidenceItem(
            id="added-evidence",
            type=data.draw(st.sampled_from([e.id for e in fw.evidence_types]), label="type"),
            title="added",
            criteria=tuple(
                data.draw(st.lists(st.sampled_from(criteria), max_size=3, unique=True), label="for")
            ),
            outcomes=tuple(
                data.draw(st.lists(st.sampled_from(outcomes), max_size=2, unique=True))
                if outcomes
                else ()
            ),
        )
        text = f"added evidence {item.type!r} for {item.criteria}, outcomes {item.outcomes}"
        return text, attrs.evolve(
            case, submission=attrs.evolve(sub, evidence=(*sub.evidence, item))
        )
    action = ActionItem(id="added-action", action="added", owner="owner", status="planned")
    return "added an open action", attrs.evolve(
        case, submission=attrs.evolve(sub, actions=(*sub.actions, action))
    )


def monotone(case: AssessmentCase, registry: Registry, data: st.DataObject) -> None:
    """Raising a judgement or adding evidence or an action never makes a monotone rule fail."""
    before = _assess(registry, case)
    change, changed = _improvement(case, data)
    after = _assess(registry, changed)
    held, holds = _holds(before), _holds(after)
    all_monotone = True
    for rule in case.framework.decision.rules:
        if rule.effect not in _DECIDING:
            continue
        kind = registry.rule_kinds.get(rule.kind)
        if kind is None or not kind.monotone:
            all_monotone = False
            continue
        if held.get(rule.id) and not holds.get(rule.id):
            outcome = next(o for o in after.explanation if o.rule == rule.id)
            _fail(
                f"rule {rule.id!r} (kind {rule.kind!r}, declared monotone) held, but after "
                f"this change it fails: {change}\n  it saw: {outcome.saw}\n"
                f"  and concluded: {outcome.concluded}"
            )
    if all_monotone and before.passed and not after.passed:
        _fail(
            f"the decision was {before.status!r}; after this change it is {after.status!r}: "
            f"{change}"
        )
    levels = [lv.id for lv in case.framework.award_levels]
    counted = {r for lv in case.framework.award_levels for r in lv.rules}
    if all_monotone and after.passed and levels:
        for rule in case.framework.decision.rules:
            kind = registry.rule_kinds.get(rule.kind)
            if rule.id in counted and (kind is None or not kind.monotone):
                return
        rank = {level: i for i, level in enumerate(levels)}
        if rank.get(after.award_level, -1) < rank.get(before.award_level, -1):
            _fail(
                f"the award level was {before.award_level!r}; after this change it is "
                f"{after.award_level!r}: {change}"
            )


# -- not-applicable neutrality -----------------------------------------------------------------


def _neutral_candidates(case: AssessmentCase, index: FrameworkIndex) -> list[str]:
    """Targets that may be marked not applicable and are judged at meeting levels only."""
    org = case.submission.organisation
    given: dict[str, list[str]] = {}
    if case.review is not None:
        for judgement in case.review.judgements:
            given.setdefault(judgement.target, []).append(judgement.level)
    else:
        for rating in case.submission.ratings:
            if rating.level is not None:
                given[rating.target] = [rating.level]
    marked = {r.target for r in case.submission.ratings if r.not_applicable}
    unanimous = case.framework.review.combine == "unanimous"

    def meeting(target: str) -> bool:
        levels = given.get(target)
        scale = index.targets[target].scale
        if not levels or scale is None:
            return False
        if unanimous and len(set(levels)) > 1:
            return False
        return all(lv.meets for lv in scale.levels if lv.id in levels)

    out = []
    for target_id, target in index.targets.items():
        if not target.not_applicable_allowed or target_id in marked:
            continue
        if not target.applicability.applies(org.context, org.kind):
            continue
        group = [target_id, *index.section_criteria.get(target_id, ())]
        judged = [t for t in group if t not in marked and (t in given or t in index.criteria)]
        if judged and all(meeting(t) for t in judged):
            out.append(target_id)
    return out


def _mark_not_applicable(
    case: AssessmentCase, index: FrameworkIndex, target: str
) -> AssessmentCase:
    group = {target, *index.section_criteria.get(target, ())}
    ratings = [r for r in case.submission.ratings if r.target not in group]
    ratings += [
        Rating(
            target=t,
            not_applicable=True,
            justification=justification_for(
                case.framework, t, "does not apply here", not_applicable=True
            ),
        )
        for t in (target, *index.section_criteria.get(target, ()))
    ]
    changed = attrs.evolve(case, submission=attrs.evolve(case.submission, ratings=tuple(ratings)))
    if case.review is not None:
        judgements = tuple(j for j in case.review.judgements if j.target not in group)
        changed = attrs.evolve(changed, review=attrs.evolve(case.review, judgements=judgements))
    return changed


def not_applicable_neutral(case: AssessmentCase, registry: Registry, data: st.DataObject) -> None:
    """Marking a met, N/A-allowed criterion or section not applicable keeps an award."""
    index = FrameworkIndex.build(case.framework)
    before = _assess(registry, case)
    candidates = _neutral_candidates(case, index)
    if not before.passed or not candidates:
        return
    target = data.draw(st.sampled_from(candidates), label="marked not applicable")
    changed = _mark_not_applicable(case, index, target)
    after = _assess(registry, changed)
    if not after.passed:
        failing = [
            f"{o.rule} ({o.kind}): {o.concluded}"
            for o in after.explanation
            if o.effect in _DECIDING and not o.holds
        ]
        _fail(
            f"{target!r} was met and the framework allows it to be marked not applicable; "
            f"marking it so turned {before.status!r} into {after.status!r}. Failing now:\n  "
            + "\n  ".join(failing)
        )


# -- bounds ------------------------------------------------------------------------------------


def _basis_bounded(case: AssessmentCase, decision: Decision) -> None:
    """The basis is what the framework's ``[review]`` says, and an indication awards nothing."""
    policy = case.framework.review
    reviewers = len({r.id for r in case.review.reviewers}) if case.review is not None else 0
    if case.review is None and not policy.required:
        expected = "self-certified"
    elif policy.required and reviewers < policy.min_reviewers:
        expected = "indication"
    else:
        expected = "review"
    if decision.basis != expected:
        _fail(
            f"basis {decision.basis!r}; the framework's [review] and the inputs give {expected!r}"
        )
    if decision.is_indication and (
        decision.passed or decision.status != "indication" or decision.valid_until is not None
    ):
        _fail(f"an indication made an award: {decision.status!r}, {decision.valid_until}")


def _levels_bounded(case: AssessmentCase, decision: Decision) -> None:
    """Progress per award level, and the level reached, follow from the rules' results."""
    fw = case.framework
    declared = [lv.id for lv in fw.award_levels]
    shown = [p.level for p in decision.progress]
    if shown != declared:
        _fail(f"progress is shown for award levels {shown}; the framework declares {declared}")
    holds = _holds(decision)
    deciding = [r.id for r in fw.decision.rules if r.effect in _DECIDING]
    all_complete = decision.passed
    reached = ""
    for i, (level, progress) in enumerate(zip(fw.award_levels, decision.progress, strict=True)):
        counted = [*deciding, *level.rules] if i == 0 else list(level.rules)
        if not 0 <= progress.held <= progress.required:
            _fail(f"award level {level.id!r}: {progress.held} of {progress.required} held")
        if progress.complete != (not progress.missing):
            _fail(
                f"award level {level.id!r} is {'complete' if progress.complete else 'short'}"
                f" ({progress.held} of {progress.required}) with {len(progress.missing)} missing"
            )
        if progress.complete != all(holds[r] for r in counted):
            _fail(
                f"award level {level.id!r}: progress {progress.held} of {progress.required}, "
                f"but its rules {counted} hold: {[holds[r] for r in counted]}"
            )
        all_complete = all_complete and progress.complete
        if progress.reached != all_complete:
            _fail(
                f"award level {level.id!r} is {'' if progress.reached else 'not '}reached; it "
                "should be exactly when the award is made and it and every lower level are "
                "complete"
            )
        if progress.reached:
            reached = level.id
    if decision.award_level != reached:
        _fail(f"award level {decision.award_level!r}; the highest level reached is {reached!r}")


def bounded(case: AssessmentCase, registry: Registry) -> None:
    """Status, unmet list, highlights, levels, scores and dates stay within what is declared."""
    fw = case.framework
    index = FrameworkIndex.build(fw)
    decision = _assess(registry, case)
    declared = {rule.id: rule for rule in fw.decision.rules}
    _basis_bounded(case, decision)
    _levels_bounded(case, decision)
    status = decision.indicated_status if decision.is_indication else decision.status
    if status not in fw.decision.all_statuses():
        _fail(f"status {status!r} is not one the framework declares")
    failing_findings: set[tuple[str, str]] = set()
    failing_rules: set[str] = set()
    for outcome in decision.explanation:
        rule = declared.get(outcome.rule)
        for finding in outcome.findings:
            target = index.targets.get(finding.target)
            scale = target.scale if target is not None else None
            if finding.level and scale is not None and finding.level not in scale.level_ids():
                _fail(
                    f"rule {outcome.rule!r} reports level {finding.level!r} for "
                    f"{finding.target!r}, which is not on scale {scale.id!r}"
                )
        if rule is None or rule.effect not in _DECIDING or outcome.holds:
            continue
        failing_rules.add(rule.id)
        failing_findings.update((rule.id, f.target) for f in outcome.findings if not f.holds)
        if outcome.kind == "weighted-score" and (match := _SCORE.match(outcome.saw)):
            score, low, high = (float(x) for x in match.groups())
            if not low - 1e-9 <= score <= high + 1e-9:
                _fail(f"rule {rule.id!r} scored {score:g} outside its range {low:g}-{high:g}")
    if decision.passed and failing_rules:
        _fail(f"awarded although required rules failed: {sorted(failing_rules)}")
    unmet = {(u.rule, u.target) for u in decision.unmet}
    missing = failing_findings - unmet
    if missing:
        _fail(f"failing findings not listed as unmet: {sorted(missing)}")
    for entry in decision.unmet:
        if entry.rule not in failing_rules:
            _fail(f"unmet entry {entry.target!r} names rule {entry.rule!r}, which did not fail")
        if entry.target and (entry.rule, entry.target) not in failing_findings:
            _fail(
                f"unmet target {entry.target!r} is not named by a failing finding of "
                f"rule {entry.rule!r} in the explanation"
            )
    for highlight in decision.highlights:
        rule = declared.get(highlight.rule)
        target = index.targets.get(highlight.target)
        if rule is None or target is None or target.scale is None:
            continue
        scale = target.scale
        level = scale.get(highlight.level)
        floor = rule.params.get("level")
        ok = level is not None and (
            scale.rank(level.id) >= scale.rank(floor)
            if isinstance(floor, str) and floor in scale.level_ids()
            else level.notable
        )
        if not ok:
            _fail(
                f"highlight of {highlight.target!r} at {highlight.level!r} (rule "
                f"{highlight.rule!r}) is not at a level scale {scale.id!r} marks notable"
            )
    start, end, midpoint = decision.valid_from, decision.valid_until, decision.midpoint_due
    dates = (start, end, midpoint)
    if decision.passed and fw.validity.months:
        if start != case.as_of or end is None or end <= start:
            _fail(f"an award of a framework with a validity has dates {dates}")
        elif fw.validity.midpoint_months and not (midpoint is not None and start < midpoint < end):
            _fail(f"the mid-point review is not inside the award: {dates}")
    elif any(dates):
        _fail(f"validity dates set without an award that lasts: {dates}")


# -- round trip and explanation ----------------------------------------------------------------


def _round_trip(value: object) -> None:
    text = dumps(value)
    back = structure(tomllib.loads(text), type(value))
    if back != value:
        note(f"written as:\n{text}")
        detail = back if isinstance(back, list) else "a different value"
        _fail(f"writing then reading a {type(value).__name__} gave {detail}")


def round_trips(case: AssessmentCase, registry: Registry) -> None:
    """Framework, submission, review and decision survive writing and reading TOML."""
    _round_trip(case.framework)
    _round_trip(case.submission)
    if case.review is not None:
        _round_trip(case.review)
    _round_trip(_assess(registry, case))


def explanation_complete(case: AssessmentCase, registry: Registry) -> None:
    """Every declared rule appears in the explanation, in order, once, as declared."""
    decision = _assess(registry, case)
    rules = case.framework.decision.rules
    shown = [(o.rule, o.kind, o.effect) for o in decision.explanation[: len(rules)]]
    wanted = [(r.id, r.kind, r.effect) for r in rules]
    if shown != wanted:
        _fail(f"the explanation lists {shown}, but the framework declares {wanted}")
    extra = [o.rule for o in decision.explanation[len(rules) :] if o.rule in {r.id for r in rules}]
    if extra:
        _fail(f"declared rules appear more than once in the explanation: {extra}")


# -- running them ------------------------------------------------------------------------------

FrameworkRef = Framework | str | st.SearchStrategy[Framework]


def _resolve(framework: FrameworkRef, registry: Registry | None) -> tuple[Any, Registry, bool]:
    if registry is None:
        from qmframe.api import default_registry

        registry = default_registry()
    if isinstance(framework, str):
        return registry.framework(framework), registry, False
    return framework, registry, not isinstance(framework, Framework)


def _run(
    prop: Callable[..., None],
    framework: FrameworkRef,
    *,
    registry: Registry | None,
    cases: st.SearchStrategy[AssessmentCase] | None,
    max_examples: int | None,
    parent: settings | None = None,
    uses_data: bool = False,
    with_seed: bool = False,
) -> None:
    fw, reg, generated = _resolve(framework, registry)
    strategy = cases if cases is not None else st.one_of(assessment_cases(fw), likely_awards(fw))
    options: dict[str, Any] = {
        "deadline": None,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    }
    if max_examples is not None:
        options["max_examples"] = max_examples

    extra: dict[str, st.SearchStrategy[Any]] = {}
    if uses_data:
        extra["data"] = st.data()
    if with_seed:
        extra["seed"] = st.integers(0, 2**32 - 1)

    @settings(parent, **options)
    @given(case=strategy, **extra)
    def run(case: AssessmentCase, **kwargs: Any) -> None:
        try:
            prop(case, reg, **kwargs)
        except InvariantError:
            # Written only for failing examples: the final one is what gets shown.
            note(case.describe(with_framework=generated or cases is not None))
            raise

    run.__name__ = run.__qualname__ = f"check_{prop.__name__}"
    run()


def check_determinism(
    framework: FrameworkRef,
    *,
    registry: Registry | None = None,
    cases: st.SearchStrategy[AssessmentCase] | None = None,
    max_examples: int | None = None,
    parent: settings | None = None,
) -> None:
    """Check :func:`deterministic` on generated cases for ``framework``.

    ``framework`` is a Framework, an installed framework's id, or a strategy;
    ``registry`` defaults to the installed plugins' registry; ``cases``
    replaces the generated cases (for example ``assessment_cases(fw,
    reviewed=True)``); ``max_examples`` overrides the hypothesis profile, and
    ``parent`` gives settings to start from instead of the current profile's.
    """
    _run(
        deterministic,
        framework,
        registry=registry,
        cases=cases,
        max_examples=max_examples,
        parent=parent,
        with_seed=True,
    )


def check_monotonicity(
    framework: FrameworkRef,
    *,
    registry: Registry | None = None,
    cases: st.SearchStrategy[AssessmentCase] | None = None,
    max_examples: int | None = None,
    parent: settings | None = None,
) -> None:
    """Check :func:`monotone`; arguments as for :func:`check_determinism`."""
    _run(
        monotone,
        framework,
        registry=registry,
        cases=cases,
        max_examples=max_examples,
        parent=parent,
        uses_data=True,
    )


def check_not_applicable_neutrality(
    framework: FrameworkRef,
    *,
    registry: Registry | None = None,
    cases: st.SearchStrategy[AssessmentCase] | None = None,
    max_examples: int | None = None,
    parent: settings | None = None,
) -> None:
    """Check :func:`not_applicable_neutral`; arguments as for :func:`check_determinism`."""
    _run(
        not_applicable_neutral,
        framework,
        registry=registry,
        cases=cases,
        max_examples=max_examples,
        parent=parent,
        uses_data=True,
    )


def check_bounds(
    framework: FrameworkRef,
    *,
    registry: Registry | None = None,
    cases: st.SearchStrategy[AssessmentCase] | None = None,
    max_examples: int | None = None,
    parent: settings | None = None,
) -> None:
    """Check :func:`bounded`; arguments as for :func:`check_determinism`."""
    _run(
        bounded,
        framework,
        registry=registry,
        cases=cases,
        max_examples=max_examples,
        parent=parent,
    )


def check_round_trip(
    framework: FrameworkRef,
    *,
    registry: Registry | None = None,
    cases: st.SearchStrategy[AssessmentCase] | None = None,
    max_examples: int | None = None,
    parent: settings | None = None,
) -> None:
    """Check :func:`round_trips`; arguments as for :func:`check_determinism`."""
    _run(
        round_trips,
        framework,
        registry=registry,
        cases=cases,
        max_examples=max_examples,
        parent=parent,
    )


def check_explanation_complete(
    framework: FrameworkRef,
    *,
    registry: Registry | None = None,
    cases: st.SearchStrategy[AssessmentCase] | None = None,
    max_examples: int | None = None,
    parent: settings | None = None,
) -> None:
    """Check :func:`explanation_complete`; arguments as for :func:`check_determinism`."""
    _run(
        explanation_complete,
        framework,
        registry=registry,
        cases=cases,
        max_examples=max_examples,
        parent=parent,
    )


#: Every check, by the name used in docs and test ids.
PROPERTIES: dict[str, Callable[..., None]] = {
    "determinism": check_determinism,
    "monotonicity": check_monotonicity,
    "not-applicable-neutrality": check_not_applicable_neutrality,
    "bounds": check_bounds,
    "round-trip": check_round_trip,
    "explanation-completeness": check_explanation_complete,
}


def check_all(
    framework: FrameworkRef,
    *,
    registry: Registry | None = None,
    cases: st.SearchStrategy[AssessmentCase] | None = None,
    max_examples: int | None = None,
    parent: settings | None = None,
    skip: Iterable[str] = (),
) -> None:
    """Run every check in :data:`PROPERTIES` except those named in ``skip``."""
    skipped = set(skip)
    unknown = skipped - set(PROPERTIES)
    if unknown:
        raise ValueError(f"unknown properties {sorted(unknown)} (known: {sorted(PROPERTIES)})")
    for name, check in PROPERTIES.items():
        if name not in skipped:
            check(
                framework, registry=registry, cases=cases, max_examples=max_examples, parent=parent
            )
