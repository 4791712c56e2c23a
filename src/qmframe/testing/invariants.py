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
sensitivity
    In a passing case, lowering any single item a ``require`` or ``veto``
    rule demands something of (a target's minimum level, a criterion's
    evidence) just below that demand removes the award; in a case that
    reaches an award level, lowering an item a rule of that level demands
    something of leaves the case below that level (see
    :func:`qmframe.testing.liveness.sensitivity`).
honest reads
    Changing anything a rule's kind says it does not read (through
    :meth:`qmframe.RuleKind.reads`) leaves that rule's result, what it saw
    and what it concluded, exactly as they were.
returns
    For a framework with recurring events (``[[lifecycle.recurring]]``),
    valid returns of each are recorded in a register, answer their due dates
    and are no longer due, and the sector view totals them (exact and
    public); a return that breaks the declaration (a figure above its
    ``at_most``, a required figure missing, a figure of the wrong type, an
    undeclared figure) is refused with a problem at that figure, and nothing
    is written (see :func:`returns_accepted`).

Two checks are not Hypothesis properties: :func:`check_award_rate` draws a
fixed-seed sample of the cases meant to be awards and fails, naming what stops
them, when fewer than one in five is awarded, or, for a framework with award
levels, when fewer than one in five reaches the highest (the award-side checks
run it first); :func:`check_liveness` proves each ``require`` and ``veto``
rule, each rule an award level names and each award level above the lowest
live, dead or shadowed (see :mod:`qmframe.testing.liveness`). Every check records in
:data:`COUNTS` how many cases it tried and how many reached the branch it is
about; qmframe's pytest plugin prints them at the end of the run.

