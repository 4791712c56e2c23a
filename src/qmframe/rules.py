"""What a rule kind is, and what it sees when it runs.

A framework file declares rules by naming a *kind* and giving that kind's
parameters; the code behind a kind comes from a plugin (the built-in kinds
are registered through the same hook as any other). A kind works in two
steps so scoring stays cheap:

1. :meth:`RuleKind.check` and :meth:`RuleKind.prepare` run once per framework:
   check the parameters (every problem, located) and resolve them into a
   plain function.
2. That function runs once per submission on an :class:`AssessmentContext`
   and returns a :class:`RuleResult` saying what it saw and concluded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

import attrs

from qmframe.decision import Finding
from qmframe.errors import Problem, describe_value
from qmframe.framework import EvidenceRequirement, Rule
from qmframe.frozen import FrozenMap, frozen_str_map, is_array
from qmframe.index import FrameworkIndex
from qmframe.submission import EvidenceItem, Submission

__all__ = [
    "AssessmentContext",
    "Demand",
    "Evaluation",
    "Reads",
    "RuleKey",
    "RuleKind",
    "RuleResult",
    "Scope",
    "level_param",
    "resolve_scope",
]


@attrs.frozen
class RuleResult:
    """What one rule concluded for one submission.

    ``needed`` is for a rule that holds when only some of its findings hold
    (``at-least``): how many must. None means all of them; award-level
    progress counts a rule's targets by it.
    """

    holds: bool
    saw: str
    concluded: str
    findings: tuple[Finding, ...] = ()
    needed: int | None = None


def _frozen_evidence(
    value: Mapping[str, tuple[EvidenceItem, ...]],
) -> FrozenMap[str, tuple[EvidenceItem, ...]]:
    return FrozenMap(value)


@attrs.frozen
class AssessmentContext:
    """Everything a rule may look at for one submission; built once, shared by all rules.

    ``levels`` holds the level decided on for each judged target (assessor
    judgements when there is a review, self-ratings otherwise);
    ``not_applicable`` the targets that do not count for this organisation;
    ``unresolved`` targets a panel could not agree on, with why. Every
    mapping is a read-only :class:`~qmframe.frozen.FrozenMap`, so no rule can
    change what the rules after it see.
    """

    index: FrameworkIndex
    submission: Submission
    as_of: dt.date
    levels: Mapping[str, str] = attrs.field(converter=frozen_str_map)
    not_applicable: frozenset[str]
    unresolved: Mapping[str, str] = attrs.field(converter=frozen_str_map)
    evidence_by_criterion: Mapping[str, tuple[EvidenceItem, ...]] = attrs.field(
        converter=_frozen_evidence
    )


Evaluation = Callable[[AssessmentContext], RuleResult]


@attrs.frozen(kw_only=True)
class Demand:
    """What a per-item rule asks of one item on its own.

    ``target`` must be at or above ``level`` (when given), and have the
    evidence ``evidence`` asks for (when given). A rule with demands fails
    whenever any one applicable item falls short of its demand, whatever the
    other items are: :mod:`qmframe.testing` lowers each item in turn to check it.
    """

    target: str
    level: str = ""
    evidence: tuple[EvidenceRequirement, ...] = ()


@attrs.frozen(kw_only=True)
class Reads:
    """What one rule's result depends on, declared by its kind (see :meth:`RuleKind.reads`).

    ``None`` means "anything of this sort"; an empty set means "none".

    ``targets``
        The criteria and sections whose decided level or applicability the
        rule reads (a section's level derived from its criteria is read
        through the section).
    ``evidence_types``
        Evidence items of these types (their criteria and outcomes).
    ``actions``
        The action plan.
    ``organisation``
        The organisation's own fields: kind, context and linked organisations.
    ``details``
        These keys of the submission's ``details``.
    ``other``
        Anything else of the submission or review (its kind, dates,
        ``previous_award``, reviewers).
    ``demands``
        For a per-item rule (every item must meet something on its own),
        what it demands of each item; empty for any other rule.

    The default, :meth:`everything`, promises nothing, which is always true.
    """

    targets: frozenset[str] | None = None
    evidence_types: frozenset[str] | None = None
    actions: bool = True
    organisation: bool = True
    details: frozenset[str] | None = None
    other: bool = True
    demands: tuple[Demand, ...] = ()

    @classmethod
    def everything(cls) -> Reads:
        """Reads that promise nothing: the rule may look at any part of the case."""
        return cls()

    @classmethod
    def only(
        cls,
        *,
        targets: Iterable[str] = (),
        evidence_types: Iterable[str] | None = (),
        actions: bool = False,
        organisation: bool = False,
        details: Iterable[str] = (),
        demands: Iterable[Demand] = (),
    ) -> Reads:
        """Reads of exactly what is named (``evidence_types=None``: evidence of any type)."""
        return cls(
            targets=frozenset(targets),
            evidence_types=None if evidence_types is None else frozenset(evidence_types),
            actions=actions,
            organisation=organisation,
            details=frozenset(details),
            other=False,
            demands=tuple(demands),
        )


def _says_its_default(key: RuleKey, attribute: attrs.Attribute[str], default: str) -> None:
    if key.required and default:
        raise ValueError(f"rule key {key.name!r}: a required key has no default")
    if not key.required and not default:
        raise ValueError(f"rule key {key.name!r}: say what leaving it out means (default)")


@attrs.frozen
class RuleKey:
    """One key a rule kind takes beside the common keys of a rule.

    ``type`` is in the words of the file format page (``string``,
    ``integer``, ``list of strings``, ``table``); ``meaning`` is a sentence.
    A key is ``required``, or has a ``default``: what leaving it out means,
    as TOML writes the value (``"fail"``) or in words (``every criterion``).
    The file format page lists every built-in kind's keys from these.
    """

    name: str
    type: str
    meaning: str
    default: str = attrs.field(default="", kw_only=True, validator=_says_its_default)
    required: bool = attrs.field(default=False, kw_only=True)


class RuleKind:
    """Base class for rule kinds; subclass it and register an instance.

    ``name`` is what framework files write as ``kind``. ``monotone`` promises
    that raising a judgement or adding evidence never turns the rule from
    holding to failing; :mod:`qmframe.testing` checks that promise, and the
    one :meth:`reads` makes.

    ``keys`` declares the kind's own keys (a tuple of :class:`RuleKey`, empty
    for a kind that takes none); :meth:`unknown_keys` refuses every other
    key, so a kind that checks with it accepts exactly what it declares. A
    kind that leaves ``keys`` as None checks its keys itself.
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    monotone: ClassVar[bool] = True
    keys: ClassVar[tuple[RuleKey, ...] | None] = None

    def unknown_keys(self, rule: Rule) -> list[Problem]:
        """A problem for each of the rule's own keys that :attr:`keys` does not declare.

        None when the kind declares no ``keys`` (it checks its keys itself).
        """
        if self.keys is None:
            return []
        names = [key.name for key in self.keys]
        expected = f"expected {', '.join(names)}" if names else "it takes no keys of its own"
        return [
            Problem(
                f"unknown key {key!r} for kind {rule.kind!r} ({expected})",
                code="unknown-key",
            )
            for key in rule.params
            if key not in names
        ]

    def check(self, rule: Rule, index: FrameworkIndex) -> list[Problem]:
        """Problems with this rule's parameters, paths relative to the rule."""
        return []

    def prepare(self, rule: Rule, index: FrameworkIndex) -> Evaluation:
        """Resolve the parameters once and return the per-submission function."""
        raise NotImplementedError

    def reads(self, rule: Rule, index: FrameworkIndex) -> Reads:
        """What this rule's result depends on (called only for a rule that checks).

        The default promises nothing (:meth:`Reads.everything`). A kind that
        says what it reads lets :mod:`qmframe.testing` prove a rule dead or
        shadowed by trying every value of those inputs, and check that the
        rule's result never changes when anything else does.
        """
        return Reads.everything()


