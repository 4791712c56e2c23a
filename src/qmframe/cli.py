"""The ``qmframe`` command, built with click.

Exit codes: 0 when the command did its job (whatever the decision), 2 for bad
input or usage (every problem is printed, located), 1 for an internal error
(a bug in qmframe or a plugin, named), 130 when interrupted (Ctrl-C).

Start-up stays light: this module imports click and the small helpers only;
each command imports what it needs (the API, the plugins, the engine, Jinja2)
when it runs, so ``qmframe --help`` reads no plugin and no framework.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from qmframe import __version__
from qmframe._console import (
    DATE,
    ClosedPipe,
    OrderedGroup,
    complete_example,
    complete_file,
    complete_framework,
)
from qmframe._console import err as _err
from qmframe._console import out as _out
from qmframe.errors import PluginError, Problem, QmframeError, ValidationError
from qmframe.limits import MAX_JOBS

if TYPE_CHECKING:
    import datetime as dt
    from pathlib import Path

    from qmframe.framework import Framework
    from qmframe.plugins import Registry

__all__ = ["cli", "main"]

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2
#: A closed standard output (``qmframe demo | head``): 128 + SIGPIPE, as a shell reports it.
EXIT_CLOSED_PIPE = 141
#: Interrupted (Ctrl-C): 128 + SIGINT, as shells report a command the signal stopped.
EXIT_INTERRUPTED = 130
SCHEMA_DOCUMENTS = ("framework", "submission", "review", "outcome-set", "decision")
F = TypeVar("F", bound=Callable[..., Any])


#: The environment variable click's shell completion reads (see docs/cli.md).
COMPLETE_VAR = "_QMFRAME_COMPLETE"


@click.group(
    cls=OrderedGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "--version", prog_name="qmframe", message="%(prog)s %(version)s")
def cli() -> None:
    """Define quality frameworks as TOML and score submissions into explained decisions.

    Exit codes: 0 when the command did its job (whatever the decision), 2 for
    bad input or usage, 1 for an internal error in qmframe or a plugin, 130
    when interrupted (Ctrl-C).

    \b
    Examples:
      qmframe demo
      qmframe frameworks
      qmframe assess example-charter submission.toml --review review.toml
      qmframe assess --help
    """


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (it never calls :func:`sys.exit`)."""
    instruction = os.environ.get(COMPLETE_VAR)
    if instruction:  # the shell asks for a completion script or for completions
        from click.shell_completion import shell_complete

        return shell_complete(cli, {}, "qmframe", COMPLETE_VAR, instruction)
    try:
        code = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="qmframe",
            standalone_mode=False,
            color=False if os.environ.get("NO_COLOR") else None,
        )
        sys.stdout.flush()  # a reader that went away shows here, not in the flush at exit
    except (ClosedPipe, BrokenPipeError):
        return _closed_pipe()
    except click.ClickException as exc:  # usage errors (exit code 2) and the like
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:  # Ctrl-C or end of input at a prompt
        _err("Aborted.")
        return EXIT_INTERRUPTED
    except ValidationError as exc:
        _err(str(exc))
        count = len(exc.problems)
        _err(f"{count} problem{'s' if count != 1 else ''} found.", fg="red")
        return EXIT_BAD_INPUT
    except PluginError as exc:
        _err(f"error: {exc}", fg="red")
        return EXIT_INTERNAL
    except QmframeError as exc:
        _err(f"error: {exc}", fg="red")
        return EXIT_BAD_INPUT
    except Exception as exc:  # the promise: never a bare traceback
        if _process_killed(exc):
            _err(
                "error: a process of the batch ended abruptly (killed, perhaps for want of "
                "memory), so the batch stopped; a file named by -o was left as it was",
                fg="red",
            )
            return EXIT_INTERNAL
        _err(f"internal error in qmframe: {type(exc).__name__}: {exc}", fg="red")
        _err("This is a bug; please report it with the command you ran.")
        return EXIT_INTERNAL
    return code if isinstance(code, int) else EXIT_OK


def _process_killed(exc: Exception) -> bool:
    """Whether a batch's worker process was killed from outside (not a bug in qmframe)."""
    if "concurrent.futures" not in sys.modules:  # no batch ran
        return False
    from concurrent.futures.process import BrokenProcessPool

    return isinstance(exc, BrokenProcessPool)