Requires hypothesis.
"""

from __future__ import annotations

import random
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import attrs
from hypothesis import HealthCheck, Phase, given, note, reject, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import UnsatisfiedAssumption

from qmframe._convert import structure
from qmframe.decision import Decision
from qmframe.errors import ValidationError
from qmframe.files import dumps
from qmframe.framework import Framework
from qmframe.index import FrameworkIndex
from qmframe.plugins import Registry
from qmframe.rules import Reads
from qmframe.submission import ActionItem, EvidenceItem
from qmframe.testing.edits import (
    drop_actions,
    drop_evidence,
    mark_not_applicable,
    outcome_of,
    set_level,
    set_organisation,
)
from qmframe.testing.liveness import (
    DEFAULT_BUDGET,
    LivenessReport,
    rule_liveness,
    sensitivity,
)
from qmframe.testing.strategies import AssessmentCase, assessment_cases, likely_awards

__all__ = [
    "COUNTS",
    "MIN_AWARD_RATE",
    "PROPERTIES",
    "RETURN_BREAKS",
    "AwardRate",
    "InvariantError",
    "PropertyCounts",
    "award_rate",
    "bounded",
    "check_all",
    "check_award_rate",
    "check_bounds",
    "check_determinism",
    "check_explanation_complete",
    "check_liveness",
    "check_monotonicity",
    "check_not_applicable_neutrality",
    "check_reads",
    "check_returns",
    "check_round_trip",
    "check_sensitivity",
    "deterministic",
    "explanation_complete",
    "monotone",
    "not_applicable_neutral",
    "reads_honest",
    "returns_accepted",
    "round_trips",
    "sensitive",
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


def deterministic(case: AssessmentCase, registry: Registry, seed: int = 0) -> bool:
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
    return True


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


def monotone(case: AssessmentCase, registry: Registry, data: st.DataObject) -> bool:
    """Raising a judgement or adding evidence or an action never makes a monotone rule fail.

    Returns whether the case was an award (the branch about awards was reached).
    """
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
                return before.passed
        rank = {level: i for i, level in enumerate(levels)}
        if rank.get(after.award_level, -1) < rank.get(before.award_level, -1):
            _fail(
                f"the award level was {before.award_level!r}; after this change it is "
                f"{after.award_level!r}: {change}"
            )
    return before.passed


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


def not_applicable_neutral(case: AssessmentCase, registry: Registry, data: st.DataObject) -> bool:
    """Marking a met, N/A-allowed criterion or section not applicable keeps an award.

    Returns whether the case was an award with something to mark.
    """
    index = FrameworkIndex.build(case.framework)
    before = _assess(registry, case)
    candidates = _neutral_candidates(case, index)
    if not before.passed or not candidates:
        return False
    target = data.draw(st.sampled_from(candidates), label="marked not applicable")
    changed = mark_not_applicable(case, target, index=index)
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
    return True


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


def bounded(case: AssessmentCase, registry: Registry) -> bool:
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
    return True


# -- round trip and explanation ----------------------------------------------------------------


def _round_trip(value: object) -> None:
    text = dumps(value)
    back = structure(tomllib.loads(text), type(value))
    if back != value:
        note(f"written as:\n{text}")
        detail = back if isinstance(back, list) else "a different value"
        _fail(f"writing then reading a {type(value).__name__} gave {detail}")


def round_trips(case: AssessmentCase, registry: Registry) -> bool:
    """Framework, submission, review and decision survive writing and reading TOML."""
    _round_trip(case.framework)
    _round_trip(case.submission)
    if case.review is not None:
        _round_trip(case.review)
    _round_trip(_assess(registry, case))
    return True


def explanation_complete(case: AssessmentCase, registry: Registry) -> bool:
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
    return True


# -- sensitivity and honest reads --------------------------------------------------------------


def sensitive(case: AssessmentCase, registry: Registry) -> bool:
    """Lowering any one required item of a passing case below its demand removes the award.

    Returns whether an item was lowered (the case passed and some rule demands
    something of an applicable item).
    """
    _assess(registry, case)  # a case the checks refuse is no example
    failures, tried = sensitivity(case, registry)
    if failures:
        first = failures[0]
        note("lowered case:\n" + first.case.describe(with_framework=False))
        _fail(first.describe())
    return tried > 0


def _outside(reads: Reads, index: FrameworkIndex) -> set[str]:
    """Targets whose level a rule with these reads cannot see, even through a section."""
    if reads.targets is None:
        return set()
    read = set(reads.targets)
    out = set()
    for target_id, target in index.targets.items():
        if target_id in read:
            continue
        if target.kind == "criterion" and target.section in read:
            continue  # a section's derived level reads its criteria
        if target.kind == "section" and read.intersection(index.section_criteria[target_id]):
            continue  # marking a section or setting its criteria touches the read criteria
        out.add(target_id)
    return out


def _unread_changes(case: AssessmentCase, reads: Reads, index: FrameworkIndex) -> list[str]:
    """The kinds of change a rule with these reads promises not to see, for this case."""
    options = []
    if any(index.targets[t].scale is not None for t in _outside(reads, index)):
        options.append("level")
    types = reads.evidence_types
    if types is not None and any(e.type not in types for e in case.submission.evidence):
        options.append("evidence")
    if not reads.actions:
        options.append("action")
    if not reads.organisation:
        options.append("organisation")
    if not reads.other:
        options.append("other")
    return options


def _unread_change(
    case: AssessmentCase, reads: Reads, index: FrameworkIndex, data: st.DataObject
) -> tuple[str, AssessmentCase]:
    options = _unread_changes(case, reads, index)
    change = data.draw(st.sampled_from(options), label="change outside the rule's reads")
    if change == "level":
        targets = sorted(t for t in _outside(reads, index) if index.targets[t].scale is not None)
        target = data.draw(st.sampled_from(targets), label="target")
        scale = index.targets[target].scale
        assert scale is not None
        level = data.draw(st.sampled_from(scale.level_ids()), label="level")
        return f"{target!r} set to {level!r}", set_level(case, target, level, index=index)
    if change == "evidence":
        types = reads.evidence_types or frozenset()
        unread = [e.id for e in case.submission.evidence if e.type not in types]
        item = data.draw(st.sampled_from(unread), label="evidence")
        return f"evidence {item!r} removed", drop_evidence(case, [item])
    if change == "action":
        sub = case.submission
        drop = bool(sub.actions) and data.draw(st.booleans(), label="drop the actions")
        if drop:
            return "every action removed", drop_actions(case, [a.id for a in sub.actions])
        action = ActionItem(id="added-action", action="added", owner="owner", status="planned")
        return "an open action added", attrs.evolve(
            case, submission=attrs.evolve(sub, actions=(*sub.actions, action))
        )
    if change == "organisation":
        org = case.submission.organisation
        linked = {**org.linked, "qmframe-testing": "somewhere-else"}
        return "a linked organisation added", set_organisation(case, linked=linked)
    sub = case.submission
    kind = "application" if sub.kind != "application" else "self-assessment"
    changed = attrs.evolve(
        sub, kind=kind, previous_award="" if sub.previous_award else "an-earlier-award"
    )
    return "the submission's kind and previous award changed", attrs.evolve(
        case, submission=changed
    )


def reads_honest(case: AssessmentCase, registry: Registry, data: st.DataObject) -> bool:
    """Changing what a rule says it does not read leaves the rule's result as it was.

    Returns whether a rule with narrower reads than "everything" was tried.
    """
    fw = case.framework
    index = FrameworkIndex.build(fw)
    candidates = []
    for rule in fw.decision.rules:
        kind = registry.rule_kinds.get(rule.kind)
        if kind is None:
            continue
        reads = kind.reads(rule, index)
        if reads != Reads.everything() and _unread_changes(case, reads, index):
            candidates.append((rule, reads))
    if not candidates:
        return False
    before = _assess(registry, case)
    rule, reads = data.draw(st.sampled_from(candidates), label="rule")
    change, changed = _unread_change(case, reads, index, data)
    after = _assess(registry, changed)
    was = next(o for o in before.explanation if o.rule == rule.id)
    now = next(o for o in after.explanation if o.rule == rule.id)
    seen = (was.holds, was.saw, was.concluded, was.findings)
    if seen != (now.holds, now.saw, now.concluded, now.findings):
        note("changed case:\n" + changed.describe(with_framework=False))
        _fail(
            f"rule {rule.id!r} (kind {rule.kind!r}) changed when something its kind says it "
            f"does not read changed: {change}\n  before: {was.saw}; {was.concluded}\n"
            f"  after:  {now.saw}; {now.concluded}"
        )
    return True


# -- recurring events: returns recorded, totalled and checked ------------------------------------

#: The ways :func:`returns_accepted` breaks a return, each with the problem code it expects.
RETURN_BREAKS: dict[str, str] = {
    "at-most": "out-of-range",
    "required-missing": "missing-value",
    "wrong-type": "wrong-value",
    "unknown-figure": "unknown-key",
}
#: The id of the figure no event declares, which :func:`returns_accepted` adds to break one.
_UNDECLARED = "qmframe-testing-undeclared"


def _holder(framework: Framework, organisation: str, start: Any) -> Decision:
    """An award of ``framework`` made on ``start``, lasting as the framework says."""
    import datetime as dt

    from qmframe.engine import add_months

    months = framework.validity.months
    until = add_months(start, months) - dt.timedelta(days=1) if months else None
    return Decision(
        framework=framework.id,
        version=framework.version,
        organisation=organisation,
        organisation_name=organisation.replace("-", " ").title(),
        status=framework.decision.pass_status,
        passed=True,
        basis="review" if framework.review.required else "self-certified",
        as_of=start,
        valid_from=start,
        valid_until=until,
    )


def _breaks(event: Any) -> list[str]:
    """The ways of :data:`RETURN_BREAKS` that an event's declaration allows."""
    options = ["at-most"] if any(f.at_most for f in event.figures) else []
    options += ["required-missing"] if any(f.required for f in event.figures) else []
    options += ["wrong-type"] if event.figures else []
    return [*options, "unknown-figure"]


