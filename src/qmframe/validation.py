"""Checks that go beyond types: references, duplicates, and what the framework allows.

Each function returns every problem it finds, located by the path people see
in the file (``sections[2].criteria[5].scale``), so one run of ``qmframe
validate`` shows the whole list. Nothing here raises for bad input.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Collection, Container, Iterable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from qmframe import details
from qmframe.errors import Problem
from qmframe.framework import (
    DEFAULT_JUSTIFICATION,
    Criterion,
    Framework,
    Justification,
    JustificationNeed,
    Lifecycle,
    RecurringEvent,
    Rule,
    Scale,
    SubmissionDetail,
)
from qmframe.frozen import EMPTY
from qmframe.index import FrameworkIndex
from qmframe.limits import MAX_EVIDENCE_BYTES, MAX_VALIDITY_MONTHS
from qmframe.rules import RuleKind
from qmframe.scales import AGGREGATES
from qmframe.submission import Review, Submission
from qmframe.vocabulary import (
    ACTION_STATUSES,
    COMBINATIONS,
    DERIVED,
    DETAIL_TYPES,
    EFFECTS,
    FIGURE_TYPES,
    GRANTING,
    INDICATION,
    PROVENANCES,
    PUBLIC_FIELDS,
    STATES,
    SUBMISSION_KINDS,
    allowed,
    start_states,
)

__all__ = [
    "check_details",
    "check_framework",
    "check_lifecycle",
    "check_review",
    "check_submission",
]

# \Z, not $: "$" also matches before a final newline, and an id must not end in one.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
#: Ids as _ID has them, each followed by a newline: matched against many ids joined (_all_ids).
_ID_LINES = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9._-]*\n)*\Z")
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
#: Candidate web addresses in free text; :func:`urllib.parse.urlsplit` then wants a host.
_WEB_ADDRESS = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
#: Provenance names as they read in the notice for non-official text.
_AS_ADJECTIVE = {"paraphrase": "paraphrased"}


def _ids(items: Iterable[tuple[str, str]], what: str) -> list[Problem]:
    """Malformed and duplicate ids among ``(path, id)`` pairs."""
    problems = []
    seen: dict[str, str] = {}
    for path, item_id in items:
        if not _ID.match(item_id):
            problems.append(
                Problem(
                    f"{what} id {item_id!r} must start with a letter or digit and use only "
                    "letters, digits, '.', '_' and '-'",
                    f"{path}.id",
                    code="bad-id",
                )
            )
        elif item_id in seen:
            problems.append(
                Problem(
                    f"duplicate {what} id {item_id!r} (first at {seen[item_id]})",
                    f"{path}.id",
                    code="duplicate-id",
                )
            )
        else:
            seen[item_id] = path
    return problems


def _all_ids(ids: Collection[str]) -> bool:
    """Whether every one of ``ids`` is well formed (as ``_ID`` says), in one regex match.

    A framework's every section and criterion id is checked on every load: matched as one
    text they cost a third of a thousand matches one by one. An id holding a newline would
    read as two lines, so the lines are counted too.
    """
    if not ids:
        return True
    text = "\n".join(ids) + "\n"
    return text.count("\n") == len(ids) and _ID_LINES.match(text) is not None


def _one_of(value: str, allowed: Iterable[str], path: str, what: str) -> list[Problem]:
    allowed = tuple(allowed)
    if value in allowed:
        return []
    return [
        Problem(
            f"unknown {what} {value!r} (expected one of: {', '.join(allowed)})",
            path,
            code="unknown-choice",
        )
    ]


def _known(values: Iterable[str], known: Container[str], path: str, what: str) -> list[Problem]:
    return [
        Problem(f"unknown {what} {v!r}", path, code="unknown-reference")
        for v in values
        if v not in known
    ]


def _check_evidence(
    criterion: Criterion, evidence_types: Container[str], cpath: str
) -> list[Problem]:  # pragma: no mutate block
    """The evidence requirements of one criterion (at ``cpath``), for check_framework."""
    problems = []
    for k, req in enumerate(criterion.evidence):
        rpath = f"{cpath}.evidence[{k}]"
        if not req.types:
            problems.append(
                Problem("name at least one evidence type", f"{rpath}.types", code="missing-value")
            )
        problems += _known(req.types, evidence_types, f"{rpath}.types", "evidence type")
        if req.min_count < 1:
            problems.append(
                Problem("must be at least 1", f"{rpath}.min_count", code="out-of-range")
            )
    return problems


def _check_mappings(
    mappings: Mapping[str, tuple[str, ...]], outcomes: Mapping[str, frozenset[str]], path: str
) -> list[Problem]:  # pragma: no mutate block
    """A criterion's mappings (at ``path``), for check_framework: known outcome sets, and
    outcomes in them."""
    problems = []
    for set_id, outcome_ids in mappings.items():
        if set_id not in outcomes:
            problems.append(
                Problem(f"unknown outcome set {set_id!r}", path, code="unknown-reference")
            )
        else:
            problems += _known(outcome_ids, outcomes[set_id], f"{path}.{set_id}", "outcome")
    return problems


def check_framework(
    framework: Framework, rule_kinds: Mapping[str, RuleKind] | None = None
) -> list[Problem]:  # pragma: no mutate block
    """Every problem in a structured framework; notices for non-official text.

    ``rule_kinds`` maps kind names to implementations; without it, rules are
    not checked against their kinds (only their common keys are).
    """
    index = FrameworkIndex.build(framework)
    problems: list[Problem] = []
    fw = framework
    problems += (
        _ids([("", fw.id)], "framework")
        if fw.id
        else [Problem("must not be empty", "id", code="missing-value")]
    )
    if not fw.version:
        problems.append(Problem("must not be empty", "version", code="missing-value"))
    contexts = {c.id for c in fw.contexts}
    problems += _ids(((f"contexts[{i}]", c.id) for i, c in enumerate(fw.contexts)), "context")
    problems += _ids(((f"scales[{i}]", s.id) for i, s in enumerate(fw.scales)), "scale")
    for i, scale in enumerate(fw.scales):
        path = f"scales[{i}]"
        problems += _ids(
            ((f"{path}.levels[{j}]", lv.id) for j, lv in enumerate(scale.levels)), "level"
        )
        if not scale.levels:
            problems.append(
                Problem("a scale needs at least one level", f"{path}.levels", code="missing-value")
            )
        elif not any(level.meets for level in scale.levels):
            problems.append(
                Problem(
                    "no level meets the criterion",
                    f"{path}.levels",
                    "",
                    "warning",
                    code="inconsistent",
                )
            )
        elif any(a.meets and not b.meets for a, b in itertools.pairwise(scale.levels)):
            problems.append(
                Problem(
                    "a meeting level sits below a non-meeting one (levels are listed lowest first)",
                    f"{path}.levels",
                    code="inconsistent",
                )
            )
    problems += _ids(
        ((f"evidence_types[{i}]", e.id) for i, e in enumerate(fw.evidence_types)), "evidence type"
    )
    evidence_types = {e.id for e in fw.evidence_types}
    problems += _ids(
        ((f"outcome_sets[{i}]", o.id) for i, o in enumerate(fw.outcome_sets)), "outcome set"
    )
    for i, outcome_set in enumerate(fw.outcome_sets):
        path = f"outcome_sets[{i}]"
        problems += _ids(
            ((f"{path}.outcomes[{j}]", o.id) for j, o in enumerate(outcome_set.outcomes)), "outcome"
        )
        total = outcome_set.expected_total
        if total is not None and total != len(outcome_set.outcomes):
            problems.append(
                Problem(
                    f"expected {total} outcomes, found {len(outcome_set.outcomes)}",
                    f"{path}.outcomes",
                    code="out-of-range",
                )
            )
        for j, outcome in enumerate(outcome_set.outcomes):
            problems += _one_of(
                outcome.provenance, PROVENANCES, f"{path}.outcomes[{j}].provenance", "provenance"
            )
            if outcome_set.groups and outcome.group not in outcome_set.groups:
                problems.append(
                    Problem(
                        f"unknown group {outcome.group!r}",
                        f"{path}.outcomes[{j}].group",
                        code="unknown-reference",
                    )
                )
        # Placeholders stand in for text not yet obtained; say so, so they are filled in.
        stand_ins = sum(1 for o in outcome_set.outcomes if o.provenance == "placeholder")
        if stand_ins:
            problems.append(
                Problem(
                    f"{stand_ins} of {len(outcome_set.outcomes)} outcomes are placeholders "
                    "for text not available yet",
                    path,
                    severity="notice",
                    code="placeholder-text",
                )
            )
    kinds = set(fw.organisation_kinds)
    n_targets = len(fw.sections) + sum(len(s.criteria) for s in fw.sections)
    if len(index.targets) != n_targets or not _all_ids(index.targets):
        targets = [(f"sections[{i}]", s.id) for i, s in enumerate(fw.sections)]
        targets += [
            (f"sections[{i}].criteria[{j}]", c.id)
            for i, s in enumerate(fw.sections)
            for j, c in enumerate(s.criteria)
        ]
        problems += _ids(targets, "section or criterion")
    non_official = Counter[str]()
    # Looked up once per criterion: a set's and a dict's own `in` (C code), not a
    # FrozenMap's (a Python method call each time).
    scale_ids = set(index.scales)
    outcomes = dict(index.outcomes)
    for i, section in enumerate(fw.sections):
        path = f"sections[{i}]"
        # As for criteria below: each test is a cheap one first, and the helpers that build
        # paths and messages are called only where there is something to look at.
        if section.provenance != "official":
            problems += _one_of(section.provenance, PROVENANCES, f"{path}.provenance", "provenance")
            non_official[section.provenance] += 1
        section_scale = section.scale
        if section_scale and section_scale not in scale_ids:
            problems.append(
                Problem(
                    f"unknown scale {section_scale!r}", f"{path}.scale", code="unknown-reference"
                )
            )
        if section.aggregate:
            if section.aggregate not in AGGREGATES:
                problems += _one_of(section.aggregate, AGGREGATES, f"{path}.aggregate", "aggregate")
            if not section_scale:
                problems.append(
                    Problem(
                        "aggregate needs the section's own scale",
                        f"{path}.aggregate",
                        code="missing-value",
                    )
                )
            for j, criterion in enumerate(section.criteria):
                if criterion.scale and criterion.scale != section_scale:
                    problems.append(
                        Problem(
                            "criteria of an aggregated section must use its scale "
                            f"{section_scale!r}",
                            f"{path}.criteria[{j}].scale",
                            code="inconsistent",
                        )
                    )
        if section.applicability.contexts:
            problems += _known(
                section.applicability.contexts,
                contexts,
                f"{path}.applicability.contexts",
                "context",
            )
        if kinds and section.applicability.organisation_kinds:
            problems += _known(
                section.applicability.organisation_kinds,
                kinds,
                f"{path}.applicability.organisation_kinds",
                "organisation kind",
            )
        if section.context_guidance is not EMPTY and section.context_guidance:
            problems += _known(
                section.context_guidance, contexts, f"{path}.context_guidance", "context"
            )
        if section.justification is not None:
            problems += _check_justification(section.justification, f"{path}.justification")
        for j, criterion in enumerate(section.criteria):
            # This loop runs once per criterion, and nearly every criterion is sound: each
            # test is a cheap one first, and a path is only built where there is a problem.
            if criterion.provenance != "official":
                non_official[criterion.provenance] += 1
                problems += _one_of(
                    criterion.provenance,
                    PROVENANCES,
                    f"{path}.criteria[{j}].provenance",
                    "provenance",
                )
            scale_id = criterion.scale or section_scale
            if not scale_id:
                problems.append(
                    Problem(
                        "no scale: set one here or on the section",
                        f"{path}.criteria[{j}].scale",
                        code="missing-value",
                    )
                )
            elif scale_id not in scale_ids:
                problems.append(
                    Problem(
                        f"unknown scale {scale_id!r}",
                        f"{path}.criteria[{j}].scale",
                        code="unknown-reference",
                    )
                )
            if criterion.weight is not None and criterion.weight < 0:
                problems.append(
                    Problem(
                        "a weight cannot be negative",
                        f"{path}.criteria[{j}].weight",
                        code="out-of-range",
                    )
                )
            if criterion.evidence:
                problems += _check_evidence(criterion, evidence_types, f"{path}.criteria[{j}]")
            applicability = criterion.applicability
            if applicability.contexts:
                problems += _known(
                    applicability.contexts,
                    contexts,
                    f"{path}.criteria[{j}].applicability.contexts",
                    "context",
                )
            if kinds and applicability.organisation_kinds:
                problems += _known(
                    applicability.organisation_kinds,
                    kinds,
                    f"{path}.criteria[{j}].applicability.organisation_kinds",
                    "organisation kind",
                )
            # `is not EMPTY` first: the shared empty table (the default) is told apart
            # without calling FrozenMap.__len__; any other table is then tested as usual.
            guidance = criterion.context_guidance
            if guidance is not EMPTY and guidance:
                problems += _known(
                    guidance, contexts, f"{path}.criteria[{j}].context_guidance", "context"
                )
            if criterion.justification is not None:
                problems += _check_justification(
                    criterion.justification, f"{path}.criteria[{j}].justification"
                )
            mappings = criterion.mappings
            if mappings is not EMPTY and mappings:
                problems += _check_mappings(mappings, outcomes, f"{path}.criteria[{j}].mappings")
    problems += _check_decision(fw, index, rule_kinds)
    problems += _check_award_levels(fw)
    problems += _check_labels(fw)
    if fw.review.min_reviewers < 1:
        problems.append(Problem("must be at least 1", "review.min_reviewers", code="out-of-range"))
    problems += _one_of(fw.review.combine, COMBINATIONS, "review.combine", "combination")
    if fw.validity.months < 0 or fw.validity.midpoint_months < 0:
        problems.append(Problem("months cannot be negative", "validity", code="out-of-range"))
    for field in ("months", "midpoint_months"):
        if getattr(fw.validity, field) > MAX_VALIDITY_MONTHS:
            problems.append(
                Problem(
                    f"at most {MAX_VALIDITY_MONTHS} months (100 years)",
                    f"validity.{field}",
                    code="out-of-range",
                )
            )
    if fw.validity.midpoint_months and fw.validity.midpoint_months >= fw.validity.months:
        problems.append(
            Problem(
                "the mid-point must fall before the end of the award",
                "validity.midpoint_months",
                code="out-of-range",
            )
        )
    problems += check_lifecycle(fw.lifecycle)
    problems += _check_recurring_in_validity(fw)
    problems += _check_declared_details(fw)
    problems += _check_disclosure(fw)
    problems += _known(fw.public_fields, PUBLIC_FIELDS, "public_fields", "public field")
    if non_official:
        # "12 illustrative and 5 paraphrased of 17 ...": a bare comma read as "5 paraphrase of 17".
        named = [f"{n} {_AS_ADJECTIVE.get(k, k)}" for k, n in sorted(non_official.items())]
        parts = ", ".join(named[:-1]) + " and " + named[-1] if len(named) > 1 else named[0]
        total = len(fw.sections) + len(index.criteria)
        problems.append(
            Problem(
                f"{parts} of {total} sections and criteria: not the owner's official text",
                severity="notice",
                code="not-official-text",
            )
        )
    return problems


def _check_decision(
    fw: Framework, index: FrameworkIndex, rule_kinds: Mapping[str, RuleKind] | None
) -> list[Problem]:  # pragma: no mutate block
    policy = fw.decision
    problems = []
    if not policy.pass_status or not policy.fail_status:
        problems.append(
            Problem(
                "pass_status and fail_status must both be named", "decision", code="missing-value"
            )
        )
    if policy.pass_status == policy.fail_status:
        problems.append(
            Problem(
                "pass_status and fail_status must differ",
                "decision.fail_status",
                code="inconsistent",
            )
        )
    statuses = [("decision.pass_status", policy.pass_status)]
    statuses += [("decision.fail_status", policy.fail_status)]
    statuses += [(f"decision.statuses[{i}]", status) for i, status in enumerate(policy.statuses)]
    problems += [
        Problem(
            f"{INDICATION!r} is qmframe's own status for a decision made without the "
            "reviewers the framework requires; choose another name",
            where,
            code="reserved-name",
        )
        for where, status in statuses
        if status == INDICATION
    ]
    if not policy.rules:
        problems.append(
            Problem("a framework needs at least one rule", "decision.rules", code="missing-value")
        )
    problems += _ids(((f"decision.rules[{i}]", r.id) for i, r in enumerate(policy.rules)), "rule")
    for i, rule in enumerate(policy.rules):
        path = f"decision.rules[{i}]"
        problems += _one_of(rule.effect, EFFECTS, f"{path}.effect", "effect")
        if rule.status and rule.status not in policy.all_statuses():
            problems.append(
                Problem(
                    f"unknown status {rule.status!r} (declare it in decision.statuses)",
                    f"{path}.status",
                    code="unknown-reference",
                )
            )
        if rule.status and rule.effect != "veto":
            problems.append(
                Problem(
                    "only a veto rule sets its own status", f"{path}.status", code="inconsistent"
                )
            )
        if rule_kinds is not None:
            problems += _check_rule(rule, index, rule_kinds, path)
    return problems


def _check_award_levels(fw: Framework) -> list[Problem]:
    """Award levels: ids, the rules they name, and rules that count only towards them."""
    problems = _ids(
        ((f"award_levels[{i}]", lv.id) for i, lv in enumerate(fw.award_levels)), "award level"
    )
    rules = {r.id: r for r in fw.decision.rules}
    named: set[str] = set()
    for i, level in enumerate(fw.award_levels):
        path = f"award_levels[{i}]"
        if not level.label.strip():
            problems.append(Problem("must not be empty", f"{path}.label", code="missing-value"))
        if i == 0 and level.rules:
            problems.append(
                Problem(
                    "the lowest award level is the award itself: it is reached when the "
                    "require and veto rules hold, so it names no rules of its own",
                    f"{path}.rules",
                    code="inconsistent",
                )
            )
        for rule_id in level.rules:
            rule = rules.get(rule_id)
            if rule is None:
                problems.append(
                    Problem(f"unknown rule {rule_id!r}", f"{path}.rules", code="unknown-reference")
                )
            elif rule.effect in ("require", "veto"):
                problems.append(
                    Problem(
                        f"rule {rule_id!r} is a {rule.effect} rule, which decides the award "
                        "itself; an award level names rules of effect 'level' (or inform or "
                        "highlight)",
                        f"{path}.rules",
                        code="inconsistent",
                    )
                )
            named.add(rule_id)
    for i, rule in enumerate(fw.decision.rules):
        if rule.effect == "level" and rule.id not in named:
            problems.append(
                Problem(
                    f"a rule of effect 'level' counts only towards the award levels that name "
                    f"it, and no award level names {rule.id!r}",
                    f"decision.rules[{i}].effect",
                    code="inconsistent",
                )
            )
    return problems


def _check_labels(fw: Framework) -> list[Problem]:
    """Status labels: each for a status the framework has, each with words."""
    problems = []
    statuses = (*fw.decision.all_statuses(), INDICATION)
    for status, label in fw.decision.labels.items():
        path = f"decision.labels.{status}"
        if status not in statuses:
            problems.append(
                Problem(
                    f"unknown status {status!r} (expected one of: {', '.join(statuses)})",
                    path,
                    code="unknown-reference",
                )
            )
        if not label.label.strip():
            problems.append(Problem("must not be empty", f"{path}.label", code="missing-value"))
    return problems


def _check_justification(policy: Justification, path: str) -> list[Problem]:
    problems = []
    for name in ("met", "notable", "unmet", "not_applicable"):
        need: JustificationNeed = getattr(policy, name)
        if need.min_chars < 0:
            problems.append(
                Problem("cannot be negative", f"{path}.{name}.min_chars", code="out-of-range")
            )
    if policy.unmet_satisfies and not policy.unmet.needed:
        problems.append(
            Problem(
                "an unmet rating satisfies it with no reason given: say what justification "
                "it needs in 'unmet'",
                f"{path}.unmet_satisfies",
                severity="warning",
                code="inconsistent",
            )
        )
    return problems


def _check_rule(
    rule: Rule, index: FrameworkIndex, rule_kinds: Mapping[str, RuleKind], path: str
) -> list[Problem]:  # pragma: no mutate block
    kind = rule_kinds.get(rule.kind)
    if kind is None:
        known = ", ".join(sorted(rule_kinds))
        return [
            Problem(
                f"unknown rule kind {rule.kind!r} (known: {known})",
                f"{path}.kind",
                code="unknown-reference",
            )
        ]
    try:
        found = kind.check(rule, index)
    except Exception as exc:  # a plugin's check must not turn bad input into a traceback
        return [
            Problem(
                f"rule kind {rule.kind!r} failed to check this rule: {exc!r}",
                path,
                code="plugin-failure",
            )
        ]
    return [problem.located(prefix=path) for problem in found]


def check_submission(
    submission: Submission, index: FrameworkIndex, folder: Path | None = None
) -> list[Problem]:
    """Every problem in a submission for ``index.framework``.

    ``folder`` is where the submission file lives: evidence paths must stay
    inside it, and a given sha256 is checked against the file when present.
    """
    fw = index.framework
    problems: list[Problem] = []
    if submission.framework != fw.id:
        problems.append(
            Problem(
                f"this submission is for framework {submission.framework!r}, not {fw.id!r}",
                "framework",
                code="wrong-framework",
            )
        )
        return problems
    if submission.framework_version != fw.version:
        problems.append(
            Problem(
                f"this submission is for version {submission.framework_version!r}"
                f" of {fw.id!r}; the framework given is version {fw.version!r}",
                "framework_version",
                code="wrong-framework",
            )
        )
    org = submission.organisation
    if not org.id:
        problems.append(Problem("must not be empty", "organisation.id", code="missing-value"))
    else:
        problems += _ids([("organisation", org.id)], "organisation")
    if fw.organisation_kinds:
        problems += _one_of(
            org.kind, fw.organisation_kinds, "organisation.kind", "organisation kind"
        )
    if fw.contexts:
        problems += _one_of(
            org.context, [c.id for c in fw.contexts], "organisation.context", "context"
        )
    if submission.kind not in SUBMISSION_KINDS:
        problems += _one_of(submission.kind, SUBMISSION_KINDS, "kind", "submission kind")
    if fw.submission_details:  # a framework that declares none accepts any details
        problems += check_details(submission, fw)
    problems += _check_ratings(submission, index)
    evidence_types = {e.id for e in fw.evidence_types}
    problems += _numbered_ids("evidence", [e.id for e in submission.evidence], "evidence")
    targets = index.targets
    for i, item in enumerate(submission.evidence):
        if item.type not in evidence_types:
            problems.append(
                Problem(
                    f"unknown evidence type {item.type!r}",
                    f"evidence[{i}].type",
                    code="unknown-reference",
                )
            )
        for criterion in item.criteria:
            if criterion not in targets:
                problems.append(
                    Problem(
                        f"unknown criterion or section {criterion!r}",
                        f"evidence[{i}].criteria",
                        code="unknown-reference",
                    )
                )
        problems += [
            Problem(f"unknown outcome {o!r}", f"evidence[{i}].outcomes", code="unknown-reference")
            for o in item.outcomes
            if not index.outcome_known(o)
        ]
        if item.sha256 and not _SHA256.match(item.sha256):
            problems.append(
                Problem(
                    "expected 64 lowercase hexadecimal digits",
                    f"evidence[{i}].sha256",
                    code="wrong-value",
                )
            )
        if item.reference:
            problems += _check_reference(
                item.reference, item.sha256, folder, f"evidence[{i}].reference"
            )
    problems += _numbered_ids("actions", [a.id for a in submission.actions], "action")
    for i, action in enumerate(submission.actions):
        for criterion in action.criteria:
            if criterion not in targets:
                problems.append(
                    Problem(
                        f"unknown criterion or section {criterion!r}",
                        f"actions[{i}].criteria",
                        code="unknown-reference",
                    )
                )
        if action.status not in ACTION_STATUSES:
            problems += _one_of(
                action.status, ACTION_STATUSES, f"actions[{i}].status", "action status"
            )
    return problems


def _check_ratings(submission: Submission, index: FrameworkIndex) -> list[Problem]:
    """Every problem with a submission's ratings, in rating order.

    The one loop every case runs over every rating: a rating's path is
    worked out only for a problem, and its target's scale comes from one
    look-up in :attr:`FrameworkIndex.level_ranks`.
    """
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    # Only frameworks that declare justification tables pay for looking them up (in the
    # index: what Framework.justification_of says of each target, worked out once).
    declared = index.declares_justification
    declared_for = index.justifications.get

    def justification(target: str) -> Justification:
        return declared_for(target, DEFAULT_JUSTIFICATION) if declared else DEFAULT_JUSTIFICATION

    # Without declared tables a level's rating needs a justification only if the default
    # asks for one; when it does not, _rating_justified can only find nothing.
    levels_justified = declared or _DEFAULT_LEVELS_JUSTIFIED
    # The FrozenMaps' ``get`` is the dict's own, a C call (their ``in`` is a Python method).
    target_of, ranks_of = index.targets.get, index.level_ranks.get
    sections = index.sections
    na_sections: set[str] = set()
    for i, rating in enumerate(submission.ratings):
        target_id = rating.target
        target = target_of(target_id)
        if target is None:
            problems.append(
                Problem(
                    f"unknown criterion or section {target_id!r}",
                    f"ratings[{i}].target",
                    code="unknown-reference",
                )
            )
            continue
        first = seen.setdefault(target_id, i)
        if first != i:
            problems.append(
                Problem(
                    f"{target_id!r} is rated twice (first at ratings[{first}])",
                    f"ratings[{i}].target",
                    code="duplicate-id",
                )
            )
        level = rating.level
        if rating.not_applicable:
            if target_id in sections:
                na_sections.add(target_id)
            if not target.not_applicable_allowed:
                problems.append(
                    Problem(
                        f"the framework does not allow {target_id!r} to be marked not applicable",
                        f"ratings[{i}].not_applicable",
                        code="not-allowed",
                    )
                )
            problems += _justified(
                rating.justification,
                justification(target_id).not_applicable,
                "not applicable",
                f"ratings[{i}].justification",
            )
            if level is not None:
                problems.append(
                    Problem(
                        "give a level or mark not applicable, not both",
                        f"ratings[{i}].level",
                        code="inconsistent",
                    )
                )
        elif level is not None:
            on_scale = ranks_of(target_id)
            if on_scale is None or on_scale.get(level) is None:
                problems += _level_problem(index, target_id, level, f"ratings[{i}].level")
            elif levels_justified:
                problems += _rating_justified(
                    # For a level, the organisation's account of it counts as justification.
                    f"{rating.justification.strip()} {rating.narrative.strip()}",
                    level,
                    target.scale,
                    justification(target_id),
                    f"ratings[{i}].justification",
                )
    # A section marked not applicable takes its criteria with it: rating one is a mistake.
    for i, rating in enumerate(submission.ratings if na_sections else ()):
        target = target_of(rating.target)
        if (
            target is not None
            and target.kind == "criterion"
            and target.section in na_sections
            and rating.level is not None
        ):
            problems.append(
                Problem(
                    f"{rating.target!r} is rated, but its section {target.section!r} is "
                    "marked not applicable",
                    f"ratings[{i}].level",
                    code="inconsistent",
                )
            )
    return problems


#: Whether the default justification policy asks anything of a rating at a level.
_DEFAULT_LEVELS_JUSTIFIED = any(
    need.needed
    for need in (
        DEFAULT_JUSTIFICATION.met,
        DEFAULT_JUSTIFICATION.unmet,
        DEFAULT_JUSTIFICATION.notable,
    )
)


def _numbered_ids(field: str, item_ids: list[str], what: str) -> list[Problem]:
    """Malformed and duplicate ids of the items of ``field``, as :func:`_ids` finds them.

    For a submission's or a review's lists, checked on every case: the
    ``field[i]`` paths are written only for a problem.
    """
    problems = []
    seen: dict[str, int] = {}
    for i, item_id in enumerate(item_ids):
        if not _ID.match(item_id):
            problems.append(
                Problem(
                    f"{what} id {item_id!r} must start with a letter or digit and use only "
                    "letters, digits, '.', '_' and '-'",
                    f"{field}[{i}].id",
                    code="bad-id",
                )
            )
        elif (first := seen.setdefault(item_id, i)) != i:
            problems.append(
                Problem(
                    f"duplicate {what} id {item_id!r} (first at {field}[{first}])",
                    f"{field}[{i}].id",
                    code="duplicate-id",
                )
            )
    return problems


def _rating_justified(
    text: str, level_id: str, scale: Scale | None, policy: Justification, path: str
) -> list[Problem]:
    """Problems with the justification of a rating at ``level_id``, by what the level says."""
    level = scale.get(level_id) if scale is not None else None
    if level is None:
        return []
    if not level.meets:
        return _justified(text, policy.unmet, f"a rating of {level_id!r} (not met)", path)
    problems = _justified(text, policy.met, f"a rating of {level_id!r} (met)", path)
    if level.notable and not problems:
        problems = _justified(text, policy.notable, f"a rating of {level_id!r} (notable)", path)
    return problems


def _justified(text: str, need: JustificationNeed, what: str, path: str) -> list[Problem]:
    """The one problem, if any, with a justification for what ``need`` asks."""
    if not need.needed:
        return []
    given = text.strip()
    if not given:
        return [Problem(f"{what} needs a justification", path, code="needs-justification")]
    if len(given) < need.min_chars:
        return [
            Problem(
                f"{what} needs a justification of at least {need.min_chars} characters; "
                f"this one has {len(given)}",
                path,
                code="needs-justification",
            )
        ]
    if need.url and not _has_url(given):
        return [
            Problem(
                f"{what} needs a justification with a web address (http:// or https://)",
                path,
                code="needs-url",
            )
        ]
    return []


def _has_url(text: str) -> bool:
    """Whether the text holds an http or https address with a host."""
    return any(urlsplit(word).netloc for word in _WEB_ADDRESS.findall(text))


def _check_reference(reference: str, sha256: str, folder: Path | None, path: str) -> list[Problem]:
    if not reference or _URL.match(reference) or folder is None:
        return []
    relative = Path(reference)
    if relative.is_absolute():
        return [
            Problem(
                f"{reference!r} is an absolute path; give it relative to the submission's folder",
                path,
                code="evidence-file",
            )
        ]
    base = folder.resolve()
    target = (base / relative).resolve()
    if not target.is_relative_to(base):
        return [
            Problem(
                f"{reference!r} points outside the submission's folder", path, code="evidence-file"
            )
        ]
    if not target.exists():
        return [
            Problem(
                f"file {reference!r} not found beside the submission",
                path,
                "",
                "warning",
                code="evidence-file",
            )
        ]
    if not target.is_file():
        return [
            Problem(
                f"{reference!r} is not a regular file", path, "", "warning", code="evidence-file"
            )
        ]
    if not sha256:
        return []
    try:
        digest = _sha256_of(target)
    except OSError as exc:
        message = f"cannot read {reference!r}: {exc.strerror or exc}"
        return [Problem(message, path, code="evidence-file")]
    if digest is None:
        return [
            Problem(
                f"file {reference!r} is larger than the {MAX_EVIDENCE_BYTES:,} bytes whose "
                "sha256 qmframe checks",
                path,
                code="evidence-file",
            )
        ]
    if digest != sha256:
        return [
            Problem(f"file {reference!r} does not match its sha256", path, code="evidence-file")
        ]
    return []


def _sha256_of(path: Path) -> str | None:
    """The regular file's sha256, read 1 MiB at a time; None if it is over the limit.

    Opened without blocking, so a FIFO swapped in after the checks cannot hang.
    """
    import hashlib  # only submissions that give a checksum need it
    import os
    import stat

    with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as stream:
        status = os.fstat(stream.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise OSError(0, "not a regular file")
        digest, seen = hashlib.sha256(), 0
        while seen <= MAX_EVIDENCE_BYTES and (chunk := stream.read(1 << 20)):
            digest.update(chunk)
            seen += len(chunk)
        return digest.hexdigest() if seen <= MAX_EVIDENCE_BYTES else None


def _level_problem(index: FrameworkIndex, target_id: str, level: str, path: str) -> list[Problem]:
    scale = index.targets[target_id].scale
    if scale is None:
        return [Problem(f"{target_id!r} has no scale to judge it on", path, code="missing-value")]
    if level not in index.ranks[scale.id]:
        levels = ", ".join(index.ranks[scale.id])
        return [
            Problem(
                f"unknown level {level!r} for scale {scale.id!r} (expected one of: {levels})",
                path,
                code="unknown-choice",
            )
        ]
    return []


def check_review(
    review: Review, index: FrameworkIndex, submission: Submission | None = None
) -> list[Problem]:
    """Every problem in a review; with the submission, also conflicts of interest.

    Conflicts come back as problems whose message starts ``conflict of
    interest``; :func:`qmframe.files.load_review` raises them as
    :class:`~qmframe.errors.ConflictOfInterestError`.
    """
    fw = index.framework
    problems: list[Problem] = []
    if review.framework != fw.id:
        return [
            Problem(
                f"this review is for framework {review.framework!r}, not {fw.id!r}",
                "framework",
                code="wrong-framework",
            )
        ]
    if review.framework_version != fw.version:
        problems.append(
            Problem(
                f"this review is for version {review.framework_version!r}; the "
                f"framework given is version {fw.version!r}",
                "framework_version",
                code="wrong-framework",
            )
        )
    if not _ID.match(review.organisation):
        problems.append(
            Problem(
                f"organisation id {review.organisation!r} must start with a letter or digit "
                "and use only letters, digits, '.', '_' and '-'",
                "organisation",
                code="bad-id",
            )
        )
    if submission is not None and review.organisation != submission.organisation.id:
        problems.append(
            Problem(
                f"this review is of {review.organisation!r}, but the submission "
                f"is from {submission.organisation.id!r}",
                "organisation",
                code="wrong-organisation",
            )
        )
    problems += _numbered_ids("reviewers", [r.id for r in review.reviewers], "reviewer")
    if len(review.reviewers) < fw.review.min_reviewers:
        problems.append(
            Problem(
                f"the framework asks for at least {fw.review.min_reviewers} "
                f"reviewers; {len(review.reviewers)} named, so a decision on this review "
                "is only an indication, not an award",
                "reviewers",
                "",
                "warning",
                code="too-few-reviewers",
            )
        )
    problems += _check_judgements(review, index, submission)
    for i, request in enumerate(review.requests):
        if request.target and request.target not in index.targets:
            problems.append(
                Problem(
                    f"unknown criterion or section {request.target!r}",
                    f"requests[{i}].target",
                    code="unknown-reference",
                )
            )
    if submission is not None:
        problems += conflicts_of_interest(review, submission)
    return problems


def _check_judgements(
    review: Review, index: FrameworkIndex, submission: Submission | None
) -> list[Problem]:
    """Every problem with a review's judgements, in judgement order.

    The one loop every case runs over every judgement: a judgement's path
    is worked out only for a problem, and its target's scale comes from one
    look-up in :attr:`FrameworkIndex.level_ranks`.
    """
    problems: list[Problem] = []
    reviewers = {r.id for r in review.reviewers}
    several = len(review.reviewers) > 1
    seen: dict[tuple[str, str], int] = {}
    evidence = {e.id for e in submission.evidence} if submission is not None else None
    marked_na = (
        {r.target for r in submission.ratings if r.not_applicable} if submission else frozenset()
    )
    # Only a target limited to some contexts or kinds can fail to apply.
    limited = index.limited if submission is not None else frozenset()
    # The FrozenMaps' ``get`` is the dict's own, a C call (their ``in`` is a Python method).
    target_of, ranks_of = index.targets.get, index.level_ranks.get
    for i, judgement in enumerate(review.judgements):
        target_id = judgement.target
        if target_of(target_id) is None:
            problems.append(
                Problem(
                    f"unknown criterion or section {target_id!r}",
                    f"judgements[{i}].target",
                    code="unknown-reference",
                )
            )
            continue
        on_scale = ranks_of(target_id)
        if on_scale is None or on_scale.get(judgement.level) is None:
            problems += _level_problem(index, target_id, judgement.level, f"judgements[{i}].level")
        if target_id in limited:
            assert submission is not None
            problems += _inapplicable(index, target_id, submission, f"judgements[{i}].target")
        reviewer = judgement.reviewer
        if several and not reviewer:
            problems.append(
                Problem(
                    "with several reviewers, say whose judgement this is",
                    f"judgements[{i}].reviewer",
                    code="missing-value",
                )
            )
        elif reviewer and reviewer not in reviewers:
            problems.append(
                Problem(
                    f"unknown reviewer {reviewer!r}",
                    f"judgements[{i}].reviewer",
                    code="unknown-reference",
                )
            )
        first = seen.setdefault((target_id, reviewer), i)
        if first != i:
            problems.append(
                Problem(
                    f"{target_id!r} is judged twice by the same reviewer "
                    f"(first at judgements[{first}])",
                    f"judgements[{i}].target",
                    code="duplicate-id",
                )
            )
        if evidence is not None and judgement.evidence:
            problems += _known(
                judgement.evidence, evidence, f"judgements[{i}].evidence", "evidence item"
            )
        if target_id in marked_na and not judgement.rationale.strip():
            problems.append(
                Problem(
                    f"the submission marks {target_id!r} not applicable; a reviewer "
                    "may judge it, overruling the organisation, only with a rationale",
                    f"judgements[{i}].rationale",
                    code="needs-justification",
                )
            )
    return problems


def _inapplicable(
    index: FrameworkIndex, target_id: str, submission: Submission, path: str
) -> list[Problem]:
    """A judgement the decision ignores, because its target does not apply to this organisation.

    A warning, not an error: a panel may record every criterion on its form,
    and the decision stays right; but the reviewer is told it did not count.
    """
    org = submission.organisation
    applicability = index.targets[target_id].applicability
    if applicability.applies(org.context, org.kind):
        return []
    limits = [
        f"{what} {', '.join(values)}"
        for what, values in (
            ("contexts", applicability.contexts),
            ("organisation kinds", applicability.organisation_kinds),
        )
        if values
    ]
    return [
        Problem(
            f"{target_id!r} does not apply to this organisation (context {org.context!r}, kind "
            f"{org.kind!r}; it applies only to {' and '.join(limits)}), so this judgement "
            "does not count: remove it, or correct the organisation in the submission",
            path,
            severity="warning",
            code="not-allowed",
        )
    ]


def conflicts_of_interest(review: Review, submission: Submission) -> list[Problem]:
    """Reviewers who may not judge this organisation, one problem each."""
    org = submission.organisation
    problems = []
    for i, reviewer in enumerate(review.reviewers):
        reasons = []
        if reviewer.organisation and reviewer.organisation == org.id:
            reasons.append(f"works for {org.id!r}")
        reasons += [
            f"declared an interest in {org.id!r} ({interest.kind})"
            for interest in reviewer.interests
            if interest.organisation == org.id
        ]
        if reasons:
            problems.append(
                Problem(
                    f"conflict of interest: reviewer {reviewer.id!r} ({reviewer.name}) "
                    f"{' and '.join(reasons)}, so cannot review this submission; "
                    "replace them on the panel",
                    f"reviewers[{i}]",
                    code="conflict-of-interest",
                )
            )
    return problems


def check_lifecycle(
    lifecycle: Lifecycle, path: str = "lifecycle"
) -> list[Problem]:  # pragma: no mutate block
    """Every problem with a framework's ``[lifecycle]`` table, located under ``path``."""
    problems: list[Problem] = []
    known = ", ".join(STATES)
    for field in ("transitions", "add", "remove"):
        table: Mapping[str, tuple[str, ...]] = getattr(lifecycle, field)
        for state, targets in table.items():
            if state not in STATES:
                problems.append(
                    Problem(
                        f"unknown state {state!r} (known: {known})",
                        f"{path}.{field}",
                        code="unknown-reference",
                    )
                )
            for target in targets:
                if target not in STATES:
                    problems.append(
                        Problem(
                            f"unknown state {target!r} (known: {known})",
                            f"{path}.{field}.{state}",
                            code="unknown-reference",
                        )
                    )
                elif target in DERIVED and field != "remove":
                    problems.append(
                        Problem(
                            f"{target!r} follows from the award's end date and cannot be moved to",
                            f"{path}.{field}.{state}",
                            code="not-allowed",
                        )
                    )
    for state in lifecycle.start:
        if state not in STATES:
            problems.append(
                Problem(
                    f"unknown state {state!r} (known: {known})",
                    f"{path}.start",
                    code="unknown-reference",
                )
            )
        elif state in DERIVED:
            problems.append(
                Problem(f"a history cannot begin {state!r}", f"{path}.start", code="not-allowed")
            )
    if not problems and not any(s in GRANTING for s in start_states(lifecycle)):
        moves = allowed(lifecycle)
        reachable = set(start_states(lifecycle))
        frontier = list(reachable)
        while frontier:
            for target in moves.get(frontier.pop(), ()):
                if target not in reachable:
                    reachable.add(target)
                    frontier.append(target)
        if not reachable & GRANTING:
            problems.append(
                Problem(
                    "no award can ever be granted: 'awarded' cannot be reached",
                    path,
                    code="inconsistent",
                )
            )
    problems += _ids(
        ((f"{path}.recurring[{i}]", e.id) for i, e in enumerate(lifecycle.recurring)),
        "recurring event",
    )
    for i, event in enumerate(lifecycle.recurring):
        problems += _check_recurring(event, f"{path}.recurring[{i}]")
    return problems


