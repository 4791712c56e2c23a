"""Batch assessment: many submissions scored across processes, streamed in input order.

A batch is a map: each :class:`Case` (a submission file, its review file, a
decision date) goes in, and one result comes out, a pure function of the
case's files and the framework. :class:`Assess` is that map step for
decisions; it is an ordinary picklable object, so it runs unchanged under
:func:`run` (which spreads the cases over processes and hands the results
back in input order), under any :class:`concurrent.futures.Executor`, or in
a plain ``map``. Every decision goes through
:meth:`~qmframe.engine.Assessor.assess`, which runs every check first.

A case that cannot be decided does not stop the batch: bad input (a
malformed file, a failed check, a conflicted reviewer) comes back as that
case's located problems, and a failing plugin as that case's error, named.

:func:`run` keeps a bounded window of cases in flight, so memory stays flat
however many cases there are; :func:`find_cases` walks folders lazily.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from qmframe.errors import PluginError, Problem, QmframeError, ValidationError
from qmframe.escaping import json_text
from qmframe.limits import MAX_JOBS

if TYPE_CHECKING:
    from qmframe.decision import Decision
    from qmframe.engine import Assessor
    from qmframe.plugins import Registry
    from qmframe.submission import Review, Submission

__all__ = [
    "Assess",
    "AssessJson",
    "Case",
    "Line",
    "Outcome",
    "assess_case",
    "assessor_for",
    "default_jobs",
    "find_cases",
    "framework_ref",
    "json_line",
    "run",
]

T = TypeVar("T")
R = TypeVar("R")

#: The result of a case: decided, bad input (``invalid``), or a failure (``failed``).
DECIDED, INVALID, FAILED = "decided", "invalid", "failed"

SUBMISSION_NAME = "submission.toml"
REVIEW_NAME = "review.toml"


def _path(path: str | os.PathLike[str]) -> str:
    return os.fspath(path)


def _optional_path(path: str | os.PathLike[str] | None) -> str | None:
    return None if path is None else os.fspath(path)


@attrs.frozen(kw_only=True)
class Case:
    """One submission to decide: its file, its review's file (if any), and a decision date.

    ``label`` names the case in the results (by :func:`find_cases`, the
    folder relative to the one searched). Without ``as_of`` the decision date
    is the review's date, else the submission's, else today, as for
    :func:`qmframe.assess`.
    """

    label: str
    submission: str = attrs.field(converter=_path)
    review: str | None = attrs.field(default=None, converter=_optional_path)
    as_of: dt.date | None = None


@attrs.frozen(kw_only=True)
class Outcome:
    """What one case came to: a decision, or the problems or failure that stopped it.

    ``result`` is ``"decided"`` (``decision`` set), ``"invalid"`` (bad input:
    ``problems`` holds every located error) or ``"failed"`` (a plugin or
    qmframe failed: ``error`` says which, and how). A decided case also keeps
    what the register records beside its decision and the decision does not
    hold: the submission's ``previous_award`` and declared ``details``.
    """

    case: Case
    result: str
    decision: Decision | None = None
    problems: tuple[Problem, ...] = ()
    error: str = ""
    previous_award: str = ""
    details: Mapping[str, str] = attrs.field(factory=dict)


def assess_case(assessor: Assessor, case: Case) -> Outcome:
    """Read a case's files and decide it through ``assessor``: the map step, given an assessor.

    Never raises for a case: bad input is an ``invalid`` outcome with every
    located problem of both files, a plugin's failure (or a bug) a ``failed`` one.
    """
    return _decide(assessor, case)[0]


def _decide(assessor: Assessor, case: Case) -> tuple[Outcome, Submission | None, Review | None]:
    """:func:`assess_case`, with the submission and review it read (None if unreadable)."""
    from qmframe.files import read_review, read_submission

    submission: Submission | None = None
    review: Review | None = None
    try:
        problems: list[Problem] = []
        try:
            submission = read_submission(case.submission)
        except ValidationError as exc:
            problems += exc.problems
        if case.review is not None:
            try:
                review = read_review(case.review)
            except ValidationError as exc:
                problems += exc.problems
        if problems or submission is None:
            return Outcome(case=case, result=INVALID, problems=tuple(problems)), None, None
        as_of = (
            case.as_of
            or (review.reviewed_on if review is not None else None)
            or submission.submitted_on
            or dt.date.today()
        )
        decision = assessor.assess(
            submission,
            review,
            as_of=as_of,
            folder=Path(case.submission).parent,
            submission_file=case.submission,
            review_file=case.review or "",
        )
    except ValidationError as exc:
        outcome = Outcome(case=case, result=INVALID, problems=exc.problems)
    except PluginError as exc:
        outcome = Outcome(case=case, result=FAILED, error=str(exc))
    except QmframeError as exc:
        outcome = Outcome(case=case, result=INVALID, problems=(Problem(str(exc), code="invalid"),))
    except Exception as exc:  # one case's bug must not take the batch down; it is named
        error = f"internal error in qmframe: {type(exc).__name__}: {exc}"
        outcome = Outcome(case=case, result=FAILED, error=error)
    else:
        outcome = Outcome(
            case=case,
            result=DECIDED,
            decision=decision,
            previous_award=submission.previous_award,
            details=dict(submission.details),
        )
    return outcome, submission, review


#: Assessors built in this process: framework reference -> (its file's stamp, registry, assessor).
_ASSESSORS: dict[str, tuple[tuple[int, int] | None, Registry, Assessor]] = {}


def framework_ref(framework: str | os.PathLike[str]) -> str:
    """A FRAMEWORK argument as every process reads it: an id as it is, a file made absolute."""
    ref = os.fspath(framework)
    if not ref.endswith(".toml") and not os.path.exists(ref):
        return ref  # an installed framework's id, as qmframe.load_framework reads it
    return os.path.abspath(ref)


def framework_stamp(framework: str | os.PathLike[str]) -> tuple[int, int] | None:
    """A framework file's modification time and size; None for an installed framework's id."""
    ref = framework_ref(framework)
    try:
        found = os.stat(ref)
    except OSError:
        return None
    return found.st_mtime_ns, found.st_size


def assessor_for(framework: str | os.PathLike[str]) -> Assessor:
    """The assessor for a framework id or file, with the installed plugins; built once per process.

    It is kept while the default registry (:func:`qmframe.default_registry`)
    and the framework's file stay the same. Calling it before :func:`run`
    starts its processes lets them inherit the assessor where processes are
    forked; elsewhere each builds its own on its first case. Bad input (an
    unknown id, a broken file) raises :class:`~qmframe.errors.ValidationError`.
    """
    from qmframe import api

    ref = framework_ref(framework)
    registry = api.default_registry()
    stamp = framework_stamp(ref)
    found = _ASSESSORS.get(ref)
    if found is not None and found[0] == stamp and found[1] is registry:
        return found[2]
    assessor = registry.assessor(api.load_framework(ref, registry=registry))
    _ASSESSORS[ref] = (stamp, registry, assessor)
    return assessor


@attrs.frozen
class Assess:
    """The map step: a :class:`Case` in, its :class:`Outcome` out.

    ``framework`` is an installed framework's id or a framework file, as for
    ``qmframe assess``. Each process loads it (with the installed plugins)
    once, on its first case, and keeps its assessor; the step itself holds
    only the reference, so it is cheap to send to another process.
    """

    framework: str = attrs.field(converter=_path)
    #: The framework file's stamp (:func:`framework_stamp`) when the batch began: given, a
    #: case meeting a changed file fails, so that one batch never mixes two frameworks.
    stamp: tuple[int, int] | None = None

    def __call__(self, case: Case) -> Outcome:
        if self.stamp is not None and framework_stamp(self.framework) != self.stamp:
            changed = Problem(
                "the framework file changed while the batch ran; run the batch again so "
                "that every case is decided under one framework",
                file=self.framework,
                code="framework-changed",
            )
            return Outcome(case=case, result=INVALID, problems=(changed,))
        return assess_case(assessor_for(self.framework), case)


# -- JSON Lines ----------------------------------------------------------------------------


@attrs.frozen
class Line:
    """One case as a JSON Lines record: ``text`` (no newline) and what the summary counts."""

    label: str
    result: str
    status: str
    text: str


def _problem_json(problem: Problem) -> dict[str, str]:
    return {
        "file": problem.file,
        "path": problem.path,
        "severity": problem.severity,
        "code": problem.code,
        "message": problem.message,
    }


def json_line(outcome: Outcome) -> Line:
    """An outcome as one line of JSON (see ``qmframe batch --help`` for its keys)."""
    data: dict[str, Any] = {
        "case": outcome.case.label,
        "submission": outcome.case.submission,
        "review": outcome.case.review,
        "result": outcome.result,
    }
    status = ""
    if outcome.decision is not None:
        from qmframe._convert import unstructure_json
        from qmframe.decision import JSON_FORMAT_VERSION, award_id

        decision = outcome.decision
        status = decision.status
        data["decision"] = {  # as `assess --format json` writes it
            "format_version": JSON_FORMAT_VERSION,
            "award": award_id(decision),
            **unstructure_json(decision),
            "disagreements": unstructure_json(decision.disagreements),
        }
        # What `register add --decision` records beside the decision, as from the submission.
        data["previous_award"] = outcome.previous_award
        data["details"] = dict(outcome.details)
    elif outcome.result == INVALID:
        data["problems"] = [_problem_json(p) for p in outcome.problems]
    else:
        data["error"] = outcome.error
    text = json_text(data, indent=None)  # one line: no control or invisible character raw
    return Line(outcome.case.label, outcome.result, status, text)


@attrs.frozen
class AssessJson:
    """:class:`Assess` then :func:`json_line`, both in the worker: what ``qmframe batch`` maps."""

    framework: str = attrs.field(converter=_path)
    stamp: tuple[int, int] | None = None

    def __call__(self, case: Case) -> Line:
        return json_line(Assess(self.framework, self.stamp)(case))


# -- finding cases -------------------------------------------------------------------------


def find_cases(
    *paths: str | os.PathLike[str],
    review_name: str = REVIEW_NAME,
    submission_name: str = SUBMISSION_NAME,
) -> Iterator[Case]:
    """The cases in ``paths``, lazily, in a stable order.

    A folder is searched, its subfolders in name order, for files called
    ``submission_name`` (following links to folders, but not back up the
    tree, nor twice to one folder); each is a case whose review is the ``review_name``
    beside it, when there is one (anything at that name: one that cannot be read makes
    the case invalid, never a case without a review), and whose label is its folder relative to
    the folder searched (the folder as given, for a case folder given
    itself). A file is one case, labelled as given.
    """
    for given in paths:
        root = Path(given)
        if not root.is_dir():
            review = root.with_name(review_name)
            yield Case(label=os.fspath(given), submission=root, review=_if_present(review))
            continue
        linked: set[str] = set()  # where the links followed so far lead
        for folder, subfolders, names in os.walk(root, followlinks=True):
            subfolders[:] = [
                name for name in sorted(subfolders) if _walk_into(folder, name, linked)
            ]
            if submission_name not in names:
                continue
            here = Path(folder)
            label = os.fspath(here.relative_to(root)) if here != root else os.fspath(given)
            yield Case(
                label=label,
                submission=here / submission_name,
                review=_if_present(here / review_name),
            )


def _walk_into(folder: str, name: str, linked: set[str]) -> bool:
    """Whether to walk a subfolder: not a link back up the tree, nor to a folder linked before."""
    path = os.path.join(folder, name)
    if not os.path.islink(path):
        return True
    target, here = os.path.realpath(path), os.path.realpath(folder)
    if target in linked or here == target or here.startswith(target + os.sep):
        return False
    linked.add(target)
    return True


def _if_present(path: Path) -> Path | None:
    """The review beside a submission, if anything is there: a FIFO, a folder or a dangling
    link is taken too, so reading it says what is wrong instead of deciding without it."""
    return path if os.path.lexists(path) else None


# -- running -------------------------------------------------------------------------------


def _map_chunk(step: Callable[[T], R], chunk: Sequence[T]) -> list[R]:
    return [step(item) for item in chunk]


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _ignore_interrupts() -> None:
    """In each worker: leave Ctrl-C to the main process, which stops the batch.

    A terminal's Ctrl-C reaches every process of its group; a worker that died
    of it in the middle of a message to the pool printed a traceback and could
    leave the pool waiting for ever.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _check_jobs(jobs: int) -> None:
    if not 1 <= jobs <= MAX_JOBS:
        message = f"the number of processes must be 1 to {MAX_JOBS}, not {jobs}"
        raise ValidationError([Problem(message, "jobs", code="out-of-range")])


