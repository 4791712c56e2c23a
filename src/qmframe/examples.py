"""Example submissions that plugins ship for the demo, the docs and tests."""

from __future__ import annotations

from importlib.resources.abc import Traversable
from pathlib import Path

import attrs

__all__ = ["Example"]


@attrs.frozen(kw_only=True)
class Example:
    """A worked example: a submission file, optionally its review, and what it shows.

    ``demo`` marks the example ``qmframe demo`` runs when given no name;
    ``as_of`` is the date to assess it on, so its output is reproducible.
    """

    name: str
    framework: str
    title: str
    submission: Path | Traversable
    review: Path | Traversable | None = None
    as_of: str = ""
    demo: bool = False