# -- declared details, recurring events and disclosure ------------------------------------


def _check_recurring(event: RecurringEvent, path: str) -> list[Problem]:
    problems = []
    if event.every_months < 1:
        problems.append(Problem("must be at least 1", f"{path}.every_months", code="out-of-range"))
    if event.first_due_months is not None and event.first_due_months < 1:
        problems.append(
            Problem("must be at least 1", f"{path}.first_due_months", code="out-of-range")
        )
    if not event.figures:
        problems.append(
            Problem(
                "declare at least one figure the return reports",
                f"{path}.figures",
                code="missing-value",
            )
        )
    problems += _ids(
        ((f"{path}.figures[{j}]", f.id) for j, f in enumerate(event.figures)), "figure"
    )
    types = {f.id: f.type for f in event.figures}
    for j, figure in enumerate(event.figures):
        fpath = f"{path}.figures[{j}]"
        problems += _one_of(figure.type, FIGURE_TYPES, f"{fpath}.type", "figure type")
        if not figure.at_most:
            continue
        if figure.at_most == figure.id:
            problems.append(
                Problem("a figure cannot bound itself", f"{fpath}.at_most", code="inconsistent")
            )
        elif figure.at_most not in types:
            problems.append(
                Problem(
                    f"unknown figure {figure.at_most!r} (this event declares: {', '.join(types)})",
                    f"{fpath}.at_most",
                    code="unknown-reference",
                )
            )
        elif types[figure.at_most] != figure.type:
            problems.append(
                Problem(
                    f"a {figure.type} cannot be bounded by the {types[figure.at_most]} "
                    f"{figure.at_most!r}",
                    f"{fpath}.at_most",
                    code="inconsistent",
                )
            )
    return problems


