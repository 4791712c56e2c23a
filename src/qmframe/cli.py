"""The ``qmframe`` command.

Exit codes: 0 when the command did its job (whatever the decision), 2 for bad
input or usage (every problem is printed, located), 1 for an internal error
(a bug in qmframe or a plugin, named).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

from qmframe import api
from qmframe._console import err as _err
from qmframe._console import out as _out
from qmframe._console import parse_date as _date
from qmframe.awards import commands as award_commands
from qmframe.errors import PluginError, Problem, QmframeError, ValidationError
from qmframe.files import file_label, read_toml, write_text
from qmframe.framework import Framework
from qmframe.plugins import Registry
from qmframe.template import render_template

__all__ = ["main"]

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qmframe",
        description="Define quality frameworks as TOML and score submissions into explained "
        "decisions.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("frameworks", help="list the installed frameworks and their plugins")

    plugins = sub.add_parser(
        "plugins",
        help="list the installed plugins, the hooks each implements and what each "
        "registered, and any that failed to load",
    )
    plugins.add_argument("--json", action="store_true", help="print JSON instead of text")
    plugins.add_argument("--all", action="store_true", help="include qmframe's built-in plugins")

    validate = sub.add_parser("validate", help="check framework, submission and review files")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.add_argument(
        "--framework",
        metavar="FRAMEWORK",
        help="check submissions and reviews against this framework (id or "
        "file) instead of the one they name",
    )

    template = sub.add_parser("template", help="write a blank self-assessment for a framework")
    template.add_argument("framework", metavar="FRAMEWORK", help="framework id or file")
    template.add_argument("--organisation", default="", help="organisation id to fill in")
    template.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")

    assess = sub.add_parser("assess", help="decide on a submission and explain the decision")
    assess.add_argument("framework", metavar="FRAMEWORK", help="framework id or file")
    assess.add_argument("submission", metavar="SUBMISSION")
    assess.add_argument("--review", metavar="FILE")
    assess.add_argument(
        "--as-of",
        type=_date,
        metavar="DATE",
        help="decision date (default: the review's date, else the submission's, else today)",
    )
    assess.add_argument(
        "--format", default="text", help="text, markdown, json, html, letter, or a plugin's"
    )
    assess.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")

    demo = sub.add_parser("demo", help="assess a bundled example, no arguments needed")
    demo.add_argument("example", nargs="?", help="which example (default: the preferred one)")
    demo.add_argument("--format", default="text")
    demo.add_argument("--list", action="store_true", help="list the examples instead")
    demo.add_argument(
        "--html",
        metavar="FILE",
        help="where to write the HTML report (default: qmframe-demo-EXAMPLE.html in the "
        "system's temporary folder)",
    )
    demo.add_argument("--no-html", action="store_true", help="do not write an HTML report")

    schema = sub.add_parser(
        "schema", help="print the JSON Schema of a file kind, for editors to check and complete"
    )
    schema.add_argument("document", choices=("framework", "submission", "review", "outcome-set"))
    schema.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    award_commands.add_subcommands(sub)  # register, diff, rescore
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        registry = api.default_registry()
        if args.command != "plugins":  # which lists them itself
            for failure in registry.load_failures:
                _err(f"warning: {failure}")
        handler = {
            "frameworks": _frameworks,
            "plugins": _plugins,
            "validate": _validate,
            "template": _template,
            "assess": _assess,
            "demo": _demo,
            **award_commands.HANDLERS,
            "schema": _schema,
        }[args.command]
        return handler(registry, args)
    except ValidationError as exc:
        _err(str(exc))
        count = len(exc.problems)
        _err(f"{count} problem{'s' if count != 1 else ''} found.")
        return EXIT_BAD_INPUT
    except PluginError as exc:
        _err(f"error: {exc}")
        return EXIT_INTERNAL
    except QmframeError as exc:
        _err(f"error: {exc}")
        return EXIT_BAD_INPUT
    except Exception as exc:  # the promise: never a bare traceback
        _err(f"internal error in qmframe: {type(exc).__name__}: {exc}")
        _err("This is a bug; please report it with the command you ran.")
        return EXIT_INTERNAL


def _frameworks(registry: Registry, args: argparse.Namespace) -> int:
    found = registry.frameworks()
    if not found:
        _out("No frameworks installed. Install a framework plugin (for example qmframe-example).")
        return EXIT_OK
    rows = [
        (fid, reg.value.version, reg.plugin, reg.value.title) for fid, reg in sorted(found.items())
    ]
    widths = [max(len(r[i]) for r in [("ID", "VERSION", "PLUGIN", ""), *rows]) for i in range(3)]
    header = ("ID", "VERSION", "PLUGIN", "TITLE")
    for row in [header, *rows]:
        _out("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
    return EXIT_OK


def _plugins(registry: Registry, args: argparse.Namespace) -> int:
    from qmframe.plugins import describe_plugins, plugins_json, plugins_text

    infos = [info for info in describe_plugins(registry) if args.all or not info.builtin]
    render = plugins_json if args.json else plugins_text
    _out(render(infos, registry.load_failures).rstrip("\n"))
    return EXIT_OK


def _load_framework(registry: Registry, ref: str) -> Framework:
    return api.load_framework(ref, registry=registry)


def _kind_of(data: dict[str, Any]) -> str:
    if isinstance(data.get("organisation"), dict):
        return "submission"
    if "judgements" in data or "reviewers" in data:
        return "review"
    if "outcomes" in data and "version" not in data:
        return "outcome set"
    return "framework"


def _validate(registry: Registry, args: argparse.Namespace) -> int:
    failed = 0
    override = _load_framework(registry, args.framework) if args.framework else None
    for name in args.files:
        problems = _validate_one(registry, Path(name), override)
        errors = [p for p in problems if p.severity == "error"]
        for problem in problems:
            (_err if problem.severity == "error" else _out)(str(problem))
        if errors:
            failed += 1
            _err(f"{name}: {len(errors)} problem{'s' if len(errors) != 1 else ''}")
        else:
            _out(f"{name}: ok")
    return EXIT_BAD_INPUT if failed else EXIT_OK


def _validate_one(registry: Registry, path: Path, override: Framework | None) -> list[Problem]:
    from qmframe.files import read_document, read_review, read_submission, submission_folder
    from qmframe.framework import OutcomeSet
    from qmframe.index import FrameworkIndex
    from qmframe.validation import check_framework, check_review

    label = file_label(path)
    try:
        kind = _kind_of(read_toml(path))
        if kind == "framework":
            _, problems = api.inspect_framework(path, registry=registry)
            return problems
        if kind == "outcome set":
            outcome_set = read_document(path, OutcomeSet)
            probe = Framework(
                id="outcome-set-check", version="0", title="", outcome_sets=(outcome_set,)
            )
            # Paths as in this file: "outcomes[3].group", not "outcome_sets[0].outcomes[3].group".
            return [
                attrs.evolve(p, path=p.path.removeprefix("outcome_sets[0]").lstrip(".")).located(
                    file=label
                )
                for p in check_framework(probe)
                if p.path.startswith("outcome_sets")
            ]
        if kind == "submission":
            submission = read_submission(path)
            framework = override or registry.framework(submission.framework)
            return api.validate_submission(
                framework, submission, folder=submission_folder(path), file=label, registry=registry
            )
        review = read_review(path)
        framework = override or registry.framework(review.framework)
        return [
            p.located(file=label) for p in check_review(review, FrameworkIndex.build(framework))
        ]
    except ValidationError as exc:
        return [p.located(file=label) for p in exc.problems]


def _template(registry: Registry, args: argparse.Namespace) -> int:
    framework = _load_framework(registry, args.framework)
    text = render_template(framework, organisation=args.organisation)
    if args.output:
        write_text(args.output, text)
        _out(
            f"Wrote a blank self-assessment for {framework.id} {framework.version} to {args.output}"
        )
    else:
        _out(text)
    return EXIT_OK


def _assess(registry: Registry, args: argparse.Namespace) -> int:
    framework = _load_framework(registry, args.framework)
    submission = api.load_submission(args.submission, framework, registry=registry)
    review = (
        api.load_review(args.review, framework, submission, registry=registry)
        if args.review
        else None
    )
    decision = api.assess(framework, submission, review, as_of=args.as_of, registry=registry)
    text = api.render(
        decision, framework, submission, review, format=args.format, registry=registry
    )
    if args.output:
        write_text(args.output, text)
        _out(f"{decision.status}: report written to {args.output}")
    else:
        _out(text)
    return EXIT_OK


def _demo(registry: Registry, args: argparse.Namespace) -> int:
    examples = registry.examples
    if args.list:
        for name, registered in examples.items():
            _out(f"{name}  ({registered.plugin}): {registered.value.title}")
        return EXIT_OK
    if not examples:
        _err(
            "No examples installed. Install a framework plugin with examples, for example:\n"
            "  pip install ./plugins/example"
        )
        return EXIT_BAD_INPUT
    if args.example:
        if args.example not in examples:
            _err(f"unknown example {args.example!r} (installed: {', '.join(examples)})")
            return EXIT_BAD_INPUT
        example = examples[args.example].value
    else:
        preferred = [r.value for r in examples.values() if r.value.demo]
        example = (preferred or [r.value for r in examples.values()])[0]
    framework = registry.framework(example.framework)
    submission = api.load_submission(example.submission, framework, registry=registry)
    review = (
        api.load_review(example.review, framework, submission, registry=registry)
        if example.review is not None
        else None
    )
    as_of = dt.date.fromisoformat(example.as_of) if example.as_of else None
    decision = api.assess(framework, submission, review, as_of=as_of, registry=registry)
    _out(f"Demo: {example.title}\n")
    _out(api.render(decision, framework, submission, review, format=args.format, registry=registry))
    if not args.no_html:
        where = Path(args.html or Path(tempfile.gettempdir()) / f"qmframe-demo-{example.name}.html")
        try:
            page = api.render(
                decision, framework, submission, review, format="html", registry=registry
            )
        except QmframeError as exc:  # Jinja2 missing: the text report above still stands
            _out(f"No HTML report: {exc}\n")
        else:
            write_text(where, page)
            _out(f"HTML report written to {where}\n")
    command = f"qmframe assess {framework.id} {file_label(example.submission)}"
    if example.review is not None:
        command += f" --review {file_label(example.review)}"
    if example.as_of:
        command += f" --as-of {example.as_of}"
    _out(f"Reproduce with:\n  {command}")
    return EXIT_OK


def _schema(registry: Registry, args: argparse.Namespace) -> int:
    from qmframe.schema import json_schema

    text = json.dumps(json_schema(args.document), indent=2) + "\n"
    if args.output:
        write_text(args.output, text)
        _out(f"Wrote the JSON Schema for {args.document} files to {args.output}")
    else:
        _out(text)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