def _break_return(
    event: Any, figures: dict[str, float], how: str, data: st.DataObject, *, as_text: bool
) -> tuple[str, dict[str, Any], str]:
    """A valid return broken one way: (the figure it breaks, the figures, as what).

    The figures are numbers, or, for a wrong type with ``as_text``, text for a
    value the command line would read (``as`` is ``"text"`` then,
    ``"numbers"`` otherwise).
    """
    bounded = [f for f in event.figures if f.at_most]
    out: dict[str, Any] = dict(figures)
    if how == "unknown-figure":
        out[_UNDECLARED] = 1.0
        return _UNDECLARED, out, "numbers"
    if how == "required-missing":
        figure = data.draw(st.sampled_from([f for f in event.figures if f.required]))
        out.pop(figure.id, None)
        return figure.id, out, "numbers"
    if how == "at-most":
        figure = data.draw(st.sampled_from(bounded), label="figure above its bound")
        bound = out.setdefault(figure.at_most, 0.0)
        out[figure.id] = bound + data.draw(st.integers(1, 50), label="by")
        return figure.id, out, "numbers"
    figure = data.draw(st.sampled_from(event.figures), label="figure of the wrong type")
    # A negative count of a figure another is bounded by would put that one above its bound too.
    bounds_another = any(f.at_most == figure.id and f.id in out for f in event.figures)
    choices = ["not-finite"] + (["fraction"] if figure.type == "count" else [])
    choices += ["negative"] if figure.type == "count" and not bounds_another else []
    wrong = "text" if as_text else data.draw(st.sampled_from(choices), label="wrong value")
    if wrong == "text":
        text = {key: f"{value:g}" for key, value in out.items()}
        text[figure.id] = data.draw(st.sampled_from(["many", "", "1,5", "2x"]), label="text")
        return figure.id, text, "text"
    value = {"not-finite": float("inf"), "fraction": 0.5, "negative": -1.0}[wrong]
    out[figure.id] = value if wrong != "fraction" else out.get(figure.id, 0.0) + value
    return figure.id, out, "numbers"


def _expected_totals(
    framework: Framework, recorded: Iterable[Any]
) -> dict[tuple[str, str, int], tuple[float, int, float, float]]:
    """(event, figure, year) -> (total, organisations, part, base) from the returns recorded.

    Each organisation counts once a year, with its latest return; ``part``
    and ``base`` sum the figure and its ``at_most`` figure over the
    organisations that gave both.
    """
    latest: dict[tuple[str, int, str], Any] = {}
    for answer in sorted(recorded, key=lambda r: (r.due, r.on, r.id)):
        latest[(answer.event, answer.due.year, answer.organisation)] = answer
    out: dict[tuple[str, str, int], tuple[float, int, float, float]] = {}
    events = {event.id: event for event in framework.lifecycle.recurring}
    for (event_id, year, _), answer in latest.items():
        for figure in events[event_id].figures:
            if figure.id not in answer.figures:
                continue
            total, n, part, base = out.get((event_id, figure.id, year), (0.0, 0, 0.0, 0.0))
            value = answer.figures[figure.id]
            if figure.at_most and figure.at_most in answer.figures:
                part, base = part + value, base + answer.figures[figure.at_most]
            out[(event_id, figure.id, year)] = (total + value, n + 1, part, base)
    return out