def _check_recurring_in_validity(fw: Framework) -> list[Problem]:
    """A recurring event that can never fall due during an award is a mistake."""
    months = fw.validity.months
    return [
        Problem(
            f"the first return is due after {first} months, but an award lasts {months}: "
            "it never falls due",
            f"lifecycle.recurring[{i}]",
            severity="warning",
            code="inconsistent",
        )
        for i, event in enumerate(fw.lifecycle.recurring)
        if months
        and (first := event.first_due_months or event.every_months) >= months
        and event.every_months >= 1
    ]


def _check_declared_details(fw: Framework) -> list[Problem]:
    problems = _ids(
        ((f"submission_details[{i}]", d.key) for i, d in enumerate(fw.submission_details)),
        "detail",
    )
    known = details.declared(fw)
    for i, detail in enumerate(fw.submission_details):
        path = f"submission_details[{i}]"
        problems += _one_of(detail.type, DETAIL_TYPES, f"{path}.type", "detail type")
        if detail.type == "choice" and not detail.choices:
            problems.append(
                Problem(
                    "a choice needs at least one entry in choices",
                    f"{path}.choices",
                    code="missing-value",
                )
            )
        elif detail.type != "choice" and detail.choices:
            problems.append(
                Problem(
                    f"only a choice has choices (this detail's type is {detail.type!r})",
                    f"{path}.choices",
                    code="inconsistent",
                )
            )
        condition = detail.required_if
        if condition is None:
            continue
        where = f"{path}.required_if"
        other = known.get(condition.key)
        if detail.required:
            problems.append(
                Problem(
                    "a required detail is always required: give required or required_if, not both",
                    where,
                    code="inconsistent",
                )
            )
        if condition.key == detail.key:
            problems.append(
                Problem("a detail cannot depend on itself", f"{where}.key", code="inconsistent")
            )
        elif other is None:
            problems.append(
                Problem(
                    f"unknown detail {condition.key!r}", f"{where}.key", code="unknown-reference"
                )
            )
        elif other.type == "choice" and condition.equals not in other.choices:
            problems.append(
                Problem(
                    f"{condition.key!r} has no choice {condition.equals!r} (its choices: "
                    f"{', '.join(other.choices)})",
                    f"{where}.equals",
                    code="unknown-reference",
                )
            )
    return problems


