"""The ``register``, ``diff`` and ``rescore`` commands.

Kept apart from :mod:`qmframe.cli` so the award lifecycle's commands can grow
without crowding the core ones; :mod:`qmframe.cli` adds :data:`register`,
:data:`diff_command` and :data:`rescore_command` to its click group. Commands
return an exit code; bad input raises, and :func:`qmframe.cli.main` turns
that into exit code 2. Like :mod:`qmframe.cli`, this module imports the
register, the engine and the plugins only inside the commands.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from qmframe._console import DATE, OrderedGroup, complete_dir, complete_file, complete_framework
from qmframe._console import err as _err
from qmframe._console import out as _out
from qmframe.errors import Problem, ValidationError
from qmframe.limits import MAX_JOBS
from qmframe.vocabulary import STATES

if TYPE_CHECKING:
    from pathlib import Path

    from qmframe.awards.register import Addition, Register
    from qmframe.decision import Decision
    from qmframe.framework import Framework, Lifecycle
    from qmframe.plugins import Registry

__all__ = [
    "BatchRecorder",
    "Progress",
    "batch_addition",
    "diff_command",
    "read_decision",
    "register",
    "rescore_command",
]

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2
F = TypeVar("F", bound=Callable[..., Any])


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal.

    Logs and pipes get nothing: a bar redrawn with carriage returns is noise
    in a file.
    """

    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.total = total
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.shown = self.stream.isatty() and total > 1

    def __call__(self, done: int) -> None:
        if not self.shown:
            return
        width = 30
        filled = width * done // max(self.total, 1)
        bar = "#" * filled + " " * (width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{self.total}")
        if done >= self.total:
            self.stream.write("\n")
        self.stream.flush()


# -- shared options ------------------------------------------------------------------------


def _db(command: F) -> F:
    return click.option(
        "--db",
        default="",
        envvar="QMFRAME_REGISTER",
        show_envvar=False,
        metavar="FILE",
        shell_complete=complete_file,
        help="the register's SQLite file (default: $QMFRAME_REGISTER)",
    )(command)


def _on(command: F) -> F:
    return click.option("--on", type=DATE, metavar="DATE", help="default: today")(command)


def _text_or_json(command: F) -> F:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(("text", "json")),
        default="text",
        help="text for people, json for programs (default: text)",
    )(command)


def _framework_argument(command: F) -> F:
    return click.argument("framework", metavar="FRAMEWORK", shell_complete=complete_framework)(
        command
    )


def _output(command: F) -> F:
    return click.option(
        "-o", "--output", metavar="FILE", shell_complete=complete_file,
        help="write here instead of stdout",
    )(command)  # fmt: skip


# -- helpers -------------------------------------------------------------------------------


def _registry() -> Registry:
    from qmframe import api

    return api.default_registry()


def _open(db: str, *, create: bool = False) -> Register:
    from qmframe.awards.register import Register

    if not db:
        raise ValidationError([Problem("name the register file with --db (or $QMFRAME_REGISTER)")])
    return Register(db, create=create)


def _emit(text: str, output: str | None) -> None:
    from qmframe.files import write_text

    if output:
        write_text(output, text)
    else:
        _out(text)


def _line(text: str) -> None:
    """One line of text output: a name holding escapes or a line break is shown, not obeyed."""
    from qmframe.escaping import terminal

    _out(terminal(text))


def _json(value: Any) -> str:
    from qmframe.escaping import json_text

    return json_text(value) + "\n"


def read_decision(path: str | Path) -> Decision:
    """A decision from a TOML file (``qmframe.dumps``) or JSON (``assess --format json``).

    The JSON report adds derived keys (such as ``disagreements``); only the
    decision's own fields are read.
    """
    import json

    from qmframe.decision import Decision
    from qmframe.files import file_label, read_bytes, read_document

    label = file_label(path)
    if str(path).endswith(".json"):
        raw = read_bytes(path)  # a regular file only, of a bounded size
        try:
            data = json.loads(raw.decode("utf-8"))
        except ValueError as exc:
            raise ValidationError(
                [Problem(f"cannot read the decision: {exc}", file=label)]
            ) from None
        return _decision_from(data, label)
    return read_document(path, Decision)


def _decision_from(data: object, label: str) -> Decision:
    """A decision from parsed JSON; derived keys of the JSON report are left out."""
    import attrs

    from qmframe._convert import structure
    from qmframe.decision import Decision

    if not isinstance(data, dict):
        raise ValidationError([Problem("expected a JSON object", file=label, code="wrong-type")])
    own = {field.name for field in attrs.fields(Decision)}
    result = structure({k: v for k, v in data.items() if k in own}, Decision, file=label)
    if isinstance(result, list):
        raise ValidationError(result)
    return result


def _status(framework: Framework, status: str, award_level: str = "") -> str:
    """A recorded status: its id, after the framework's words for it (and the award level
    reached) when it has any."""
    words = framework.decision.label(status)
    level = framework.award_level(award_level) if award_level else None
    if level is not None:
        words += f" ({level.label})"
    return status if words == status else f"{words} [{status}]"


def _framework(registry: Registry, ref: str) -> Framework:
    from qmframe import api

    return api.load_framework(ref, registry=registry)


# -- register ------------------------------------------------------------------------------


