"""The built-in rule kinds, registered through ``qmframe_register_rule_kinds``.

Each kind checks its parameters once per framework and returns a plain
function that scores one submission. None of them turns level labels into
numbers, except ``weighted-score``, which needs every level to carry points.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping

from qmframe.decision import Finding
from qmframe.errors import Problem, describe_value
from qmframe.framework import Rule
from qmframe.frozen import is_array
from qmframe.hookspecs import hookimpl
from qmframe.index import FrameworkIndex
from qmframe.rules import (
    AssessmentContext,
    Demand,
    Evaluation,
    Reads,
    RuleKey,
    RuleKind,
    RuleResult,
    Scope,
    level_param,
    resolve_scope,
)

_IF_EMPTY = ("fail", "hold")
_OPEN_ACTIONS = frozenset({"planned", "in-progress"})

# Keys several kinds share, as the file format page lists them.
_SCOPE = RuleKey(
    "scope",
    "table",
    "The criteria or sections the rule looks at: `of` (`criteria` or `sections`), `section` "
    "(an id or a list of them) and `tag`.",
    default="every criterion",
)
_LEVEL = RuleKey(
    "level",
    "string",
    "A level id of the scales in scope; each target must be at or above it.",
    required=True,
)


def _if_empty_key(default: str) -> RuleKey:
    return RuleKey(
        "if_empty",
        "string",
        "What the rule concludes when nothing in its scope applies: `fail` or `hold`.",
        default=f'"{default}"',
    )


def _if_empty(rule: Rule, default: str) -> str | Problem:
    value = rule.params.get("if_empty", default)
    if value not in _IF_EMPTY:
        return Problem(
            f"expected 'fail' or 'hold', got {describe_value(value)}",
            path="if_empty",
            code="wrong-value",
        )
    return str(value)


def _if_empty_setting(rule: Rule, default: str) -> str:
    """The rule's ``if_empty`` (or ``default``), once ``check`` has accepted it."""
    value = _if_empty(rule, default)
    assert isinstance(value, str)
    return value


def _empty_result(scope_text: str, if_empty: str) -> RuleResult:
    holds = if_empty == "hold"
    return RuleResult(
        holds,
        f"nothing to judge: no applicable {scope_text}",
        "holds (the rule is declared to hold when its scope is empty)"
        if holds
        else "does not hold: there is nothing in scope to judge",
    )


def _names_a_scale(index: FrameworkIndex, target: str) -> bool:
    """Whether the target (or, for a criterion, its section) names a scale at all."""
    criterion = index.criteria.get(target)
    section = index.sections.get(index.targets[target].section)
    return bool((criterion is not None and criterion.scale) or (section and section.scale))


def _scope_and_level(
    rule: Rule, index: FrameworkIndex, kind: RuleKind
) -> tuple[Scope, dict[str, int]] | list[Problem]:
    problems = kind.unknown_keys(rule)
    scope = resolve_scope(rule, index)
    if isinstance(scope, list):
        return problems + scope
    need = level_param(rule, index, scope.targets)
    if isinstance(need, list):
        return problems + need
    # A section may have no scale (validation requires one of every criterion); nothing then
    # ever gives it a level, so in this rule it could only ever count as not judged. A
    # scale that is named but unknown is reported where it is named, not again here.
    # level_param ranked every target that has a scale, so only a scope with more targets
    # than ranks (a target without a scale, or an id listed twice) needs looking through:
    # a scope can hold every criterion.
    if len(need) < len(scope.targets):
        for target in scope.targets:
            found = index.targets[target]
            if found.scale is None and not _names_a_scale(index, found.id):
                problems.append(
                    Problem(
                        f"{found.kind} {target!r} has no scale, so it is never judged",
                        "scope",
                        code="missing-value",
                    )
                )
    empty = _if_empty(rule, "fail")
    if isinstance(empty, Problem):
        problems.append(empty)
    return problems or (scope, need)


#: What a per-target rule concludes of one target at one level: its part of the rule's
#: "saw" text, and the finding.
_Verdict = tuple[str, Finding]


