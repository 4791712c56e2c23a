"""Mutation score for a framework: would its tests notice a wrong rule?

Each *mutant* is the framework with one of its own declared rules changed the
way a lenient or careless author might change it:

``drop``
    the rule left out (and from the award levels that name it);
``inform``
    a ``require`` or ``veto`` rule turned into ``inform``; a rule an award
    level names turned into ``inform`` and named by no award level;
``level-down`` / ``level-up``
    the rule's ``level`` one step lower or higher on its scope's scale (for a
    rule of an award level too: the level's threshold);
``count-down`` / ``count-up``
    its ``count`` or ``min_items`` one lower or higher;
``scope-narrow`` / ``scope-widen``
    one section taken out of its scope, or added to it; a tag dropped;
``drop-level``
    an award level above the lowest left out (a rule of effect ``level``
    only it named becomes ``inform``);
``unname``
    one rule taken out of the rules an award level names (made only where
    it differs from ``inform``: the rule is named by another level too, or is
    an ``inform`` or ``highlight`` rule);
``move-down`` / ``move-up``
    a rule an award level names moved to the level below (never the lowest,
    which names no rules) or above.

Every mutant that still checks is run against the framework's decision tables
(every case must still give what it expects), rule liveness and the
sensitivity of required items (started from the tables' passing cases). A
mutant is *killed* when any of these fails where the real framework passes,
and *survives* otherwise. A mutant that cannot change any decision is listed
in a table's ``[[equivalent]]`` with the reason, and not counted. Run it
from a shell::

    python -m qmframe.testing.mutate example-charter

Nothing here needs hypothesis.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from qmframe.errors import QmframeError, ValidationError
from qmframe.framework import AwardLevel, Framework, Rule
from qmframe.index import FrameworkIndex
from qmframe.plugins import Registry
from qmframe.rules import resolve_scope
from qmframe.testing.edits import AssessmentCase, outcome_of
from qmframe.testing.liveness import LivenessReport, rule_liveness, sensitivity
from qmframe.testing.tables import Bases, CaseResult, DecisionTable, find_tables, run_table
from qmframe.validation import check_framework

__all__ = [
    "OPERATORS",
    "Mutant",
    "MutantResult",
    "MutationReport",
    "main",
    "mutants",
    "mutation_score",
]

#: The mutation operators, in the order mutants are made.
OPERATORS = (
    "drop",
    "inform",
    "level-down",
    "level-up",
    "count-down",
    "count-up",
    "scope-narrow",
    "scope-widen",
    "drop-level",
    "unname",
    "move-down",
    "move-up",
)
#: Built-in kinds that take a ``scope``; a plugin's rule with a ``scope`` key is mutated too.
_SCOPED = ("minimum-level", "at-least", "notable-level", "evidence-present", "weighted-score")
_COUNTS = ("count", "min_items")
#: Liveness budget per rule and base case when judging a mutant.
_BUDGET = 300
#: At most this many passing cases are started from for liveness.
_LIVENESS_BASES = 3


@attrs.frozen(kw_only=True)
class Mutant:
    """One changed rule or award level.

    ``id`` is ``operator:rule`` (and, for scopes, what changed), or for an
    award level ``operator:level`` (``unname:level:rule``); ``award_level``
    names the award level changed ('' for a change to a rule alone).
    """

    id: str
    operator: str
    rule: str
    description: str
    framework: Framework
    award_level: str = ""


def _with_rules(framework: Framework, rules: Iterable[Rule]) -> Framework:
    return attrs.evolve(framework, decision=attrs.evolve(framework.decision, rules=tuple(rules)))


def _replaced(framework: Framework, rule: Rule, new: Rule) -> Framework:
    return _with_rules(framework, (new if r.id == rule.id else r for r in framework.decision.rules))


def _with_params(rule: Rule, **changes: Any) -> Rule:
    params = {k: v for k, v in {**rule.params, **changes}.items() if v is not None}
    return attrs.evolve(rule, params=params)


def _scope_levels(rule: Rule, index: FrameworkIndex) -> list[str]:
    """The level ids on every scale of the rule's scope, in scale order."""
    scope = resolve_scope(rule, index)
    if isinstance(scope, list) or not scope.targets:
        return []
    common: list[str] | None = None
    for target in scope.targets:
        scale = index.targets[target].scale
        if scale is None:
            return []
        ids = list(scale.level_ids())
        common = ids if common is None else [i for i in common if i in ids]
    return common or []