@click.group(
    cls=OrderedGroup,
    subcommand_metavar="ACTION [ARGS]...",
    short_help="keep a register of decisions and awards (SQLite)",
)
def register() -> None:
    """Keep a register of decisions and awards in a SQLite file.

    Every action reads the register named by --db FILE, or by the
    QMFRAME_REGISTER environment variable when --db is not given; only `add`
    creates it. FRAMEWORK is a framework id or file. See `qmframe register
    ACTION --help` for each action. The examples set the variable once with
    `export QMFRAME_REGISTER=awards.sqlite`.

    \b
    Examples:
      qmframe register add example-charter submission.toml --review review.toml
      qmframe register list example-charter
      qmframe register due example-charter --within 60
      qmframe register return example-charter my-centre volunteer-census --figure volunteers=12
    """


@register.command(
    "add", short_help="assess a submission and record the decision (or record decision files)"
)
@_framework_argument
@click.argument("submission", required=False, metavar="[SUBMISSION]", shell_complete=complete_file)
@_db
@click.option(
    "--review", metavar="FILE", shell_complete=complete_file,
    help="the review (the assessors' judgements) to decide with",
)  # fmt: skip
@click.option(
    "--as-of",
    type=DATE,
    metavar="DATE",
    help="decision date (default: the review's date, else the submission's, else today)",
)
@click.option(
    "--decision",
    "decision_files",
    multiple=True,
    metavar="FILE",
    shell_complete=complete_file,
    help="record this decision (TOML from qmframe.dumps, `assess --format json`, or JSON "
    "Lines with one decision a line, as `qmframe batch` writes) instead of assessing a "
    "submission; repeatable, all in one transaction",
)
@click.option("--reason", default="", help="reason recorded with the event")
def _add(
    framework: str,
    submission: str | None,
    db: str,
    review: str | None,
    as_of: dt.date | None,
    decision_files: tuple[str, ...],
    reason: str,
) -> int:
    """Assess SUBMISSION under FRAMEWORK and record the decision, or record decision files.

    The decision moves the organisation's award along the framework's
    lifecycle (awarded, renewed, not awarded); the command prints the award
    id and the new state. A decision after an expression of interest or
    in-preparation implies the submission: `submitted` is recorded first. An
    indication (no award: the framework's reviewers are missing) records at
    most that a submission was received. With --decision FILE (repeatable; a
    .jsonl file holds one decision a line), decisions made earlier are
    recorded instead, all in one transaction: if any is refused, none is
    recorded. A decision already recorded is refused. In the JSON Lines of
    `qmframe batch`, a case that was not decided is skipped and named.

    \b
    Examples:
      qmframe register add example-charter submission.toml --review review.toml
      qmframe register add example-charter --decision decision.json
      qmframe register add example-charter --decision one.json --decision two.json
    """
    from qmframe import api
    from qmframe.awards.register import Addition

    registry = _registry()
    loaded = _framework(registry, framework)
    if decision_files:
        if submission or review:
            raise ValidationError([Problem("give a submission or --decision, not both")])
        with _open(db, create=True) as opened:
            added = opened.add_decisions(
                _additions(decision_files, loaded.id, reason), loaded.lifecycle
            )
        for one in added:
            what = f"now {one.event.state}" if one.event is not None else "no change"
            _out(f"{one.award}: {one.status} recorded ({what})")
        if len(added) > 1:
            _out(f"{len(added)} decisions recorded")
        return EXIT_OK
    if not submission:
        raise ValidationError([Problem("give a SUBMISSION to assess, or --decision FILE")])
    sub = api.load_submission(submission, loaded, registry=registry)
    rev = api.load_review(review, loaded, sub, registry=registry) if review else None
    decision = api.assess(loaded, sub, rev, as_of=as_of, registry=registry)
    previous = sub.previous_award
    with _open(db, create=True) as opened:
        if previous and not opened.has_award(previous):
            sys.stderr.write(
                f"warning: previous_award {previous!r} is not in this register "
                "(ids look like FRAMEWORK/ORGANISATION/DATE)\n"
            )
        (one,) = opened.add_decisions(
            [
                Addition(
                    decision=decision,
                    previous_award=previous,
                    details=dict(sub.details),
                    reason=reason,
                )
            ],
            loaded.lifecycle,
        )
    what = f"now {one.event.state}" if one.event is not None else "no change to the current award"
    _line(
        f"{one.award}: {_status(loaded, decision.status, decision.award_level)} recorded ({what})"
    )
    return EXIT_OK


def _additions(paths: Sequence[str], framework: str, reason: str) -> Iterator[Addition]:
    """The decisions in ``paths``, one by one, each checked to be of ``framework``."""
    import attrs

    from qmframe.files import file_label

    for path in paths:
        for label, found in _read_decisions(path):
            decision = found.decision
            if decision.framework != framework:
                raise ValidationError(
                    [
                        Problem(
                            f"the decision is for {decision.framework!r}, not {framework!r}",
                            file=label,
                            code="not-allowed",
                        )
                    ]
                )
            yield attrs.evolve(found, reason=reason, source=label or file_label(path))


def batch_addition(data: dict[str, Any], where: str) -> Addition | None:
    """The register's addition for one line of ``qmframe batch``; None for an undecided case.

    A decided line holds the decision (as ``assess --format json`` writes it)
    and what the register keeps beside it from the submission
    (``previous_award``, ``details``); the others hold no decision.
    """
    from qmframe.awards.register import Addition

    if data.get("result") != "decided":
        return None
    previous = data.get("previous_award", "")
    details = data.get("details", {})
    problems = []
    if not isinstance(previous, str):
        problems.append(Problem("expected a string", "previous_award", where, code="wrong-type"))
    if not isinstance(details, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in details.items()
    ):
        problems.append(
            Problem("expected an object of strings", "details", where, code="wrong-type")
        )
    if problems:
        raise ValidationError(problems)
    return Addition(
        decision=_decision_from(data.get("decision"), where),
        previous_award=previous,
        details=details,
        source=where,
    )