@attrs.frozen
class Scope:
    """The targets a rule looks at, resolved from its ``scope`` table."""

    of: str
    targets: tuple[str, ...]
    description: str


def resolve_scope(
    rule: Rule, index: FrameworkIndex, *, allow_sections: bool = True
) -> Scope | list[Problem]:
    """Resolve ``scope = { of = "criteria"|"sections", section = ..., tag = ... }``.

    No scope means every criterion. ``section`` may be one id or a list;
    ``tag`` keeps the targets carrying that tag (a section's tags count for
    its criteria).
    """
    raw: Any = rule.params.get("scope", {})
    if not isinstance(raw, Mapping):
        return [
            Problem("expected a table such as { section = 'id' }", path="scope", code="wrong-value")
        ]
    problems = [
        Problem(
            f"unknown key {key!r} (expected of, section, tag)", path="scope", code="unknown-key"
        )
        for key in raw
        if key not in ("of", "section", "tag")
    ]
    of = raw.get("of", "criteria")
    if of not in ("criteria", "sections") or (of == "sections" and not allow_sections):
        allowed = "'criteria' or 'sections'" if allow_sections else "'criteria'"
        problems.append(
            Problem(
                f"expected {allowed}, got {describe_value(of)}", path="scope.of", code="wrong-value"
            )
        )
        return problems
    sections = raw.get("section", ())
    if isinstance(sections, str):
        sections = (sections,)
    if not is_array(sections) or not all(isinstance(s, str) for s in sections):
        problems.append(
            Problem(
                "expected a section id or a list of them", path="scope.section", code="wrong-value"
            )
        )
        return problems
    for section_id in sections:
        if section_id not in index.sections:
            problems.append(
                Problem(
                    f"unknown section {section_id!r}",
                    path="scope.section",
                    code="unknown-reference",
                )
            )
    tag = raw.get("tag", "")
    if not isinstance(tag, str):
        problems.append(Problem("expected a tag name", path="scope.tag", code="wrong-value"))
        return problems
    if problems:
        return problems
    chosen = [s for s in index.framework.sections if not sections or s.id in sections]
    if of == "sections":
        targets = [s.id for s in chosen]
    else:
        targets = [c.id for s in chosen for c in s.criteria]
    if tag:
        targets = [t for t in targets if tag in index.targets[t].tags]
        if not any(tag in target.tags for target in index.targets.values()):
            return [
                Problem(
                    f"no section or criterion has the tag {tag!r}",
                    path="scope.tag",
                    code="unknown-reference",
                )
            ]
    parts = [of]
    if sections:
        parts.append("in " + ", ".join(sections))
    if tag:
        parts.append(f"tagged {tag!r}")
    return Scope(of, tuple(targets), " ".join(parts))