def _targets(rule: Rule, index: FrameworkIndex) -> tuple[str, ...] | None:
    scope = resolve_scope(rule, index)
    return None if isinstance(scope, list) else scope.targets


def _scope_changes(rule: Rule, index: FrameworkIndex) -> Iterator[tuple[str, str, str, Any]]:
    """(operator, suffix, description, new scope) for each narrower or wider scope."""
    raw = rule.params.get("scope", {})
    scope = dict(raw) if isinstance(raw, Mapping) else {}
    sections = scope.get("section", [])
    chosen = [sections] if isinstance(sections, str) else list(sections)
    every = [s.id for s in index.framework.sections]
    if scope.get("tag"):
        wider = {k: v for k, v in scope.items() if k != "tag"}
        yield "scope-widen", "tag", f"tag {scope['tag']!r} dropped from the scope", wider
    if chosen:
        if len(chosen) > 1:
            for section in chosen:
                left = [s for s in chosen if s != section]
                yield (
                    "scope-narrow",
                    section,
                    f"section {section!r} taken out of the scope",
                    {**scope, "section": left},
                )
        for section in every:
            if section not in chosen:
                yield (
                    "scope-widen",
                    section,
                    f"section {section!r} added to the scope",
                    {**scope, "section": [*chosen, section]},
                )
    elif len(every) > 1:
        for section in every:
            left = [s for s in every if s != section]
            yield (
                "scope-narrow",
                section,
                f"section {section!r} taken out of the scope",
                {**scope, "section": left},
            )


def _rule_mutants(framework: Framework, rule: Rule, index: FrameworkIndex) -> Iterator[Mutant]:
    rid = rule.id
    kept = [r for r in framework.decision.rules if r.id != rid]
    # A rule an award level names is dropped from the level too, so the mutant still checks.
    award_levels = tuple(
        attrs.evolve(level, rules=tuple(r for r in level.rules if r != rid))
        for level in framework.award_levels
    )
    yield Mutant(
        id=f"drop:{rid}",
        operator="drop",
        rule=rid,
        description=f"rule {rid!r} dropped",
        framework=attrs.evolve(_with_rules(framework, kept), award_levels=award_levels),
    )
    if rule.effect in ("require", "veto"):
        yield Mutant(
            id=f"inform:{rid}",
            operator="inform",
            rule=rid,
            description=f"rule {rid!r} turned from {rule.effect} into inform",
            framework=_replaced(framework, rule, attrs.evolve(rule, effect="inform", status="")),
        )
    elif any(rid in level.rules for level in framework.award_levels):
        yield Mutant(
            id=f"inform:{rid}",
            operator="inform",
            rule=rid,
            description=f"rule {rid!r} turned from {rule.effect} into inform, in no award level",
            framework=attrs.evolve(
                _replaced(framework, rule, attrs.evolve(rule, effect="inform", status="")),
                award_levels=award_levels,
            ),
        )
    level = rule.params.get("level")
    if isinstance(level, str):
        levels = _scope_levels(rule, index)
        if level in levels:
            at = levels.index(level)
            for operator, step in (("level-down", -1), ("level-up", 1)):
                if 0 <= at + step < len(levels):
                    new = levels[at + step]
                    yield Mutant(
                        id=f"{operator}:{rid}",
                        operator=operator,
                        rule=rid,
                        description=f"rule {rid!r} asks for {new!r} instead of {level!r}",
                        framework=_replaced(framework, rule, _with_params(rule, level=new)),
                    )
    for key in _COUNTS:
        count = rule.params.get(
            key, 1 if key == "min_items" and rule.kind == "action-plan" else None
        )
        if isinstance(count, int) and not isinstance(count, bool):
            for operator, step in (("count-down", -1), ("count-up", 1)):
                yield Mutant(
                    id=f"{operator}:{rid}",
                    operator=operator,
                    rule=rid,
                    description=f"rule {rid!r} asks for {key} {count + step} instead of {count}",
                    framework=_replaced(framework, rule, _with_params(rule, **{key: count + step})),
                )
    if "scope" in rule.params or rule.kind in _SCOPED:
        before = _targets(rule, index)
        for operator, suffix, description, scope in _scope_changes(rule, index):
            changed = _with_params(rule, scope=scope)
            if before is not None and _targets(changed, index) == before:
                continue  # the same targets: no mutant at all (a tag already left it out)
            yield Mutant(
                id=f"{operator}:{rid}:{suffix}",
                operator=operator,
                rule=rid,
                description=f"rule {rid!r}: {description}",
                framework=_replaced(framework, rule, changed),
            )