def _verdict(target: str, got: str, holds: bool, level: str) -> _Verdict:
    if holds:
        return f"{target}={got}", Finding(target=target, holds=True, level=got)
    return f"{target}={got}", Finding(
        target=target, holds=False, level=got, note=f"{got!r} is below {level!r}"
    )


def _verdicts(
    scope: Scope, need: Mapping[str, int], level: str, ranks: Mapping[str, Mapping[str, int]]
) -> tuple[tuple[str, dict[str, _Verdict]], ...]:
    """Each target in scope with its verdict at every level of its scale, worked out once.

    A target judged at a level always gets the same text and the same
    finding (a frozen value), so a rule makes them when it is prepared and
    each submission only looks them up. Every target in scope has a scale
    (:func:`_scope_and_level` refuses one without) and a level the rule needs.
    """
    return tuple(
        (
            target,
            {
                got: _verdict(target, got, rank >= need[target], level)
                for got, rank in ranks[target].items()
            },
        )
        for target in scope.targets
    )


def _judge(
    ctx: AssessmentContext, rows: tuple[tuple[str, dict[str, _Verdict]], ...]
) -> tuple[list[Finding], list[str], int, int]:
    """Findings per target, the 'saw' parts, and counts (applicable, at or above).

    ``rows`` are the verdicts :func:`_verdicts` worked out when the rule was
    prepared, in scope order. A decided level is always one of its target's
    scale (the checks see to it), so each is in its row.
    """
    findings: list[Finding] = []
    seen: list[str] = []
    applicable = met = 0
    # The frozen map's ``get`` is the dict's own; every level is a string, so None is "not there".
    level_of, not_applicable = ctx.levels.get, ctx.not_applicable
    for target, row in rows:
        if target in not_applicable:
            seen.append(f"{target}=not applicable")
            continue
        applicable += 1
        got = level_of(target)
        if got is None:
            note = ctx.unresolved.get(target, "not judged")
            seen.append(f"{target}={note}")
            findings.append(Finding(target=target, holds=False, note=note))
            continue
        text, finding = row[got]
        seen.append(text)
        findings.append(finding)
        met += finding.holds
    return findings, seen, applicable, met


def _scope_targets(rule: Rule, index: FrameworkIndex, *, allow_sections: bool = True) -> list[str]:
    """The targets of a rule's scope (the rule has checked, so the scope resolves)."""
    scope = resolve_scope(rule, index, allow_sections=allow_sections)
    assert not isinstance(scope, list)
    return list(scope.targets)


def _target_ranks(index: FrameworkIndex, scope: Scope) -> dict[str, Mapping[str, int]]:
    # Plain dict copies, one per scale: read per target per submission. A target without
    # a scale is refused by _scope_and_level, so it never gets here.
    copies = {scale: dict(ranks) for scale, ranks in index.ranks.items()}
    ranks: dict[str, Mapping[str, int]] = {}
    for target in scope.targets:
        scale = index.targets[target].scale
        if scale is not None:
            ranks[target] = copies[scale.id]
    return ranks


class MinimumLevel(RuleKind):
    """Every applicable target in scope is at or above ``level``."""

    name = "minimum-level"
    summary = "every applicable criterion or section in scope is at or above a level"
    keys = (_SCOPE, _LEVEL, _if_empty_key("fail"))

    def check(self, rule: Rule, index: FrameworkIndex) -> list[Problem]:
        resolved = _scope_and_level(rule, index, self)
        return resolved if isinstance(resolved, list) else []

    def prepare(self, rule: Rule, index: FrameworkIndex) -> Evaluation:
        resolved = _scope_and_level(rule, index, self)
        assert not isinstance(resolved, list)
        scope, need = resolved
        level, if_empty = str(rule.params["level"]), _if_empty_setting(rule, "fail")
        rows = _verdicts(scope, need, level, _target_ranks(index, scope))

        def evaluate(ctx: AssessmentContext) -> RuleResult:
            findings, seen, applicable, met = _judge(ctx, rows)
            if not applicable:
                return _empty_result(scope.description, if_empty)
            short = applicable - met
            saw = f"{applicable} applicable {scope.description}: " + ", ".join(seen)
            if short:
                below = ", ".join(f.target for f in findings if not f.holds)
                return RuleResult(
                    False, saw, f"{short} of {applicable} below {level!r}: {below}", tuple(findings)
                )
            return RuleResult(True, saw, f"all {applicable} at or above {level!r}", tuple(findings))

        return evaluate

    def reads(self, rule: Rule, index: FrameworkIndex) -> Reads:
        targets = _scope_targets(rule, index)
        level = str(rule.params["level"])
        return Reads.only(targets=targets, demands=(Demand(target=t, level=level) for t in targets))