class BatchRecorder:
    """Records the decided cases of ``qmframe batch --db`` in a register as they come.

    Decisions are written a chunk at a time, each chunk in one transaction (a
    commit per decision costs a disk flush each); when the register refuses
    one (recorded already, or a move its lifecycle forbids), the chunk is
    written again one decision at a time, so the others are kept and each
    refusal is reported as its case's problem.
    """

    CHUNK = 256

    def __init__(self, register: Register, lifecycle: Lifecycle) -> None:
        self.register = register
        self.lifecycle = lifecycle
        self.pending: list[Addition] = []
        self.recorded = 0
        self.refused_cases = 0
        self.refused: list[Problem] = []

    def record(self, text: str, label: str) -> None:
        """Record one line of ``qmframe batch`` (a case that was not decided is no decision)."""
        import json

        addition = batch_addition(json.loads(text), label)
        if addition is not None:
            self.add(addition)

    def add(self, addition: Addition) -> None:
        self.pending.append(addition)
        if len(self.pending) >= self.CHUNK:
            self.flush()

    def flush(self) -> None:
        chunk, self.pending = self.pending, []
        if not chunk:
            return
        try:
            self.recorded += len(self.register.add_decisions(chunk, self.lifecycle))
        except ValidationError:
            for one in chunk:
                try:
                    self.recorded += len(self.register.add_decisions([one], self.lifecycle))
                except ValidationError as exc:
                    self.refused_cases += 1
                    self.refused.extend(exc.problems)


def _read_decisions(path: str) -> Iterator[tuple[str, Addition]]:
    """(label, the decision with what comes with it) for each decision in a file: one, or
    one a line in JSON Lines; a line of ``qmframe batch`` whose case was not decided is
    skipped, and said so on stderr."""
    import json

    from qmframe.awards.register import Addition
    from qmframe.escaping import terminal
    from qmframe.files import file_label

    label = file_label(path)
    if not path.endswith(".jsonl"):
        yield label, Addition(decision=read_decision(path))
        return
    try:
        stream = open(path, encoding="utf-8")  # noqa: SIM115 (closed below; read line by line)
    except OSError as exc:
        raise ValidationError(
            [Problem(f"cannot read: {exc.strerror}", file=label, code="unreadable-file")]
        ) from None
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            where = f"{label}:{number}"
            try:
                data = json.loads(line)
            except ValueError as exc:
                raise ValidationError(
                    [Problem(f"not JSON ({exc})", file=where, code="wrong-type")]
                ) from None
            if isinstance(data, dict) and "result" in data and "case" in data:  # from batch
                addition = batch_addition(data, where)
                if addition is None:
                    sys.stderr.write(
                        terminal(
                            f"{where}: skipped: case {data['case']!r} was not decided "
                            f"({data['result']})"
                        )
                        + "\n"
                    )
                    continue
                yield where, addition
                continue
            yield where, Addition(decision=_decision_from(data, where))


@register.command("event", short_help="record a lifecycle event (suspend, withdraw, ...)")
@_framework_argument
@click.argument("organisation", metavar="ORGANISATION")
@click.argument("state", metavar="STATE", type=click.Choice(STATES))
@_db
@_on
@click.option("--reason", required=True, help="why (kept in the history)")
def _event(
    framework: str, organisation: str, state: str, db: str, on: dt.date | None, reason: str
) -> int:
    """Record a lifecycle event: ORGANISATION's award under FRAMEWORK moves to STATE.

    The framework's lifecycle says which moves are allowed from the award's
    current state; a move it forbids is refused (exit code 2) with nothing
    written. A history may begin with an expression of interest; a state a
    history may begin in also creates the register file if there is none.
    STATE is one of: {states}.

    \b
    Examples:
      qmframe register event example-charter my-centre expression-of-interest --reason "enquiry"
      qmframe register event example-charter my-centre suspended --reason "complaint received"
      qmframe register event example-charter my-centre reinstated --on 2027-04-01 --reason "cleared"
    """
    from qmframe.awards.lifecycle import Event, start_states

    loaded = _framework(_registry(), framework)
    event = Event(state=state, on=on or dt.date.today(), reason=reason)
    # A history's first event (an expression of interest) may start a new register.
    with _open(db, create=state in start_states(loaded.lifecycle)) as opened:
        opened.add_event(loaded.id, organisation, event, loaded.lifecycle)
    _line(f"{loaded.id}/{organisation}: {event.state} on {event.on}")
    return EXIT_OK