def _wrote(output: str, message: str) -> None:
    """Say where the output went, unless it went to standard output (``-o -``)."""
    if output != "-":
        _out(message)


def _closed_pipe() -> int:
    """The reader went away (``qmframe demo | head``): stop quietly, as SIGPIPE would.

    Standard output is pointed at the null device, so the flush at exit
    cannot fail a second time; the exit code is the shell's for SIGPIPE.
    """
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):  # not a real stream (as under test)
        pass
    return EXIT_CLOSED_PIPE


def _registry(*, warn: bool = True) -> Registry:
    """The installed plugins' registry; plugins that failed to load are named on stderr."""
    from qmframe import api

    registry = api.default_registry()
    if warn:
        for failure in registry.load_failures:
            _err(f"warning: {failure}")
    return registry


def _load_framework(registry: Registry, ref: str) -> Framework:
    from qmframe import api

    return api.load_framework(ref, registry=registry)


# -- frameworks ----------------------------------------------------------------------------


def _json_option(what: str) -> Callable[[F], F]:
    return click.option("--json", "as_json", is_flag=True, help=f"print {what} as JSON")


@cli.command(short_help="list the installed frameworks and their plugins")
@_json_option("the list")
def frameworks(as_json: bool) -> int:
    """List the installed frameworks and the plugin that supplies each.

    One line per framework: its id (what other commands take as FRAMEWORK),
    its version, the plugin with the plugin's version, and its title. With
    --json, a JSON array sorted by id, one object per framework with the
    string keys "id", "version", "title" and "plugin".

    \b
    Examples:
      qmframe frameworks
      qmframe frameworks --json
    """
    from qmframe.escaping import json_text

    registry = _registry()
    found = registry.frameworks()
    if as_json:
        listed = [
            {"id": fid, "version": r.value.version, "title": r.value.title, "plugin": r.plugin}
            for fid, r in sorted(found.items())
        ]
        _out(json_text(listed))
        return EXIT_OK
    if not found:
        _out("No frameworks installed. Install a framework plugin (for example qmframe-example).")
        return EXIT_OK
    rows = [
        (fid, reg.value.version, reg.plugin, reg.value.title) for fid, reg in sorted(found.items())
    ]
    widths = [max(len(r[i]) for r in [("ID", "VERSION", "PLUGIN", ""), *rows]) for i in range(3)]
    header = ("ID", "VERSION", "PLUGIN", "TITLE")
    for row in [header, *rows]:
        line = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]
        _out(line, bold=row is header)
    return EXIT_OK


# -- plugins -------------------------------------------------------------------------------


@cli.command(short_help="list the installed plugins, their hooks and what each registered")
@_json_option("the plugins")
@click.option("--all", "show_all", is_flag=True, help="include qmframe's built-in plugins")
def plugins(as_json: bool, show_all: bool) -> int:
    """List the installed plugins and any that failed to load.

    For each plugin: its distribution and version, the hooks it implements
    and what it registered (frameworks, rule kinds, report formats,
    examples, and any built-in it replaced); then each plugin that could not
    be loaded, and why. Paste this into a bug report about a plugin.

    \b
    Examples:
      qmframe plugins
      qmframe plugins --all --json
    """
    from qmframe.plugins import describe_plugins, plugins_json, plugins_text

    registry = _registry(warn=False)  # the failures are part of the listing
    infos = [info for info in describe_plugins(registry) if show_all or not info.builtin]
    render = plugins_json if as_json else plugins_text
    _out(render(infos, registry.load_failures).rstrip("\n"))
    return EXIT_OK


# -- validate ------------------------------------------------------------------------------


#: Top-level keys only a submission has, and only a review has.
_SUBMISSION_ONLY = ("ratings", "evidence", "actions", "submitted_on", "previous_award")
_REVIEW_ONLY = ("reviewers", "judgements", "requests", "reviewed_on", "notes")


#: The key that says what a file is, and the values it takes (see docs/cli.md).
DOCUMENT_KEY = "document"
_DOCUMENT_KINDS = ("framework", "submission", "review", "outcome-set")