class AtLeast(RuleKind):
    """At least ``count`` applicable targets in scope are at or above ``level``."""

    name = "at-least"
    summary = "at least N criteria or sections in scope are at or above a level"
    keys = (
        _SCOPE,
        _LEVEL,
        RuleKey(
            "count",
            "integer",
            "How many applicable targets in scope must be at or above `level` (at least 1).",
            required=True,
        ),
        _if_empty_key("fail"),
    )

    def check(self, rule: Rule, index: FrameworkIndex) -> list[Problem]:
        resolved = _scope_and_level(rule, index, self)
        problems = resolved if isinstance(resolved, list) else []
        count = rule.params.get("count")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            problems.append(
                Problem(
                    f"expected a whole number of at least 1, got {describe_value(count)}",
                    "count",
                    code="wrong-value",
                )
            )
        elif not isinstance(resolved, list) and count > len(resolved[0].targets):
            problems.append(
                Problem(
                    f"asks for {count} but the scope holds {len(resolved[0].targets)}",
                    "count",
                    code="inconsistent",
                )
            )
        return problems

    def prepare(self, rule: Rule, index: FrameworkIndex) -> Evaluation:
        resolved = _scope_and_level(rule, index, self)
        assert not isinstance(resolved, list)
        scope, need = resolved
        level, count = str(rule.params["level"]), int(rule.params["count"])
        if_empty = _if_empty_setting(rule, "fail")
        rows = _verdicts(scope, need, level, _target_ranks(index, scope))

        def evaluate(ctx: AssessmentContext) -> RuleResult:
            findings, seen, applicable, met = _judge(ctx, rows)
            if not applicable:
                return _empty_result(scope.description, if_empty)
            saw = f"{applicable} applicable {scope.description}: " + ", ".join(seen)
            holds = met >= count
            verdict = "at least" if holds else "fewer than"
            concluded = f"{met} at or above {level!r}, {verdict} the {count} required"
            # Only a failing count makes its short targets unmet.
            kept = tuple(findings) if not holds else tuple(f for f in findings if f.holds)
            return RuleResult(holds, saw, concluded, kept, needed=count)

        return evaluate

    def reads(self, rule: Rule, index: FrameworkIndex) -> Reads:
        return Reads.only(targets=_scope_targets(rule, index))


class NotableLevel(RuleKind):
    """Targets judged at a notable level (or at or above ``level``); for highlights."""

    name = "notable-level"
    summary = "finds criteria or sections at a level the scale marks notable (for highlights)"
    keys = (
        _SCOPE,
        RuleKey(
            "level",
            "string",
            "A level id: the rule finds targets at or above it, instead of at a notable level.",
            default="the levels the scale marks notable",
        ),
    )

    def check(self, rule: Rule, index: FrameworkIndex) -> list[Problem]:
        problems = self.unknown_keys(rule)
        scope = resolve_scope(rule, index)
        if isinstance(scope, list):
            return problems + scope
        if "level" in rule.params:
            need = level_param(rule, index, scope.targets)
            if isinstance(need, list):
                problems += need
        return problems

    def prepare(self, rule: Rule, index: FrameworkIndex) -> Evaluation:
        scope = resolve_scope(rule, index)
        assert not isinstance(scope, list)
        notable: dict[str, frozenset[str]] = {}
        for target in scope.targets:
            scale = index.targets[target].scale
            levels = scale.levels if scale is not None else ()
            if "level" in rule.params:
                floor = index.ranks[scale.id][rule.params["level"]] if scale else 0
                notable[target] = frozenset(lv.id for i, lv in enumerate(levels) if i >= floor)
            else:
                notable[target] = frozenset(lv.id for lv in levels if lv.notable)
        what = (
            f"at or above {rule.params['level']!r}"
            if "level" in rule.params
            else "at a notable level"
        )

        def evaluate(ctx: AssessmentContext) -> RuleResult:
            found = []
            for target in scope.targets:
                got = ctx.levels.get(target)
                if target not in ctx.not_applicable and got is not None and got in notable[target]:
                    found.append(Finding(target=target, holds=True, level=got))
            saw = f"{len(scope.targets)} {scope.description}"
            if not found:
                return RuleResult(False, saw, f"none judged {what}")
            listed = ", ".join(f"{f.target} ({f.level})" for f in found)
            return RuleResult(True, saw, f"{len(found)} {what}: {listed}", tuple(found))

        return evaluate

    def reads(self, rule: Rule, index: FrameworkIndex) -> Reads:
        return Reads.only(targets=_scope_targets(rule, index))


