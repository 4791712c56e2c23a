"""Every hook a qmframe plugin can implement, in one place.

A plugin is any module or object with functions named like these; a
function named ``qmframe_*`` is taken as an implementation whether or not it
is marked with :data:`hookimpl` (mark it to pass pluggy's options:
``tryfirst``, ``trylast``, ``wrapper``), and one whose name matches no hook
is an error naming the plugin. Installed distributions announce their
plugins in the ``qmframe`` entry-point group. qmframe's own rule kinds and
report formats are registered through these same hooks (see
:mod:`qmframe.default_plugins`).

Every hook is called through pluggy, so the order of the implementations,
wrappers and ``firstresult`` are as pluggy documents them. Registration hooks
take a ``register`` callback rather than returning a list, so qmframe knows
which plugin supplied what: duplicates are reported with both plugins' names.
Hooks are called with keyword arguments, and an implementation may accept
only the arguments it needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol, TypeVar

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

__all__ = ["Register", "hookimpl", "hookspec"]

hookspec = pluggy.HookspecMarker("qmframe")
hookimpl = pluggy.HookimplMarker("qmframe")

_T_contra = TypeVar("_T_contra", contravariant=True)


class Register(Protocol[_T_contra]):
    """The ``register`` callback of a registration hook.

    ``replace=True`` (rule kinds and report formats only) declares that the
    value replaces the built-in of the same name; without it, registering a
    built-in's name is a :class:`~qmframe.errors.PluginError` naming both
    plugins.
    """

    def __call__(self, value: _T_contra, /, *, replace: bool = False) -> None: ...


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
def qmframe_register_rule_kinds(register: Register[RuleKind]) -> None:
    """Supply rule kinds that framework files can name in ``decision.rules``.

    Call ``register`` with a :class:`~qmframe.rules.RuleKind` instance per
    kind. To replace a built-in kind, say so: ``register(kind, replace=True)``;
    registering a built-in's name without it, or two plugins registering the
    same name, is an error naming both plugins.

    :param register: call with each rule kind (``replace=True`` to replace a
        built-in).
    :returns: nothing; use ``register``.

    Called when a :class:`~qmframe.plugins.Registry` is built.
    """


@hookspec
def qmframe_register_report_formats(register: Register[ReportFormat]) -> None:
    """Supply report formats for ``qmframe assess --format NAME``.

    Call ``register`` with a :class:`~qmframe.reports.ReportFormat` instance
    per format. As with rule kinds, a plugin replaces a built-in format only
    with ``register(fmt, replace=True)``.

    :param register: call with each report format (``replace=True`` to
        replace a built-in).
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
    to leave it. This is a ``firstresult`` hook: pluggy calls the
    implementations in its order (``tryfirst`` ones first, then the
    last-registered first) and stops at the first non-None result.

    :param framework: the framework being applied.
    :param submission: the submission being assessed.
    :param review: the review, or None for a self-assessment.
    :param decision: the decision from the declared rules.
    :returns: the adjusted decision, or None.

    Called once per assessment, after the declared rules.
    """