@register.command("return", short_help="record a return of a recurring event, with its figures")
@_framework_argument
@click.argument("organisation", metavar="ORGANISATION")
@click.argument("event_id", metavar="EVENT")
@_db
@click.option(
    "--figure",
    "figures",
    multiple=True,
    metavar="ID=VALUE",
    help="one figure of the return (repeatable)",
)
@click.option(
    "--file",
    "return_file",
    metavar="FILE",
    shell_complete=complete_file,
    help="read the return from a TOML file: a [figures] table, and optionally on, due, note",
)
@click.option("--on", type=DATE, metavar="DATE", help="the day it was sent (default: today)")
@click.option(
    "--due",
    type=DATE,
    metavar="DATE",
    help="the due date it answers (default: the earliest not yet answered)",
)
@click.option("--note", default="", help="a note kept with the return")
def _return(
    framework: str,
    organisation: str,
    event_id: str,
    db: str,
    figures: tuple[str, ...],
    return_file: str | None,
    on: dt.date | None,
    due: dt.date | None,
    note: str,
) -> int:
    """Record ORGANISATION's return of EVENT, one of FRAMEWORK's recurring events.

    EVENT is declared in the framework's [[lifecycle.recurring]] (an annual
    statistical return, say) with the figures each return reports; give them
    with --figure ID=VALUE, or in a file. The figures are checked against the
    declaration (a count is a whole number, required figures are there, one
    figure is at most another) and the organisation must hold a current
    award; anything refused exits with code 2 and nothing is written. The
    return answers a due date of the award's term, by default the earliest
    not yet answered; `register due` lists those still open. --on, --due and
    --note replace the file's.

    \b
    Examples:
      qmframe register return example-charter my-centre volunteer-census --figure volunteers=12
      qmframe register return example-charter my-centre volunteer-census --file census.toml
    """
    from qmframe.awards.returns import ReturnFile, figure_pairs, read_figures, recurring_event
    from qmframe.files import file_label, read_document

    loaded = _framework(_registry(), framework)
    event = recurring_event(loaded, event_id)
    if return_file and figures:
        raise ValidationError([Problem("give the figures with --figure or --file, not both")])
    label = ""
    given: dict[str, str | float] = dict(figure_pairs(figures))
    if return_file:
        sent = read_document(return_file, ReturnFile)
        label = file_label(return_file)
        given = dict(sent.figures)
        on, due, note = on or sent.on, due or sent.due, note or sent.note
    values = read_figures(event, given, file=label)
    day = on or dt.date.today()
    with _open(db) as opened:
        recorded = opened.add_return(
            loaded, organisation, event.id, values, on=day, due=due, note=note
        )
    shown = ", ".join(f"{k} {v:g}" for k, v in recorded.figures.items()) or "no figures"
    _out(
        f"{loaded.id}/{organisation}: {event.id} due {recorded.due} recorded, sent {day} ({shown})"
    )
    return EXIT_OK


@register.command("list", short_help="who holds an award on a date")
@_framework_argument
@_db
@_on
@_text_or_json
def _list(framework: str, db: str, on: dt.date | None, fmt: str) -> int:
    """List who holds an award under FRAMEWORK on a date (default: today).

    One line per holder: name, id, state, the framework version awarded, and
    since and until when. With --format json, a JSON array of holders.

    \b
    Examples:
      qmframe register list example-charter
      qmframe register list example-charter --on 2027-01-01 --format json
    """
    from qmframe._convert import unstructure_json

    loaded = _framework(_registry(), framework)
    day = on or dt.date.today()
    with _open(db) as opened:
        holders = opened.holders(loaded.id, day)
    if fmt == "json":
        _out(_json([unstructure_json(h) for h in holders]))
        return EXIT_OK
    _line(f"{len(holders)} holding {loaded.id} on {day}")
    for h in holders:
        until = f"until {h.valid_until}" if h.valid_until else "no end date"
        _line(f"  {h.organisation_name or h.organisation} ({h.organisation}): {h.state}, "
              f"version {h.version}, since {h.since}, {until}")  # fmt: skip
    return EXIT_OK


assert _event.help is not None
_event.help = _event.help.replace("{states}", ", ".join(STATES))


@register.command("history", short_help="one organisation's history")
@_framework_argument
@click.argument("organisation", metavar="ORGANISATION")
@_db
@_text_or_json
def _history(framework: str, organisation: str, db: str, fmt: str) -> int:
    """Show ORGANISATION's history under FRAMEWORK: its events and recorded decisions.

    With --format json, an object with "history" (the events) and
    "decisions" (award id, status, date, award level and basis of each).

    \b
    Examples:
      qmframe register history example-charter my-centre
      qmframe register history example-charter my-centre --format json
    """
    from qmframe._convert import unstructure_json

    loaded = _framework(_registry(), framework)
    with _open(db) as opened:
        history = opened.history(loaded.id, organisation)
        decisions = opened.summaries(loaded.id, organisation)
    if not history.events and not decisions:
        raise ValidationError([Problem(f"no record of {organisation!r} under {loaded.id!r}")])
    if fmt == "json":
        _out(
            _json(
                {
                    "history": unstructure_json(history),
                    "decisions": [
                        {
                            "award": r.award,
                            "status": r.status,
                            "as_of": str(r.as_of),
                            "award_level": r.award_level,
                            "basis": r.basis,
                        }
                        for r in decisions
                    ],
                }
            )
        )
        return EXIT_OK
    _line(f"{history.organisation_name or history.organisation} under {loaded.id}:")
    for e in history.events:
        until = f"until {e.valid_until}" if e.valid_until else "no end date"
        extra = f" (version {e.version}, {until})" if e.version else ""
        _line(f"  {e.on}  {e.state}{extra}: {e.reason}")
    for r in decisions:
        _line(f"  decision {r.award}: {_status(loaded, r.status, r.award_level)}")
    return EXIT_OK