def default_jobs() -> int:
    """The number of processes a batch uses by default: the cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def run(
    step: Callable[[T], R],
    cases: Iterable[T],
    *,
    jobs: int | None = None,
    executor: Executor | None = None,
    chunk_size: int = 32,
    window: int | None = None,
) -> Iterator[R]:
    """``step`` applied to every case, results yielded in the order of ``cases``.

    With ``jobs`` 1 the cases run one by one in this process; otherwise they
    are sent in chunks of ``chunk_size`` to a
    :class:`~concurrent.futures.ProcessPoolExecutor` of ``jobs`` processes
    (default: :func:`default_jobs`; no more processes than there are chunks,
    and none when all the cases fit in one chunk, which one process would do
    alone: they run in this process), or to ``executor`` when one is given
    (any :class:`concurrent.futures.Executor`; it is not shut down). At most
    ``window`` chunks (default: four per process) are in flight at once, and
    ``cases`` is read only as they are sent, so memory does not grow with the
    number of cases. ``step`` and the cases must pickle for processes:
    :class:`Assess` and :class:`Case` do. ``jobs`` outside 1 to
    :data:`~qmframe.limits.MAX_JOBS` raises :class:`~qmframe.errors.ValidationError`.
    The processes ignore Ctrl-C (``SIGINT``): it stops the batch in this
    process, which cancels the cases not yet sent and waits for those running.
    """
    workers = jobs if jobs is not None else min(default_jobs(), MAX_JOBS)
    _check_jobs(workers)
    if executor is None and workers <= 1:
        yield from map(step, cases)
        return
    chunks = _chunks(cases, chunk_size)
    ahead: list[list[T]] = []
    own = executor is None
    if executor is None:
        # The first chunks, one per process: these are sent at once in any case, and they
        # tell a batch too small for the processes (starting one costs more than a chunk).
        ahead = list(itertools.islice(chunks, workers))
        if len(ahead) <= 1:
            for chunk in ahead:
                yield from map(step, chunk)
            return
        from concurrent.futures import ProcessPoolExecutor

        workers = min(workers, len(ahead))
        executor = ProcessPoolExecutor(max_workers=workers, initializer=_ignore_interrupts)
    limit = window if window is not None else 4 * max(workers, 1)
    pending: deque[Future[list[R]]] = deque()
    try:
        for chunk in itertools.chain(ahead, chunks):
            pending.append(executor.submit(_map_chunk, step, chunk))
            if len(pending) >= limit:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
        if own:
            executor.shutdown(wait=True, cancel_futures=True)