def _kind_of(data: dict[str, Any]) -> str:
    """What a file is: its ``document`` key, or else a guess from its keys (docs/cli.md)."""
    declared = data.get(DOCUMENT_KEY)
    if isinstance(declared, str) and declared in _DOCUMENT_KINDS:
        return declared
    organisation = data.get("organisation")
    if isinstance(organisation, dict) or any(key in data for key in _SUBMISSION_ONLY):
        return "submission"
    if isinstance(organisation, str) or any(key in data for key in _REVIEW_ONLY):
        return "review"
    if "framework" in data or "framework_version" in data:
        return "submission"  # only submissions and reviews name their framework
    if "outcomes" in data and "version" not in data:
        return "outcome-set"
    return "framework"


def _guessed(kind: str, label: str) -> Problem:
    from qmframe.errors import Problem

    return Problem(
        f'read as a {kind} (guessed from its keys; add {DOCUMENT_KEY} = "{kind}" to say so)',
        file=label,
        severity="notice",
        code="guessed-kind",
    )


@cli.command(short_help="check framework, submission and review files")
@click.argument("files", nargs=-1, required=True, metavar="FILE...", shell_complete=complete_file)
@click.option(
    "--framework",
    metavar="FRAMEWORK",
    shell_complete=complete_framework,
    help="check submissions and reviews against this framework (id or "
    "file) instead of the one they name",
)
@_json_option("the results")
def validate(files: tuple[str, ...], framework: str | None, as_json: bool) -> int:
    """Check framework, submission, review and outcome-set files.

    Each FILE is checked as what its top-level key document = "framework",
    "submission", "review" or "outcome-set" says it is; without that key,
    what its keys suggest, with a notice saying so. A framework is checked
    with the installed plugins' checks too, a submission or a review against
    the framework it names (or --framework). A submission and a review of the
    same organisation given together are checked together, with the checks
    every decision runs (a judgement of unknown evidence, a conflict of
    interest). Every problem is printed in one run, the plugins' checks
    beside the others, naming the file and the place inside it; errors go to
    stderr, warnings and notices to stdout. The exit code is 2 when any file
    has an error.

    With --json, stdout holds one JSON array instead, an object per FILE in
    the order given: "file" (as given), "kind" ("framework", "submission",
    "review", "outcome-set", or null when the file cannot be read), "ok"
    (true when it has no error) and "problems", a list of objects with the
    string keys "file", "path", "severity" and "message".

    \b
    Examples:
      qmframe validate frameworks/example-charter.toml
      qmframe validate submission.toml review.toml
      qmframe validate --framework my-framework.toml submission.toml
      qmframe validate --json submission.toml
    """
    from pathlib import Path

    from qmframe.escaping import json_text, terminal

    registry = _registry()
    failed = 0
    override = _load_framework(registry, framework) if framework else None
    tables: dict[Path, dict[str, Any]] = {}  # each file parsed once, shared by both passes
    partners = _pairs([Path(name) for name in files], tables)
    together: dict[tuple[Path, Path], list[Problem]] = {}
    results: list[dict[str, Any]] = []
    for name in files:
        kind, problems = _validate_one(registry, Path(name), override, partners, together, tables)
        errors = [p for p in problems if p.severity == "error"]
        failed += bool(errors)
        if as_json:
            listed = [
                {"file": p.file, "path": p.path, "severity": p.severity, "message": p.message}
                for p in problems
            ]
            results.append({"file": name, "kind": kind, "ok": not errors, "problems": listed})
            continue
        for problem in problems:
            (_err if problem.severity == "error" else _out)(str(problem))
        label = terminal(name)  # one line: a newline in the name cannot forge one
        if errors:
            _err(f"{label}: {len(errors)} problem{'s' if len(errors) != 1 else ''}", fg="red")
        else:
            _out(f"{label}: ok", fg="green")
    if as_json:
        _out(json_text(results))
    return EXIT_BAD_INPUT if failed else EXIT_OK


def _parsed(path: Path, tables: dict[Path, dict[str, Any]]) -> dict[str, Any]:
    """The file's table, parsed on first use and kept; a shallow copy, for the readers."""
    from qmframe.files import read_toml

    if path not in tables:
        tables[path] = read_toml(path)
    return dict(tables[path])