def returns_accepted(framework: Framework, data: st.DataObject) -> Counter[str]:
    """Valid returns of each recurring event are recorded and totalled; broken ones are refused.

    Draws one to three holders of the framework's award (made on dates
    Hypothesis draws, lasting as ``[validity]`` says) in a register kept in
    memory, and, for each holder and each event, valid figures
    (:func:`~qmframe.testing.strategies.return_figures`) for the first one to
    three returns due in the award's term, sent on their due dates. Each must
    be recorded, answering that due date, and no longer be due; the sector
    view's totals (exact, and rounded in the public view) must be the sums of
    the figures, each organisation once a year with its latest return, and a
    figure with ``at_most`` its share of that figure. Then, for a new holder
    that owes a return of each event, a valid return is broken in each way
    :data:`RETURN_BREAKS` names that the event's declaration allows (a figure
    above its ``at_most`` figure, a required figure missing, a figure of the
    wrong type, both as a number that is not finite, a fraction or a negative
    count, and as text the command line cannot read as a number; a figure the
    event does not declare); each must be refused with
    a problem at that figure with that code, and nothing written.

    Returns how many returns were recorded (``recorded``) and broken (by
    the way they were broken).
    """
    import datetime as dt
    import itertools

    from qmframe.awards.register import Register
    from qmframe.awards.returns import due_dates, publish_count, publish_percentage, read_figures
    from qmframe.testing.strategies import return_figures

    tally: Counter[str] = Counter()
    events = framework.lifecycle.recurring
    if not events:
        return tally
    register = Register(":memory:")
    try:
        recorded = []
        holders = data.draw(st.integers(1, 3), label="holders")
        for k in range(holders):
            organisation = f"holder-{k}"
            start = data.draw(
                st.dates(dt.date(2020, 1, 1), dt.date(2023, 12, 31)), label=f"{organisation} from"
            )
            holding = _holder(framework, organisation, start)
            register.add_decision(holding, framework.lifecycle)
            for event in events:
                dues = list(itertools.islice(due_dates(event, start, holding.valid_until), 3))
                if not dues:
                    _fail(
                        f"recurring event {event.id!r} never falls due during an award of "
                        f"{framework.id!r} made on {start} and lasting to {holding.valid_until}"
                    )
                answered = dues[: data.draw(st.integers(1, len(dues)), label="returns sent")]
                for due in answered:
                    figures = data.draw(return_figures(event), label=f"{event.id} due {due}")
                    try:
                        answer = register.add_return(
                            framework, organisation, event.id, figures, on=due
                        )
                    except ValidationError as exc:
                        _fail(
                            f"a valid return of {event.id!r} due {due} was refused: {figures}\n"
                            f"{exc}"
                        )
                    if answer.due != due or dict(answer.figures) != figures:
                        _fail(
                            f"a return of {event.id!r} sent on {due} was recorded as due "
                            f"{answer.due} with {dict(answer.figures)}; it was sent with {figures}"
                        )
                    recorded.append(answer)
                    tally["recorded"] += 1
                last = holding.valid_until or dues[-1]
                still = {
                    d.on
                    for d in register.due(
                        framework.id, start, (last - start).days, recurring=events
                    )
                    if d.organisation == organisation and d.event == event.id
                }
                if still & set(answered) or set(dues) - set(answered) - still:
                    _fail(
                        f"after {organisation} sent the {event.id!r} returns due {answered}, "
                        f"the register lists as due {sorted(still)} of {dues}"
                    )
        kept = register.returns(framework.id)
        if sorted((r.id, dict(r.figures)) for r in kept) != sorted(
            (r.id, dict(r.figures)) for r in recorded
        ):
            _fail(f"the register keeps the returns {kept}; recorded were {recorded}")
        expected = _expected_totals(framework, recorded)
        for public in (False, True):
            view = register.sector_view(framework, public=public)
            rows = {(t.event, t.figure, t.year): t for t in view.returns}
            if set(rows) != set(expected):
                _fail(
                    f"the {'public ' if public else ''}sector view totals {sorted(rows)}; the "
                    f"returns give {sorted(expected)}"
                )
            for key, (total, n, part, base) in expected.items():
                row = rows[key]
                event = next(e for e in events if e.id == key[0])
                figure = next(f for f in event.figures if f.id == key[1])
                hidden = public and figure.type == "count"
                rule = framework.disclosure if hidden else None
                shown = publish_count(total, framework.disclosure) if hidden else f"{total:g}"
                wanted = (
                    n,
                    shown,
                    None if hidden else total,
                    figure.at_most,
                    publish_percentage(part, base, rule) if figure.at_most else "",
                )
                got = (row.organisations, row.shown, row.total, row.of, row.percent)
                close = got[2] is None or wanted[2] is None or abs(got[2] - wanted[2]) < 1e-6
                if got[:2] + got[3:] != wanted[:2] + wanted[3:] or not close:
                    _fail(
                        f"the {'public ' if public else ''}sector view gives {key[1]!r} of "
                        f"{key[0]!r} in {key[2]} as (organisations, shown, total, of, percent) "
                        f"{got}; the returns give {wanted}"
                    )
        # A new holder owes each return: only its figures can stop one being recorded.
        start = dt.date(2024, 1, 1)
        register.add_decision(_holder(framework, "holder-new", start), framework.lifecycle)
        for event in events:
            valid = data.draw(return_figures(event), label=f"{event.id} before breaking")
            # A wrong type is tried both as text (as the command line reads figures) and as
            # a number; each other way once.
            tries = [(how, False) for how in _breaks(event)]
            tries += [("wrong-type", True)] if ("wrong-type", False) in tries else []
            for how, as_text in tries:
                figure_id, broken, given_as = _break_return(
                    event, valid, how, data, as_text=as_text
                )
                try:
                    if given_as == "text":
                        read_figures(event, broken)
                    else:
                        register.add_return(framework, "holder-new", event.id, broken, on=start)
                except ValidationError as exc:
                    code = RETURN_BREAKS[how]
                    found = [p for p in exc.problems if p.path == f"figures.{figure_id}"]
                    if not any(p.code == code for p in found):
                        _fail(
                            f"a return of {event.id!r} broken ({how}: {figure_id!r}) was "
                            f"refused, but not with a problem at figures.{figure_id} coded "
                            f"{code!r}:\n{exc}"
                        )
                else:
                    _fail(
                        f"a return of {event.id!r} broken ({how}: {figure_id!r}) was "
                        f"accepted: {broken}"
                    )
                if len(register.returns(framework.id)) != len(recorded):
                    _fail(f"a refused return of {event.id!r} ({how}) was written to the register")
            tally.update(_breaks(event))
    finally:
        register.close()
    return tally