@register.command("due", short_help="awards expiring, or due a mid-point review or a return, soon")
@_framework_argument
@_db
@click.option(
    "--within", type=int, default=90, metavar="DAYS",
    help="how many days ahead to look (default: 90)",
)  # fmt: skip
@_on
@_text_or_json
def _due(framework: str, db: str, within: int, on: dt.date | None, fmt: str) -> int:
    """List awards under FRAMEWORK that expire, or are due a mid-point review or a return, soon.

    Lists current awards whose expiry, mid-point review or return of a
    recurring event (the framework's [[lifecycle.recurring]], such as an
    annual return) falls within DAYS of the date given by --on (default:
    today). A mid-point review or a return past due and not yet recorded is
    listed too, marked overdue.

    \b
    Examples:
      qmframe register due example-charter
      qmframe register due example-charter --within 30 --on 2027-07-01
    """
    from qmframe._convert import unstructure_json

    loaded = _framework(_registry(), framework)
    day = on or dt.date.today()
    with _open(db) as opened:
        due = opened.due(loaded.id, day, within, recurring=loaded.lifecycle.recurring)
    if fmt == "json":
        _out(_json([unstructure_json(d) for d in due]))
        return EXIT_OK
    _out(f"{len(due)} due within {within} days of {day}")
    for d in due:
        late = " (overdue)" if d.overdue else ""
        _line(f"  {d.on}  {d.what}{late}: {d.organisation_name or d.organisation}")
    return EXIT_OK


@register.command("export", short_help="the public register (only the framework's public fields)")
@_framework_argument
@_db
@_on
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("json", "csv", "sqlite")),
    default="json",
    help="json, csv, or a SQLite file with the table public_register (default: json)",
)
@click.option(
    "-o", "--output", metavar="FILE", shell_complete=complete_file,
    help="write here instead of stdout (needed for --format sqlite)",
)  # fmt: skip
@click.option(
    "--bom", is_flag=True,
    help="start CSV with a UTF-8 byte-order mark, for spreadsheets that need one",
)  # fmt: skip
def _export(
    framework: str, db: str, on: dt.date | None, fmt: str, output: str | None, bom: bool
) -> int:
    """Export the public register of FRAMEWORK: the current holders on a date.

    Only the fields the framework lists in public_fields are exported, one
    entry per holder on the date given by --on (default: today). Each export
    names the framework (id, title and version) and that date: JSON is an
    object with "framework", "as_of" and "holders"; CSV ends every row with
    the columns register.framework, register.framework_title,
    register.framework_version and register.as_of; the SQLite file has a
    table register_export. CSV cells that would start a spreadsheet formula
    (=, +, -, @) start with ' instead.

    \b
    Examples:
      qmframe register export example-charter
      qmframe register export example-charter --format csv --bom -o register.csv
      qmframe register export example-charter --format sqlite -o public.sqlite
    """
    from qmframe.awards.register import (
        ExportHeading,
        public_csv,
        public_json,
        write_public_sqlite,
    )

    loaded = _framework(_registry(), framework)
    day = on or dt.date.today()
    with _open(db) as opened:
        rows = opened.public_rows(loaded, day)
    fields = loaded.public_fields
    heading = ExportHeading.of(loaded, day)
    if fmt == "sqlite":
        if not output:
            raise ValidationError([Problem("--format sqlite needs -o FILE")])
        write_public_sqlite(rows, fields, output, heading=heading)
        if output != "-":
            _out(
                f"{len(rows)} entries written to {output} (table public_register; "
                "register_export names the framework and the day)"
            )
        return EXIT_OK
    if fmt == "json":
        text = public_json(rows, heading)
    else:
        text = public_csv(rows, fields, bom=bom, heading=heading)
    _emit(text, output)
    return EXIT_OK


@register.command("sector", short_help="the sector view of all decisions")
@_framework_argument
@_db
@click.option("--anonymise", is_flag=True, help="name no organisation")
@click.option(
    "--public",
    is_flag=True,
    help="fit to publish: anonymised, totals of people rounded and suppressed "
    "by the framework's [disclosure] rule",
)
@click.option(
    "--figure",
    "figures",
    multiple=True,
    metavar="NAME",
    help="a submitted figure to total by year (repeatable), e.g. recruitment",
)
@_text_or_json
@_output
def _sector(
    framework: str,
    db: str,
    anonymise: bool,
    public: bool,
    figures: tuple[str, ...],
    fmt: str,
    output: str | None,
) -> int:
    """Summarise every decision recorded under FRAMEWORK: the sector view.

    How many organisations, decisions and awards; the levels reached in each
    section and the unmet requirements (from each organisation's latest
    decision); the figures of the recorded returns (see `register return`)
    totalled by year; and with --figure, a submitted figure totalled by year.
    With --public, the view is fit to publish: no organisation is named, and
    totals of people are rounded and suppressed by the framework's
    [disclosure] rule (by default HESA's: to the nearest 5, and no percentage
    of fewer than 22.5 people).

    \b
    Examples:
      qmframe register sector example-charter
      qmframe register sector example-charter --anonymise --figure recruitment
      qmframe register sector example-charter --public --format json -o sector.json
    """
    from qmframe._convert import unstructure_json
    from qmframe.awards.sector import render_text

    loaded = _framework(_registry(), framework)
    with _open(db) as opened:
        view = opened.sector_view(loaded, figures=figures, anonymise=anonymise, public=public)
    _emit(_json(unstructure_json(view)) if fmt == "json" else render_text(view), output)
    return EXIT_OK