def _with_levels(framework: Framework, levels: Sequence[AwardLevel]) -> Framework:
    """``framework`` with these award levels; a ``level`` rule no level names becomes ``inform``.

    A rule of effect ``level`` counts only towards the levels that name it,
    so one no level names any more is only reported, as the file would have
    to say for the framework to check.
    """
    named = {r for level in levels for r in level.rules}
    rules = (
        attrs.evolve(r, effect="inform") if r.effect == "level" and r.id not in named else r
        for r in framework.decision.rules
    )
    return attrs.evolve(_with_rules(framework, rules), award_levels=tuple(levels))


def _level_mutants(framework: Framework) -> Iterator[Mutant]:
    """Mutants of the award levels: one dropped, one rule unnamed or moved to another level."""
    levels = framework.award_levels
    effects = {r.id: r.effect for r in framework.decision.rules}
    for i, level in enumerate(levels):
        if i == 0:
            continue  # the lowest is the award itself: dropping it leaves a lowest that names rules
        yield Mutant(
            id=f"drop-level:{level.id}",
            operator="drop-level",
            rule="",
            description=f"award level {level.id!r} dropped",
            framework=_with_levels(framework, [lv for lv in levels if lv.id != level.id]),
            award_level=level.id,
        )
        for rid in level.rules:
            elsewhere = any(rid in lv.rules for lv in levels if lv.id != level.id)
            unnamed = attrs.evolve(level, rules=tuple(r for r in level.rules if r != rid))
            if elsewhere or effects.get(rid) != "level":
                yield Mutant(
                    id=f"unname:{level.id}:{rid}",
                    operator="unname",
                    rule=rid,
                    description=f"award level {level.id!r} no longer names rule {rid!r}",
                    framework=_with_levels(
                        framework, [unnamed if lv.id == level.id else lv for lv in levels]
                    ),
                    award_level=level.id,
                )
            for operator, j in (("move-down", i - 1), ("move-up", i + 1)):
                if j < 1 or j >= len(levels) or rid in levels[j].rules:
                    continue
                other = levels[j]
                moved = attrs.evolve(other, rules=(*other.rules, rid))
                changed = [
                    unnamed if lv.id == level.id else moved if lv.id == other.id else lv
                    for lv in levels
                ]
                yield Mutant(
                    id=f"{operator}:{level.id}:{rid}",
                    operator=operator,
                    rule=rid,
                    description=(
                        f"rule {rid!r} moved from award level {level.id!r} to {other.id!r}"
                    ),
                    framework=_with_levels(framework, changed),
                    award_level=level.id,
                )


def mutants(framework: Framework, registry: Registry) -> tuple[list[Mutant], list[Mutant]]:
    """Every mutant of the framework's rules and award levels: those that check, and not."""
    index = FrameworkIndex.build(framework)
    valid: list[Mutant] = []
    invalid: list[Mutant] = []
    made = [m for rule in framework.decision.rules for m in _rule_mutants(framework, rule, index)]
    for mutant in [*made, *_level_mutants(framework)]:
        if mutant.framework == framework:
            continue
        problems = check_framework(mutant.framework, registry.rule_kinds)
        (invalid if any(p.severity == "error" for p in problems) else valid).append(mutant)
    return valid, invalid


