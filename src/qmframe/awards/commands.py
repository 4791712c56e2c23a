"""The ``register``, ``diff`` and ``rescore`` commands.

Kept apart from :mod:`qmframe.cli` so the award lifecycle's commands can grow
without crowding the core ones; :mod:`qmframe.cli` calls
:func:`add_subcommands` and dispatches through :data:`HANDLERS`. Handlers
take the plugin registry and the parsed arguments and return an exit code;
bad input raises, and :func:`qmframe.cli.main` turns that into exit code 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import attrs

from qmframe import api
from qmframe._console import err as _err
from qmframe._console import out as _out
from qmframe._console import parse_date as _date
from qmframe._convert import structure, unstructure_json
from qmframe.awards import signing
from qmframe.awards.issuing import award_badge, status_lists, verify_badge
from qmframe.awards.lifecycle import STATES, Event
from qmframe.awards.register import (
    Register,
    public_csv,
    public_json,
    write_public_sqlite,
)
from qmframe.awards.sector import render_text, sector_view
from qmframe.awards.signing import KEY_TYPES
from qmframe.awards.status_list import STATUS_PURPOSES
from qmframe.awards.versions import Case, diff, rescore
from qmframe.decision import Decision
from qmframe.errors import Problem, ValidationError
from qmframe.files import file_label, read_document, write_text
from qmframe.framework import Framework
from qmframe.plugins import Registry

__all__ = ["HANDLERS", "Progress", "add_subcommands", "read_decision"]

EXIT_OK = 0


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


# -- the parser ----------------------------------------------------------------------------


def add_subcommands(sub: Any) -> None:
    """Add ``register``, ``diff`` and ``rescore`` to the ``qmframe`` subparsers ``sub``."""
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument(
        "--db",
        default=os.environ.get("QMFRAME_REGISTER", ""),
        metavar="FILE",
        help="the register's SQLite file (default: $QMFRAME_REGISTER)",
    )
    register = sub.add_parser("register", help="keep a register of decisions and awards (SQLite)")
    commands = register.add_subparsers(dest="register_command", required=True, metavar="ACTION")

    add = commands.add_parser(
        "add",
        parents=[db],
        help="assess a submission and record the decision (or record a decision file)",
    )
    add.add_argument("framework", metavar="FRAMEWORK", help="framework id or file")
    add.add_argument("submission", nargs="?", metavar="SUBMISSION")
    add.add_argument("--review", metavar="FILE")
    add.add_argument("--as-of", type=_date, metavar="DATE", help="decision date")
    add.add_argument(
        "--decision",
        metavar="FILE",
        help="record this decision (TOML from qmframe.dumps, or `assess --format json`) "
        "instead of assessing a submission",
    )
    add.add_argument("--reason", default="", help="reason recorded with the event")

    event = commands.add_parser(
        "event", parents=[db], help="record a lifecycle event (suspend, withdraw, ...)"
    )
    event.add_argument("framework", metavar="FRAMEWORK")
    event.add_argument("organisation", metavar="ORGANISATION")
    event.add_argument("state", metavar="STATE", choices=STATES, help=", ".join(STATES))
    event.add_argument("--on", type=_date, metavar="DATE", help="default: today")
    event.add_argument("--reason", required=True, help="why (kept in the history)")

    listing = commands.add_parser("list", parents=[db], help="who holds an award on a date")
    listing.add_argument("framework", metavar="FRAMEWORK")
    listing.add_argument("--on", type=_date, metavar="DATE", help="default: today")
    listing.add_argument("--format", choices=("text", "json"), default="text")

    history = commands.add_parser("history", parents=[db], help="one organisation's history")
    history.add_argument("framework", metavar="FRAMEWORK")
    history.add_argument("organisation", metavar="ORGANISATION")
    history.add_argument("--format", choices=("text", "json"), default="text")

    due = commands.add_parser(
        "due", parents=[db], help="awards expiring or due a mid-point review soon"
    )
    due.add_argument("framework", metavar="FRAMEWORK")
    due.add_argument("--within", type=int, default=90, metavar="DAYS", help="default: 90")
    due.add_argument("--on", type=_date, metavar="DATE", help="default: today")
    due.add_argument("--format", choices=("text", "json"), default="text")

    export = commands.add_parser(
        "export", parents=[db], help="the public register (only the framework's public fields)"
    )
    export.add_argument("framework", metavar="FRAMEWORK")
    export.add_argument("--on", type=_date, metavar="DATE", help="default: today")
    export.add_argument("--format", choices=("json", "csv", "sqlite"), default="json")
    export.add_argument("-o", "--output", metavar="FILE", help="needed for --format sqlite")

    sector = commands.add_parser("sector", parents=[db], help="the sector view of all decisions")
    sector.add_argument("framework", metavar="FRAMEWORK")
    sector.add_argument("--anonymise", action="store_true", help="name no organisation")
    sector.add_argument(
        "--figure",
        action="append",
        default=[],
        metavar="NAME",
        help="a submitted figure to total by year (repeatable), e.g. recruitment",
    )
    sector.add_argument("--format", choices=("text", "json"), default="text")

    badge = commands.add_parser(
        "badge",
        parents=[db],
        help="an award as an Open Badges 3.0 credential (unsigned unless --sign KEY)",
    )
    badge.add_argument("framework", metavar="FRAMEWORK", help="the version the award was under")
    badge.add_argument("organisation", metavar="ORGANISATION")
    badge.add_argument(
        "--issuer-id", required=True, metavar="URI", help="where the issuer profile is published"
    )
    badge.add_argument("--issuer-name", default="")
    badge.add_argument("--subject-id", default="", metavar="URI")
    badge.add_argument(
        "--status-base",
        default="",
        metavar="URL",
        help="where `register status-list` output is published: adds a credentialStatus",
    )
    badge.add_argument(
        "--status-purpose",
        choices=STATUS_PURPOSES,
        default="revocation",
        help="which list the credential points at (default: revocation)",
    )
    badge.add_argument(
        "--sign", metavar="KEY", help="sign with this private key (a vc+jwt; needs the sign extra)"
    )
    badge.add_argument("--on", type=_date, metavar="DATE", help="default: today")
    badge.add_argument("-o", "--output", metavar="FILE")

    keygen = commands.add_parser(
        "keygen", help="make an issuer's signing key pair (private key file written 0600)"
    )
    keygen.add_argument("key", metavar="KEYFILE", help="a new file (never replaced)")
    keygen.add_argument("--type", choices=KEY_TYPES, default="ed25519", help="default: ed25519")

    profile = commands.add_parser(
        "issuer-profile", help="the issuer's public profile, with its public key(s), to publish"
    )
    profile.add_argument(
        "--issuer-id", required=True, metavar="URI", help="the URL it will be published at"
    )
    profile.add_argument(
        "--key",
        action="append",
        required=True,
        metavar="KEYFILE",
        help="the signing key (or its public half); repeatable",
    )
    profile.add_argument("--name", default="", help="the issuer's name")
    profile.add_argument("--url", default="", metavar="URL", help="the issuer's home page")
    profile.add_argument("-o", "--output", metavar="FILE")

    status = commands.add_parser(
        "status-list",
        parents=[db],
        help="write the framework's revocation and suspension lists (Bitstring Status List)",
    )
    status.add_argument("framework", metavar="FRAMEWORK")
    status.add_argument("--issuer-id", required=True, metavar="URI")
    status.add_argument(
        "--base-url", required=True, metavar="URL", help="the --status-base badges point at"
    )
    status.add_argument(
        "-o", "--output", required=True, metavar="FOLDER", help="gets files revocation, suspension"
    )
    status.add_argument("--sign", metavar="KEY", help="sign the lists with this private key")
    status.add_argument("--on", type=_date, metavar="DATE", help="default: today")

    check = commands.add_parser(
        "verify", help="check a signed credential as a verifier does (exit 2 if not valid)"
    )
    check.add_argument(
        "credential", metavar="CREDENTIAL", help="a file from `register badge --sign`"
    )
    check.add_argument(
        "--issuer-profile", required=True, metavar="FILE", help="the issuer's published profile"
    )
    check.add_argument(
        "--status-dir",
        metavar="FOLDER",
        help="holds the published status lists (qmframe does not fetch them)",
    )
    check.add_argument("--on", type=_date, metavar="DATE", help="default: today")

    compare = sub.add_parser("diff", help="what changed between two versions of a framework")
    compare.add_argument("old", metavar="OLD", help="framework id or file")
    compare.add_argument("new", metavar="NEW", help="framework id or file")
    compare.add_argument("--format", choices=("text", "json"), default="text")

    again = sub.add_parser(
        "rescore", help="re-assess past submissions under a new version: whose decision changes"
    )
    again.add_argument("old", metavar="OLD", help="the version the submissions were made for")
    again.add_argument("new", metavar="NEW", help="the new version")
    again.add_argument(
        "folder",
        metavar="FOLDER",
        help="holds one folder per submission, each with submission.toml (and review.toml)",
    )
    again.add_argument("--all", action="store_true", help="list unchanged decisions too")
    again.add_argument("--format", choices=("text", "json"), default="text")


# -- helpers -------------------------------------------------------------------------------


def _register(args: argparse.Namespace, *, create: bool = False) -> Register:
    if not args.db:
        raise ValidationError([Problem("name the register file with --db (or $QMFRAME_REGISTER)")])
    return Register(args.db, create=create)


def _emit(text: str, output: str | None) -> None:
    if output:
        write_text(output, text)
    else:
        _out(text)


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def read_decision(path: str | Path) -> Decision:
    """A decision from a TOML file (``qmframe.dumps``) or JSON (``assess --format json``).

    The JSON report adds derived keys (such as ``disagreements``); only the
    decision's own fields are read.
    """
    label = file_label(path)
    if str(path).endswith(".json"):
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValidationError(
                [Problem(f"cannot read the decision: {exc}", file=label)]
            ) from None
        if not isinstance(data, dict):
            raise ValidationError([Problem("expected a JSON object", file=label)])
        own = {field.name for field in attrs.fields(Decision)}
        result = structure({k: v for k, v in data.items() if k in own}, Decision, file=label)
        if isinstance(result, list):
            raise ValidationError(result)
        return result
    return read_document(path, Decision)


def _framework(registry: Registry, ref: str) -> Framework:
    return api.load_framework(ref, registry=registry)


# -- register ------------------------------------------------------------------------------


def _register_command(registry: Registry, args: argparse.Namespace) -> int:
    handler: Callable[[Registry, argparse.Namespace], int] = {
        "add": _add,
        "event": _event,
        "list": _list,
        "history": _history,
        "due": _due,
        "export": _export,
        "sector": _sector,
        "badge": _badge,
        "keygen": _keygen,
        "issuer-profile": _issuer_profile,
        "status-list": _status_list,
        "verify": _verify,
    }[args.register_command]
    return handler(registry, args)


def _add(registry: Registry, args: argparse.Namespace) -> int:
    framework = _framework(registry, args.framework)
    details: dict[str, str] = {}
    previous = ""
    if args.decision:
        if args.submission or args.review:
            raise ValidationError([Problem("give a submission or --decision, not both")])
        decision = read_decision(args.decision)
        if decision.framework != framework.id:
            raise ValidationError(
                [
                    Problem(
                        f"the decision is for {decision.framework!r}, not {framework.id!r}",
                        file=file_label(args.decision),
                    )
                ]
            )
    else:
        if not args.submission:
            raise ValidationError([Problem("give a SUBMISSION to assess, or --decision FILE")])
        submission = api.load_submission(args.submission, framework, registry=registry)
        review = (
            api.load_review(args.review, framework, submission, registry=registry)
            if args.review
            else None
        )
        decision = api.assess(framework, submission, review, as_of=args.as_of, registry=registry)
        details = dict(submission.details)
        previous = submission.previous_award
    with _register(args, create=True) as register:
        if previous and not register.has_award(previous):
            sys.stderr.write(
                f"warning: previous_award {previous!r} is not in this register "
                "(ids look like FRAMEWORK/ORGANISATION/DATE)\n"
            )
        recorded, event = register.add_decision(
            decision,
            framework.lifecycle,
            previous_award=previous,
            details=details,
            reason=args.reason,
        )
    what = f"now {event.state}" if event is not None else "no change to the current award"
    _out(f"{recorded.award}: {decision.status} recorded ({what})")
    return EXIT_OK


def _event(registry: Registry, args: argparse.Namespace) -> int:
    framework = _framework(registry, args.framework)
    event = Event(state=args.state, on=args.on or dt.date.today(), reason=args.reason)
    with _register(args) as register:
        register.add_event(framework.id, args.organisation, event, framework.lifecycle)
    _out(f"{framework.id}/{args.organisation}: {event.state} on {event.on}")
    return EXIT_OK


def _list(registry: Registry, args: argparse.Namespace) -> int:
    framework = _framework(registry, args.framework)
    day = args.on or dt.date.today()
    with _register(args) as register:
        holders = register.holders(framework.id, day)
    if args.format == "json":
        _out(_json([unstructure_json(h) for h in holders]))
        return EXIT_OK
    _out(f"{len(holders)} holding {framework.id} on {day}")
    for h in holders:
        until = f"until {h.valid_until}" if h.valid_until else "no end date"
        _out(f"  {h.organisation_name or h.organisation} ({h.organisation}): {h.state}, "
             f"version {h.version}, since {h.since}, {until}")  # fmt: skip
    return EXIT_OK


def _history(registry: Registry, args: argparse.Namespace) -> int:
    framework = _framework(registry, args.framework)
    with _register(args) as register:
        history = register.history(framework.id, args.organisation)
        decisions = register.decisions(framework.id, args.organisation)
    if not history.events and not decisions:
        raise ValidationError(
            [Problem(f"no record of {args.organisation!r} under {framework.id!r}")]
        )
    if args.format == "json":
        _out(
            _json(
                {
                    "history": unstructure_json(history),
                    "decisions": [
                        {
                            "award": r.award,
                            "status": r.decision.status,
                            "as_of": str(r.decision.as_of),
                        }
                        for r in decisions
                    ],
                }
            )
        )
        return EXIT_OK
    _out(f"{history.organisation_name or history.organisation} under {framework.id}:")
    for e in history.events:
        extra = f" (version {e.version}, until {e.valid_until})" if e.version else ""
        _out(f"  {e.on}  {e.state}{extra}: {e.reason}")
    for r in decisions:
        _out(f"  decision {r.award}: {r.decision.status}")
    return EXIT_OK


def _due(registry: Registry, args: argparse.Namespace) -> int:
    framework = _framework(registry, args.framework)
    day = args.on or dt.date.today()
    with _register(args) as register:
        due = register.due(framework.id, day, args.within)
    if args.format == "json":
        _out(_json([unstructure_json(d) for d in due]))
        return EXIT_OK
    _out(f"{len(due)} due within {args.within} days of {day}")
    for d in due:
        late = " (overdue)" if d.overdue else ""
        _out(f"  {d.on}  {d.what}{late}: {d.organisation_name or d.organisation}")
    return EXIT_OK


def _export(registry: Registry, args: argparse.Namespace) -> int:
    framework = _framework(registry, args.framework)
    day = args.on or dt.date.today()
    with _register(args) as register:
        rows = register.public_rows(framework, day)
    fields = framework.public_fields
    if args.format == "sqlite":
        if not args.output:
            raise ValidationError([Problem("--format sqlite needs -o FILE")])
        write_public_sqlite(rows, fields, args.output)
        _out(f"{len(rows)} entries written to {args.output} (table public_register)")
        return EXIT_OK
    text = public_json(rows) if args.format == "json" else public_csv(rows, fields)
    _emit(text, args.output)
    return EXIT_OK


def _sector(registry: Registry, args: argparse.Namespace) -> int:
    framework = _framework(registry, args.framework)
    with _register(args) as register:
        recorded = register.decisions(framework.id)
    view = sector_view(
        framework,
        [r.decision for r in recorded],
        details=[r.details for r in recorded],
        figures=args.figure,
        anonymise=args.anonymise,
    )
    _out(_json(unstructure_json(view)) if args.format == "json" else render_text(view))
    return EXIT_OK


def _badge(registry: Registry, args: argparse.Namespace) -> int:
    framework = _framework(registry, args.framework)
    key = _signing_key(args.sign) if args.sign else None
    with _register(args) as register:
        credential = award_badge(
            register,
            framework,
            args.organisation,
            issuer_id=args.issuer_id,
            issuer_name=args.issuer_name,
            subject_id=args.subject_id,
            on=args.on,
            status_base=args.status_base,
            status_purpose=args.status_purpose,
        )
    if key is None:
        _emit(_json(credential), args.output)
        _err("note: the credential is unsigned; sign it with --sign KEY (see `register keygen`)")
        return EXIT_OK
    _emit(signing.sign(credential, key) + "\n", args.output)
    if args.output:
        _err(f"wrote {args.output}: signed ({signing.MEDIA_TYPE})")
    return EXIT_OK


def _signing_key(path: str, *, private: bool = True) -> dict[str, Any]:
    key = signing.read_key(path, private=private)
    warning = signing.key_file_warning(path)
    if warning:
        _err(f"warning: {warning}")
    return key


def _keygen(registry: Registry, args: argparse.Namespace) -> int:
    key = signing.generate_key(args.type)
    signing.write_key(args.key, key)
    _out(f"wrote {args.key}: a new {args.type} private key, readable by you only (mode 0600)")
    _out("keep it secret, and keep a backup: without it, nothing new can be signed with this key")
    return EXIT_OK


def _issuer_profile(registry: Registry, args: argparse.Namespace) -> int:
    keys = [_signing_key(path, private=False) for path in args.key]
    profile = signing.issuer_profile(args.issuer_id, keys, name=args.name, url=args.url)
    _emit(_json(profile), args.output)
    return EXIT_OK


def _status_list(registry: Registry, args: argparse.Namespace) -> int:
    framework = _framework(registry, args.framework)
    key = _signing_key(args.sign) if args.sign else None
    day = args.on or dt.date.today()
    with _register(args) as register:
        lists = status_lists(
            register, framework.id, base_url=args.base_url, issuer_id=args.issuer_id, on=day
        )
        count = len(register.status_indexes(framework.id))
    folder = Path(args.output)
    folder.mkdir(parents=True, exist_ok=True)
    for purpose, listing in lists.items():
        text = _json(listing) if key is None else signing.sign(listing, key) + "\n"
        write_text(folder / purpose, text)
    kind = "unsigned" if key is None else "signed"
    _out(f"wrote {kind} status lists on {day} ({count} award(s) with an index):")
    for purpose, listing in lists.items():
        _out(f"  {folder / purpose}: publish at {listing['id']}")
    return EXIT_OK


def _verify(registry: Registry, args: argparse.Namespace) -> int:
    profile_label = file_label(args.issuer_profile)
    try:
        profile = json.loads(Path(args.issuer_profile).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError([Problem(f"cannot read: {exc}", file=profile_label)]) from None
    if not isinstance(profile, dict):
        raise ValidationError([Problem("expected a JSON object", file=profile_label)])
    label = file_label(args.credential)
    try:
        text = Path(args.credential).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError([Problem(f"cannot read: {exc.strerror}", file=label)]) from None

    def fetch(url: str) -> str:
        path = Path(args.status_dir) / url.rstrip("/").rsplit("/", 1)[-1]
        try:
            return path.read_text(encoding="utf-8")
        except OSError:
            raise ValidationError(
                [Problem(f"no copy of the status list {url} here", file=str(path))]
            ) from None

    day = args.on or dt.date.today()
    verdict = verify_badge(
        text, profile, on=day, fetch=fetch if args.status_dir else None, label=label
    )
    status = verdict.status
    if status.checked:
        signed = "signed" if verdict.list_signed else "unsigned"
        said = f"the {status.purpose} list ({signed}) does not flag it"
    else:
        said = "it has no status entry"
    _out(f"valid on {day}: signed by {verdict.issuer}; {said}")
    return EXIT_OK


# -- diff and rescore ----------------------------------------------------------------------


def _diff(registry: Registry, args: argparse.Namespace) -> int:
    old = _framework(registry, args.old)
    new = _framework(registry, args.new)
    result = diff(old, new)
    if args.format == "json":
        _out(_json(unstructure_json(result)))
        return EXIT_OK
    _out(f"{result.framework}: {result.old_version} -> {result.new_version}, "
         f"{len(result.changes)} changes")  # fmt: skip
    for change in result.changes:
        detail = f": {change.detail}" if change.detail else ""
        _out(f"  {change.change:<9} {change.part} {change.id}{detail}")
    return EXIT_OK


def _cases(registry: Registry, folder: Path, framework: Framework) -> list[Case]:
    found = sorted(folder.glob("**/submission.toml"))
    if not found:
        raise ValidationError(
            [Problem("no submission.toml found in it or its folders", file=file_label(folder))]
        )
    cases: list[Case] = []
    problems: list[Problem] = []
    for path in found:
        try:
            submission = api.load_submission(path, framework, registry=registry)
            review_path = path.with_name("review.toml")
            review = (
                api.load_review(review_path, framework, submission, registry=registry)
                if review_path.exists()
                else None
            )
        except ValidationError as exc:
            problems += exc.problems
            continue
        label = str(path.parent.relative_to(folder)) if path.parent != folder else path.name
        cases.append(Case(label=label, submission=submission, review=review))
    if problems:
        raise ValidationError(problems)
    return cases


def _rescore(registry: Registry, args: argparse.Namespace) -> int:
    old = _framework(registry, args.old)
    new = _framework(registry, args.new)
    if old.id != new.id:
        raise ValidationError([Problem(f"{old.id!r} and {new.id!r} are different frameworks")])
    cases = _cases(registry, Path(args.folder), old)
    results = rescore(
        old, new, cases, registry=registry, progress=Progress(len(cases), "rescoring")
    )
    changed = [r for r in results if r.changed]
    shown = results if args.all else changed
    if args.format == "json":
        _out(_json([{**unstructure_json(r), "changed": r.changed} for r in shown]))
        return EXIT_OK
    _out(
        f"{old.id} {old.version} -> {new.version}: {len(changed)} of {len(results)} decisions "
        "would change"
    )
    for r in shown:
        if r.problems:
            _out(f"  {r.label} ({r.organisation}): cannot be re-assessed under {new.version}:")
            _out("".join(f"    {p}\n" for p in r.problems).rstrip("\n"))
            continue
        arrow = f"{r.old_status} -> {r.new_status}" if r.changed else f"{r.old_status} (same)"
        _out(f"  {r.label} ({r.organisation}): {arrow}")
        for reason in (*r.reasons, *r.notes):
            _out(f"    {reason}")
    return EXIT_OK


#: Command name to handler, merged into :func:`qmframe.cli.main`'s dispatch.
HANDLERS: dict[str, Callable[[Registry, argparse.Namespace], int]] = {
    "register": _register_command,
    "diff": _diff,
    "rescore": _rescore,
}
