"""Register qmframe's types with hypothesis, through its ``hypothesis`` entry point.

Hypothesis runs :func:`_hypothesis_setup_hook` when it is imported. The hook
registers *functions*, which import :mod:`qmframe.testing.strategies` only when
a test first asks for one of these types; importing the strategies here would
import hypothesis from inside hypothesis's own import (the circular import
``hypothesis_rdkit`` documents). After it, ``st.from_type(qmframe.Framework)``
gives valid frameworks and ``st.from_type(qmframe.Submission)`` valid submissions
(each for a generated framework).
"""

from __future__ import annotations

from typing import Any


def _frameworks(_: type) -> Any:
    from qmframe.testing import strategies

    return strategies.frameworks()


def _submissions(_: type) -> Any:
    from qmframe.testing import strategies

    return strategies.submissions()


def _hypothesis_setup_hook() -> None:
    """Register Framework and Submission strategies with hypothesis."""
    from hypothesis import strategies as st

    from qmframe.framework import Framework
    from qmframe.submission import Submission

    st.register_type_strategy(Framework, _frameworks)
    st.register_type_strategy(Submission, _submissions)