class EvidencePresent(RuleKind):
    """Each applicable criterion in scope has the evidence its requirements ask for."""

    name = "evidence-present"
    summary = "each criterion in scope has the evidence types and counts it requires"
    keys = (
        RuleKey(
            "scope",
            "table",
            "The criteria the rule looks at: `section` (an id or a list of them) and `tag`; "
            '`of` may only be `"criteria"`.',
            default="every criterion",
        ),
        _if_empty_key("hold"),
    )

    def check(self, rule: Rule, index: FrameworkIndex) -> list[Problem]:
        problems = self.unknown_keys(rule)
        scope = resolve_scope(rule, index, allow_sections=False)
        if isinstance(scope, list):
            problems += scope
        empty = _if_empty(rule, "hold")
        return problems + ([empty] if isinstance(empty, Problem) else [])

    def prepare(self, rule: Rule, index: FrameworkIndex) -> Evaluation:
        scope = resolve_scope(rule, index, allow_sections=False)
        assert not isinstance(scope, list)
        if_empty = _if_empty_setting(rule, "hold")
        # Each criterion with its requirements and the evidence types they name: the rule
        # reads only those (see reads), so only those are counted, even in a finding's note.
        wanted = [
            (c, reqs, frozenset(t for req in reqs for t in req.types))
            for c in scope.targets
            if (reqs := index.criteria[c].evidence)
        ]

        def evaluate(ctx: AssessmentContext) -> RuleResult:
            findings: list[Finding] = []
            for criterion, requirements, named in wanted:
                if criterion in ctx.not_applicable:
                    continue
                items = ctx.evidence_by_criterion.get(criterion, ())
                missing = []
                for req in requirements:
                    have = sum(1 for item in items if item.type in req.types)
                    if have < req.min_count:
                        kinds = " or ".join(req.types)
                        missing.append(f"{have} of {req.min_count} {kinds}")
                if missing:
                    note = "missing: " + "; ".join(missing)
                else:
                    note = f"{sum(1 for item in items if item.type in named)} item(s)"
                findings.append(Finding(target=criterion, holds=not missing, note=note))
            if not findings:
                return _empty_result(f"{scope.description} with evidence requirements", if_empty)
            saw = f"{len(findings)} applicable {scope.description} with evidence requirements"
            short = [f for f in findings if not f.holds]
            if short:
                detail = "; ".join(f"{f.target} ({f.note})" for f in short)
                return RuleResult(
                    False, saw, f"{len(short)} lack evidence: {detail}", tuple(findings)
                )
            return RuleResult(True, saw, "every requirement is met", tuple(findings))

        return evaluate

    def reads(self, rule: Rule, index: FrameworkIndex) -> Reads:
        scope = _scope_targets(rule, index, allow_sections=False)
        wanted = [c for c in scope if index.criteria[c].evidence]
        types = {t for c in wanted for req in index.criteria[c].evidence for t in req.types}
        return Reads.only(
            targets=wanted,
            evidence_types=types,
            demands=(Demand(target=c, evidence=index.criteria[c].evidence) for c in wanted),
        )