def level_param(
    rule: Rule, index: FrameworkIndex, targets: Sequence[str], key: str = "level"
) -> dict[str, int] | list[Problem]:
    """Resolve a level id into its rank on every scale used by ``targets``."""
    level = rule.params.get(key)
    if not isinstance(level, str):
        return [
            Problem(
                f"required: a level id, got {describe_value(level)}", path=key, code="missing-value"
            )
        ]
    # The level's rank on each scale, worked out once per scale rather than once per target
    # (a scope can hold every criterion), and the targets read through the maps' own `get`
    # (C code), not FrozenMap.__getitem__.
    on_scale = {scale_id: levels.get(level) for scale_id, levels in index.ranks.items()}
    find = index.targets.get
    ranks: dict[str, int] = {}
    problems: list[Problem] = []
    for target_id in targets:
        target = find(target_id)
        if target is None:
            raise KeyError(target_id)  # as index.targets[target_id] would
        scale = target.scale
        if scale is None:  # a missing or unknown scale is reported where it is declared
            continue
        rank = on_scale[scale.id]
        if rank is None:
            problems.append(
                Problem(
                    f"unknown level {level!r} for scale {scale.id!r}",
                    path=key,
                    code="unknown-reference",
                )
            )
            continue
        ranks[target_id] = rank
    # One message per scale is enough.
    return list(dict.fromkeys(problems)) if problems else ranks