def _pairs(paths: list[Path], tables: dict[Path, dict[str, Any]]) -> dict[Path, Path]:
    """Submissions and reviews given together, each to its partner: the same organisation
    and framework, the first review for each submission."""
    from qmframe.files import read_review, read_submission

    submissions: dict[tuple[str, str], Path] = {}
    reviews: dict[tuple[str, str], Path] = {}
    for path in paths:
        try:
            data = _parsed(path, tables)
            kind = _kind_of(data)
            if kind == "submission":
                sub = read_submission(path, data=data)
                submissions.setdefault((sub.framework, sub.organisation.id), path)
            elif kind == "review":
                rev = read_review(path, data=data)
                reviews.setdefault((rev.framework, rev.organisation), path)
        except ValidationError:
            continue  # reported when the file is checked on its own
    partners: dict[Path, Path] = {}
    for key, sub_path in submissions.items():
        if key in reviews:
            partners[sub_path] = reviews[key]
            partners[reviews[key]] = sub_path
    return partners


def _validate_one(
    registry: Registry,
    path: Path,
    override: Framework | None,
    partners: dict[Path, Path] | None = None,
    together: dict[tuple[Path, Path], list[Problem]] | None = None,
    tables: dict[Path, dict[str, Any]] | None = None,
) -> tuple[str | None, list[Problem]]:
    """The kind of file ``path`` is (None when unreadable) and its problems.

    A submission or review in ``partners`` is checked with its partner; the
    problems of both files are kept in ``together``, so each pair is checked once.
    """
    import attrs

    from qmframe import api
    from qmframe.files import (
        file_label,
        read_document,
        read_review,
        read_submission,
        submission_folder,
    )
    from qmframe.framework import Framework, OutcomeSet
    from qmframe.index import FrameworkIndex
    from qmframe.validation import check_framework, check_review

    label = file_label(path)
    kind: str | None = None
    notes: list[Problem] = []
    try:
        kept = tables if tables is not None else {}
        data = _parsed(path, kept)  # parsed once, told apart by its keys, then structured
        kind = _kind_of(data)
        if data.get(DOCUMENT_KEY) != kind:
            notes.append(_guessed(kind, label))
        if kind == "framework":
            # Dropped from the cache first: the table is freed once the framework is read.
            kept.pop(path, None)
            framework_table, data = data, {}
            _, problems = api.inspect_framework(path, registry=registry, data=framework_table)
            return kind, notes + problems
        if kind == "outcome-set":
            outcome_set = read_document(path, OutcomeSet, data=data)
            probe = Framework(
                id="outcome-set-check", version="0", title="", outcome_sets=(outcome_set,)
            )
            # Paths as in this file: "outcomes[3].group", not "outcome_sets[0].outcomes[3].group".
            return "outcome-set", notes + [
                attrs.evolve(p, path=p.path.removeprefix("outcome_sets[0]").lstrip(".")).located(
                    file=label
                )
                for p in check_framework(probe)
                if p.path.startswith("outcome_sets")
            ]
        partner = (partners or {}).get(path)
        if partner is not None and together is not None:
            sub_path, rev_path = (path, partner) if kind == "submission" else (partner, path)
            if (sub_path, rev_path) not in together:
                submission = read_submission(sub_path, data=_parsed(sub_path, kept))
                framework = override or registry.framework(submission.framework)
                together[(sub_path, rev_path)] = registry.assessor(framework).check(
                    submission,
                    read_review(rev_path, data=_parsed(rev_path, kept)),
                    folder=submission_folder(sub_path),
                    submission_file=file_label(sub_path),
                    review_file=file_label(rev_path),
                    every=True,
                )
            return kind, notes + [p for p in together[(sub_path, rev_path)] if p.file == label]
        if kind == "submission":
            submission = read_submission(path, data=data)
            framework = override or registry.framework(submission.framework)
            return kind, notes + registry.assessor(framework).check(
                submission, folder=submission_folder(path), submission_file=label, every=True
            )
        review = read_review(path, data=data)
        framework = override or registry.framework(review.framework)
        return kind, notes + [
            p.located(file=label) for p in check_review(review, FrameworkIndex.build(framework))
        ]
    except ValidationError as exc:
        return kind, notes + [p.located(file=label) for p in exc.problems]


# -- template ------------------------------------------------------------------------------


