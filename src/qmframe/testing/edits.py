"""Whole cases to assess, and the small edits the testing kit makes to them.

An :class:`AssessmentCase` is a framework with one submission, maybe a review,
and the date to decide on. The edits here change one thing at a time (the
level of one target, one evidence item, the organisation) and keep the case
valid: a judgement citing dropped evidence stops citing it, a target marked
not applicable loses its judgements. Decision tables, rule liveness,
sensitivity and mutation scores are all built on them.

Nothing here needs hypothesis.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from typing import Any

import attrs

from qmframe.decision import Decision
from qmframe.files import dumps
from qmframe.framework import Framework, JustificationNeed
from qmframe.index import FrameworkIndex
from qmframe.submission import Judgement, Rating, Review, Reviewer, Submission

__all__ = [
    "AssessmentCase",
    "drop_actions",
    "drop_evidence",
    "indicated_level",
    "justification_for",
    "mark_not_applicable",
    "outcome_of",
    "set_level",
    "set_organisation",
]

#: Action statuses that count as an open, future action.
OPEN_ACTIONS = frozenset({"planned", "in-progress"})


@attrs.frozen(kw_only=True, repr=False)
class AssessmentCase:
    """A framework with one submission, maybe a review, and the decision date.

    The repr is short (the framework by id); :meth:`describe` gives the whole
    case as TOML, which the invariants attach to a failing example.
    """

    framework: Framework
    submission: Submission
    review: Review | None
    as_of: dt.date

    def __repr__(self) -> str:
        fw = self.framework
        review = "None" if self.review is None else f"<{len(self.review.judgements)} judgements>"
        return (
            f"AssessmentCase(framework=<{fw.id} {fw.version}>, as_of={self.as_of!r}, "
            f"ratings={len(self.submission.ratings)}, evidence={len(self.submission.evidence)}, "
            f"review={review})"
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Hypothesis prints this short form in a falsifying example."""
        printer.text(repr(self))

    def describe(self, *, with_framework: bool = True) -> str:
        """The case as TOML documents, for reading a counterexample."""
        parts = [f"# as_of = {self.as_of.isoformat()}"]
        if with_framework:
            parts += ["# --- framework ---", dumps(self.framework)]
        parts += ["# --- submission ---", dumps(self.submission)]
        if self.review is not None:
            parts += ["# --- review ---", dumps(self.review)]
        return "\n".join(parts)


def outcome_of(decision: Decision) -> tuple[str, str]:
    """What a decision concludes, whether or not it is only an indication.

    The status the rules reached (for an indication, the status they
    indicate) and the award level reached ('' when the framework has no award
    levels, or none was reached). For an indication, which reaches no award
    level, the level it indicates: the highest whose progress, and every
    lower level's, is complete (see :func:`indicated_level`).
    """
    if decision.is_indication:
        return decision.indicated_status, indicated_level(decision)
    return decision.status, decision.award_level


def indicated_level(decision: Decision) -> str:
    """The award level a decision's progress reaches, whether or not an award is made.

    The highest level whose progress, and every lower level's, is complete;
    '' when the lowest is not (or the framework has no award levels). For an
    award this is the level reached, unless a ``qmframe_decide`` hook lowered it.
    """
    reached = ""
    for progress in decision.progress:
        if not progress.complete:
            break
        reached = progress.level
    return reached


def _with_submission(case: AssessmentCase, **changes: Any) -> AssessmentCase:
    return attrs.evolve(case, submission=attrs.evolve(case.submission, **changes))


def _reviewer_ids(review: Review) -> list[str]:
    ids = [r.id for r in review.reviewers]
    return ids if len(ids) > 1 else [ids[0] if ids else ""]


def _judge(review: Review, target: str, level: str, rationale: str = "") -> Review:
    """Every judgement of ``target`` at ``level``; one per reviewer if there were none."""
    found = [j for j in review.judgements if j.target == target]
    if found:
        judgements = tuple(
            attrs.evolve(j, level=level, rationale=j.rationale or rationale)
            if j.target == target
            else j
            for j in review.judgements
        )
    else:
        judgements = review.judgements + tuple(
            Judgement(target=target, level=level, reviewer=reviewer, rationale=rationale)
            for reviewer in _reviewer_ids(review)
        )
    return attrs.evolve(review, judgements=judgements)


def _rate(framework: Framework, submission: Submission, target: str, level: str) -> Submission:
    """The self-rating of ``target`` set to ``level``, with a justification the framework accepts.

    A rating's own justification is kept when the framework accepts it at
    any level (a not-applicable reason is not one for a level).
    """
    ratings = list(submission.ratings)
    for i, rating in enumerate(ratings):
        if rating.target == target:
            kept = "" if rating.not_applicable else rating.justification
            ratings[i] = attrs.evolve(
                rating,
                level=level,
                not_applicable=False,
                justification=justification_for(framework, target, kept),
            )
            break
    else:
        ratings.append(
            Rating(target=target, level=level, justification=justification_for(framework, target))
        )
    return attrs.evolve(submission, ratings=tuple(ratings))


def _derived(case: AssessmentCase, index: FrameworkIndex, target: str) -> bool:
    """Whether ``target`` is a section whose level the case leaves to its criteria."""
    section = index.sections.get(target)
    if section is None or not section.aggregate or not section.criteria:
        return False
    if case.review is not None:
        return not any(j.target == target for j in case.review.judgements)
    rating = case.submission.rating(target)
    return rating is None or rating.level is None


