"""Look-up tables built once per framework.

Validation, the rule kinds and the engine all need "which scale does this
criterion use" or "which criteria are in this section". Building those maps
once, rather than searching the framework tree per question, keeps scoring
fast and the answers consistent.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import NamedTuple

import attrs

from qmframe.framework import (
    DEFAULT_JUSTIFICATION,
    Applicability,
    Criterion,
    Framework,
    Justification,
    Scale,
    Section,
)
from qmframe.frozen import EMPTY, FrozenMap

__all__ = ["FrameworkIndex", "Target"]


class Target(NamedTuple):
    """A judgeable thing: a criterion or a section, with its scale and where it sits.

    A named tuple rather than an attrs class: one is built per criterion every
    time a framework is indexed, and tuples are several times cheaper to make.
    """

    id: str
    kind: str  # "criterion" or "section"
    title: str
    scale: Scale | None
    section: str
    tags: frozenset[str]
    applicability: Applicability
    not_applicable_allowed: bool


@attrs.frozen
class FrameworkIndex:
    """Maps from ids to the parts of one framework."""

    framework: Framework
    targets: Mapping[str, Target]
    criteria: Mapping[str, Criterion]
    sections: Mapping[str, Section]
    scales: Mapping[str, Scale]
    ranks: Mapping[str, Mapping[str, int]]
    section_criteria: Mapping[str, tuple[str, ...]]
    outcomes: Mapping[str, frozenset[str]]
    #: Whether any section or criterion declares a ``justification`` table, and what a
    #: rating of each target must justify (as :meth:`Framework.justification_of` says).
    declares_justification: bool = False
    justifications: Mapping[str, Justification] = EMPTY

    @classmethod
    def build(cls, framework: Framework) -> FrameworkIndex:
        scales = {scale.id: scale for scale in framework.scales}
        ranks = {s.id: {level.id: i for i, level in enumerate(s.levels)} for s in framework.scales}
        targets: dict[str, Target] = {}
        criteria: dict[str, Criterion] = {}
        section_criteria: dict[str, tuple[str, ...]] = {}
        declares = False
        # One pass over the criteria builds every map (this loop runs once per criterion on
        # every load). Targets are made with tuple.__new__ directly: a named tuple's own
        # __new__ is a Python function, the same tuple at the cost of one more call.
        new_target = tuple.__new__
        for section in framework.sections:
            section_tags = frozenset(section.tags)
            section_scale = scales.get(section.scale)
            section_applies = section.applicability
            section_na = section.not_applicable_allowed
            if section.justification is not None:
                declares = True
            targets.setdefault(
                section.id,
                Target(
                    section.id,
                    "section",
                    section.title,
                    section_scale,
                    section.id,
                    section_tags,
                    section_applies,
                    section_na,
                ),
            )
            ids = []
            for criterion in section.criteria:
                criterion_id = criterion.id
                ids.append(criterion_id)
                if criterion.justification is not None:
                    declares = True
                if criterion_id in targets:
                    continue  # a duplicate id, reported by validation
                criteria[criterion_id] = criterion
                applies = criterion.applicability
                targets[criterion_id] = new_target(
                    Target,
                    (
                        criterion_id,
                        "criterion",
                        criterion.title,
                        scales.get(criterion.scale) if criterion.scale else section_scale,
                        section.id,
                        section_tags.union(criterion.tags) if criterion.tags else section_tags,
                        _narrower(section_applies, applies)
                        if applies.contexts or applies.organisation_kinds
                        else section_applies,
                        criterion.not_applicable_allowed or section_na,
                    ),
                )
            section_criteria[section.id] = tuple(ids)
        outcomes = {s.id: frozenset(o.id for o in s.outcomes) for s in framework.outcome_sets}
        justifications: dict[str, Justification] = {}
        for section in framework.sections if declares else ():  # the first of an id counts
            justifications.setdefault(section.id, section.justification or DEFAULT_JUSTIFICATION)
            for criterion in section.criteria:
                justifications.setdefault(
                    criterion.id,
                    criterion.justification or section.justification or DEFAULT_JUSTIFICATION,
                )
        # Frozen: the index is shared by every rule and every assessment of the framework.
        return cls(
            framework=framework,
            targets=FrozenMap(targets),
            criteria=FrozenMap(criteria),
            sections=FrozenMap({s.id: s for s in framework.sections}),
            scales=FrozenMap(scales),
            ranks=FrozenMap({scale: FrozenMap(levels) for scale, levels in ranks.items()}),
            section_criteria=FrozenMap(section_criteria),
            outcomes=FrozenMap(outcomes),
            declares_justification=declares,
            justifications=FrozenMap(justifications),
        )

    # The checks ask these two of every rating and judgement; worked out on first use, so
    # loading a framework (which builds an index to check it) does not pay for them.

    @functools.cached_property
    def level_ranks(self) -> Mapping[str, Mapping[str, int]]:
        """Each target's scale as level id to rank; no entry for a target without a scale.

        One look-up answers what "the target's scale, then its ranks" takes two for.
        """
        ranks = self.ranks
        return FrozenMap(
            {
                t: ranks[target.scale.id]
                for t, target in self.targets.items()
                if target.scale is not None
            }
        )

    @functools.cached_property
    def limited(self) -> frozenset[str]:
        """The targets that apply only in some contexts or to some kinds of organisation."""
        return frozenset(
            t
            for t, target in self.targets.items()
            if target.applicability.contexts or target.applicability.organisation_kinds
        )

    def level_label(self, target: str, level: str) -> str:
        """A level's label on the target's scale ("Enhanced practice" for ``enhanced``).

        Falls back to the level id for an unknown target or level, so a report
        never fails on a label.
        """
        found = self.targets.get(target)
        on_scale = found.scale.get(level) if found is not None and found.scale else None
        return on_scale.label if on_scale is not None else level

    def outcome_known(self, outcome_id: str) -> bool:
        return any(outcome_id in ids for ids in self.outcomes.values())


def _narrower(outer: Applicability, inner: Applicability) -> Applicability:
    """A criterion applies only where its section applies too."""
    if not (inner.contexts or inner.organisation_kinds):
        return outer
    if not (outer.contexts or outer.organisation_kinds):
        return inner
    return Applicability(
        contexts=inner.contexts or outer.contexts,
        organisation_kinds=inner.organisation_kinds or outer.organisation_kinds,
    )
