"""Every hook a qmframe plugin can implement, in one place.

A plugin is any module or object with functions named like these and marked
with :data:`hookimpl`; installed distributions announce theirs in the
``qmframe`` entry-point group. qmframe's own rule kinds and report formats
are registered through these same hooks (see :mod:`qmframe.default_plugins`).

Registration hooks take a ``register`` callback rather than returning a
list, so qmframe knows which plugin supplied what: duplicates are reported
with both plugins' names. Hooks are called with keyword arguments, and an
implementation may accept only the arguments it needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from qmframe.decision import Decision
    from qmframe.errors import Problem
    from qmframe.examples import Example
    from qmframe.framework import Framework
    from qmframe.plugins import FrameworkSource
    from qmframe.reports import ReportFormat
    from qmframe.rules import RuleKind
    from qmframe.submission import Review, Submission

__all__ = ["hookimpl", "hookspec"]

hookspec = pluggy.HookspecMarker("qmframe")
hookimpl = pluggy.HookimplMarker("qmframe")


# -------------------------------------------------------------------------------------------------
# Registration: called once when a registry is built from a plugin manager.
# -------------------------------------------------------------------------------------------------


@hookspec
def qmframe_register_frameworks(register: Callable[[FrameworkSource], None]) -> None:
    """Supply framework definitions.

    Call ``register`` once per framework with a path to its TOML file (a
    :class:`pathlib.Path`, or an :mod:`importlib.resources` file inside the
    plugin's package, so the TOML ships in the wheel) or with a
    :class:`~qmframe.framework.Framework` built in code. Two plugins that
    register the same framework id are an error naming both.

    :param register: call with each framework source.
    :returns: nothing; use ``register``.

    Called when a :class:`~qmframe.plugins.Registry` is built.
    """


@hookspec
def qmframe_register_rule_kinds(register: Callable[[RuleKind], None]) -> None:
    """Supply rule kinds that framework files can name in ``decision.rules``.

    Call ``register`` with a :class:`~qmframe.rules.RuleKind` instance per
    kind. A plugin may register a kind with a built-in's name to replace the
    built-in; two plugins registering the same name is an error.

    :param register: call with each rule kind.
    :returns: nothing; use ``register``.

    Called when a :class:`~qmframe.plugins.Registry` is built.
    """


@hookspec
def qmframe_register_report_formats(register: Callable[[ReportFormat], None]) -> None:
    """Supply report formats for ``qmframe assess --format NAME``.

    Call ``register`` with a :class:`~qmframe.reports.ReportFormat` instance
    per format. As with rule kinds, a plugin may replace a built-in format.

    :param register: call with each report format.
    :returns: nothing; use ``register``.

    Called when a :class:`~qmframe.plugins.Registry` is built.
    """


@hookspec
def qmframe_register_examples(register: Callable[[Example], None]) -> None:
    """Supply example submissions (with reviews) for the demo, docs and tests.

    :param register: call with each :class:`~qmframe.examples.Example`.
    :returns: nothing; use ``register``.

    Called when a :class:`~qmframe.plugins.Registry` is built.
    """


# -------------------------------------------------------------------------------------------------
# Checking and deciding: called once per submission, never once per criterion.
# -------------------------------------------------------------------------------------------------


@hookspec
def qmframe_check_submission(
    framework: Framework, submission: Submission, review: Review | None
) -> Iterable[Problem] | None:
    """Report framework-specific problems a framework file cannot express.

    Return problems (paths as in the submission file; ``severity`` "error"
    stops the assessment, "warning" and "notice" are shown) or None when the
    framework is not yours. Look at ``framework.id`` first: this hook is
    called for every framework.

    :param framework: the framework the submission is for.
    :param submission: the submission, already checked against the framework.
    :param review: the review, when one is given.
    :returns: the problems found, or None.

    Called by :func:`qmframe.validate_submission` and before every assessment
    made through the top-level API or the command line.
    """


@hookspec(firstresult=True)
def qmframe_decide(
    framework: Framework, submission: Submission, review: Review | None, decision: Decision
) -> Decision | None:
    """Adjust a decision where declarative rules cannot say it.

    ``decision`` is what the framework's declared rules concluded. Return a
    new decision (``attrs.evolve(decision, ...)``) whose explanation keeps
    every outcome of ``decision.explanation`` and appends your own, or None
    to leave it. Stops at the first non-None result.

    :param framework: the framework being applied.
    :param submission: the submission being assessed.
    :param review: the review, or None for a self-assessment.
    :param decision: the decision from the declared rules.
    :returns: the adjusted decision, or None.

    Called once per assessment, after the declared rules.
    """
