"""Fixtures shared by the core's tests."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))

# Hypothesis profiles. "ci" (the default) keeps the whole suite to a few minutes on a
# 2-core machine: few examples, and no per-example deadline, because a shared machine's
# timings are noise. "long" searches much harder; choose it with
# QMFRAME_HYPOTHESIS_PROFILE=long (for a nightly run or before a release). "dev" is for
# iterating on a property: few examples, and the failing one printed as a reproducer.
# -- start profiles --
settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=10, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("QMFRAME_HYPOTHESIS_PROFILE", "ci"))
# -- end profiles --

import core_fixtures  # noqa: E402

import qmframe  # noqa: E402


@pytest.fixture
def registry() -> qmframe.Registry:
    """A registry with the built-in plugins only: no installed plugin leaks in."""
    return qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write text to a file in tmp_path and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def mini(write: Callable[[str, str], Path]) -> dict[str, Path]:
    """The mini framework, a submission and a review, as files that say what they are."""
    return {
        "framework": write("mini.toml", 'document = "framework"\n' + core_fixtures.FRAMEWORK),
        "submission": write(
            "sub/submission.toml", 'document = "submission"\n' + core_fixtures.SUBMISSION
        ),
        "review": write("sub/review.toml", 'document = "review"\n' + core_fixtures.REVIEW),
    }
