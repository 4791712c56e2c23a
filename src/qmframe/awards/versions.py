"""Framework versions: what changed between two, and whose decision a revision would change.

A framework is revised over time: criteria are added, reworded or retired,
and rules tightened. An award stays valid under the version it was granted
under until it expires, but before adopting a revision its owner wants to
know what it changes. :func:`diff` lists the changes between two versions of
one framework; :func:`rescore` re-assesses past submissions under the new
version and says, rule by rule, whose decision would change and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from qmframe.decision import Decision
from qmframe.engine import Assessor
from qmframe.errors import PluginError, Problem, ValidationError
from qmframe.framework import Framework
from qmframe.index import FrameworkIndex
from qmframe.plugins import Registry
from qmframe.submission import Review, Submission

if TYPE_CHECKING:
    from qmframe.batch import Case as BatchCase

__all__ = [
    "Case",
    "Change",
    "FrameworkDiff",
    "RescoreFiles",
    "Rescored",
    "adapt",
    "diff",
    "rescore",
]

#: Fields whose change alters only the words people read, not what is assessed.
_WORDING = frozenset(
    {"title", "guidance", "summary", "description", "feedback", "label", "text",
     "context_guidance", "provenance", "owner"}
)  # fmt: skip


@attrs.frozen(kw_only=True)
class Change:
    """One difference between two versions.

    ``change`` is ``added``, ``removed``, ``reworded`` (only wording
    changed) or ``changed`` (what is assessed or decided changed); ``part``
    says what kind of thing changed (``criterion``, ``section``, ``rule``,
    ``scale``, ``outcome set``, ``evidence type``, ``context`` or ``framework``).
    """

    change: str
    part: str
    id: str
    detail: str = ""


@attrs.frozen(kw_only=True)
class FrameworkDiff:
    """Every change from ``old_version`` to ``new_version`` of one framework, in file order."""

    framework: str
    old_version: str
    new_version: str
    changes: tuple[Change, ...] = ()

    def of(self, change: str) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.change == change)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _compare(old: Any, new: Any, skip: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """Names of wording fields that differ, and 'field: old -> new' for the others."""
    wording, changed = [], []
    for field in attrs.fields(type(old)):
        if field.name in skip or field.name == "id":
            continue
        before, after = getattr(old, field.name), getattr(new, field.name)
        if before == after:
            continue
        if field.name in _WORDING:
            wording.append(field.name)
        else:
            changed.append(f"{field.name}: {_short(before)} -> {_short(after)}")
    return wording, changed


def _by_id(
    part: str, old: Sequence[Any], new: Sequence[Any], skip: Iterable[str] = ()
) -> list[Change]:
    before = {item.id: item for item in old}
    after = {item.id: item for item in new}
    changes = []
    for item_id, item in before.items():
        if item_id not in after:
            changes.append(Change(change="removed", part=part, id=item_id, detail=_label(item)))
    for item_id, item in after.items():
        if item_id not in before:
            changes.append(Change(change="added", part=part, id=item_id, detail=_label(item)))
            continue
        wording, changed = _compare(before[item_id], item, skip)
        if changed:
            changes.append(
                Change(change="changed", part=part, id=item_id, detail="; ".join(changed))
            )
        elif wording:
            changes.append(
                Change(change="reworded", part=part, id=item_id, detail=", ".join(wording))
            )
    return changes


def _label(item: Any) -> str:
    return str(getattr(item, "title", "") or getattr(item, "text", "") or "")


def diff(old: Framework, new: Framework) -> FrameworkDiff:
    """What changed from ``old`` to ``new`` (two versions of one framework).

    Criteria are matched by id across sections, so a criterion moved to
    another section shows as changed, not as removed and added.
    """
    if old.id != new.id:
        raise ValidationError(
            [
                Problem(
                    f"these are two different frameworks ({old.id!r} and {new.id!r})",
                    "id",
                    code="wrong-framework",
                )
            ]
        )
    changes: list[Change] = []
    wording, changed = _compare(
        old,
        new,
        skip=("version", "contexts", "scales", "evidence_types", "outcome_sets", "sections",
              "decision"),
    )  # fmt: skip
    if wording:
        changes.append(
            Change(change="reworded", part="framework", id=old.id, detail=", ".join(wording))
        )
    changes += [Change(change="changed", part="framework", id=old.id, detail=c) for c in changed]
    changes += _by_id("context", old.contexts, new.contexts)
    changes += _by_id("scale", old.scales, new.scales)
    changes += _by_id("evidence type", old.evidence_types, new.evidence_types)
    changes += _by_id("outcome set", old.outcome_sets, new.outcome_sets)
    changes += _by_id("section", old.sections, new.sections, skip=("criteria",))
    old_home = {c.id: s.id for s, c in old.iter_criteria()}
    new_home = {c.id: s.id for s, c in new.iter_criteria()}
    criteria = _by_id(
        "criterion", [c for _, c in old.iter_criteria()], [c for _, c in new.iter_criteria()]
    )
    for crit_id in old_home.keys() & new_home.keys():
        if old_home[crit_id] != new_home[crit_id]:
            criteria.append(
                Change(
                    change="changed",
                    part="criterion",
                    id=crit_id,
                    detail=f"moved from section {old_home[crit_id]!r} to {new_home[crit_id]!r}",
                )
            )
    changes += criteria
    _, policy = _compare(old.decision, new.decision, skip=("rules",))
    changes += [Change(change="changed", part="decision", id="decision", detail=c) for c in policy]
    changes += _by_id("rule", old.decision.rules, new.decision.rules)
    if [r.id for r in old.decision.rules if r.id in {n.id for n in new.decision.rules}] != [
        r.id for r in new.decision.rules if r.id in {o.id for o in old.decision.rules}
    ]:
        changes.append(Change(change="changed", part="rule", id="", detail="rules reordered"))
    return FrameworkDiff(
        framework=old.id,
        old_version=old.version,
        new_version=new.version,
        changes=tuple(changes),
    )


# -- re-scoring ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Case:
    """One past submission (and its review) to re-assess; ``label`` names it in the output."""

    label: str
    submission: Submission
    review: Review | None = None
    as_of: dt.date | None = None


#: The code of a rescored case's problem when a plugin (or qmframe) failed on it.
PLUGIN_FAILURE = "plugin-failure"


@attrs.frozen(kw_only=True)
class Rescored:
    """One case under the old and the new version, and why its decision would change.

    ``problems`` is set (and the new fields empty) when the case cannot be
    assessed under the new version at all.
    """

    label: str
    organisation: str
    old_status: str
    new_status: str
    old_passed: bool
    new_passed: bool
    reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.problems) or (self.old_status, self.old_passed) != (
            self.new_status,
            self.new_passed,
        )


def adapt(
    submission: Submission, review: Review | None, new: Framework
) -> tuple[Submission, Review | None, tuple[str, ...]]:
    """A submission and review restated for ``new``: references to retired parts dropped.

    Ratings, judgements and evidence links that name a criterion, section or
    outcome the new version no longer has are left out, and each omission is
    noted, so a re-assessment judges only what the new version asks about.
    """
    index = FrameworkIndex.build(new)
    notes: list[str] = []
    gone = sorted(
        {r.target for r in submission.ratings if r.target not in index.targets}
        | {j.target for j in (review.judgements if review else ()) if j.target not in index.targets}
    )
    if gone:
        notes.append(f"ratings and judgements of retired parts ignored: {', '.join(gone)}")
    evidence = tuple(
        attrs.evolve(
            item,
            criteria=tuple(c for c in item.criteria if c in index.targets),
            outcomes=tuple(o for o in item.outcomes if index.outcome_known(o)),
        )
        for item in submission.evidence
    )
    actions = tuple(
        attrs.evolve(a, criteria=tuple(c for c in a.criteria if c in index.targets))
        for a in submission.actions
    )
    adapted = attrs.evolve(
        submission,
        framework_version=new.version,
        ratings=tuple(r for r in submission.ratings if r.target in index.targets),
        evidence=evidence,
        actions=actions,
    )
    new_review = None
    if review is not None:
        new_review = attrs.evolve(
            review,
            framework_version=new.version,
            judgements=tuple(j for j in review.judgements if j.target in index.targets),
        )
    return adapted, new_review, tuple(notes)


def _reasons(old: Decision, new: Decision) -> tuple[str, ...]:
    """Why two decisions differ, rule by rule, then target by target."""
    reasons = []
    before = {r.rule: r for r in old.explanation}
    after = {r.rule: r for r in new.explanation}
    for rule_id, outcome in after.items():
        title = outcome.title or rule_id
        if rule_id not in before:
            if outcome.effect in ("require", "veto") and not outcome.holds:
                reasons.append(f"new rule {rule_id!r} ({title}) fails: {outcome.concluded}")
            continue
        if before[rule_id].holds != outcome.holds and outcome.effect in ("require", "veto"):
            now = "now holds" if outcome.holds else "now fails"
            reasons.append(f"rule {rule_id!r} ({title}) {now}: {outcome.concluded}")
    for rule_id, outcome in before.items():
        if rule_id not in after and not outcome.holds and outcome.effect in ("require", "veto"):
            reasons.append(f"rule {rule_id!r} ({outcome.title or rule_id}), which failed, is gone")
    was = {(u.rule, u.target) for u in old.unmet}
    for unmet in new.unmet:
        if (unmet.rule, unmet.target) not in was and unmet.target:
            reasons.append(f"newly unmet: {unmet.target} ({unmet.title}): {unmet.reason}")
    return tuple(reasons)


def rescore(
    old: Framework,
    new: Framework,
    cases: Iterable[Case],
    *,
    registry: Registry,
    progress: Callable[[int], None] | None = None,
) -> list[Rescored]:
    """Each case decided under ``old`` and again under ``new``, with the reasons for any change.

    ``progress`` is called with the number of cases done after each one.
    The decision date of each case stays what it was (its ``as_of``, else
    its review's date, else its submission's), so only the version differs.
    """
    old_assessor, new_assessor = registry.assessor(old), registry.assessor(new)
    out = []
    for done, case in enumerate(cases, start=1):
        as_of = (
            case.as_of
            or (case.review.reviewed_on if case.review is not None else None)
            or case.submission.submitted_on
            or dt.date.today()
        )
        before = old_assessor.assess(case.submission, case.review, as_of=as_of)
        out.append(_rescore_one(before, new_assessor, case.label, case.submission, case.review))
        if progress is not None:
            progress(done)
    return out


def _rescore_one(
    before: Decision,
    new_assessor: Assessor,
    label: str,
    submission: Submission,
    review: Review | None,
) -> Rescored:
    """One case, decided under the old version as ``before``, decided again under the new."""
    submission, review, notes = adapt(submission, review, new_assessor.framework)
    # The same checks as every decision: a case the new version cannot take is reported, and
    # so is a plugin failing on it (named), without stopping the other cases.
    try:
        problems = [p for p in new_assessor.check(submission, review) if p.severity == "error"]
        after = None if problems else new_assessor.assess(submission, review, as_of=before.as_of)
    except PluginError as exc:
        problems, after = [Problem(str(exc), code=PLUGIN_FAILURE)], None
    if after is None:
        return Rescored(
            label=label,
            organisation=before.organisation,
            old_status=before.status,
            new_status="",
            old_passed=before.passed,
            new_passed=False,
            notes=notes,
            problems=tuple(problems),
        )
    return Rescored(
        label=label,
        organisation=before.organisation,
        old_status=before.status,
        new_status=after.status,
        old_passed=before.passed,
        new_passed=after.passed,
        reasons=_reasons(before, after),
        notes=notes,
    )


@attrs.frozen
class RescoreFiles:
    """The map step of ``qmframe rescore``: a batch :class:`~qmframe.batch.Case` in, its result out.

    ``old`` and ``new`` are framework ids or files, loaded once per process
    (see :class:`qmframe.batch.Assess`). A case whose files cannot be read or
    that fails the checks under the old version is a :class:`Rescored` with
    its ``problems`` and no ``old_status``; nothing stops the other cases.
    """

    old: str
    new: str
    #: The two framework files' stamps when the rescore began (see
    #: :attr:`qmframe.batch.Assess.stamp`): given, a case meeting a changed file is a problem.
    stamps: tuple[tuple[int, int] | None, tuple[int, int] | None] | None = None

    def __call__(self, case: BatchCase) -> Rescored:
        from qmframe.batch import _decide, assessor_for, framework_stamp

        if self.stamps is not None and (
            (framework_stamp(self.old), framework_stamp(self.new)) != self.stamps
        ):
            message = (
                "a framework file changed while the rescore ran; run it again so that "
                "every case is rescored under the same two frameworks"
            )
            return Rescored(
                label=case.label,
                organisation="",
                old_status="",
                new_status="",
                old_passed=False,
                new_passed=False,
                problems=(Problem(message, code="framework-changed"),),
            )
        old_assessor, new_assessor = assessor_for(self.old), assessor_for(self.new)
        outcome, submission, review = _decide(old_assessor, case)
        if outcome.decision is None or submission is None:
            problems = outcome.problems or (Problem(outcome.error, code=PLUGIN_FAILURE),)
            return Rescored(
                label=case.label,
                organisation="",
                old_status="",
                new_status="",
                old_passed=False,
                new_passed=False,
                problems=tuple(problems),
            )
        return _rescore_one(outcome.decision, new_assessor, case.label, submission, review)