@register.command("metadata", short_help="Datasette metadata for the register (JSON)")
@_db
@_output
def _metadata(db: str, output: str | None) -> int:
    """Write Datasette metadata for the register: descriptions, labels, facets and queries.

    The metadata (for Datasette 0.65) describes every table, view and column,
    names the frameworks the register holds, hides the decisions table (its
    JSON is bulky) in favour of the view decision_summaries, and adds canned
    queries: current holders, due this quarter, expiring soon, awards by
    level, one organisation's history and indications awaiting review. Serve
    the register with it: `datasette register.sqlite -m metadata.json`.

    \b
    Examples:
      qmframe register metadata --db register.sqlite -o metadata.json
    """
    import shlex
    from pathlib import Path

    from qmframe.awards.datasette import Named, datasette_metadata

    registry = _registry()
    with _open(db) as opened:
        ids = opened.frameworks()
    named = []
    for framework_id in ids:
        try:
            found = _framework(registry, framework_id)
        except ValidationError:  # not installed here: named by its id only
            named.append(Named(framework_id))
            continue
        named.append(Named(framework_id, found.title, found.version))
    _emit(_json(datasette_metadata(Path(db).stem, named)), output)
    if output:
        _out(f"wrote {output}: serve it with datasette {shlex.quote(db)} -m {shlex.quote(output)}")
    return EXIT_OK


@register.command(
    "badge", short_help="an award as an Open Badges 3.0 credential (unsigned unless --sign KEY)"
)
@_framework_argument
@click.argument("organisation", metavar="ORGANISATION")
@_db
@click.option(
    "--issuer-id",
    required=True,
    metavar="URI",
    help="the awarding body's id: where its issuer profile is published (a URL or DID)",
)
@click.option("--issuer-name", default="", metavar="NAME", help="the awarding body's name")
@click.option("--subject-id", default="", metavar="URI", help="the organisation's id, a URL or DID")
@click.option(
    "--status-base",
    default="",
    metavar="URL",
    help="where `register status-list` output is published: adds a credentialStatus",
)
@click.option(
    "--status-purpose",
    type=click.Choice(("revocation", "suspension")),
    default="revocation",
    help="which status list the credential points at (default: revocation)",
)
@click.option(
    "--sign",
    "sign_key",
    metavar="KEY",
    shell_complete=complete_file,
    help="sign with this private key, as a vc+jwt (needs the sign extra)",
)
@_on
@_output  # fmt: skip
def _badge(
    framework: str,
    organisation: str,
    db: str,
    issuer_id: str,
    issuer_name: str,
    subject_id: str,
    status_base: str,
    status_purpose: str,
    sign_key: str | None,
    on: dt.date | None,
    output: str | None,
) -> int:
    """Write ORGANISATION's award as an Open Badges 3.0 credential.

    FRAMEWORK is the framework version the award was made under. The award
    must be current on the date given by --on (default: today); an
    indication (a decision without the reviewers the framework requires) is
    no award and gets no badge. Without --sign the credential is unsigned
    JSON, and a note on stderr says so; with --sign KEY it is a signed
    JOSE credential (vc+jwt). See docs/badges.md.

    \b
    Examples:
      qmframe register badge example-charter my-centre --issuer-id https://example.org
      qmframe register badge example-charter my-centre --issuer-id https://example.org --sign a.key
    """
    from qmframe.awards import signing
    from qmframe.awards.issuing import award_badge

    loaded = _framework(_registry(), framework)
    key = _signing_key(sign_key) if sign_key else None
    with _open(db) as opened:
        credential = award_badge(
            opened,
            loaded,
            organisation,
            issuer_id=issuer_id,
            issuer_name=issuer_name,
            subject_id=subject_id,
            on=on,
            status_base=status_base,
            status_purpose=status_purpose,
        )
    if key is None:
        _emit(_json(credential), output)
        _err("note: the credential is unsigned; sign it with --sign KEY (see `register keygen`)")
        return EXIT_OK
    _emit(signing.sign(credential, key) + "\n", output)
    if output:
        _err(f"wrote {output}: signed ({signing.MEDIA_TYPE})")
    return EXIT_OK


def _signing_key(path: str, *, private: bool = True) -> dict[str, Any]:
    from qmframe.awards import signing

    key = signing.read_key(path, private=private)
    warning = signing.key_file_warning(path)
    if warning:
        _err(f"warning: {warning}")
    return key


@register.command(
    "keygen", short_help="make an issuer's signing key pair (private key file written 0600)"
)
@click.argument("key", metavar="KEYFILE", shell_complete=complete_file)
@click.option(
    "--type",
    "key_type",
    type=click.Choice(("ed25519", "rsa")),
    default="ed25519",
    help="the key's type (default: ed25519)",
)
def _keygen(key: str, key_type: str) -> int:
    """Make a new signing key pair in KEYFILE, a new file (an existing one is never replaced).

    The file holds the private key, readable by you only (mode 0600). Keep it
    secret and keep a backup. Publish its public half with
    `register issuer-profile`.

    \b
    Examples:
      qmframe register keygen issuer.key
      qmframe register keygen issuer-rsa.key --type rsa
    """
    from qmframe.awards import signing

    signing.write_key(key, signing.generate_key(key_type))
    _out(f"wrote {key}: a new {key_type} private key, readable by you only (mode 0600)")
    _out("keep it secret, and keep a backup: without it, nothing new can be signed with this key")
    return EXIT_OK