@cli.command(short_help="write a blank self-assessment or review for a framework")
@click.argument("framework", metavar="FRAMEWORK", shell_complete=complete_framework)
@click.option("--organisation", default="", metavar="ID", help="organisation id to fill in")
@click.option("--review", is_flag=True, help="write a blank review instead of a self-assessment")
@click.option(
    "-o", "--output", metavar="FILE", shell_complete=complete_file,
    help="write here instead of stdout",
)  # fmt: skip
def template(framework: str, organisation: str, review: bool, output: str | None) -> int:
    """Write a blank self-assessment (or, with --review, a review) for FRAMEWORK.

    FRAMEWORK is a framework id or file. Every section and criterion gets a
    rating to fill in, with the criterion's guidance as comments, and every
    detail the framework declares ([[submission_details]]) is listed with its
    help: a required one with an empty value to fill in, the others commented
    out. A blank review has a reviewer and a judgement of every criterion
    (and every section rated as a whole) with its levels as a comment. The
    file says what it is (document = "submission" or "review"); the empty
    values to fill in are the only problems `qmframe validate` finds in it.

    \b
    Examples:
      qmframe template example-charter
      qmframe template example-charter --organisation my-centre -o my-submission.toml
      qmframe template example-charter --review -o my-review.toml
    """
    from qmframe.files import write_text
    from qmframe.template import render_review_template, render_template

    loaded = _load_framework(_registry(), framework)
    render = render_review_template if review else render_template
    text = render(loaded, organisation=organisation)
    what = "review" if review else "self-assessment"
    if output:
        write_text(output, text)
        _wrote(output, f"Wrote a blank {what} for {loaded.id} {loaded.version} to {output}")
    else:
        _out(text)
    return EXIT_OK


# -- assess --------------------------------------------------------------------------------


@cli.command(short_help="decide on a submission and explain the decision")
@click.argument("framework", metavar="FRAMEWORK", shell_complete=complete_framework)
@click.argument("submission", metavar="SUBMISSION", shell_complete=complete_file)
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
    "--format",
    "fmt",
    default="text",
    metavar="FORMAT",
    help="text, markdown, html or json (the assessor's report, for the panel), letter (for the "
    "organisation), or a plugin's",
)
@click.option(
    "-o", "--output", metavar="FILE", shell_complete=complete_file,
    help="write the report here (atomically) instead of stdout",
)  # fmt: skip
def assess(
    framework: str,
    submission: str,
    review: str | None,
    as_of: dt.date | None,
    fmt: str,
    output: str | None,
) -> int:
    """Decide on a SUBMISSION file under FRAMEWORK and explain the decision.

    FRAMEWORK is an installed framework's id (see `qmframe frameworks`) or a
    framework file. With --review, the review's judgements are scored; without
    one, the decision rests on the self-assessment alone. The report goes to
    stdout, or with -o to a file that is replaced only when complete. The
    exit code is 0 whatever the decision.

    \b
    Examples:
      qmframe assess example-charter submission.toml
      qmframe assess example-charter submission.toml --review review.toml --as-of 2026-03-02
      qmframe assess example-charter submission.toml --format html -o report.html
    """
    from qmframe import api
    from qmframe.files import (
        file_label,
        read_review,
        read_submission,
        submission_folder,
        write_text,
    )

    registry = _registry()
    loaded = _load_framework(registry, framework)
    sub = read_submission(submission)
    rev = read_review(review) if review else None
    # The checks every decision runs, once, with the files named; warnings are shown, not lost.
    warnings: list[Problem] = []
    decision = api.assess(
        loaded,
        sub,
        rev,
        as_of=as_of,
        registry=registry,
        folder=submission_folder(submission),
        submission_file=file_label(submission),
        review_file=file_label(review) if review else "",
        warnings=warnings,
    )
    for problem in warnings:
        _err(str(problem))
    text = api.render(decision, loaded, sub, rev, format=fmt, registry=registry)
    if output:
        write_text(output, text)
        _wrote(output, f"{decision.status}: report written to {output}")
    else:
        _out(text)
    return EXIT_OK


# -- batch ---------------------------------------------------------------------------------


def _file_name(value: str) -> str:
    """A file's own name (no folder), as --review-name takes it; else a usage error."""
    if not value or value in (".", "..") or "/" in value or os.sep in value or "\0" in value:
        raise click.BadParameter(f"expected a file name such as review.toml, got {value!r}")
    return value