def set_level(
    case: AssessmentCase,
    target: str,
    level: str,
    *,
    index: FrameworkIndex | None = None,
    rationale: str = "set by qmframe.testing",
) -> AssessmentCase:
    """The case with ``target`` decided at ``level``.

    With a review, every reviewer's judgement of it is that level (one is
    added for each reviewer who had none); without one, the self-rating is (keeping
    its justification if the framework accepts it at any level, else with one it does).
    A target the organisation had marked not applicable is rated instead. A
    section whose level the case leaves to be derived from its criteria has
    each of its criteria set to ``level``, so the derived level is ``level``
    whatever the aggregation.
    """
    index = index or FrameworkIndex.build(case.framework)
    if _derived(case, index, target):
        for criterion in index.section_criteria[target]:
            case = set_level(case, criterion, level, index=index, rationale=rationale)
        return case
    submission = case.submission
    marked = submission.rating(target)
    section = index.targets[target].section
    if (marked is not None and marked.not_applicable) or case.review is None:
        submission = _rate(case.framework, submission, target, level)
    parent = submission.rating(section) if section != target else None
    if parent is not None and parent.not_applicable:
        # A criterion of a section marked not applicable can only be judged with its section.
        ratings = tuple(r for r in submission.ratings if r.target != section)
        submission = attrs.evolve(submission, ratings=ratings)
    review = case.review
    if review is not None:
        review = _judge(review, target, level, rationale)
    return attrs.evolve(case, submission=submission, review=review)


def justification_for(
    framework: Framework, target: str, text: str = "", *, not_applicable: bool = False
) -> str:
    """A justification for a rating of ``target`` that its framework accepts.

    ``text`` when it already does; otherwise one with a web address and as
    many characters as the framework's ``justification`` table asks. For a
    level, it satisfies what a rating at any level needs, so raising or
    lowering the rating keeps the submission valid; with ``not_applicable``,
    what marking it not applicable needs.
    """
    policy = framework.justification_of(target)
    needs = (
        (policy.not_applicable,) if not_applicable else (policy.met, policy.notable, policy.unmet)
    )
    given = text.strip()

    def accepted(need: JustificationNeed) -> bool:
        if not need.needed:
            return True
        return bool(given) and len(given) >= need.min_chars and not need.url

    if all(accepted(need) for need in needs):
        return text
    words = "See https://example.org/justification for why."
    while len(words) < max(need.min_chars for need in needs):
        words += " More of why."
    return words


def mark_not_applicable(
    case: AssessmentCase,
    target: str,
    *,
    index: FrameworkIndex | None = None,
    justification: str = "does not apply here",
) -> AssessmentCase:
    """The case with ``target`` (and a section's criteria) marked not applicable.

    The reviewers' judgements of them are dropped. The framework must allow
    the target to be marked so, or the case is no longer valid.
    """
    index = index or FrameworkIndex.build(case.framework)
    group = (target, *index.section_criteria.get(target, ()))
    ratings = [r for r in case.submission.ratings if r.target not in group]
    ratings += [
        Rating(
            target=t,
            not_applicable=True,
            # What the framework's justification table asks, if more than this reason.
            justification=justification_for(case.framework, t, justification, not_applicable=True),
        )
        for t in group
    ]
    changed = _with_submission(case, ratings=tuple(ratings))
    if case.review is not None:
        judgements = tuple(j for j in case.review.judgements if j.target not in group)
        changed = attrs.evolve(changed, review=attrs.evolve(case.review, judgements=judgements))
    return changed


def drop_evidence(case: AssessmentCase, ids: Collection[str]) -> AssessmentCase:
    """The case without the evidence items ``ids``; judgements stop citing them."""
    gone = frozenset(ids)
    evidence = tuple(e for e in case.submission.evidence if e.id not in gone)
    changed = _with_submission(case, evidence=evidence)
    if case.review is not None:
        judgements = tuple(
            attrs.evolve(j, evidence=tuple(e for e in j.evidence if e not in gone))
            if gone.intersection(j.evidence)
            else j
            for j in case.review.judgements
        )
        changed = attrs.evolve(changed, review=attrs.evolve(case.review, judgements=judgements))
    return changed


def drop_actions(case: AssessmentCase, ids: Collection[str]) -> AssessmentCase:
    """The case without the action-plan items ``ids``."""
    gone = frozenset(ids)
    return _with_submission(
        case, actions=tuple(a for a in case.submission.actions if a.id not in gone)
    )


def set_organisation(case: AssessmentCase, **fields: Any) -> AssessmentCase:
    """The case with the organisation's ``fields`` changed (``linked`` replaces the table)."""
    org = attrs.evolve(case.submission.organisation, **fields)
    changed = _with_submission(case, organisation=org)
    if case.review is not None and "id" in fields:
        changed = attrs.evolve(changed, review=attrs.evolve(case.review, organisation=org.id))
    return changed


def open_actions(case: AssessmentCase) -> list[str]:
    """Ids of the submission's planned or in-progress actions, in order."""
    return [a.id for a in case.submission.actions if a.status in OPEN_ACTIONS]


def panel(review: Review | None) -> tuple[Reviewer, ...]:
    """The review's reviewers (none without a review)."""
    return review.reviewers if review is not None else ()


def decided_levels(decision: Decision) -> dict[str, str]:
    """Target to decided level, for the targets the decision has a level for."""
    return {d.target: d.level for d in decision.levels if d.level}


def targets_in_order(index: FrameworkIndex, targets: Iterable[str]) -> list[str]:
    """``targets`` in framework order."""
    wanted = set(targets)
    return [t for t in index.targets if t in wanted]


def merged(base: Mapping[str, str], changes: Mapping[str, str]) -> dict[str, str]:
    """``base`` with ``changes`` applied; a change to '' removes the key."""
    out = dict(base)
    for key, value in changes.items():
        if value == "":
            out.pop(key, None)
        else:
            out[key] = value
    return out