@register.command(
    "issuer-profile", short_help="the issuer's public profile, with its public key(s), to publish"
)
@click.option(
    "--issuer-id", required=True, metavar="URI", help="the URL the profile will be published at"
)
@click.option(
    "--key",
    "keys",
    multiple=True,
    required=True,
    metavar="KEYFILE",
    shell_complete=complete_file,
    help="the signing key (or its public half); repeatable",
)
@click.option("--name", "issuer_name", default="", help="the issuer's name")
@click.option("--url", default="", metavar="URL", help="the issuer's home page")
@_output  # fmt: skip
def _issuer_profile(
    issuer_id: str, keys: tuple[str, ...], issuer_name: str, url: str, output: str | None
) -> int:
    """Write the issuer profile (JSON) that verifiers read the public keys from.

    Publish it at the URL given by --issuer-id: signed badges name that URL,
    and a verifier takes the public key from the profile, never from the
    badge itself. Each --key adds one key (a private key file gives its
    public half only).

    \b
    Examples:
      qmframe register issuer-profile --issuer-id https://example.org/issuer --key issuer.key
      qmframe register issuer-profile --issuer-id https://example.org/i --key a.key -o i.json
    """
    from qmframe.awards import signing

    public = [_signing_key(path, private=False) for path in keys]
    _emit(_json(signing.issuer_profile(issuer_id, public, name=issuer_name, url=url)), output)
    return EXIT_OK


@register.command(
    "status-list",
    short_help="write the framework's revocation and suspension lists (Bitstring Status List)",
)
@_framework_argument
@_db
@click.option("--issuer-id", required=True, metavar="URI", help="the issuer's id")
@click.option(
    "--base-url", required=True, metavar="URL", help="the --status-base the badges point at"
)
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="FOLDER",
    shell_complete=complete_file,
    help="the folder that gets the files revocation and suspension",
)
@click.option(
    "--sign",
    "sign_key",
    metavar="KEY",
    shell_complete=complete_file,
    help="sign the lists with this private key",
)
@_on
def _status_list(
    framework: str,
    db: str,
    issuer_id: str,
    base_url: str,
    output: str,
    sign_key: str | None,
    on: dt.date | None,
) -> int:
    """Write FRAMEWORK's status lists, for verifiers to see suspended and ended awards.

    Publish each file at the URL printed beside it.

    \b
    Examples:
      qmframe register status-list example-charter --issuer-id x:y --base-url https://x.org -o st
    """
    from pathlib import Path

    from qmframe.awards import signing
    from qmframe.awards.issuing import status_lists
    from qmframe.files import write_text

    loaded = _framework(_registry(), framework)
    key = _signing_key(sign_key) if sign_key else None
    day = on or dt.date.today()
    with _open(db) as opened:
        lists = status_lists(opened, loaded.id, base_url=base_url, issuer_id=issuer_id, on=day)
        count = len(opened.status_indexes(loaded.id))
    folder = Path(output)
    folder.mkdir(parents=True, exist_ok=True)
    for purpose, listing in lists.items():
        text = _json(listing) if key is None else signing.sign(listing, key) + "\n"
        write_text(folder / purpose, text)
    kind = "unsigned" if key is None else "signed"
    _out(f"wrote {kind} status lists on {day} ({count} award(s) with an index):")
    for purpose, listing in lists.items():
        _out(f"  {folder / purpose}: publish at {listing['id']}")
    return EXIT_OK