class ActionPlan(RuleKind):
    """The submission plans at least ``min_items`` open future actions."""

    name = "action-plan"
    summary = "the submission has an action plan of at least N open future actions"
    keys = (
        RuleKey(
            "min_items",
            "integer",
            "How many open (planned or in-progress) actions the plan must hold (at least 1).",
            default="1",
        ),
    )

    def check(self, rule: Rule, index: FrameworkIndex) -> list[Problem]:
        problems = self.unknown_keys(rule)
        n = rule.params.get("min_items", 1)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            problems.append(
                Problem(
                    f"expected a whole number of at least 1, got {describe_value(n)}",
                    "min_items",
                    code="wrong-value",
                )
            )
        return problems

    def prepare(self, rule: Rule, index: FrameworkIndex) -> Evaluation:
        needed = int(rule.params.get("min_items", 1))

        def evaluate(ctx: AssessmentContext) -> RuleResult:
            actions = ctx.submission.actions
            open_ids = [a.id for a in actions if a.status in _OPEN_ACTIONS]
            saw = f"{len(actions)} action-plan item(s), {len(open_ids)} open"
            if len(open_ids) >= needed:
                return RuleResult(True, saw, f"at least {needed} open action(s) planned")
            return RuleResult(
                False,
                saw,
                f"fewer than {needed} open action(s) planned",
                (Finding(target="action-plan", holds=False, note=f"{len(open_ids)} of {needed}"),),
            )

        return evaluate

    def reads(self, rule: Rule, index: FrameworkIndex) -> Reads:
        return Reads.only(actions=True)