@cli.command(short_help="decide on many submissions across processes, as JSON Lines")
@click.argument("framework", metavar="FRAMEWORK", shell_complete=complete_framework)
@click.argument("paths", nargs=-1, required=True, metavar="FOLDER...", shell_complete=complete_file)
@click.option(
    "-j", "--jobs", type=click.IntRange(min=1, max=MAX_JOBS), metavar="N",
    help="processes to use (default: the number of cores)",
)  # fmt: skip
@click.option(
    "--review-name", default="review.toml", show_default=True, metavar="NAME",
    callback=lambda _ctx, _param, value: _file_name(value),
    help="the review's file name beside each submission.toml",
)  # fmt: skip
@click.option(
    "-o", "--output", metavar="FILE", shell_complete=complete_file,
    help="write the JSON Lines here (atomically) instead of stdout",
)  # fmt: skip
@click.option(
    "--db", metavar="FILE", shell_complete=complete_file,
    help="record each decided case in this register as the results come (created if "
    "missing); the JSON Lines are then written only with -o",
)  # fmt: skip
def batch(
    framework: str,
    paths: tuple[str, ...],
    jobs: int | None,
    review_name: str,
    output: str | None,
    db: str | None,
) -> int:
    """Decide on every submission in FOLDER under FRAMEWORK, across processes.

    Each FOLDER is searched for submission.toml files, one case per folder,
    with the review beside it (--review-name) when there is one; a file given
    instead of a folder is one case. Cases are decided N at a time (--jobs)
    with every check, as by `qmframe assess`, and written in input order as
    JSON Lines: one object per case with "case" (its folder), "submission",
    "review" (null without one) and "result": "decided" with "decision" (the
    decision, as `assess --format json` gives it), "invalid" with "problems"
    (objects with "file", "path", "severity", "code" and "message"), or
    "failed" with "error" (the plugin or bug that stopped it). A case that
    cannot be decided does not stop the others.

    A decided case's object also has "previous_award" and "details", from its
    submission, so `qmframe register add FRAMEWORK --decision FILE.jsonl`
    records the lines later (skipping, and naming, cases not decided). With
    --db FILE the decided cases are recorded in that register as they come,
    a few hundred to a transaction; a decision the register refuses is that
    case's problem (exit code 2) and the others are kept.

    A summary follows on stderr (on stdout with -o); on a terminal, a
    progress bar on stderr shows the cases done. The exit code is 0 when
    every case was decided, 2 when any had bad input, 1 when any failed.

    \b
    Examples:
      qmframe batch example-charter submissions/
      qmframe batch example-charter submissions/ --jobs 4 -o decisions.jsonl
      qmframe batch example-charter submissions/ --db awards.sqlite
    """
    import sys
    from collections import Counter

    from qmframe import batch as batching
    from qmframe.awards.commands import Progress
    from qmframe.escaping import terminal
    from qmframe.output import STDOUT, StreamedOutput

    _registry()  # names plugins that failed to load, once
    ref = batching.framework_ref(framework)
    stamp = batching.framework_stamp(ref)  # every case is decided under the file read now
    batching.assessor_for(ref)  # a bad FRAMEWORK is exit 2 before any case; forks inherit it
    cases = batching.find_cases(*paths, review_name=review_name)
    # The bar needs the total: on a terminal only, the folders are walked twice.
    shown = sys.stderr.isatty()
    total = sum(1 for _ in batching.find_cases(*paths, review_name=review_name)) if shown else 0
    progress = Progress(total, "assessing")
    results: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    target = StreamedOutput(output or STDOUT) if output or not db else None
    recorder = None
    if db:
        from qmframe.awards.commands import BatchRecorder
        from qmframe.awards.register import Register

        lifecycle = batching.assessor_for(ref).framework.lifecycle
        recorder = BatchRecorder(Register(db, create=True), lifecycle)
    try:
        step = batching.AssessJson(ref, stamp)
        lines = batching.run(step, cases, jobs=jobs)
        for done, line in enumerate(lines, start=1):
            if target is not None:
                target.write(line.text + "\n")
            if recorder is not None and line.result == batching.DECIDED:
                recorder.record(line.text, line.label)
            results[line.result] += 1
            if line.status:
                statuses[line.status] += 1
            progress(done)
        if not results:
            where = ", ".join(paths)
            raise ValidationError(
                [Problem(f"no case found in {where}: no submission.toml", code="missing-value")]
            )
        if recorder is not None:
            recorder.flush()
        if target is not None:
            target.commit()
    finally:
        if target is not None:
            target.close()
        if recorder is not None:
            recorder.register.close()
    total = results.total()
    summary = f"{total} case{'s' if total != 1 else ''}: {results['decided']} decided"
    if statuses:
        summary += " (" + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) + ")"
    summary += f", {results['invalid']} invalid, {results['failed']} failed"
    if recorder is not None:
        for problem in recorder.refused:
            _err(terminal(f"not recorded: {problem}"))
        summary += f"; {recorder.recorded} recorded in {db}"
        if recorder.refused_cases:
            summary += f", {recorder.refused_cases} refused by the register"
    (_out if output and output != STDOUT else _err)(terminal(summary))
    if results["failed"]:
        return EXIT_INTERNAL
    return (
        EXIT_BAD_INPUT if results["invalid"] or (recorder and recorder.refused_cases) else EXIT_OK
    )