# -- judging mutants ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class MutantResult:
    """A mutant and what became of it: ``status`` is killed, survived or equivalent."""

    mutant: Mutant
    status: str
    by: str = ""

    def describe(self) -> str:
        line = f"{self.status:<10}  {self.mutant.id}  ({self.mutant.description})"
        return f"{line}\n              {self.by}" if self.by else line


@attrs.frozen(kw_only=True)
class MutationReport:
    """The mutation score of one framework and the mutants behind it.

    ``problems`` lists what is wrong with the framework or its tables before
    any mutant is tried (a failing case, a dead rule, an equivalent mutant
    that does not exist or is killed); a report with problems has no score.
    """

    framework: str
    results: tuple[MutantResult, ...]
    invalid: tuple[Mutant, ...]
    cases: int
    problems: tuple[str, ...] = ()

    def of(self, status: str) -> list[MutantResult]:
        return [r for r in self.results if r.status == status]

    @property
    def killed(self) -> int:
        return len(self.of("killed"))

    @property
    def survived(self) -> int:
        return len(self.of("survived"))

    @property
    def equivalent(self) -> int:
        return len(self.of("equivalent"))

    @property
    def ok(self) -> bool:
        """Every mutant that changes behaviour is killed, and nothing else is wrong."""
        return not self.problems and not self.survived

    def summary(self) -> str:
        if self.problems:
            return f"{self.framework}: no mutation score, the framework's own checks fail"
        counted = self.killed + self.survived
        return (
            f"{self.framework}: {self.killed} of {counted} mutants killed "
            f"({self.equivalent} equivalent, {len(self.invalid)} not valid, "
            f"{self.cases} table cases)"
        )

    def describe(self, *, verbose: bool = False) -> str:
        lines = [self.summary()]
        lines += [f"  problem: {p}" for p in self.problems]
        for result in self.results:
            if verbose or result.status != "killed":
                lines += [f"  {line}" for line in result.describe().splitlines()]
        return "\n".join(lines)


def _passing_examples(framework: Framework, registry: Registry) -> list[AssessmentCase]:
    """The framework's registered examples that the rules pass, as cases."""
    import datetime as dt

    from qmframe.files import read_review, read_submission

    found = []
    for registered in registry.examples.values():
        example = registered.value
        if example.framework != framework.id or not example.as_of:
            continue
        case = AssessmentCase(
            framework=framework,
            submission=read_submission(example.submission),
            review=read_review(example.review) if example.review else None,
            as_of=dt.date.fromisoformat(example.as_of),
        )
        try:
            decision = registry.assessor(framework).assess(
                case.submission, case.review, as_of=case.as_of
            )
        except ValidationError:
            continue
        if outcome_of(decision)[0] == framework.decision.pass_status:
            found.append(case)
    return found


def _first_failure(results: Sequence[CaseResult]) -> str:
    for result in results:
        if not result.ok:
            return f"case {result.case.id!r}: {result.mismatches[0]}"
    return ""


def _liveness_problems(report: LivenessReport) -> dict[str, str]:
    return {r.rule: r.describe() for r in report.rules if r.verdict in ("dead", "shadowed")}


def _sensitivity_failures(cases: Sequence[AssessmentCase], registry: Registry) -> list[str]:
    found = []
    for case in cases:
        failures, _ = sensitivity(case, registry)
        found += [f"{f.rule}: {f.change}" for f in failures]
    return found