def _check_disclosure(fw: Framework) -> list[Problem]:
    rule = fw.disclosure
    problems = []
    if rule.round_to < 1:
        problems.append(
            Problem(
                "must be at least 1 (1: no rounding)", "disclosure.round_to", code="out-of-range"
            )
        )
    if rule.suppress_below < 0:
        problems.append(
            Problem("cannot be negative", "disclosure.suppress_below", code="out-of-range")
        )
    if rule.min_percentage_base < 0:
        problems.append(
            Problem("cannot be negative", "disclosure.min_percentage_base", code="out-of-range")
        )
    return problems


def check_details(submission: Submission, framework: Framework) -> list[Problem]:
    """Every problem with a submission's ``[details]`` against the framework's declared ones.

    A framework that declares no details accepts any (plugins may read
    them); one that declares some accepts only those.
    """
    known = details.declared(framework)
    if not known:
        return []
    values = submission.details
    problems = []
    for key, detail in known.items():
        path = f"details.{key}"
        value = values.get(key)
        if not details.given(value):
            if details.is_required(detail, values):
                problems.append(Problem(_missing(detail), path, code="missing-value"))
            continue
        assert value is not None
        why = details.value_problem(detail, value)
        if why:
            code = "unknown-choice" if detail.type == "choice" else "wrong-value"
            problems.append(Problem(why, path, code=code))
    problems += [
        Problem(
            f"unknown detail {key!r} (this framework asks for: {', '.join(known)})",
            f"details.{key}",
            code="unknown-key",
        )
        for key in values
        if key not in known
    ]
    return problems


def _missing(detail: SubmissionDetail) -> str:
    condition = detail.required_if
    when = (
        f"required when {condition.key} is {condition.equals!r}"
        if condition is not None and not detail.required
        else "required"
    )
    message = f"{when}, and missing"
    if detail.help:
        message += f": {detail.help.rstrip('.')}"
    if detail.type == "choice":
        message += f" (one of: {', '.join(detail.choices)})"
    return message