# -- demo ----------------------------------------------------------------------------------


@cli.command(short_help="assess a bundled example, no arguments needed")
@click.argument("example", required=False, shell_complete=complete_example)
@click.option(
    "--format", "fmt", default="text", metavar="FORMAT",
    help="the report's format, as for assess (default: text)",
)  # fmt: skip
@click.option("--list", "list_", is_flag=True, help="list the examples instead")
@click.option(
    "--html",
    metavar="FILE",
    shell_complete=complete_file,
    help="where to write the HTML report (default: qmframe-demo-EXAMPLE.html in the "
    "system's temporary folder)",
)
@click.option("--no-html", is_flag=True, help="do not write an HTML report")
@_json_option("the --list")
def demo(
    example: str | None, fmt: str, list_: bool, html: str | None, no_html: bool, as_json: bool
) -> int:
    """Assess a bundled example: no arguments needed.

    Assesses EXAMPLE (default: the one the installed plugins prefer), prints
    the decision, writes the HTML report (when Jinja2 is installed) and says
    where, and prints the `qmframe assess` command that reproduces it.

    --list names the installed examples. With --json too, a JSON array, one
    object per example with the string keys "name", "title", "framework" and
    "plugin", and "demo" (true for an example a plugin prefers).

    \b
    Examples:
      qmframe demo
      qmframe demo example-riverside --html riverside.html
      qmframe demo --list
      qmframe demo --list --json
    """
    if as_json and not list_:
        raise click.UsageError("--json goes with --list (for a JSON report: --format json)")
    import datetime as dt
    import tempfile
    from pathlib import Path

    from qmframe import api
    from qmframe.escaping import json_text
    from qmframe.files import file_label, write_text

    registry = _registry()
    examples = registry.examples
    if list_ and as_json:
        listed = [
            {
                "name": name,
                "title": r.value.title,
                "framework": r.value.framework,
                "plugin": r.plugin,
                "demo": r.value.demo,
            }
            for name, r in examples.items()
        ]
        _out(json_text(listed))
        return EXIT_OK
    if list_:
        for name, registered in examples.items():
            _out(f"{name}  ({registered.plugin}): {registered.value.title}")
        return EXIT_OK
    if not examples:
        _err(
            "No examples installed. Install a framework plugin with examples, for example:\n"
            "  pip install ./plugins/example"
        )
        return EXIT_BAD_INPUT
    if example:
        if example not in examples:
            _err(f"unknown example {example!r} (installed: {', '.join(examples)})")
            return EXIT_BAD_INPUT
        chosen = examples[example].value
    else:
        preferred = [r.value for r in examples.values() if r.value.demo]
        chosen = (preferred or [r.value for r in examples.values()])[0]
    framework = registry.framework(chosen.framework)
    submission = api.load_submission(chosen.submission, framework, registry=registry)
    review = (
        api.load_review(chosen.review, framework, submission, registry=registry)
        if chosen.review is not None
        else None
    )
    as_of = dt.date.fromisoformat(chosen.as_of) if chosen.as_of else None
    decision = api.assess(framework, submission, review, as_of=as_of, registry=registry)
    _out(f"Demo: {chosen.title}\n")
    _out(api.render(decision, framework, submission, review, format=fmt, registry=registry))
    if not no_html:
        where = Path(html or Path(tempfile.gettempdir()) / f"qmframe-demo-{chosen.name}.html")
        try:
            page = api.render(
                decision, framework, submission, review, format="html", registry=registry
            )
        except QmframeError as exc:  # Jinja2 missing: the text report above still stands
            _out(f"No HTML report: {exc}\n")
        else:
            write_text(where, page)
            _wrote(str(where), f"HTML report written to {where}\n")
    command = f"qmframe assess {framework.id} {file_label(chosen.submission)}"
    if chosen.review is not None:
        command += f" --review {file_label(chosen.review)}"
    if chosen.as_of:
        command += f" --as-of {chosen.as_of}"
    _out(f"Reproduce with:\n  {command}")
    return EXIT_OK


