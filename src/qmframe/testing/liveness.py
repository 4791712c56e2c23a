"""Rule liveness and the sensitivity of required items: do the rules decide anything?

A lenient rule is the mistake a framework author makes most: a veto that can
never fail, a level set so low that nothing is below it, a rule another rule
always overrules. Random cases rarely show it. This module starts from
*passing* cases and tries the inputs each rule reads (its kind says which,
through :meth:`qmframe.RuleKind.reads`), nearest changes first:

liveness
    For every ``require`` and ``veto`` rule, and every rule an award level
    above the lowest names, a pair of cases differing only in that rule's
    inputs where the rule decides the outcome: the same variant with the rule
    only informing (turned into ``inform`` and named by no award level) would
    be decided differently, in its status or in the award level reached. A
    rule is reported **dead** (it holds for every value of what it reads, or,
    for a rule of an award level, fails for every value so the level is never
    reached) or **shadowed** (whenever it fails, other rules fail too, and its
    failing changes nothing; the report names them) only when the enumeration
    proves it. Otherwise it is **live** (with the witness) or, when the search
    ran out of budget without an answer, **undecided**. Each award level above
    the lowest gets a verdict too: live when one of the rules it adds to the
    level below is (with that rule's witness), dead when it adds none, when
    they all hold whatever they read or when one can never hold, shadowed
    when each is dead or shadowed.
sensitivity
    For every ``require`` and ``veto`` rule that demands something of each
    item (a minimum level, a piece of evidence), lowering any one applicable
    item of a passing case just below the demand must remove the award; for a
    rule an award level names, lowering it in a case that reaches that level
    must lower the award level reached.

What "every value" means: each level of each target the rule reads, on that
target's scale, and "not applicable" where the framework allows it; each
evidence item of a type it reads present or absent; any number of the open
actions kept; each organisation kind and context of the framework, and each
linked organisation present or absent; for a rule that reads "anything
else", the submission's ``previous_award`` given or taken away. Targets are
never left unjudged: every rule that reads a target fails on one nobody
judged, so a rule that could fail only that way is reported dead. Evidence
and actions are only ever taken away, which covers every failure of a
monotone kind (fewer is never better);
for a kind that is not monotone, or one that reads more than the kit can try
(free-text details, anything else), "dead" cannot be proven and such a rule
is at worst undecided.

Nothing here needs hypothesis; :mod:`qmframe.testing.invariants` wraps both as
properties over generated cases.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs

from qmframe.decision import Decision
from qmframe.errors import ValidationError
from qmframe.framework import AwardLevel, Framework, Rule
from qmframe.index import FrameworkIndex
from qmframe.plugins import Registry
from qmframe.rules import Demand, Reads
from qmframe.submission import EvidenceItem
from qmframe.testing.edits import (
    AssessmentCase,
    decided_levels,
    drop_actions,
    drop_evidence,
    mark_not_applicable,
    open_actions,
    outcome_of,
    set_level,
    set_organisation,
)

__all__ = [
    "DEFAULT_BUDGET",
    "VERDICTS",
    "Liveness",
    "LivenessReport",
    "SensitivityFailure",
    "Witness",
    "deciding_rules",
    "informing",
    "level_of_rule",
    "lowered",
    "rule_liveness",
    "sensitivity",
]

#: The verdicts :func:`rule_liveness` gives a rule.
VERDICTS = ("live", "dead", "shadowed", "undecided")
#: Variants tried per rule and base case before the search gives up.
DEFAULT_BUDGET = 2000
_DECIDING = ("require", "veto")
_NA = "(not applicable)"
#: The base value of a target that does not apply to the organisation and was not judged.
_UNJUDGED = "(not judged)"
#: At most this many targets that may be marked not applicable are tried in every pattern.
_MAX_NA_PATTERN = 8
#: At most this many lowest-input variants are tried to prove a monotone rule dead.
_MAX_BOTTOMS = 1024


def deciding_rules(framework: Framework) -> list[Rule]:
    """The rules that decide an outcome, in order.

    The ``require`` and ``veto`` rules (they decide the status), then every
    rule an award level above the lowest names (it decides the award level
    reached; see :func:`level_of_rule`).
    """
    return [
        r
        for r in framework.decision.rules
        if r.effect in _DECIDING or level_of_rule(framework, r.id)
    ]


def level_of_rule(framework: Framework, rule_id: str) -> str:
    """The lowest award level that names rule ``rule_id`` ('' when none does).

    Failing such a rule keeps a decision below that level.
    """
    for level in framework.award_levels[1:]:
        if rule_id in level.rules:
            return level.id
    return ""


def _rank(framework: Framework, level_id: str) -> int:
    """The position of an award level, lowest first (-1 for '', no level)."""
    ids = [lv.id for lv in framework.award_levels]
    return ids.index(level_id) if level_id in ids else -1


def _relevant(framework: Framework, rule_id: str) -> frozenset[str]:
    """The rules whose failing also keeps a decision from what ``rule_id`` decides.

    For a ``require`` or ``veto`` rule, the others of those; for a rule of an
    award level, those and every rule of that level and the levels below.
    """
    out = {r.id for r in framework.decision.rules if r.effect in _DECIDING}
    level = level_of_rule(framework, rule_id)
    if level:
        for award_level in framework.award_levels[: _rank(framework, level) + 1]:
            out.update(award_level.rules)
    return frozenset(out - {rule_id})


@attrs.frozen(kw_only=True)
class Witness:
    """A passing case and a variant of it, differing only in what one rule reads.

    ``changes`` says what differs; in ``base`` the rule holds, in the
    variant it fails and the outcome (``status`` and ``award_level``) is not
    what it would be with the rule only informing (``without`` and
    ``without_level``).
    """

    base: AssessmentCase
    variant: AssessmentCase
    changes: tuple[str, ...]
    status: str
    without: str
    decision: Decision
    award_level: str = ""
    without_level: str = ""

    def describe(self) -> str:
        changing = f"changing {'; '.join(self.changes) or 'nothing'}"
        if self.status == self.without:
            return (
                f"{changing} gives award level {self.award_level or '(none)'!r} "
                f"(with the rule only informing: {self.without_level or '(none)'!r})"
            )
        return f"{changing} gives {self.status!r} (with the rule only informing: {self.without!r})"


@attrs.frozen(kw_only=True)
class Liveness:
    """What the enumeration found for one rule.

    ``verdict`` is one of :data:`VERDICTS`; ``witness`` is set for a live
    rule; ``shadowed_by`` names the rules that failed with it (for a shadowed
    rule); ``tried`` counts the variants assessed and ``refused`` those the
    checks refused; ``note`` says why a rule is dead, shadowed or undecided.
    ``award_level`` is the award level the rule decides ('' for a ``require``
    or ``veto`` rule). ``constant`` says, for a dead rule, whether it
    ``holds`` or ``fails`` whatever it reads. The same class reports on an
    award level: then ``rule`` is the level's id and ``effect`` is
    ``award-level``.
    """

    rule: str
    effect: str
    verdict: str
    witness: Witness | None = None
    shadowed_by: tuple[str, ...] = ()
    tried: int = 0
    refused: int = 0
    note: str = ""
    award_level: str = ""
    constant: str = ""

    def describe(self) -> str:
        if self.effect == "award-level":
            head = f"award level {self.rule!r}: {self.verdict}"
        else:
            head = f"{self.rule} ({self.effect}): {self.verdict}"
        if self.witness is not None and self.effect != "award-level":
            return f"{head}: {self.witness.describe()}"
        return f"{head}: {self.note}" if self.note else head


@attrs.frozen(kw_only=True)
class LivenessReport:
    """Liveness of every deciding rule of one framework, and of each award level above the lowest.

    ``by_verdict`` lists rules and award levels alike.
    """

    framework: str
    rules: tuple[Liveness, ...]
    bases: int
    levels: tuple[Liveness, ...] = ()

    def by_verdict(self, verdict: str) -> list[Liveness]:
        return [r for r in (*self.rules, *self.levels) if r.verdict == verdict]

    def of(self, rule_id: str) -> Liveness:
        return next(r for r in self.rules if r.rule == rule_id)

    def of_level(self, level_id: str) -> Liveness:
        return next(r for r in self.levels if r.rule == level_id)

    @property
    def ok(self) -> bool:
        """No rule or award level proven dead or shadowed."""
        return not self.by_verdict("dead") and not self.by_verdict("shadowed")

    def describe(self) -> str:
        lines = [f"rule liveness of {self.framework!r} from {self.bases} passing case(s):"]
        lines += [f"  {r.describe()}" for r in (*self.rules, *self.levels)]
        return "\n".join(lines)


# -- the inputs a rule reads -------------------------------------------------------------------


@attrs.frozen
class _Variable:
    """One input of a rule: what it is, its value in the base case and the other values.

    ``what`` is ``level`` (of target ``key``), ``evidence`` (item ``key``
    present), ``actions`` (how many of the open actions ``ids`` are kept),
    ``kind``, ``context``, ``linked`` (key ``key``), ``detail`` (key ``key``)
    or ``previous`` (the submission's ``previous_award``).
    """

    what: str
    key: str
    order: int  # edits apply in this order: levels, then not applicable, then the rest
    base: Any
    values: tuple[Any, ...]
    #: The worst value for a monotone rule (None: the input has no such order).
    lowest: Any = None
    ids: tuple[str, ...] = ()


def _apply_one(
    case: AssessmentCase, variable: _Variable, value: Any, index: FrameworkIndex
) -> AssessmentCase:
    what, key = variable.what, variable.key
    if what == "level":
        if value == _NA:
            return mark_not_applicable(case, key, index=index)
        return set_level(case, key, str(value), index=index)
    if what == "evidence":
        return case if value else drop_evidence(case, [key])
    if what == "link":
        return case if value else _unlink(case, key, *variable.ids)
    if what == "actions":
        return drop_actions(case, variable.ids[int(value) :])
    if what in ("kind", "context"):
        return set_organisation(case, **{what: value})
    if what == "linked":
        return _relink(case, key, str(value))
    if what == "previous":
        return attrs.evolve(
            case, submission=attrs.evolve(case.submission, previous_award=str(value))
        )
    return case if value else _drop_detail(case, key)


def _describe_one(variable: _Variable, value: Any) -> str:
    what, key = variable.what, variable.key
    if what == "level":
        return f"{key!r} marked not applicable" if value == _NA else f"{key!r} at {value!r}"
    if what == "evidence":
        return f"evidence {key!r} removed"
    if what == "link":
        return f"evidence {key!r} no longer for {variable.ids[0]} {variable.ids[1]!r}"
    if what == "actions":
        return f"{value} of {len(variable.ids)} open actions kept"
    if what == "kind":
        return f"organisation kind {value!r}"
    if what == "context":
        return f"context {value!r}"
    if what == "linked":
        if value == "removed":
            return f"linked {key!r} removed"
        return f"linked {key!r} names the organisation itself"
    if what == "previous":
        return f"previous_award {value!r}" if value else "previous_award removed"
    return f"detail {key!r} removed"


def _restricted(index: FrameworkIndex, target: str) -> bool:
    applicability = index.targets[target].applicability
    return bool(applicability.contexts or applicability.organisation_kinds)


def _read_targets(reads: Reads, index: FrameworkIndex) -> list[str]:
    if reads.targets is None:
        return list(index.targets)
    return [t for t in index.targets if t in reads.targets]


def _target_variables(
    case: AssessmentCase, decision: Decision, reads: Reads, index: FrameworkIndex
) -> list[_Variable]:
    org = case.submission.organisation
    levels = decided_levels(decision)
    not_applicable = {d.target for d in decision.levels if d.source == "not-applicable"}
    read = _read_targets(reads, index)
    # When the organisation can change, a target that does not apply to it now may.
    org_varies = reads.organisation or any(_restricted(index, t) for t in read)
    out = []
    for target_id in read:
        target = index.targets[target_id]
        if target.scale is None or not target.scale.levels:
            continue
        if not target.applicability.applies(org.context, org.kind):
            if not org_varies:
                continue  # it does not count for this organisation whatever its level
            base = levels.get(target_id, _UNJUDGED)
        elif target_id not in levels and target_id not in not_applicable:
            continue  # nobody judged it in the base case: the kit leaves it so
        else:
            base = levels.get(target_id, _NA)
        values = [lv.id for lv in target.scale.levels]
        if target.not_applicable_allowed:
            values.append(_NA)
        out.append(
            _Variable(
                what="level",
                key=target_id,
                order=1 if target.kind == "section" else 2,
                base=base,
                values=tuple(v for v in values if v != base),
                lowest=target.scale.levels[0].id,
            )
        )
    return out


def _variables(
    case: AssessmentCase, decision: Decision, reads: Reads, index: FrameworkIndex
) -> list[_Variable]:
    out = _target_variables(case, decision, reads, index)
    types = reads.evidence_types
    read = [e for e in case.submission.evidence if types is None or e.type in types]
    out += [
        _Variable(what="evidence", key=item.id, order=4, base=True, values=(False,), lowest=False)
        for item in read
    ]
    # Then each of those items' links, one at a time: an item can cover an outcome without
    # the criterion it supports, and the other way round.
    for item in read:
        links = [("criterion", c) for c in item.criteria] + [("outcome", o) for o in item.outcomes]
        if len(links) > 1:
            out += [
                _Variable(
                    what="link",
                    key=item.id,
                    order=3,
                    base=True,
                    values=(False,),
                    lowest=False,
                    ids=(how, linked),
                )
                for how, linked in links
            ]
    if reads.actions:
        open_ids = tuple(open_actions(case))
        if open_ids:
            out.append(
                _Variable(
                    what="actions",
                    key="",
                    order=5,
                    base=len(open_ids),
                    values=tuple(range(len(open_ids))),
                    lowest=0,
                    ids=open_ids,
                )
            )
    if reads.organisation:
        out += _organisation_variables(case)
    elif any(_restricted(index, t) for t in _read_targets(reads, index)):
        # Which targets apply depends on the organisation's kind and context.
        out += [v for v in _organisation_variables(case) if v.what in ("kind", "context")]
    if reads.details is None or reads.details:
        out += [
            _Variable(what="detail", key=key, order=7, base=True, values=(False,))
            for key in sorted(case.submission.details)
            if reads.details is None or key in reads.details
        ]
    if reads.other:
        # Of "anything else", the one a renewal turns on: an award renewed, or none.
        previous = case.submission.previous_award
        made = f"{case.framework.id}-{case.submission.organisation.id}-previous"
        out.append(
            _Variable(
                what="previous", key="", order=7, base=previous, values=("" if previous else made,)
            )
        )
    return out


def _unlink(case: AssessmentCase, item_id: str, how: str, linked: str) -> AssessmentCase:
    def cut(item: EvidenceItem) -> EvidenceItem:
        if item.id != item_id:
            return item
        if how == "criterion":
            return attrs.evolve(item, criteria=tuple(c for c in item.criteria if c != linked))
        return attrs.evolve(item, outcomes=tuple(o for o in item.outcomes if o != linked))

    evidence = tuple(cut(e) for e in case.submission.evidence)
    return attrs.evolve(case, submission=attrs.evolve(case.submission, evidence=evidence))


def _drop_detail(case: AssessmentCase, key: str) -> AssessmentCase:
    details = {k: v for k, v in case.submission.details.items() if k != key}
    return attrs.evolve(case, submission=attrs.evolve(case.submission, details=details))


def _organisation_variables(case: AssessmentCase) -> list[_Variable]:
    fw, org = case.framework, case.submission.organisation
    out = []
    kinds = tuple(k for k in fw.organisation_kinds if k != org.kind)
    if kinds:
        out.append(_Variable(what="kind", key="", order=6, base=org.kind, values=kinds))
    contexts = tuple(c.id for c in fw.contexts if c.id != org.context)
    if contexts:
        out.append(_Variable(what="context", key="", order=6, base=org.context, values=contexts))
    out += [
        _Variable(what="linked", key=key, order=6, base="kept", values=("removed", "itself"))
        for key in sorted(org.linked)
    ]
    return out


def _relink(case: AssessmentCase, key: str, how: str) -> AssessmentCase:
    org = case.submission.organisation
    linked = {k: v for k, v in org.linked.items() if k != key}
    if how == "itself":
        linked[key] = org.id
    elif how == "kept":
        linked[key] = org.linked[key]
    return set_organisation(case, linked=linked)


def _finite(reads: Reads) -> bool:
    """Whether everything the rule reads is among the variables the kit tries."""
    return not reads.other and not reads.organisation and reads.details == frozenset()


def _dead_provable(reads: Reads, monotone: bool) -> bool:
    """Whether trying every variable proves that a rule which never failed cannot fail.

    Evidence and actions are only ever taken away, which reaches every failure
    of a monotone kind; linked organisations' names and free text cannot all be tried.
    """
    no_evidence = reads.evidence_types == frozenset() and not reads.actions
    return _finite(reads) and (monotone or no_evidence)


def _shadow_provable(reads: Reads) -> bool:
    """Whether trying every variable proves a rule shadowed: it reads levels alone.

    Evidence a rule reads could be linked in ways the base case does not
    show, so for such a rule "it always fails with another" is not proven.
    """
    return _finite(reads) and reads.evidence_types == frozenset() and not reads.actions


# -- searching ---------------------------------------------------------------------------------


def _apply(
    base: AssessmentCase,
    variables: Sequence[_Variable],
    choice: Sequence[tuple[int, Any]],
    index: FrameworkIndex,
) -> tuple[AssessmentCase, tuple[str, ...]]:
    case = base
    # Levels first, sections before criteria, "not applicable" last: a section marked
    # not applicable then takes its criteria with it.
    ordered = sorted(choice, key=lambda pv: (pv[1] == _NA, variables[pv[0]].order))
    changes = []
    for position, value in ordered:
        variable = variables[position]
        case = _apply_one(case, variable, value, index)
        changes.append(_describe_one(variable, value))
    return case, tuple(changes)


def _product_size(variables: Sequence[_Variable]) -> int:
    size = 1
    for variable in variables:
        size *= 1 + len(variable.values)
    return size


def _by_distance(variables: Sequence[_Variable]) -> Iterator[tuple[tuple[int, Any], ...]]:
    """Every assignment differing from the base, fewest changed variables first."""
    for k in range(1, len(variables) + 1):
        for positions in itertools.combinations(range(len(variables)), k):
            for values in itertools.product(*(variables[p].values for p in positions)):
                yield tuple(zip(positions, values, strict=True))


def _unjudged(case: AssessmentCase, decision: Decision, reads: Reads) -> frozenset[str]:
    """Read targets that apply to the organisation and have no level (and are not N/A)."""
    index = FrameworkIndex.build(case.framework)
    org = case.submission.organisation
    settled = {d.target for d in decision.levels if d.level or d.source == "not-applicable"}
    return frozenset(
        t
        for t in _read_targets(reads, index)
        if index.targets[t].scale is not None
        and index.targets[t].applicability.applies(org.context, org.kind)
        and t not in settled
    )


def _decide(registry: Registry, case: AssessmentCase) -> Decision | None:
    try:
        return registry.assessor(case.framework).assess(
            case.submission, case.review, as_of=case.as_of
        )
    except ValidationError:
        return None


def _holds(decision: Decision, rule_id: str) -> bool:
    return next(o.holds for o in decision.explanation if o.rule == rule_id)


def _failing(decision: Decision, relevant: frozenset[str]) -> frozenset[str]:
    return frozenset(o.rule for o in decision.explanation if o.rule in relevant and not o.holds)


def informing(framework: Framework, rule_id: str) -> Framework:
    """``framework`` with rule ``rule_id`` only informing.

    The rule is turned into an ``inform`` rule and taken out of every award
    level that names it, so it decides neither the status nor an award level.
    """
    rules = tuple(
        attrs.evolve(r, effect="inform", status="") if r.id == rule_id else r
        for r in framework.decision.rules
    )
    levels = tuple(
        attrs.evolve(lv, rules=tuple(r for r in lv.rules if r != rule_id))
        for lv in framework.award_levels
    )
    return attrs.evolve(
        framework,
        decision=attrs.evolve(framework.decision, rules=rules),
        award_levels=levels,
    )


@attrs.define
class _Search:
    tried: int = 0
    refused: int = 0
    failed_with: list[frozenset[str]] = attrs.Factory(list)
    complete: bool = False
    witness: Witness | None = None
    #: Whether the rule held in any case tried (the base included).
    held: bool = False
    #: Whether it failed, deciding the outcome, in a case no holding case was found for yet.
    decided: bool = False


def _changes(
    variables: Sequence[_Variable],
    holding: Sequence[tuple[int, Any]],
    failing: Sequence[tuple[int, Any]],
) -> tuple[str, ...]:
    """What differs from the holding case to the failing one, in the order the edits apply."""
    before, after = dict(holding), dict(failing)
    changed = []
    for position in sorted(set(before) | set(after)):
        value = after.get(position, variables[position].base)
        if before.get(position, variables[position].base) != value:
            changed.append((position, value))
    ordered = sorted(changed, key=lambda pv: (pv[1] == _NA, variables[pv[0]].order))
    return tuple(_describe_one(variables[p], v) for p, v in ordered)


def _search(
    registry: Registry,
    rule: Rule,
    base: AssessmentCase,
    base_decision: Decision,
    reads: Reads,
    without: Framework,
    budget: int,
    relevant: frozenset[str],
) -> _Search:
    """Variants of ``base`` nearest first, until one where the rule fails and decides.

    The witness pairs that variant with a case where the rule holds: the base
    when it holds there (always, for a ``require`` or ``veto`` rule of a
    passing case), else the first variant found where it does.
    """
    index = FrameworkIndex.build(base.framework)
    variables = _variables(base, base_decision, reads, index)
    found = _Search(complete=_product_size(variables) - 1 <= budget)
    unjudged = _unjudged(base, base_decision, reads)
    holding: tuple[tuple[int, Any], ...] | None = None
    pending: tuple[tuple[tuple[int, Any], ...], AssessmentCase, Decision, tuple[str, str]] | None
    pending = None

    def consider(
        choice: tuple[tuple[int, Any], ...], variant: AssessmentCase, decision: Decision
    ) -> bool:
        """Whether the witness is complete after looking at one assessed variant."""
        nonlocal holding, pending
        if _holds(decision, rule.id):
            found.held = True
            if holding is None:
                holding = choice
            return pending is not None
        counterfactual = _decide(registry, attrs.evolve(variant, framework=without))
        if counterfactual is not None and outcome_of(decision) != outcome_of(counterfactual):
            if pending is None:
                pending = (choice, variant, decision, outcome_of(counterfactual))
            return holding is not None
        found.failed_with.append(_failing(decision, relevant))
        return False

    def witness() -> Witness:
        assert holding is not None
        assert pending is not None
        choice, variant, decision, (other, other_level) = pending
        status, level = outcome_of(decision)
        holding_case = _apply(base, variables, holding, index)[0] if holding else base
        return Witness(
            base=holding_case,
            variant=variant,
            changes=_changes(variables, holding, choice),
            status=status,
            without=other,
            decision=decision,
            award_level=level,
            without_level=other_level,
        )

    if consider((), base, base_decision):
        found.witness = witness()
        return found
    for choice in _by_distance(variables):
        if found.tried >= budget:
            break
        variant, _ = _apply(base, variables, choice, index)
        found.tried += 1
        decision = _decide(registry, variant)
        if decision is None:
            found.refused += 1
            continue
        if _unjudged(variant, decision, reads) - unjudged:
            continue  # a target newly applies and nobody judged it: not a variant the kit tries
        if consider(choice, variant, decision):
            found.witness = witness()
            return found
    found.decided = pending is not None
    return found


def _na_patterns(variables: Sequence[_Variable]) -> list[tuple[int, ...]] | None:
    """Every set of the not-applicable-capable variables (None: too many to try)."""
    capable = [i for i, v in enumerate(variables) if _NA in v.values or v.base == _NA]
    if len(capable) > _MAX_NA_PATTERN:
        return None
    return [combo for k in range(len(capable) + 1) for combo in itertools.combinations(capable, k)]


def _dead_by_monotonicity(
    registry: Registry,
    rule: Rule,
    base: AssessmentCase,
    base_decision: Decision,
    reads: Reads,
) -> tuple[bool, int]:
    """Whether a monotone rule holds at the bottom of every input, for every N/A pattern.

    Inputs with no worst value (the organisation's kind and context, which
    decide which targets apply) are tried at every value.
    """
    index = FrameworkIndex.build(base.framework)
    variables = _variables(base, base_decision, reads, index)
    patterns = _na_patterns(variables)
    unordered = [i for i, v in enumerate(variables) if v.lowest is None]
    combos = list(
        itertools.product(*((variables[i].base, *variables[i].values) for i in unordered))
    )
    if patterns is None or len(patterns) * len(combos) > _MAX_BOTTOMS:
        return False, 0
    tried = 0
    unjudged = _unjudged(base, base_decision, reads)
    for pattern in patterns:
        for combo in combos:
            choice: list[tuple[int, Any]] = []
            for i, variable in enumerate(variables):
                if i in unordered:
                    value: Any = combo[unordered.index(i)]
                else:
                    value = _NA if i in pattern else variable.lowest
                if value != variable.base:
                    choice.append((i, value))
            variant, _ = _apply(base, variables, choice, index)
            tried += 1
            decision = _decide(registry, variant)
            if decision is None or _unjudged(variant, decision, reads) - unjudged:
                return False, tried  # a hole in the proof
            if not _holds(decision, rule.id):
                return False, tried
    return True, tried


def rule_liveness(
    framework: Framework,
    registry: Registry,
    bases: Iterable[AssessmentCase],
    *,
    budget: int = DEFAULT_BUDGET,
    rules: Iterable[str] | None = None,
) -> LivenessReport:
    """Liveness of every deciding rule (see :func:`deciding_rules`) and award level, from ``bases``.

    ``bases`` are cases of ``framework``; those the rules pass (or, without
    the reviewers an award needs, would pass) are started from, the others
    are left out. ``budget`` limits the variants tried per rule and base;
    ``rules`` limits the rules looked at (by id); an award level is reported
    on when every rule it adds to the level below was looked at.
    """
    passing: list[tuple[AssessmentCase, Decision]] = []
    for case in bases:
        case = attrs.evolve(case, framework=framework)
        decision = _decide(registry, case)
        if decision is not None and outcome_of(decision)[0] == framework.decision.pass_status:
            passing.append((case, decision))
    index = FrameworkIndex.build(framework)
    wanted = set(rules) if rules is not None else None
    results = []
    for rule in deciding_rules(framework):
        if wanted is not None and rule.id not in wanted:
            continue
        kind = registry.rule_kinds[rule.kind]
        reads = kind.reads(rule, index)
        results.append(_liveness(registry, rule, reads, kind.monotone, passing, framework, budget))
    by_rule = {r.rule: r for r in results}
    levels = []
    for i, level in enumerate(framework.award_levels[1:], start=1):
        below = framework.award_levels[i - 1]
        own = [r for r in level.rules if level_of_rule(framework, r) == level.id]
        if all(r in by_rule for r in own) and (wanted is None or own):
            levels.append(_level_liveness(level, below, [by_rule[r] for r in own]))
    return LivenessReport(
        framework=framework.id, rules=tuple(results), bases=len(passing), levels=tuple(levels)
    )


def _level_liveness(level: AwardLevel, below: AwardLevel, own: Sequence[Liveness]) -> Liveness:
    """An award level's verdict, from those of the rules it adds to the level below."""

    def made(verdict: str, note: str = "", **fields: Any) -> Liveness:
        return Liveness(
            rule=level.id,
            effect="award-level",
            verdict=verdict,
            award_level=level.id,
            note=note,
            tried=sum(r.tried for r in own),
            refused=sum(r.refused for r in own),
            **fields,
        )

    if not own:
        return made(
            "dead",
            f"it adds no rule to award level {below.id!r}: every decision that reaches that "
            "level reaches this one",
            constant="holds",
        )
    for result in own:
        if result.verdict == "live":
            assert result.witness is not None
            return made(
                "live",
                f"rule {result.rule!r} decides it: {result.witness.describe()}",
                witness=result.witness,
            )
    never = [r.rule for r in own if r.verdict == "dead" and r.constant == "fails"]
    if never:
        return made(
            "dead",
            f"rule {', '.join(never)} fails whatever it reads: the level is never reached",
            constant="fails",
        )
    if all(r.verdict == "dead" for r in own):
        return made(
            "dead",
            f"its rules hold whatever they read: every decision that reaches award level "
            f"{below.id!r} reaches this one",
            constant="holds",
        )
    if all(r.verdict in ("dead", "shadowed") for r in own):
        shadows = sorted({s for r in own for s in r.shadowed_by})
        return made(
            "shadowed",
            "whenever its rules fail, "
            + (f"{', '.join(shadows)} fail too" if shadows else "the outcome is the same"),
            shadowed_by=tuple(shadows),
        )
    undecided = [r.rule for r in own if r.verdict == "undecided"]
    return made("undecided", f"rule {', '.join(undecided)} undecided")


def _liveness(
    registry: Registry,
    rule: Rule,
    reads: Reads,
    monotone: bool,
    passing: Sequence[tuple[AssessmentCase, Decision]],
    framework: Framework,
    budget: int,
) -> Liveness:
    award_level = level_of_rule(framework, rule.id)

    def made(verdict: str, **fields: Any) -> Liveness:
        return Liveness(
            rule=rule.id, effect=rule.effect, verdict=verdict, award_level=award_level, **fields
        )

    if not passing:
        return made("undecided", note="no passing case to start from")
    if award_level:
        # Cases where the rule holds and the levels below are reached come first.
        rank = _rank(framework, award_level)
        passing = sorted(
            passing,
            key=lambda pd: (
                not _holds(pd[1], rule.id),
                _rank(framework, outcome_of(pd[1])[1]) < rank - 1,
            ),
        )
    without = informing(framework, rule.id)
    if monotone and _finite(reads):
        # Cheapest first: a monotone rule that holds with all it reads at its worst never fails.
        base, decision = passing[0]
        dead, tried = _dead_by_monotonicity(registry, rule, base, decision, reads)
        if dead:
            return made(
                "dead",
                tried=tried,
                constant="holds",
                note=(
                    "its kind is monotone and it holds with every input it reads at its "
                    "lowest (lowest levels, no evidence, no open actions)"
                ),
            )
    dead_provable = _dead_provable(reads, monotone)
    shadow_provable = _shadow_provable(reads)
    relevant = _relevant(framework, rule.id)
    tried = refused = 0
    shadow_sets: list[frozenset[str]] = []
    every_base_complete = True
    held = decided = False
    for base, decision in passing:
        found = _search(registry, rule, base, decision, reads, without, budget, relevant)
        tried += found.tried
        refused += found.refused
        if found.witness is not None:
            return made("live", witness=found.witness, tried=tried, refused=refused)
        shadow_sets += found.failed_with
        held = held or found.held
        decided = decided or found.decided
        every_base_complete = every_base_complete and found.complete and not found.refused
    counts: dict[str, Any] = {"tried": tried, "refused": refused}
    if dead_provable and every_base_complete and not shadow_sets and not decided:
        return made(
            "dead", constant="holds", note="it holds for every value of what it reads", **counts
        )
    if award_level and not held and shadow_provable and every_base_complete:
        # Only levels, the organisation's kind and context: every value was tried.
        return made(
            "dead",
            constant="fails",
            note=(
                f"it fails for every value of what it reads, so award level {award_level!r} "
                "is never reached"
            ),
            **counts,
        )
    if shadow_provable and every_base_complete and shadow_sets and not decided:
        common = frozenset.intersection(*shadow_sets)
        named = sorted(common or frozenset.union(*shadow_sets))
        if named:
            how = "each time" if common else "each time, one or more of"
            note = f"whenever it fails, {how} {', '.join(named)} fail too"
        else:
            note = "it fails, but its failing never changes the outcome"
        return made("shadowed", shadowed_by=tuple(named), note=note, **counts)
    note = f"no deciding variant among {tried} tried"
    if decided and not held:
        note += "; its failing decides the award level, but no case tried had it holding"
    elif shadow_sets and not shadow_provable:
        note += (
            "; whenever it failed, other rules failed too, but it reads more than levels, "
            "so it is not proven shadowed"
        )
    elif not dead_provable:
        note += "; what it reads cannot all be tried, so it is not proven dead"
    elif not every_base_complete:
        note += " (the budget ran out before every value was tried)"
    return made("undecided", note=note, **counts)


# -- sensitivity -------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class SensitivityFailure:
    """A required item lowered below its demand, and the decision that still awarded."""

    rule: str
    target: str
    change: str
    case: AssessmentCase
    decision: Decision
    rule_held: bool
    #: For a rule of an award level: that level, which the lowered case still reaches.
    award_level: str = ""

    def describe(self) -> str:
        reached = outcome_of(self.decision)[1]
        if self.award_level:
            stays = f"the award level stays {reached!r}"
            outcome = f"the award level is {reached!r}"
        else:
            stays = "the award stays"
            outcome = f"the decision is {self.decision.status!r}"
        why = (
            f"rule {self.rule!r} still holds: its kind declares a demand it does not enforce"
            if self.rule_held
            else f"rule {self.rule!r} fails, yet {outcome}"
        )
        lines = [f"{self.change}: {stays}. {why}. The explanation:"]
        lines += [f"  {line}" for line in explanation_lines(self.decision)]
        return "\n".join(lines)


def explanation_lines(decision: Decision) -> list[str]:
    """One line per evaluated rule: whether it holds, what it saw and concluded."""
    return [
        f"{'holds' if o.holds else 'FAILS'}  {o.rule} ({o.kind}, {o.effect}): "
        f"saw {o.saw}; concluded {o.concluded}"
        for o in decision.explanation
    ]


def lowered(
    case: AssessmentCase, demand: Demand, index: FrameworkIndex
) -> tuple[AssessmentCase, str] | None:
    """``case`` with ``demand``'s item just below what it demands, and what changed.

    A level demand sets the target to the highest level below it; an
    evidence demand unlinks from the target enough items of one requirement's
    types that one fewer than its minimum remain. None when nothing is below
    the demand (a level demand for the lowest level).
    """
    if demand.level:
        scale = index.targets[demand.target].scale
        if scale is None or demand.level not in scale.level_ids():
            return None
        rank = scale.rank(demand.level)
        if rank == 0:
            return None
        below = scale.levels[rank - 1].id
        return (
            set_level(case, demand.target, below, index=index),
            f"{demand.target!r} lowered to {below!r}, below {demand.level!r}",
        )
    for requirement in demand.evidence:
        linked = [
            e.id
            for e in case.submission.evidence
            if demand.target in e.criteria and e.type in requirement.types
        ]
        keep = max(0, requirement.min_count - 1)
        if len(linked) <= keep:
            continue
        gone = set(linked[keep:])
        evidence = tuple(
            attrs.evolve(e, criteria=tuple(c for c in e.criteria if c != demand.target))
            if e.id in gone
            else e
            for e in case.submission.evidence
        )
        changed = attrs.evolve(case, submission=attrs.evolve(case.submission, evidence=evidence))
        kinds = " or ".join(requirement.types)
        return changed, (
            f"{demand.target!r} left with {keep} of the {requirement.min_count} {kinds} it requires"
        )
    return None


def sensitivity(case: AssessmentCase, registry: Registry) -> tuple[list[SensitivityFailure], int]:
    """Every required item of a passing case lowered in turn; the failures and the count tried.

    For each ``require`` or ``veto`` rule whose kind declares demands (see
    :class:`qmframe.rules.Demand`), each applicable item is lowered just
    below its demand (see :func:`lowered`); the decision must then not be
    the framework's pass status. For each rule an award level names (see
    :func:`level_of_rule`), when the case reaches that level, the same:
    the lowered case must not reach it. A case that does not pass, and a
    lowered case the checks refuse, are skipped.
    """
    fw = case.framework
    before = _decide(registry, case)
    if before is None or outcome_of(before)[0] != fw.decision.pass_status:
        return [], 0
    index = FrameworkIndex.build(fw)
    applicable = {d.target for d in before.levels if d.source != "not-applicable"}
    org = case.submission.organisation
    failures = []
    tried = 0
    reached = _rank(fw, outcome_of(before)[1])
    for rule in deciding_rules(fw):
        award_level = level_of_rule(fw, rule.id)
        if award_level and _rank(fw, award_level) > reached:
            continue  # the case does not reach the level this rule decides
        reads = registry.rule_kinds[rule.kind].reads(rule, index)
        for demand in reads.demands:
            target = index.targets.get(demand.target)
            if target is None or not target.applicability.applies(org.context, org.kind):
                continue
            if demand.level and demand.target not in applicable:
                continue
            if demand.target in {d.target for d in before.levels if d.source == "not-applicable"}:
                continue
            made = lowered(case, demand, index)
            if made is None:
                continue
            changed, change = made
            after = _decide(registry, changed)
            if after is None:
                continue
            tried += 1
            status, level = outcome_of(after)
            kept = status == fw.decision.pass_status and (
                not award_level or _rank(fw, level) >= _rank(fw, award_level)
            )
            if kept:
                failures.append(
                    SensitivityFailure(
                        rule=rule.id,
                        target=demand.target,
                        change=change,
                        case=changed,
                        decision=after,
                        rule_held=_holds(after, rule.id),
                        award_level=award_level,
                    )
                )
    return failures, tried