@register.command(
    "verify", short_help="check a signed credential as a verifier does (exit 2 if not valid)"
)
@click.argument("credential", metavar="CREDENTIAL", shell_complete=complete_file)
@click.option(
    "--issuer-profile",
    required=True,
    metavar="FILE",
    shell_complete=complete_file,
    help="the issuer's published profile",
)
@click.option(
    "--status-dir",
    metavar="FOLDER",
    shell_complete=complete_file,
    help="holds the published status lists (qmframe fetches nothing)",
)
@_on
def _verify(
    credential: str, issuer_profile: str, status_dir: str | None, on: dt.date | None
) -> int:
    """Check CREDENTIAL (a file from `register badge --sign`): signature, dates and status.

    The signature is checked against the keys in the issuer profile, the
    validity dates against --on (default: today), and, with --status-dir, the
    status list the credential points at (a local copy: qmframe fetches
    nothing). Exit code 2 when the credential is not valid.

    \b
    Examples:
      qmframe register verify badge.jwt --issuer-profile issuer.json
      qmframe register verify badge.jwt --issuer-profile issuer.json --status-dir status
    """
    import json
    from pathlib import Path

    from qmframe.awards.issuing import verify_badge
    from qmframe.files import file_label, read_bytes

    profile_label = file_label(issuer_profile)
    try:  # read_bytes: a regular file only, so a FIFO cannot hang the command
        profile = json.loads(read_bytes(issuer_profile).decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError(
            [Problem(f"cannot read: {exc}", file=profile_label, code="unreadable-file")]
        ) from None
    if not isinstance(profile, dict):
        raise ValidationError(
            [Problem("expected a JSON object", file=profile_label, code="wrong-type")]
        )
    label = file_label(credential)
    try:
        text = read_bytes(credential).decode("utf-8")
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ValidationError(
            [Problem(f"cannot read: {reason}", file=label, code="unreadable-file")]
        ) from None

    def fetch(url: str) -> str:
        assert status_dir is not None
        path = Path(status_dir) / url.rstrip("/").rsplit("/", 1)[-1]
        try:
            return read_bytes(path).decode("utf-8")
        except (OSError, ValueError, ValidationError):
            raise ValidationError(
                [
                    Problem(
                        f"no copy of the status list {url} here",
                        file=str(path),
                        code="unknown-reference",
                    )
                ]
            ) from None

    day = on or dt.date.today()
    verdict = verify_badge(text, profile, on=day, fetch=fetch if status_dir else None, label=label)
    status = verdict.status
    if status.checked:
        signed = "signed" if verdict.list_signed else "unsigned"
        said = f"the {status.purpose} list ({signed}) does not flag it"
    else:
        said = "it has no status entry"
    _out(f"valid on {day}: signed by {verdict.issuer}; {said}")
    return EXIT_OK


# -- diff and rescore ----------------------------------------------------------------------


@click.command("diff", short_help="what changed between two versions of a framework")
@click.argument("old", metavar="OLD", shell_complete=complete_framework)
@click.argument("new", metavar="NEW", shell_complete=complete_framework)
@_text_or_json
def diff_command(old: str, new: str, fmt: str) -> int:
    """Show what changed between two versions of a framework.

    OLD and NEW are framework ids or files. One line per change: added,
    removed, changed or reworded; the part (framework, section, criterion,
    rule ...); its id; and what changed.

    \b
    Examples:
      qmframe diff old-charter.toml example-charter
      qmframe diff old-charter.toml new-charter.toml --format json
    """
    from qmframe._convert import unstructure_json
    from qmframe.awards.versions import diff

    registry = _registry()
    result = diff(_framework(registry, old), _framework(registry, new))
    if fmt == "json":
        _out(_json(unstructure_json(result)))
        return EXIT_OK
    _line(f"{result.framework}: {result.old_version} -> {result.new_version}, "
          f"{len(result.changes)} changes")  # fmt: skip
    for change in result.changes:
        detail = f": {change.detail}" if change.detail else ""
        _line(f"  {change.change:<9} {change.part} {change.id}{detail}")
    return EXIT_OK


@click.command(
    "rescore", short_help="re-assess past submissions under a new version: whose decision changes"
)
@click.argument("old", metavar="OLD", shell_complete=complete_framework)
@click.argument("new", metavar="NEW", shell_complete=complete_framework)
@click.argument("folder", metavar="FOLDER", shell_complete=complete_dir)
@click.option("--all", "show_all", is_flag=True, help="list unchanged decisions too")
@click.option(
    "-j", "--jobs", type=click.IntRange(min=1, max=MAX_JOBS), metavar="N",
    help="processes to use (default: the number of cores)",
)  # fmt: skip
@_text_or_json
def rescore_command(
    old: str, new: str, folder: str, show_all: bool, jobs: int | None, fmt: str
) -> int:
    """Re-assess past submissions under a new version: whose decision changes.

    OLD is the framework version (id or file) the submissions were made for,
    NEW the new version. FOLDER holds one folder per submission, each with
    submission.toml (and review.toml). The cases are decided N at a time
    (--jobs), as by `qmframe batch`; a case that cannot be assessed under OLD
    is listed with its problems and makes the exit code 2, and a plugin that
    fails on a case, under either version, is listed as that case's problem
    and makes it 1; the other cases go on. On a terminal, a progress bar on
    stderr shows the cases done.

    \b
    Examples:
      qmframe rescore old-charter.toml example-charter submissions/
      qmframe rescore old-charter.toml example-charter submissions/ --all --format json
    """
    from qmframe import batch
    from qmframe._convert import unstructure_json
    from qmframe.awards.versions import PLUGIN_FAILURE, RescoreFiles
    from qmframe.files import file_label

    refs = [batch.framework_ref(ref) for ref in (old, new)]
    stamps = (batch.framework_stamp(refs[0]), batch.framework_stamp(refs[1]))
    before, after = (batch.assessor_for(ref).framework for ref in refs)  # bad OLD/NEW: exit 2
    if before.id != after.id:
        raise ValidationError([Problem(f"{before.id!r} and {after.id!r} are different frameworks")])
    total = sum(1 for _ in batch.find_cases(folder))
    if not total:
        raise ValidationError(
            [Problem("no submission.toml found in it or its folders", file=file_label(folder))]
        )
    progress = Progress(total, "rescoring")
    shown, changed, unreadable, failed = [], 0, 0, 0
    step = RescoreFiles(refs[0], refs[1], stamps)
    results = batch.run(step, batch.find_cases(folder), jobs=jobs)
    for done, r in enumerate(results, start=1):
        # A case that cannot be assessed under OLD has no decision to change: counted apart.
        unreadable += bool(r.problems and not r.old_status)
        changed += r.changed and bool(r.old_status)
        failed += any(p.code == PLUGIN_FAILURE for p in r.problems)
        if r.changed or show_all:
            shown.append(r)
        progress(done)
    if fmt == "json":
        _out(_json([{**unstructure_json(r), "changed": r.changed} for r in shown]))
        return EXIT_INTERNAL if failed else EXIT_BAD_INPUT if unreadable else EXIT_OK
    summary = f"{before.id} {before.version} -> {after.version}: {changed} of "
    summary += f"{total - unreadable} decisions would change"
    if unreadable:
        summary += f"; {unreadable} case{'s' if unreadable != 1 else ''} cannot be assessed"
    _line(summary)
    for r in shown:
        if r.problems and not r.old_status:
            _line(f"  {r.label}: cannot be assessed under {before.version}:")
            for problem in r.problems:
                _line(f"    {problem}")
            continue
        if r.problems:
            _line(f"  {r.label} ({r.organisation}): cannot be re-assessed under {after.version}:")
            for problem in r.problems:
                _line(f"    {problem}")
            continue
        arrow = f"{r.old_status} -> {r.new_status}" if r.changed else f"{r.old_status} (same)"
        _line(f"  {r.label} ({r.organisation}): {arrow}")
        for reason in (*r.reasons, *r.notes):
            _line(f"    {reason}")
    return EXIT_INTERNAL if failed else EXIT_BAD_INPUT if unreadable else EXIT_OK