def check_returns(
    framework: FrameworkRef,
    *,
    registry: Registry | None = None,
    cases: st.SearchStrategy[AssessmentCase] | None = None,
    max_examples: int | None = None,
    parent: settings | None = None,
) -> PropertyCounts:
    """Check :func:`returns_accepted` for a framework that declares recurring events.

    ``framework`` is a Framework, an installed framework's id, or a strategy
    of frameworks (for example ``frameworks(recurring=True)``); one that
    declares no ``[[lifecycle.recurring]]`` fails (there is nothing to
    check), and a strategy fails when none of its frameworks declares one.
    ``cases`` is accepted for :func:`check_all` and not used; other arguments
    as for :func:`check_determinism`. The awards the returns belong to are
    made by the check, not assessed, so no award rate is needed.
    """
    fw, _, generated = _resolve(framework, registry)
    if not generated and not fw.lifecycle.recurring:
        _fail(f"{fw.id!r} declares no recurring events ([[lifecycle.recurring]]): nothing to check")
    strategy = fw if generated else st.just(fw)
    options: dict[str, Any] = {
        "deadline": None,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    }
    if max_examples is not None:
        options["max_examples"] = max_examples
    counts = PropertyCounts(property="returns", framework=_label(fw))
    tally: Counter[str] = Counter()

    @settings(parent, **options)
    @given(framework=strategy, data=st.data())
    def run(framework: Framework, data: st.DataObject) -> None:
        counts.examples += 1
        done = returns_accepted(framework, data)
        if done:
            counts.reached += 1
        tally.update(done)

    run.__name__ = run.__qualname__ = "check_returns_accepted"
    run()
    counts.recorded = tally["recorded"]
    counts.broken = tuple((how, tally[how]) for how in RETURN_BREAKS)
    COUNTS.append(counts)
    if not counts.reached:
        _fail(f"{counts.describe()}: no framework declared a recurring event")
    return counts


# -- counting what the properties reached --------------------------------------------------------


@attrs.define
class PropertyCounts:
    """How many cases one run of a check tried, and how many reached its branch.

    ``refused`` counts generated cases the checks refused (Hypothesis drew
    others in their place); ``reached`` those that got to what the property
    is about (an award to change, a target to mark not applicable, an item
    to lower). ``levels`` (for the award rate of a framework with award
    levels) counts the cases that reached each level, lowest first.

    For rule liveness, ``examples`` counts the passing cases it started
    from, ``reached`` the deciding rules found live, ``levels`` each award
    level above the lowest with 1 when it is live (else 0), and
    ``undecided`` the rules and levels left undecided. For recurring events
    (:func:`check_returns`), ``reached`` counts the cases with an event to
    send returns of, ``recorded`` the valid returns recorded, and ``broken``
    the broken returns refused, by the way they were broken.
    """

    property: str
    framework: str
    examples: int = 0
    reached: int = 0
    refused: int = 0
    levels: tuple[tuple[str, int], ...] = ()
    undecided: int = 0
    recorded: int = 0
    broken: tuple[tuple[str, int], ...] = ()

    def describe(self) -> str:
        if self.property == "returns":
            ways = ", ".join(f"{how} {n}" for how, n in self.broken)
            return (
                f"returns on {self.framework}: {self.examples} cases, {self.reached} reached it: "
                f"{self.recorded} valid returns recorded and totalled, "
                f"{sum(n for _, n in self.broken)} broken returns refused ({ways})"
            )
        if self.property == "liveness":
            live = sum(n for _, n in self.levels)
            levels = f", {live} award level{'' if live == 1 else 's'} live" if self.levels else ""
            undecided = f", {self.undecided} undecided" if self.undecided else ""
            return (
                f"liveness on {self.framework}: {self.reached} rule"
                f"{'' if self.reached == 1 else 's'} live{levels}{undecided}, "
                f"from {self.examples} passing cases"
            )
        if self.property == "award-rate":
            levels = "".join(f", {n} reached {level!r}" for level, n in self.levels[1:])
            return (
                f"award-rate on {self.framework}: {self.reached} of {self.examples} cases "
                f"awarded{levels}, {self.refused} refused by the checks"
            )
        return (
            f"{self.property} on {self.framework}: {self.examples} cases, "
            f"{self.reached} reached it, {self.refused} refused by the checks"
        )


#: Every check run in this process, in order (qmframe's pytest plugin prints them).
COUNTS: list[PropertyCounts] = []

#: The least share of cases meant to be awards that must be awarded.
MIN_AWARD_RATE = 0.2


@attrs.frozen(kw_only=True)
class AwardRate:
    """What a fixed-seed sample of cases meant to be awards came to.

    ``blocking`` counts, for the cases not awarded, each rule that failed
    (and ``indication`` for those without the reviewers an award needs);
    ``refusals`` the first problem of each case the checks refused. For a
    framework with award levels, ``levels`` counts the cases that reached
    each level (lowest first), and ``level_blocking`` counts, for the awards
    below the highest level, each rule of a level above theirs that failed.
    """

    framework: str
    drawn: int
    awarded: int
    blocking: tuple[tuple[str, int], ...]
    refusals: tuple[tuple[str, int], ...]
    levels: tuple[tuple[str, int], ...] = ()
    level_blocking: tuple[tuple[str, int], ...] = ()

    @property
    def refused(self) -> int:
        return sum(n for _, n in self.refusals)

    @property
    def rate(self) -> float:
        return self.awarded / self.drawn if self.drawn else 0.0

    def level_rate(self, level: str) -> float:
        """The share of the cases drawn that reached award level ``level``."""
        reached = dict(self.levels).get(level, 0)
        return reached / self.drawn if self.drawn else 0.0

    def describe(self) -> str:
        lines = [
            f"{self.awarded} of {self.drawn} cases meant to be awards for {self.framework!r} "
            f"were awarded ({self.rate:.0%})"
        ]
        if self.levels:
            lines.append(
                "  reached each award level: "
                + ", ".join(f"{level} {n}" for level, n in self.levels)
            )
        lines += [f"  refused by the checks ({n}): {why}" for why, n in self.refusals]
        lines += [f"  {why} ({n})" for why, n in self.blocking]
        if self.level_blocking:
            lines.append("  awards kept below a higher level:")
            lines += [f"    {why} ({n})" for why, n in self.level_blocking]
        return "\n".join(lines)

    def shortfall(self, min_rate: float = MIN_AWARD_RATE) -> str:
        """Why the sample is too thin to test awards on ('' when it is not).

        Fewer than ``min_rate`` of the cases awarded, or, for a framework
        with award levels, fewer than ``min_rate`` reaching the highest.
        """
        if self.rate < min_rate:
            return f"too few awards: under {min_rate:.0%}"
        if len(self.levels) > 1:
            top = self.levels[-1][0]
            if self.level_rate(top) < min_rate:
                return f"too few cases reach award level {top!r}: under {min_rate:.0%}"
        return ""


