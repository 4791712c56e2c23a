"""The framework index: its maps (built in one pass) and look-ups say what the framework says."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs
import core_fixtures
from hypothesis import given

import qmframe
from qmframe.framework import Applicability, Criterion, Framework
from qmframe.index import FrameworkIndex, Target
from qmframe.testing import strategies as qs


def _expected_targets(fw: Framework) -> list[tuple[str, Target]]:
    """Each section and criterion as a Target, the first of an id winning, in file order."""
    scales = {scale.id: scale for scale in fw.scales}
    targets: dict[str, Target] = {}
    for section in fw.sections:
        tags = frozenset(section.tags)
        targets.setdefault(
            section.id,
            Target(
                section.id,
                "section",
                section.title,
                scales.get(section.scale),
                section.id,
                tags,
                section.applicability,
                section.not_applicable_allowed,
            ),
        )
        for criterion in section.criteria:
            targets.setdefault(
                criterion.id,
                Target(
                    criterion.id,
                    "criterion",
                    criterion.title,
                    scales.get(criterion.scale or section.scale),
                    section.id,
                    tags | frozenset(criterion.tags),
                    # A criterion applies only where its section applies too.
                    Applicability(
                        contexts=criterion.applicability.contexts or section.applicability.contexts,
                        organisation_kinds=criterion.applicability.organisation_kinds
                        or section.applicability.organisation_kinds,
                    ),
                    criterion.not_applicable_allowed or section.not_applicable_allowed,
                ),
            )
    return list(targets.items())


def _assert_as_defined(fw: Framework) -> None:
    index = FrameworkIndex.build(fw)
    assert list(index.targets.items()) == _expected_targets(fw)
    # Made with tuple.__new__: still Targets, read by name like any other.
    assert all(type(target) is Target for target in index.targets.values())
    for target_id, target in index.targets.items():
        assert (target.id, target._fields) == (target_id, Target._fields)
    # Each criterion that is a target, as the first of its id in file order.
    kinds = {target_id: target.kind for target_id, target in index.targets.items()}
    criteria: dict[str, Criterion] = {}
    for section in fw.sections:
        for criterion in section.criteria:
            if kinds[criterion.id] == "criterion":
                criteria.setdefault(criterion.id, criterion)
    assert list(index.criteria.items()) == list(criteria.items())
    # The criteria of each section by id (a later section of the same id replacing it).
    assert dict(index.section_criteria) == {
        s.id: tuple(c.id for c in s.criteria) for s in fw.sections
    }
    assert index.declares_justification == any(
        s.justification is not None or any(c.justification is not None for c in s.criteria)
        for s in fw.sections
    )


@given(qs.frameworks(justification=True))
def test_the_index_of_a_framework_is_as_its_definitions_say(framework: Framework) -> None:
    _assert_as_defined(framework)


def test_the_index_of_the_installed_and_a_broken_framework_is_as_defined(
    qmframe_frameworks: dict[str, Framework],
    write: Callable[[str, str], Path],
    registry: qmframe.Registry,
) -> None:
    broken, _ = qmframe.inspect_framework(
        write("f.toml", core_fixtures.EVERY_DEFECT), registry=registry
    )
    assert broken is not None
    # A criterion with its own tags and narrower applicability, beside its section's.
    section = broken.sections[0]
    tagged = attrs.evolve(
        section.criteria[1],
        tags=("x",),
        applicability=Applicability(organisation_kinds=("school",)),
    )
    section = attrs.evolve(
        section,
        tags=("s",),
        applicability=Applicability(contexts=("en",)),
        criteria=(section.criteria[0], tagged),
    )
    varied = attrs.evolve(broken, sections=(section, *broken.sections[1:]))
    for framework in (*qmframe_frameworks.values(), broken, varied):
        _assert_as_defined(framework)


def test_each_targets_level_ranks_and_limits_are_its_scales_and_applicability(
    mini: dict[str, Path],
    registry: qmframe.Registry,
    qmframe_frameworks: dict[str, qmframe.Framework],
) -> None:
    # The checks read a rated or judged level's rank, and whether its target can fail to
    # apply, from these two maps, worked out once per framework.
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    # A section without a scale, and a criterion limited to some kinds of organisation.
    first = framework.sections[0]
    limited = attrs.evolve(
        first.criteria[0], applicability=Applicability(organisation_kinds=("college",))
    )
    variant = attrs.evolve(
        framework,
        sections=(
            attrs.evolve(first, scale="", criteria=(limited, *first.criteria[1:])),
            *framework.sections[1:],
        ),
    )
    for fw in [framework, variant, *qmframe_frameworks.values()]:
        index = qmframe.FrameworkIndex.build(fw)
        for target_id, target in index.targets.items():
            if target.scale is None:
                assert target_id not in index.level_ranks
            else:
                assert index.level_ranks[target_id] == {
                    level.id: rank for rank, level in enumerate(target.scale.levels)
                }
            applies = target.applicability
            assert (target_id in index.limited) == bool(
                applies.contexts or applies.organisation_kinds
            ), (fw.id, target_id)
        assert set(index.level_ranks) <= set(index.targets)
        assert index.limited <= set(index.targets)
    index = qmframe.FrameworkIndex.build(variant)
    assert first.id not in index.level_ranks
    assert {first.criteria[0].id, "b1"} <= index.limited