def mutation_score(
    framework: Framework | str,
    *,
    registry: Registry | None = None,
    tables: Sequence[DecisionTable] | None = None,
) -> MutationReport:
    """Make every mutant of ``framework`` and see which its tables and properties kill.

    ``framework`` is a Framework or an installed framework's id; ``tables``
    default to the ``.cases.toml`` files in the package of the plugin that
    supplies it (see :func:`qmframe.testing.tables.find_tables`).
    """
    if registry is None:
        from qmframe.api import default_registry

        registry = default_registry()
    fw = registry.framework(framework) if isinstance(framework, str) else framework
    if tables is None:
        tables = find_tables(fw.id, registry)
    bases = Bases(registry)
    problems: list[str] = []
    if not tables:
        problems.append(f"no decision table (*.cases.toml) for {fw.id!r}")
    original = [
        r for table in tables for r in run_table(table, registry, framework=fw, bases=bases)
    ]
    problems += [
        f"case {r.case.id!r} fails: {'; '.join(r.mismatches)}" for r in original if not r.ok
    ]
    passing = [
        r.assessed
        for r in original
        if r.ok
        and r.decision is not None
        and r.assessed is not None
        and outcome_of(r.decision)[0] == fw.decision.pass_status
    ] + _passing_examples(fw, registry)
    starts = passing[:_LIVENESS_BASES]
    live = rule_liveness(fw, registry, starts, budget=_BUDGET)
    problems += [f"rule liveness: {text}" for text in _liveness_problems(live).values()]
    problems += [f"sensitivity: {text}" for text in _sensitivity_failures(passing, registry)]
    valid, invalid = mutants(fw, registry)
    listed = {e.mutant: e.reason for table in tables for e in table.equivalent}
    known = {m.id for m in valid}
    problems += [
        f"equivalent mutant {m!r} is not one of this framework's mutants"
        for m in listed
        if m not in known
    ]
    results = []
    for mutant in valid:
        killer = _kill(mutant, tables, registry, bases, starts, passing, live)
        if mutant.id in listed:
            if killer:
                problems.append(f"mutant {mutant.id!r} is listed as equivalent, but {killer}")
            results.append(MutantResult(mutant=mutant, status="equivalent", by=listed[mutant.id]))
        elif killer:
            results.append(MutantResult(mutant=mutant, status="killed", by=killer))
        else:
            results.append(MutantResult(mutant=mutant, status="survived"))
    return MutationReport(
        framework=fw.id,
        results=tuple(results),
        invalid=tuple(invalid),
        cases=len(original),
        problems=tuple(problems),
    )


def _kill(
    mutant: Mutant,
    tables: Sequence[DecisionTable],
    registry: Registry,
    bases: Bases,
    starts: Sequence[AssessmentCase],
    passing: Sequence[AssessmentCase],
    original: LivenessReport,
) -> str:
    """What kills ``mutant`` ('' if nothing does)."""
    fw = mutant.framework
    for table in tables:
        try:
            found = _first_failure(run_table(table, registry, framework=fw, bases=bases))
        except (QmframeError, ValueError) as exc:
            found = f"the table cannot run: {exc}"
        if found:
            return f"killed by {found}"
    before = _liveness_problems(original)
    after = _liveness_problems(rule_liveness(fw, registry, starts, budget=_BUDGET))
    for rule, text in after.items():
        if rule not in before:
            return f"killed by rule liveness: {text}"
    moved = [attrs.evolve(case, framework=fw) for case in passing]
    failures = _sensitivity_failures(moved, registry)
    if failures:
        return f"killed by sensitivity: {failures[0]}"
    return ""


# -- the command -------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m qmframe.testing.mutate FRAMEWORK``: print the score; 1 if a mutant survives."""
    parser = argparse.ArgumentParser(
        prog="python -m qmframe.testing.mutate",
        description=(
            "Mutate a framework's own rules and show which mutants its decision tables, rule "
            "liveness and sensitivity kill."
        ),
    )
    parser.add_argument("framework", help="an installed framework's id")
    parser.add_argument(
        "--cases",
        action="append",
        default=[],
        metavar="PATH",
        help="a decision table or a folder of them (default: the plugin's own package)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="list the killed mutants too, with their killer",
    )
    args = parser.parse_args(argv)
    from qmframe.api import default_registry

    registry = default_registry()
    try:
        tables = find_tables(args.framework, registry, folders=args.cases) if args.cases else None
        report = mutation_score(args.framework, registry=registry, tables=tables)
    except ValidationError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(report.describe(verbose=args.verbose))
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
