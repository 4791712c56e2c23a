"""The small top-level API: load, check, assess, render.

These functions tie the file readers, validation, the plugins and the engine
together the way the command line uses them; a host application (a web
portal, a register site) can call them directly. Each raises
:class:`~qmframe.errors.ValidationError` with every located problem for bad
input, and never returns a half-checked object.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from qmframe.decision import Decision
from qmframe.errors import Problem, ValidationError, raise_errors
from qmframe.files import (
    Source,
    file_label,
    read_framework,
    read_review,
    read_submission,
    submission_folder,
)
from qmframe.framework import Framework
from qmframe.index import FrameworkIndex
from qmframe.plugins import Registry
from qmframe.reports import Assessment
from qmframe.submission import Review, Submission
from qmframe.validation import check_review

__all__ = [
    "assess",
    "default_registry",
    "inspect_framework",
    "load_framework",
    "load_review",
    "load_submission",
    "render",
    "validate_submission",
]

_default: Registry | None = None


def default_registry() -> Registry:
    """The registry of the installed plugins, built on first use and kept."""
    global _default
    if _default is None:
        _default = Registry()
    return _default


def _errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def inspect_framework(
    source: Source, *, registry: Registry | None = None, data: dict[str, Any] | None = None
) -> tuple[Framework | None, list[Problem]]:
    """Read and check a framework file: the framework (None if unreadable) and every problem.

    Problems include warnings and notices (for example, criteria whose text is
    illustrative rather than the owner's). ``data`` is the file's parsed
    table, when the caller has read it already: the file is not parsed again.
    """
    registry = registry or default_registry()
    try:
        framework = read_framework(source, data=data)
        data = None  # a large framework's table is not kept while it is checked
    except ValidationError as exc:
        return None, list(exc.problems)
    label = file_label(source)
    return framework, [p.located(file=label) for p in registry.check_framework(framework)]


def load_framework(ref: Source, *, registry: Registry | None = None) -> Framework:
    """A framework by id (from the installed plugins) or by path to its TOML file."""
    registry = registry or default_registry()
    if isinstance(ref, str) and not ref.endswith(".toml") and not os.path.exists(ref):
        return registry.framework(ref)
    framework, problems = inspect_framework(ref, registry=registry)
    if framework is None or _errors(problems):
        raise ValidationError(_errors(problems))
    return framework


def validate_submission(
    framework: Framework,
    submission: Submission,
    *,
    folder: Path | None = None,
    file: str = "",
    registry: Registry | None = None,
    review: Review | None = None,
) -> list[Problem]:
    """Every problem with a submission (and its review): the same checks every decision runs.

    The framework's checks, the review's cross-checks when ``review`` is
    given, then the plugins' checks; see :meth:`qmframe.engine.Assessor.check`.
    """
    registry = registry or default_registry()
    return registry.assessor(framework).check(
        submission, review, folder=folder, submission_file=file
    )


def load_submission(
    source: Source, framework: Framework, *, registry: Registry | None = None
) -> Submission:
    """Read a submission and check it against ``framework``; errors raise, all at once."""
    submission = read_submission(source)
    raise_errors(
        validate_submission(
            framework,
            submission,
            folder=submission_folder(source),
            file=file_label(source),
            registry=registry,
        )
    )
    return submission


def load_review(
    source: Source,
    framework: Framework,
    submission: Submission | None = None,
    *,
    registry: Registry | None = None,
) -> Review:
    """Read a review and check it; a reviewer with a conflict of interest is refused.

    With the submission, the review must be of the same organisation, cite
    only its evidence, judge a target the organisation marked not applicable
    only with a rationale, and no reviewer may have declared an interest in
    it: that raises :class:`~qmframe.errors.ConflictOfInterestError`. The
    plugins' checks then run on the two together.
    """
    registry = registry or default_registry()
    review = read_review(source)
    label = file_label(source)
    if submission is None:
        problems = [
            p.located(file=label) for p in check_review(review, FrameworkIndex.build(framework))
        ]
    else:
        problems = registry.assessor(framework).check(submission, review, review_file=label)
    raise_errors(problems)
    return review


def assess(
    framework: Framework,
    submission: Submission,
    review: Review | None = None,
    *,
    as_of: dt.date | None = None,
    registry: Registry | None = None,
    folder: Path | None = None,
    submission_file: str = "",
    review_file: str = "",
    warnings: list[Problem] | None = None,
) -> Decision:
    """The explained decision for a submission (and its review, if any).

    Every check runs first, as on every path to a decision (see
    :meth:`qmframe.engine.Assessor.assess`): bad input raises
    :class:`~qmframe.errors.ValidationError`, a conflicted reviewer
    :class:`~qmframe.errors.ConflictOfInterestError`. ``folder`` is where the
    submission's evidence files are, when they should be checked too.
    ``as_of`` is the decision date; by default the review's date, else the
    submission's, else today. The same inputs always give the same decision.
    ``submission_file`` and ``review_file`` name the files in the problems;
    ``warnings``, when given, receives the checks' warnings.
    """
    registry = registry or default_registry()
    if as_of is None:
        as_of = (
            (review.reviewed_on if review is not None else None)
            or submission.submitted_on
            or dt.date.today()
        )
    return registry.assessor(framework).assess(
        submission,
        review,
        as_of=as_of,
        folder=folder,
        submission_file=submission_file,
        review_file=review_file,
        warnings=warnings,
    )


def render(
    decision: Decision,
    framework: Framework,
    submission: Submission,
    review: Review | None = None,
    *,
    format: str = "text",
    registry: Registry | None = None,
) -> str:
    """A decision as text in one of the registered report formats."""
    registry = registry or default_registry()
    assessment = Assessment(
        decision=decision, framework=framework, submission=submission, review=review
    )
    return registry.report_format(format).render(assessment)