class OutcomeCoverage(RuleKind):
    """Every outcome of ``outcome_set`` is covered by evidence, by met criteria, or either.

    ``evidence_types`` narrows which evidence counts (for example only the
    entries of an assessment map), so an outcome merely named in some other
    document is not taken as covered.
    """

    name = "outcome-coverage"
    summary = "every outcome in an outcome set is mapped by evidence or a met criterion"
    keys = (
        RuleKey("outcome_set", "string", "The id of the outcome set to cover.", required=True),
        RuleKey(
            "by",
            "string",
            "What covers an outcome: `evidence` naming it, a met criterion mapped to it "
            "(`criteria`), or `either`.",
            default='"evidence"',
        ),
        RuleKey(
            "evidence_types",
            "list of strings",
            'Only evidence of these type ids counts (not with `by = "criteria"`).',
            default="evidence of any type",
        ),
    )
    _by = ("evidence", "criteria", "either")

    def check(self, rule: Rule, index: FrameworkIndex) -> list[Problem]:
        problems = self.unknown_keys(rule)
        set_id = rule.params.get("outcome_set")
        if not isinstance(set_id, str) or set_id not in index.outcomes:
            problems.append(
                Problem(
                    f"unknown outcome set {set_id!r}", path="outcome_set", code="unknown-reference"
                )
            )
        by = rule.params.get("by", "evidence")
        if by not in self._by:
            problems.append(
                Problem(f"expected one of {', '.join(self._by)}", path="by", code="wrong-value")
            )
        if "evidence_types" in rule.params:
            types = rule.params["evidence_types"]
            known = {e.id for e in index.framework.evidence_types}
            if not (is_array(types) and types and all(isinstance(t, str) for t in types)):
                problems.append(
                    Problem(
                        "expected a list of evidence type ids", "evidence_types", code="wrong-value"
                    )
                )
            else:
                problems += [
                    Problem(
                        f"unknown evidence type {t!r}", "evidence_types", code="unknown-reference"
                    )
                    for t in types
                    if t not in known
                ]
            if by == "criteria":
                problems.append(
                    Problem(
                        "only used when 'by' looks at evidence",
                        "evidence_types",
                        code="inconsistent",
                    )
                )
        return problems

    def prepare(self, rule: Rule, index: FrameworkIndex) -> Evaluation:
        set_id = str(rule.params["outcome_set"])
        by = str(rule.params.get("by", "evidence"))
        outcome_set = index.framework.outcome_set(set_id)
        assert outcome_set is not None
        outcomes = tuple(o.id for o in outcome_set.outcomes)
        mapped_by: dict[str, list[str]] = {o: [] for o in outcomes}
        for criterion in index.criteria.values():
            for outcome in criterion.mappings.get(set_id, ()):
                if outcome in mapped_by:  # validation reports a mapping to an unknown outcome
                    mapped_by[outcome].append(criterion.id)
        use_evidence, use_criteria = by in ("evidence", "either"), by in ("criteria", "either")
        counted = rule.params.get("evidence_types")
        types = frozenset(counted) if counted else None
        meets = {
            t: frozenset(lv.id for lv in target.scale.levels if lv.meets)
            for t, target in index.targets.items()
            if target.scale is not None
        }

        def evaluate(ctx: AssessmentContext) -> RuleResult:
            covering: dict[str, list[str]] = {o: [] for o in outcomes}
            if use_evidence:
                for item in ctx.submission.evidence:
                    if types is not None and item.type not in types:
                        continue
                    for outcome in item.outcomes:
                        if outcome in covering:
                            covering[outcome].append(item.id)
            if use_criteria:
                for outcome, criteria in mapped_by.items():
                    for c in criteria:
                        if ctx.levels.get(c) in meets.get(c, ()) and c not in ctx.not_applicable:
                            covering[outcome].append(c)
            findings = tuple(
                Finding(
                    target=o,
                    holds=bool(covering[o]),
                    note=("covered by " + ", ".join(covering[o])) if covering[o] else "not covered",
                )
                for o in outcomes
            )
            uncovered = [f.target for f in findings if not f.holds]
            saw = f"{len(outcomes)} outcomes of {set_id!r}, looking at {by}"
            if types is not None and use_evidence:
                saw += f" (evidence of type {', '.join(sorted(types))})"
            if not outcomes:
                return RuleResult(False, saw, "the outcome set is empty")
            if uncovered:
                text = f"{len(uncovered)} not covered: {', '.join(uncovered)}"
                return RuleResult(False, saw, text, findings)
            return RuleResult(True, saw, f"all {len(outcomes)} covered", findings)

        return evaluate

    def reads(self, rule: Rule, index: FrameworkIndex) -> Reads:
        set_id = str(rule.params["outcome_set"])
        by = str(rule.params.get("by", "evidence"))
        mapped = (
            [c.id for c in index.criteria.values() if c.mappings.get(set_id)]
            if by != "evidence"
            else []
        )
        counted = rule.params.get("evidence_types")
        types: list[str] | None = list(counted) if counted else None
        return Reads.only(targets=mapped, evidence_types=types if by != "criteria" else ())