# -- schema --------------------------------------------------------------------------------


@cli.command(short_help="print the JSON Schema of a file kind, for editors to check and complete")
@click.argument("document", type=click.Choice(SCHEMA_DOCUMENTS))
@click.option(
    "--framework",
    metavar="FRAMEWORK",
    shell_complete=complete_framework,
    help="a submission schema for this framework (id or file): its details, kinds, contexts",
)
@click.option(
    "-o", "--output", metavar="FILE", shell_complete=complete_file,
    help="write here instead of stdout",
)  # fmt: skip
def schema(document: str, framework: str | None, output: str | None) -> int:
    """Print the JSON Schema of one kind of file, for editors to check and complete.

    DOCUMENT is the kind of file. Point an editor's TOML support (any editor
    using taplo) at the schema to check files as they are typed. The framework
    schema knows the installed rule kinds: a rule must name one, and takes the
    keys its kind declares. With --framework, the submission schema is made
    for that framework: its id and version, its organisation kinds and
    contexts, and the [details] it declares.

    \b
    Examples:
      qmframe schema framework -o framework.schema.json
      qmframe schema submission
      qmframe schema submission --framework example-charter -o submission.schema.json
    """
    import json

    from qmframe.errors import Problem
    from qmframe.files import write_text
    from qmframe.schema import framework_schema, json_schema, submission_schema

    if framework is not None and document != "submission":
        raise ValidationError(
            [Problem("--framework makes a submission schema: use it with `schema submission`")]
        )
    what = f"{document} files"
    if document == "framework":  # with the installed rule kinds and their keys
        made = framework_schema(_registry().rule_kinds)
    else:
        made = json_schema(document)
    if framework is not None:
        loaded = _load_framework(_registry(), framework)
        made, what = submission_schema(loaded), f"submission files of {loaded.id}"
    text = json.dumps(made, indent=2) + "\n"
    if output:
        write_text(output, text)
        _wrote(output, f"Wrote the JSON Schema for {what} to {output}")
    else:
        _out(text)
    return EXIT_OK


class _Commands(MutableMapping[str, click.Command]):
    """A group's commands by name, in order; some load from their module on first use.

    The register's commands (and diff and rescore) live in
    :mod:`qmframe.awards.commands`, which builds some forty click commands:
    ``qmframe assess`` never needs them, so that module is imported only when
    one of its commands is looked up (``--help`` lists them, and so loads it).
    """

    def __init__(self, loaded: MutableMapping[str, click.Command]) -> None:
        self._commands: dict[str, click.Command | tuple[str, str]] = dict(loaded)

    def add_lazy(self, name: str, module: str, attribute: str) -> None:
        self._commands[name] = (module, attribute)

    def __getitem__(self, name: str) -> click.Command:
        found = self._commands[name]
        if isinstance(found, tuple):
            found = getattr(importlib.import_module(found[0]), found[1])
            assert isinstance(found, click.Command)
            self._commands[name] = found
        return found

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._commands[name] = command

    def __delitem__(self, name: str) -> None:
        del self._commands[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._commands)

    def __len__(self) -> int:
        return len(self._commands)

    def __contains__(self, name: object) -> bool:
        return name in self._commands


cli.commands = _commands = _Commands(cli.commands)
for _name, _attribute in (
    ("register", "register"),
    ("diff", "diff_command"),
    ("rescore", "rescore_command"),
):
    _commands.add_lazy(_name, "qmframe.awards.commands", _attribute)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