def award_rate(
    framework: Framework,
    registry: Registry,
    cases: st.SearchStrategy[AssessmentCase],
    *,
    examples: int = 50,
    seed_value: int = 0,
) -> AwardRate:
    """Draw ``examples`` cases with a fixed seed and count how many are awarded, and why not."""
    drawn = awarded = 0
    blocking: Counter[str] = Counter()
    refusals: Counter[str] = Counter()
    level_ids = [lv.id for lv in framework.award_levels]
    reached: Counter[str] = Counter()
    level_blocking: Counter[str] = Counter()

    @seed(seed_value)
    @settings(
        database=None,
        max_examples=examples,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(cases)
    def collect(case: AssessmentCase) -> None:
        nonlocal drawn, awarded
        drawn += 1
        try:
            decision = registry.assessor(case.framework).assess(
                case.submission, case.review, as_of=case.as_of
            )
        except ValidationError as exc:
            first = next((p for p in exc.problems if p.severity == "error"), exc.problems[0])
            refusals[f"{first.path or '(whole file)'}: {first.message}"] += 1
            return
        if decision.passed:
            awarded += 1
            if not level_ids:
                return
            rank = level_ids.index(decision.award_level) if decision.award_level else -1
            reached.update(level_ids[: rank + 1])
            above = {r for lv in case.framework.award_levels[rank + 1 :] for r in lv.rules}
            for outcome in decision.explanation:
                if outcome.rule in above and not outcome.holds:
                    level_blocking[f"rule {outcome.rule!r} failed: {outcome.concluded}"] += 1
            return
        if decision.is_indication:
            blocking["only an indication: " + decision.basis_note] += 1
        for outcome in decision.explanation:
            if outcome.effect in _DECIDING and not outcome.holds:
                blocking[f"rule {outcome.rule!r} failed: {outcome.concluded}"] += 1

    collect()
    return AwardRate(
        framework=framework.id,
        drawn=drawn,
        awarded=awarded,
        blocking=tuple(_by_rule(blocking).most_common()),
        refusals=tuple(refusals.most_common(3)),
        levels=tuple((level, reached[level]) for level in level_ids),
        level_blocking=tuple(_by_rule(level_blocking).most_common()),
    )


def _by_rule(blocking: Counter[str]) -> Counter[str]:
    """Failures of the same rule counted together, with one of their conclusions."""
    merged: Counter[str] = Counter()
    named: dict[str, str] = {}
    for text, n in blocking.items():
        key = text.split(" failed: ")[0]
        named.setdefault(key, text)
        merged[named[key]] += n
    return merged


#: Award rates already worked out, by the ids of framework, cases and registry (kept alive here).
_RATES: dict[tuple[int, int, int], tuple[Any, Any, Any, AwardRate]] = {}


# -- running them ------------------------------------------------------------------------------

FrameworkRef = Framework | str | st.SearchStrategy[Framework]
#: The properties about awards: they need awarded cases, and are vacuous without them.
_AWARD_SIDE = ("monotone", "not_applicable_neutral", "sensitive")


def _resolve(framework: FrameworkRef, registry: Registry | None) -> tuple[Any, Registry, bool]:
    if registry is None:
        from qmframe.api import default_registry

        registry = default_registry()
    if isinstance(framework, str):
        return registry.framework(framework), registry, False
    return framework, registry, not isinstance(framework, Framework)


def _label(framework: Any) -> str:
    return framework.id if isinstance(framework, Framework) else "generated frameworks"


def _award_rate_once(
    framework: Framework, registry: Registry, cases: st.SearchStrategy[AssessmentCase] | None
) -> AwardRate:
    """The award rate of ``cases`` (None: likely awards), worked out once per run."""
    key = (id(framework), id(cases) if cases is not None else 0, id(registry))
    if key not in _RATES:
        meant = cases if cases is not None else likely_awards(framework)
        _RATES[key] = (framework, cases, registry, award_rate(framework, registry, meant))
    return _RATES[key][3]


def _has_not_applicable(framework: Framework) -> bool:
    index = FrameworkIndex.build(framework)
    return any(t.not_applicable_allowed for t in index.targets.values())


def _run(
    prop: Callable[..., bool],
    framework: FrameworkRef,
    *,
    registry: Registry | None,
    cases: st.SearchStrategy[AssessmentCase] | None,
    max_examples: int | None,
    parent: settings | None = None,
    uses_data: bool = False,
    with_seed: bool = False,
) -> PropertyCounts:
    fw, reg, generated = _resolve(framework, registry)
    award_side = prop.__name__ in _AWARD_SIDE
    if cases is not None:
        strategy = cases
    elif award_side and prop.__name__ == "sensitive":
        strategy = likely_awards(fw)
    else:
        strategy = st.one_of(assessment_cases(fw), likely_awards(fw))
    if award_side and not generated:
        # Fail loudly, naming what blocks them, before a property passes on no award at all.
        rate = _award_rate_once(fw, reg, cases)
        short = rate.shortfall()
        if short:
            _fail(
                f"{short}, too few to test {prop.__name__!r} on. "
                + rate.describe()
                + "\nGive cases= that the framework's rules and checks accept."
            )
    options: dict[str, Any] = {
        "deadline": None,
        # A framework whose checks refuse many generated cases (a plugin asking for details
        # its file does not declare) filters them out. The counts report how many, and the
        # properties that must reach a case fail below when they reached none; hypothesis's
        # own filtering alarm trips on some draws and not others, so it would only make a
        # plugin's suite fail now and then on the same code.
        "suppress_health_check": [
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    }
    if max_examples is not None:
        options["max_examples"] = max_examples

    extra: dict[str, st.SearchStrategy[Any]] = {}
    if uses_data:
        extra["data"] = st.data()
    if with_seed:
        extra["seed"] = st.integers(0, 2**32 - 1)
    counts = PropertyCounts(property=prop.__name__, framework=_label(fw))

    @settings(parent, **options)
    @given(case=strategy, **extra)
    def run(case: AssessmentCase, **kwargs: Any) -> None:
        counts.examples += 1
        try:
            if prop(case, reg, **kwargs):
                counts.reached += 1
        except UnsatisfiedAssumption:
            counts.refused += 1
            raise
        except InvariantError:
            # Written only for failing examples: the final one is what gets shown.
            note(case.describe(with_framework=generated or cases is not None))
            raise

    run.__name__ = run.__qualname__ = f"check_{prop.__name__}"
    run()
    COUNTS.append(counts)
    vacuous = counts.examples and not counts.reached
    if vacuous and prop.__name__ in ("monotone", "sensitive"):
        _fail(f"{counts.describe()}: {prop.__name__!r} tested nothing")
    if (
        vacuous
        and prop.__name__ == "not_applicable_neutral"
        and not generated
        and _has_not_applicable(fw)
    ):
        _fail(f"{counts.describe()}: no award had anything to mark not applicable")
    return counts


def check_determinism(
    framework: FrameworkRef,
    *,
    registry: Registry | None = None,
    cases: st.SearchStrategy[AssessmentCase] | None = None,
    max_examples: int | None = None,
    parent: settings | None = None,
) -> PropertyCounts:
    """Check :func:`deterministic` on generated cases for ``framework``.

    ``framework`` is a Framework, an installed framework's id, or a strategy;
    ``registry`` defaults to the installed plugins' registry; ``cases``
    replaces the generated cases (for example ``assessment_cases(fw,
    reviewed=True)``); ``max_examples`` overrides the hypothesis profile, and
    ``parent`` gives settings to start from instead of the current profile's.
    Returns the counts of cases tried and reached (also kept in :data:`COUNTS`).
    """
    return _run(
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
) -> PropertyCounts:
    """Check :func:`monotone`; arguments as for :func:`check_determinism`.

    Runs :func:`check_award_rate` first, and fails if no case was an award.
    """
    return _run(
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
) -> PropertyCounts:
    """Check :func:`not_applicable_neutral`; arguments as for :func:`check_determinism`.

    Runs :func:`check_award_rate` first, and, for a framework that allows
    anything to be marked not applicable, fails if no award had anything to mark.
    """
    return _run(
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
) -> PropertyCounts:
    """Check :func:`bounded`; arguments as for :func:`check_determinism`."""
    return _run(
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
) -> PropertyCounts:
    """Check :func:`round_trips`; arguments as for :func:`check_determinism`."""
    return _run(
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
) -> PropertyCounts:
    """Check :func:`explanation_complete`; arguments as for :func:`check_determinism`."""
    return _run(
        explanation_complete,
        framework,
        registry=registry,
        cases=cases,
        max_examples=max_examples,
        parent=parent,
    )


def check_sensitivity(
    framework: FrameworkRef,
    *,
    registry: Registry | None = None,
    cases: st.SearchStrategy[AssessmentCase] | None = None,
    max_examples: int | None = None,
    parent: settings | None = None,
) -> PropertyCounts:
    """Check :func:`sensitive` on cases meant to be awards (default :func:`likely_awards`).

    Other arguments as for :func:`check_determinism`. Runs
    :func:`check_award_rate` first, and fails if no item could be lowered.
    """
    return _run(
        sensitive,
        framework,
        registry=registry,
        cases=cases,
        max_examples=max_examples,
        parent=parent,
    )


def check_reads(
    framework: FrameworkRef,
    *,
    registry: Registry | None = None,
    cases: st.SearchStrategy[AssessmentCase] | None = None,
    max_examples: int | None = None,
    parent: settings | None = None,
) -> PropertyCounts:
    """Check :func:`reads_honest`; arguments as for :func:`check_determinism`."""
    return _run(
        reads_honest,
        framework,
        registry=registry,
        cases=cases,
        max_examples=max_examples,
        parent=parent,
        uses_data=True,
    )


def check_award_rate(
    framework: Framework | str,
    *,
    registry: Registry | None = None,
    cases: st.SearchStrategy[AssessmentCase] | None = None,
    max_examples: int | None = None,
    parent: settings | None = None,
    min_rate: float = MIN_AWARD_RATE,
) -> AwardRate:
    """Fail unless at least ``min_rate`` of the cases meant to be awards are awarded.

    For a framework with award levels, at least ``min_rate`` of them must
    also reach the highest level. ``cases`` defaults to :func:`likely_awards`
    for the framework; 50 of them (or ``max_examples``) are drawn with a
    fixed seed, so the answer is the same every run. The failure says how
    many were awarded and reached each level, which rules failed how often in
    the others (and which rules of a higher level kept awards below it), and
    what the checks refused.
    ``parent`` is accepted for :func:`check_all` and not used.
    """
    fw, reg, generated = _resolve(framework, registry)
    if generated:
        raise TypeError("check_award_rate needs one framework, not a strategy of them")
    meant = cases if cases is not None else likely_awards(fw)
    rate = award_rate(fw, reg, meant, examples=max_examples or 50)
    COUNTS.append(
        PropertyCounts(
            property="award-rate",
            framework=fw.id,
            examples=rate.drawn,
            reached=rate.awarded,
            refused=rate.refused,
            levels=rate.levels,
        )
    )
    short = rate.shortfall(min_rate)
    if short:
        _fail(f"{short}. " + rate.describe())
    return rate


def _example_cases(framework: Framework, registry: Registry) -> list[AssessmentCase]:
    import datetime as dt

    from qmframe.files import read_review, read_submission

    out = []
    for registered in registry.examples.values():
        example = registered.value
        if example.framework == framework.id and example.as_of:
            out.append(
                AssessmentCase(
                    framework=framework,
                    submission=read_submission(example.submission),
                    review=read_review(example.review) if example.review else None,
                    as_of=dt.date.fromisoformat(example.as_of),
                )
            )
    return out


def check_liveness(
    framework: Framework | str,
    *,
    registry: Registry | None = None,
    cases: st.SearchStrategy[AssessmentCase] | None = None,
    max_examples: int | None = None,
    parent: settings | None = None,
    bases: Iterable[AssessmentCase] = (),
    budget: int | None = None,
) -> LivenessReport:
    """Fail if a deciding rule or an award level is proven dead or shadowed.

    The deciding rules are the ``require`` and ``veto`` rules and the rules
    an award level above the lowest names (see
    :func:`qmframe.testing.liveness.deciding_rules`).

    The enumeration (see :mod:`qmframe.testing.liveness`) starts from the
    passing cases among ``bases``, the framework's registered examples, and
    up to three passing cases drawn with a fixed seed from ``cases`` (default
    :func:`likely_awards`; ``max_examples`` of them, default 30). ``budget``
    bounds the variants tried per rule and base case. Returns the report,
    whose undecided rules are worth a look. ``parent`` is accepted for
    :func:`check_all` and not used.
    """
    fw, reg, generated = _resolve(framework, registry)
    if generated:
        raise TypeError("check_liveness needs one framework, not a strategy of them")
    starts = [*bases, *_example_cases(fw, reg)]
    drawn: list[AssessmentCase] = []

    @seed(0)
    @settings(
        database=None,
        max_examples=max_examples or 30,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(cases if cases is not None else likely_awards(fw))
    def collect(case: AssessmentCase) -> None:
        if len(drawn) >= 3:
            return
        try:
            decision = reg.assessor(fw).assess(case.submission, case.review, as_of=case.as_of)
        except ValidationError:
            return
        if outcome_of(decision)[0] == fw.decision.pass_status:
            drawn.append(case)

    collect()
    report = rule_liveness(
        fw, reg, [*starts, *drawn], budget=budget if budget is not None else DEFAULT_BUDGET
    )
    COUNTS.append(
        PropertyCounts(
            property="liveness",
            framework=fw.id,
            examples=report.bases,
            reached=sum(r.verdict == "live" for r in report.rules),
            levels=tuple((lv.rule, int(lv.verdict == "live")) for lv in report.levels),
            undecided=len(report.by_verdict("undecided")),
        )
    )
    if report.bases == 0:
        _fail(f"no passing case to start rule liveness from for {fw.id!r}: give bases=")
    if not report.ok:
        _fail(report.describe())
    return report


#: Every check, by the name used in docs and test ids.
PROPERTIES: dict[str, Callable[..., Any]] = {
    "determinism": check_determinism,
    "monotonicity": check_monotonicity,
    "not-applicable-neutrality": check_not_applicable_neutrality,
    "bounds": check_bounds,
    "round-trip": check_round_trip,
    "explanation-completeness": check_explanation_complete,
    "sensitivity": check_sensitivity,
    "honest-reads": check_reads,
    "award-rate": check_award_rate,
    "liveness": check_liveness,
    "returns": check_returns,
}
#: The checks that need one framework (not a strategy of them); check_all skips them for one.
_ONE_FRAMEWORK = ("award-rate", "liveness", "returns")


def check_all(
    framework: FrameworkRef,
    *,
    registry: Registry | None = None,
    cases: st.SearchStrategy[AssessmentCase] | None = None,
    max_examples: int | None = None,
    parent: settings | None = None,
    skip: Iterable[str] = (),
) -> None:
    """Run every check in :data:`PROPERTIES` except those named in ``skip``.

    For a strategy of frameworks, award-rate, liveness and returns are left
    out (they need one framework), and so is returns for a framework that
    declares no recurring events.
    """
    skipped = set(skip)
    unknown = skipped - set(PROPERTIES)
    if unknown:
        raise ValueError(f"unknown properties {sorted(unknown)} (known: {sorted(PROPERTIES)})")
    one = isinstance(framework, (Framework, str))
    for name, check in PROPERTIES.items():
        if name in skipped or (name in _ONE_FRAMEWORK and not one):
            continue
        if name == "returns" and not _resolve(framework, registry)[0].lifecycle.recurring:
            continue
        check(framework, registry=registry, cases=cases, max_examples=max_examples, parent=parent)