def _finite(value: float) -> bool:
    """Neither NaN nor infinite (TOML has both), nor an integer too large for a float."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


class WeightedScore(RuleKind):
    """Points times weight, summed over scope, reach ``threshold`` (or ``min_fraction``)."""

    name = "weighted-score"
    summary = "the weighted sum of level points in scope reaches a threshold"
    keys = (
        _SCOPE,
        RuleKey(
            "threshold",
            "number",
            "The score to reach: the sum over applicable targets of their level's points times "
            "their weight. Give this or `min_fraction`.",
            default="none: give one of the two",
        ),
        RuleKey(
            "min_fraction",
            "number",
            "The score to reach as a fraction (0 to 1) of the way from the lowest possible "
            "score to the highest. Give this or `threshold`.",
            default="none: give one of the two",
        ),
        _if_empty_key("fail"),
    )

    def check(self, rule: Rule, index: FrameworkIndex) -> list[Problem]:
        problems = self.unknown_keys(rule)
        scope = resolve_scope(rule, index)
        if isinstance(scope, list):
            return problems + scope
        for target in scope.targets:
            scale = index.targets[target].scale
            if scale is None or not scale.has_points:
                name = scale.id if scale else "(none)"
                problems.append(
                    Problem(
                        f"scale {name!r} of {target!r} gives no points",
                        "scope",
                        code="inconsistent",
                    )
                )
            elif any(a.points > b.points for a, b in itertools.pairwise(scale.levels)):  # type: ignore[operator]
                problems.append(
                    Problem(f"points on scale {scale.id!r} go down", "scope", code="inconsistent")
                )
        given = [k for k in ("threshold", "min_fraction") if k in rule.params]
        if len(given) != 1:
            problems.append(
                Problem("give exactly one of threshold or min_fraction", code="inconsistent")
            )
        for key in given:
            value = rule.params[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                problems.append(
                    Problem(
                        f"expected a number, got {describe_value(value)}", key, code="wrong-value"
                    )
                )
            elif not _finite(value):
                problems.append(
                    Problem(
                        f"expected a finite number, got {describe_value(value)}",
                        key,
                        code="wrong-value",
                    )
                )
            elif key == "min_fraction" and not 0 <= value <= 1:
                problems.append(Problem("expected a fraction from 0 to 1", key, code="wrong-value"))
        empty = _if_empty(rule, "fail")
        return list(dict.fromkeys(problems + ([empty] if isinstance(empty, Problem) else [])))

    def prepare(self, rule: Rule, index: FrameworkIndex) -> Evaluation:
        scope = resolve_scope(rule, index)
        assert not isinstance(scope, list)
        if_empty = _if_empty_setting(rule, "fail")
        points: dict[str, dict[str, float]] = {}
        weight: dict[str, float] = {}
        for target in scope.targets:
            scale = index.targets[target].scale
            assert scale is not None
            points[target] = {lv.id: float(lv.points or 0) for lv in scale.levels}
            criterion = index.criteria.get(target)
            weight[target] = criterion.weight if criterion and criterion.weight is not None else 1.0
        fraction = "min_fraction" in rule.params
        bar = float(rule.params["min_fraction" if fraction else "threshold"])

        def evaluate(ctx: AssessmentContext) -> RuleResult:
            score = low = high = 0.0
            findings = []
            for target in scope.targets:
                if target in ctx.not_applicable:
                    continue
                table, w = points[target], weight[target]
                low += min(table.values()) * w
                high += max(table.values()) * w
                got = ctx.levels.get(target)
                earned = table[got] * w if got is not None else min(table.values()) * w
                score += earned
                findings.append(
                    Finding(target=target, holds=True, level=got or "", note=f"{earned:g}")
                )
            if not findings:
                return _empty_result(scope.description, if_empty)
            needed = low + bar * (high - low) if fraction else bar
            saw = (
                f"score {score:g} from {len(findings)} {scope.description} (range {low:g}-{high:g})"
            )
            holds = score >= needed
            relation = "reaches" if holds else "is below"
            concluded = f"{score:g} {relation} the threshold {needed:g}"
            return RuleResult(holds, saw, concluded, tuple(findings) if holds else ())

        return evaluate

    def reads(self, rule: Rule, index: FrameworkIndex) -> Reads:
        return Reads.only(targets=_scope_targets(rule, index))


class Satisfied(RuleKind):
    """Every applicable target in scope is met, or not met with a justification it accepts.

    A target is met when its decided level is one its scale says meets it.
    Where the framework's ``justification`` table for the target says
    ``unmet_satisfies = true`` (a criterion that *should* be met), the
    organisation's own rating at a level that does not meet it, carrying the
    justification ``unmet`` asks for, satisfies it too, as long as the decided
    level does not meet it either (the reviewers did not find it met).
    """

    name = "satisfied"
    summary = (
        "every applicable criterion or section in scope is met, or not met with the "
        "justification its framework accepts"
    )
    keys = (_SCOPE, _if_empty_key("fail"))

    def check(self, rule: Rule, index: FrameworkIndex) -> list[Problem]:
        problems = self.unknown_keys(rule)
        scope = resolve_scope(rule, index)
        if isinstance(scope, list):
            return problems + scope
        problems += [
            Problem(f"{target!r} has no scale to judge it on", "scope", code="inconsistent")
            for target in scope.targets
            if index.targets[target].scale is None
        ]
        empty = _if_empty(rule, "fail")
        return problems + ([empty] if isinstance(empty, Problem) else [])

    def prepare(self, rule: Rule, index: FrameworkIndex) -> Evaluation:
        scope = resolve_scope(rule, index)
        assert not isinstance(scope, list)
        if_empty = str(rule.params.get("if_empty", "fail"))
        meets: dict[str, frozenset[str]] = {}
        for target in scope.targets:
            scale = index.targets[target].scale
            assert scale is not None
            meets[target] = frozenset(lv.id for lv in scale.levels if lv.meets)
        fw = index.framework
        accepting = frozenset(t for t in scope.targets if fw.justification_of(t).unmet_satisfies)

        def evaluate(ctx: AssessmentContext) -> RuleResult:
            rated = (
                {r.target: r for r in ctx.submission.ratings if r.target in accepting}
                if accepting
                else {}
            )
            findings: list[Finding] = []
            seen: list[str] = []
            for target in scope.targets:
                if target in ctx.not_applicable:
                    seen.append(f"{target}=not applicable")
                    continue
                got = ctx.levels.get(target)
                if got is None:
                    note = ctx.unresolved.get(target, "not judged")
                    seen.append(f"{target}={note}")
                    findings.append(Finding(target=target, holds=False, note=note))
                    continue
                seen.append(f"{target}={got}")
                if got in meets[target]:
                    findings.append(Finding(target=target, holds=True, level=got))
                    continue
                # The organisation itself rated it below meeting, with the justification
                # validation made sure the framework asks for.
                rating = rated.get(target)
                if rating is not None and rating.level not in (None, *meets[target]):
                    why = " ".join(rating.justification.split())
                    note = "not met, with the justification it accepts" + (
                        f": {why}" if why else ""
                    )
                    findings.append(Finding(target=target, holds=True, level=got, note=note))
                    continue
                findings.append(
                    Finding(target=target, holds=False, level=got, note=f"{got!r} does not meet it")
                )
            if not findings:
                return _empty_result(scope.description, if_empty)
            saw = f"{len(findings)} applicable {scope.description}: " + ", ".join(seen)
            short = [f.target for f in findings if not f.holds]
            if short:
                concluded = f"{len(short)} of {len(findings)} not satisfied: {', '.join(short)}"
                return RuleResult(False, saw, concluded, tuple(findings))
            justified = sum(1 for f in findings if f.note)
            concluded = f"all {len(findings)} satisfied" + (
                f" ({justified} not met, with an accepted justification)" if justified else ""
            )
            return RuleResult(True, saw, concluded, tuple(findings))

        return evaluate


class Renewal(RuleKind):
    """The submission renews an award: it names the award in ``previous_award``.

    For what only a renewal can show, such as an award level that needs a
    record of delivery to judge.
    """

    name = "renewal"
    summary = "the submission renews an award (it names its previous_award)"
    keys = ()

    def check(self, rule: Rule, index: FrameworkIndex) -> list[Problem]:
        return self.unknown_keys(rule)

    def prepare(self, rule: Rule, index: FrameworkIndex) -> Evaluation:
        def evaluate(ctx: AssessmentContext) -> RuleResult:
            previous = ctx.submission.previous_award
            if previous:
                return RuleResult(True, f"previous_award {previous!r}", "a renewal")
            return RuleResult(
                False, "no previous_award", "not a renewal: the submission renews no award"
            )

        return evaluate

    def reads(self, rule: Rule, index: FrameworkIndex) -> Reads:
        # Only the submission's previous_award, which is among "anything else".
        nothing: frozenset[str] = frozenset()
        return Reads(
            targets=nothing,
            evidence_types=nothing,
            actions=False,
            organisation=False,
            details=nothing,
            other=True,
        )


BUILTIN_RULE_KINDS: tuple[RuleKind, ...] = (
    MinimumLevel(),
    AtLeast(),
    NotableLevel(),
    EvidencePresent(),
    ActionPlan(),
    OutcomeCoverage(),
    WeightedScore(),
    Satisfied(),
    Renewal(),
)


@hookimpl
def qmframe_register_rule_kinds(register: Callable[[RuleKind], None]) -> None:
    for kind in BUILTIN_RULE_KINDS:
        register(kind)
