"""Decision tables: a framework's expected outcomes, written as data beside its plugin.

A decision table is a TOML file whose name ends in ``.cases.toml``. Each
``[[case]]`` either starts from a base (a registered example, or a
submission and review file beside the table) and changes it, or is written
out as ratings and judgements; ``[case.expect]`` says what the decision
must be. qmframe's pytest plugin collects every case as a test item, and a
failing case prints the decision's explanation next to what was expected.
The same tables are what :mod:`qmframe.testing.mutate` runs against each
mutant of the framework's rules. The file format::

    framework = "example-charter"      # the framework's id (required)
    base = "example-riverside"         # a registered example every case starts from
    as_of = 2026-03-02                 # the decision date (or per case)

    [[case]]
    id = "one-criterion-not-yet"       # unique in the file (required)
    source = "the charter's rule: every applicable criterion met"
    levels = { support-1 = "not-yet" } # the decided level: every judgement, or the rating
    [case.expect]
    status = "not-yet-awarded"
    failing = ["all-met"]              # the require and veto rules that fail, exactly
    unmet = ["support-1"]              # the unmet targets, exactly

    [[equivalent]]                     # a mutant no case can kill, and why
    mutant = "scope-widen:offer-published"
    reason = "no criterion outside the minimum offer asks for evidence"

See the "Decision tables" section of the testing guide for every key.
Nothing here needs hypothesis.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import attrs

from qmframe.decision import Decision
from qmframe.errors import Problem, ValidationError
from qmframe.files import Source, file_label, read_document, read_review, read_submission
from qmframe.framework import Framework
from qmframe.index import FrameworkIndex
from qmframe.plugins import Registry
from qmframe.submission import (
    ActionItem,
    EvidenceItem,
    Judgement,
    Organisation,
    Rating,
    Review,
    Reviewer,
    Submission,
)
from qmframe.testing.edits import (
    AssessmentCase,
    drop_actions,
    drop_evidence,
    justification_for,
    mark_not_applicable,
    merged,
    set_level,
    set_organisation,
)
from qmframe.testing.liveness import explanation_lines

__all__ = [
    "SUFFIX",
    "Bases",
    "CaseResult",
    "DecisionTable",
    "Equivalent",
    "Expect",
    "OrganisationChange",
    "TableCase",
    "find_tables",
    "load_table",
    "run_case",
    "run_table",
]

#: The file-name ending that marks a decision table.
SUFFIX = ".cases.toml"


@attrs.frozen(kw_only=True)
class Expect:
    """What a case's decision must be; every key left out is not checked.

    ``status`` is the decision's status (``indication`` for one);
    ``indicated_status`` what an indication's rules concluded; ``passed`` and
    ``basis`` as on the decision; ``award_level`` the award level reached
    (for a qmframe with award levels); ``highlights``, ``unmet`` and
    ``failing`` the highlighted targets, unmet targets and failing
    ``require``/``veto`` rules, each compared as a set and exactly;
    ``holds`` the result of named rules (of any effect); ``valid_from``,
    ``valid_until`` and ``midpoint_due`` the award's dates; ``refused`` that
    the checks refuse the case, with errors at exactly these paths (no
    decision is made).
    """

    status: str = ""
    indicated_status: str | None = None
    passed: bool | None = None
    basis: str | None = None
    award_level: str | None = None
    highlights: tuple[str, ...] | None = None
    unmet: tuple[str, ...] | None = None
    failing: tuple[str, ...] | None = None
    holds: Mapping[str, bool] = attrs.field(factory=dict)
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    midpoint_due: dt.date | None = None
    refused: tuple[str, ...] | None = None


@attrs.frozen(kw_only=True)
class OrganisationChange:
    """Fields of the organisation to change (``linked`` replaces the whole table)."""

    id: str | None = None
    name: str | None = None
    kind: str | None = None
    context: str | None = None
    linked: Mapping[str, str] | None = None


@attrs.frozen(kw_only=True)
class TableCase:
    """One row of a decision table: where it starts, what it changes, what it expects.

    Where it starts: ``base`` (a registered example's name), or
    ``submission`` and ``review`` (files beside the table), or nothing (a
    case written out from ``organisation``, ``ratings``, ``levels`` and
    ``panel``). The table's own ``base``, ``submission``, ``review`` and
    ``as_of`` are the defaults. ``reviewed = false`` drops the review;
    ``true`` makes one (by the framework's number of reviewers) for a case
    written out. The changes, applied in this order: ``organisation``,
    ``details`` (a value of "" removes the key), ``previous_award``,
    ``drop_evidence`` and ``add_evidence``, ``drop_actions`` (ids, or
    ``["*"]`` for all) and ``add_actions``, ``ratings`` (self-ratings),
    ``levels`` (the decided level: every reviewer's judgement, or without a
    review the rating), ``panel`` (one level per reviewer, in order), and
    ``not_applicable`` (targets marked so, their judgements dropped).
    """

    id: str
    description: str = ""
    source: str = ""
    base: str | None = None
    submission: str | None = None
    review: str | None = None
    reviewed: bool | None = None
    as_of: dt.date | None = None
    organisation: OrganisationChange | None = None
    details: Mapping[str, str] = attrs.field(factory=dict)
    previous_award: str | None = None
    drop_evidence: tuple[str, ...] = ()
    add_evidence: tuple[EvidenceItem, ...] = ()
    drop_actions: tuple[str, ...] = ()
    add_actions: tuple[ActionItem, ...] = ()
    ratings: Mapping[str, str] = attrs.field(factory=dict)
    levels: Mapping[str, str] = attrs.field(factory=dict)
    panel: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    not_applicable: tuple[str, ...] = ()
    expect: Expect = attrs.field(factory=Expect)


@attrs.frozen(kw_only=True)
class Equivalent:
    """A mutant of the framework no case can kill, with the reason it changes nothing."""

    mutant: str
    reason: str


@attrs.frozen(kw_only=True)
class DecisionTable:
    """A whole ``.cases.toml`` file; ``path`` is where it was read from."""

    framework: str
    description: str = ""
    base: str = ""
    submission: str = ""
    review: str = ""
    as_of: dt.date | None = None
    case: tuple[TableCase, ...] = ()
    equivalent: tuple[Equivalent, ...] = ()
    path: str = ""

    @property
    def cases(self) -> tuple[TableCase, ...]:
        return self.case


# -- reading -----------------------------------------------------------------------------------


def _line_of(text: str, case_id: str) -> int:
    """The 1-based line of a case's ``id = "..."``, or 0."""
    match = re.search(rf'^\s*id\s*=\s*["\']{re.escape(case_id)}["\']', text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else 0


def load_table(source: Source) -> DecisionTable:
    """Read and check a decision table; every problem raises at once, located."""
    table = read_document(source, DecisionTable)
    label = file_label(source)
    problems = []
    seen: dict[str, int] = {}
    if not table.framework:
        problems.append(Problem("must name the framework's id", "framework", label))
    for i, case in enumerate(table.case):
        path = f"case[{i}]"
        if case.id in seen:
            problems.append(
                Problem(
                    f"duplicate case id {case.id!r} (first at case[{seen[case.id]}])",
                    f"{path}.id",
                    label,
                    code="duplicate-id",
                )
            )
        seen.setdefault(case.id, i)
        expect = case.expect
        if not expect.status and expect.refused is None:
            problems.append(
                Problem(
                    "say what is expected: a status, or refused = [paths]",
                    f"{path}.expect.status",
                    label,
                    code="missing-value",
                )
            )
        if expect.status and expect.refused is not None:
            problems.append(
                Problem(
                    "a refused case has no status; give one or the other",
                    f"{path}.expect.refused",
                    label,
                    code="inconsistent",
                )
            )
        starts = [k for k in ("base", "submission") if getattr(case, k)]
        if len(starts) > 1:
            problems.append(
                Problem(
                    "start from a base example or a submission file, not both",
                    f"{path}.base",
                    label,
                    code="inconsistent",
                )
            )
        from_example = bool(case.base) or (case.base is None and not case.submission and table.base)
        if case.as_of is None and table.as_of is None and not from_example:
            problems.append(
                Problem(
                    "give the decision date (as_of), here or for the whole table "
                    "(a case from an example takes the example's)",
                    f"{path}.as_of",
                    label,
                    code="missing-value",
                )
            )
    seen_mutants: set[str] = set()
    for i, equivalent in enumerate(table.equivalent):
        if not equivalent.reason.strip():
            problems.append(
                Problem(
                    "say why this mutant changes nothing",
                    f"equivalent[{i}].reason",
                    label,
                    code="missing-value",
                )
            )
        if equivalent.mutant in seen_mutants:
            problems.append(
                Problem(
                    f"mutant {equivalent.mutant!r} is listed twice",
                    f"equivalent[{i}].mutant",
                    label,
                    code="duplicate-id",
                )
            )
        seen_mutants.add(equivalent.mutant)
    if problems:
        raise ValidationError(problems)
    return attrs.evolve(table, path=label)


def case_line(table: DecisionTable, case: TableCase) -> int:
    """Where a case starts in its file (1-based), or 0 when unknown."""
    try:
        return _line_of(Path(table.path).read_text(encoding="utf-8"), case.id)
    except OSError:
        return 0


def find_tables(
    framework_id: str, registry: Registry, *, folders: Iterable[Source] = ()
) -> list[DecisionTable]:
    """The decision tables for ``framework_id``: in ``folders``, or in its plugin's package.

    Without folders, the tables are looked for (recursively) in the package
    of the plugin that supplied the framework.
    """
    places: list[Source] = list(folders)
    if not places:
        package = _plugin_package(framework_id, registry)
        if package is not None:
            places.append(package)
    found: list[DecisionTable] = []
    for place in places:
        for path in sorted(_walk(place), key=str):
            table = load_table(path)
            if table.framework == framework_id:
                found.append(table)
    return found


def _walk(place: Source) -> Iterable[Source]:
    if isinstance(place, (str, os.PathLike)):
        root = Path(place)
        if root.is_file():
            return [root] if root.name.endswith(SUFFIX) else []
        return [
            p
            for p in root.rglob(f"*{SUFFIX}")
            if not any(part.startswith(".") for part in p.relative_to(root).parts)
        ]
    return _walk_traversable(place)


def _walk_traversable(place: Traversable) -> list[Traversable]:
    out: list[Traversable] = []
    for child in place.iterdir():
        if child.is_dir():
            if not child.name.startswith((".", "__")):
                out += _walk_traversable(child)
        elif child.name.endswith(SUFFIX):
            out.append(child)
    return out


def _plugin_package(framework_id: str, registry: Registry) -> Traversable | None:
    """The package of the plugin that supplied ``framework_id`` (None: not a package)."""
    from importlib.resources import files

    supplied = registry.frameworks().get(framework_id)
    if supplied is None:
        return None
    for name, plugin in registry.pm.list_name_plugin():
        module = getattr(plugin, "__name__", "")
        if plugin is None or not module or module.startswith("qmframe."):
            continue
        if registry._label(name) != supplied.plugin:  # the label the registry gives plugins
            continue
        try:
            return files(module.split(".")[0])
        except (ModuleNotFoundError, TypeError):
            return None
    return None


# -- running -----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CaseResult:
    """One case run: the case as assessed, its decision (or the problems refusing it).

    ``mismatches`` lists each way the decision differs from what was
    expected; empty means the case passes.
    """

    table: DecisionTable
    case: TableCase
    assessed: AssessmentCase | None
    decision: Decision | None
    problems: tuple[Problem, ...]
    mismatches: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def describe(self) -> str:
        """What was expected next to what the decision says, then the explanation."""
        where = f"{self.table.path}, case {self.case.id!r}"
        lines = [f"{where}: the decision is not what the table expects"]
        if self.case.source:
            lines.append(f"  (expected because: {self.case.source})")
        lines += [f"  {m}" for m in self.mismatches]
        if self.decision is not None:
            lines.append("explanation:")
            lines += [f"  {line}" for line in explanation_lines(self.decision)]
            lines.append(f"unmet: {_unmet_targets(self.decision) or 'none'}")
        elif self.problems:
            lines.append("refused by the checks:")
            lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)


class Bases:
    """Base submissions and reviews, read once and reused by every case and mutant.

    Give one to :func:`run_case` or :func:`run_table` when running many
    cases against one registry (the mutation score does).
    """

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._read: dict[tuple[str, str], Any] = {}

    def _document(self, kind: str, source: Source) -> Any:
        key = (kind, str(source))
        if key not in self._read:
            reader = read_submission if kind == "submission" else read_review
            self._read[key] = reader(source)
        return self._read[key]

    def base(
        self, table: DecisionTable, case: TableCase
    ) -> tuple[Submission | None, Review | None, str]:
        """The base submission and review, and the date the example gives ('' if none)."""
        name = case.base if case.base is not None else ("" if case.submission else table.base)
        if name:
            found = self.registry.examples.get(name)
            if found is None:
                known = ", ".join(sorted(self.registry.examples)) or "none"
                raise ValidationError(
                    [
                        Problem(
                            f"unknown example {name!r} (registered: {known})",
                            "base",
                            table.path,
                            code="unknown-reference",
                        )
                    ]
                )
            example = found.value
            review = self._document("review", example.review) if example.review else None
            return self._document("submission", example.submission), review, example.as_of
        submission_file = case.submission or table.submission
        if not submission_file:
            return None, None, ""
        folder = Path(table.path).parent
        review_file = case.review if case.review is not None else table.review
        review = self._document("review", folder / review_file) if review_file else None
        return self._document("submission", folder / submission_file), review, ""


def _written_out(framework: Framework, case: TableCase) -> tuple[Submission, Review | None]:
    """A case written as ratings and judgements only: the submission and review it means."""
    change = case.organisation or OrganisationChange()
    org = Organisation(
        id=change.id or "org",
        name=change.name or "Organisation",
        kind=change.kind
        or (framework.organisation_kinds[0] if framework.organisation_kinds else ""),
        context=change.context or (framework.contexts[0].id if framework.contexts else ""),
        linked=dict(change.linked or {}),
    )
    rated = {**case.levels, **case.ratings}
    submission = Submission(
        framework=framework.id,
        framework_version=framework.version,
        organisation=org,
        ratings=tuple(
            Rating(target=t, level=lv, justification=justification_for(framework, t))
            for t, lv in rated.items()
        ),
    )
    reviewed = case.reviewed if case.reviewed is not None else framework.review.required
    if not reviewed:
        return submission, None
    count = max(
        framework.review.min_reviewers, max((len(v) for v in case.panel.values()), default=1)
    )
    reviewers = tuple(
        Reviewer(id=f"reviewer-{i + 1}", name=f"Reviewer {i + 1}") for i in range(count)
    )
    return submission, Review(
        framework=framework.id,
        framework_version=framework.version,
        organisation=org.id,
        reviewers=reviewers,
    )


def build_case(
    framework: Framework,
    table: DecisionTable,
    case: TableCase,
    bases: Bases,
) -> AssessmentCase:
    """The case a table row means, ready to assess."""
    submission, review, example_date = bases.base(table, case)
    written_out = submission is None
    if submission is None:
        submission, review = _written_out(framework, case)
    as_of = case.as_of or table.as_of
    if as_of is None:
        if not example_date:
            raise ValidationError(
                [
                    Problem(
                        f"case {case.id!r} needs a decision date (as_of): its example gives none",
                        "as_of",
                        table.path,
                        code="missing-value",
                    )
                ]
            )
        as_of = dt.date.fromisoformat(example_date)
    if review is not None and case.reviewed is False:
        review = None
    if review is None and case.reviewed is True and not written_out:
        _, made = _written_out(framework, attrs.evolve(case, reviewed=True))
        assert made is not None
        review = attrs.evolve(made, organisation=submission.organisation.id)
    built = AssessmentCase(framework=framework, submission=submission, review=review, as_of=as_of)
    return _changed(built, case, written_out)


def _changed(built: AssessmentCase, case: TableCase, written_out: bool) -> AssessmentCase:
    index = FrameworkIndex.build(built.framework)
    if case.organisation is not None and not written_out:
        fields = {
            k: v for k, v in attrs.asdict(case.organisation, recurse=False).items() if v is not None
        }
        built = set_organisation(built, **fields)
    sub = built.submission
    if case.details:
        sub = attrs.evolve(sub, details=merged(sub.details, case.details))
    if case.previous_award is not None:
        sub = attrs.evolve(sub, previous_award=case.previous_award)
    built = attrs.evolve(built, submission=sub)
    if case.drop_evidence:
        built = drop_evidence(built, case.drop_evidence)
    if case.add_evidence:
        sub = built.submission
        built = attrs.evolve(
            built, submission=attrs.evolve(sub, evidence=sub.evidence + case.add_evidence)
        )
    if case.drop_actions:
        ids = (
            [a.id for a in built.submission.actions]
            if case.drop_actions == ("*",)
            else case.drop_actions
        )
        built = drop_actions(built, ids)
    if case.add_actions:
        sub = built.submission
        built = attrs.evolve(
            built, submission=attrs.evolve(sub, actions=sub.actions + case.add_actions)
        )
    if case.ratings and not written_out:
        ratings = list(built.submission.ratings)
        for target, level in case.ratings.items():
            # The rating keeps its own words (narrative, justification), as a resubmission would.
            old = next((r for r in ratings if r.target == target and not r.not_applicable), None)
            ratings = [r for r in ratings if r.target != target]
            if old is not None:
                ratings.append(attrs.evolve(old, level=level))
            else:
                ratings.append(
                    Rating(
                        target=target,
                        level=level,
                        justification=justification_for(built.framework, target),
                    )
                )
        built = attrs.evolve(
            built, submission=attrs.evolve(built.submission, ratings=tuple(ratings))
        )
    for target, level in case.levels.items():
        built = set_level(built, target, level, index=index)
    for target, levels in case.panel.items():
        built = _split(built, target, levels)
    for target in case.not_applicable:
        built = mark_not_applicable(built, target, index=index)
    return built


def _split(built: AssessmentCase, target: str, levels: Sequence[str]) -> AssessmentCase:
    """Each reviewer, in order, judges ``target`` at the next of ``levels``."""
    review = built.review
    if review is None:
        return built
    kept = tuple(j for j in review.judgements if j.target != target)
    given = tuple(
        Judgement(target=target, level=level, reviewer=reviewer.id, rationale="")
        for reviewer, level in zip(review.reviewers, levels, strict=False)
    )
    return attrs.evolve(built, review=attrs.evolve(review, judgements=kept + given))


def _unmet_targets(decision: Decision) -> list[str]:
    return sorted({u.target for u in decision.unmet if u.target})


def _compare(case: TableCase, decision: Decision) -> list[str]:
    expect = case.expect
    out = []

    def differ(name: str, wanted: Any, got: Any) -> None:
        if wanted is not None and wanted != got:
            out.append(f"{name}: expected {wanted!r}, got {got!r}")

    differ("status", expect.status or None, decision.status)
    differ("indicated_status", expect.indicated_status, decision.indicated_status)
    differ("passed", expect.passed, decision.passed)
    differ("basis", expect.basis, decision.basis)
    differ("award_level", expect.award_level, decision.award_level)
    if expect.highlights is not None:
        differ(
            "highlights",
            sorted(set(expect.highlights)),
            sorted({h.target for h in decision.highlights}),
        )
    if expect.unmet is not None:
        differ("unmet", sorted(set(expect.unmet)), _unmet_targets(decision))
    if expect.failing is not None:
        failing = sorted(
            o.rule for o in decision.explanation if o.effect in ("require", "veto") and not o.holds
        )
        differ("failing", sorted(set(expect.failing)), failing)
    results = {o.rule: o.holds for o in decision.explanation}
    for rule, holds in expect.holds.items():
        if rule not in results:
            out.append(f"holds.{rule}: expected {holds}, but the rule is not in the explanation")
        else:
            differ(f"holds.{rule}", holds, results[rule])
    differ("valid_from", expect.valid_from, decision.valid_from)
    differ("valid_until", expect.valid_until, decision.valid_until)
    differ("midpoint_due", expect.midpoint_due, decision.midpoint_due)
    if expect.refused is not None:
        out.append(f"refused: expected the checks to refuse it at {list(expect.refused)}")
    return out


def run_case(
    table: DecisionTable,
    case: TableCase,
    registry: Registry,
    *,
    framework: Framework | None = None,
    bases: Bases | None = None,
) -> CaseResult:
    """Build, assess and compare one case; ``framework`` replaces the table's (for mutants)."""
    fw = framework if framework is not None else registry.framework(table.framework)
    bases = bases or Bases(registry)
    built = build_case(fw, table, case, bases)
    try:
        decision = registry.assessor(fw).assess(built.submission, built.review, as_of=built.as_of)
    except ValidationError as exc:
        errors = tuple(p for p in exc.problems if p.severity == "error")
        refused = case.expect.refused
        got = sorted({p.path for p in errors})
        mismatches: tuple[str, ...] = ()
        if refused is None:
            mismatches = (f"refused by the checks, at {got}",)
        elif sorted(set(refused)) != got:
            mismatches = (f"refused: expected problems at {sorted(set(refused))}, got {got}",)
        return CaseResult(
            table=table,
            case=case,
            assessed=built,
            decision=None,
            problems=errors,
            mismatches=mismatches,
        )
    return CaseResult(
        table=table,
        case=case,
        assessed=built,
        decision=decision,
        problems=(),
        mismatches=tuple(_compare(case, decision)),
    )


def run_table(
    table: DecisionTable,
    registry: Registry,
    *,
    framework: Framework | None = None,
    bases: Bases | None = None,
) -> list[CaseResult]:
    """Every case of a table, in order."""
    bases = bases or Bases(registry)
    return [
        run_case(table, case, registry, framework=framework, bases=bases) for case in table.case
    ]
