"""The framework index's look-ups say what the framework itself says."""

from __future__ import annotations

from pathlib import Path

import attrs

import qmframe
from qmframe.framework import Applicability


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
