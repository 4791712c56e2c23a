"""What README.md and docs/*.md say qmframe does, checked against what it does.

Each test names the page and the claim it checks (``README.md: ...``,
``docs/cli.md: ...``) in its docstring. Claims that other test files already
check exactly are not repeated here; the list of every claim checked, with the
test behind each, is in the docs helper's note.

The install tests at the end build wheels and make new virtual environments,
as a newcomer's machine would have: they are marked ``slow`` (deselect them with
``-m "not slow"``) and need the package index only to build the wheels; every
install from those wheels runs with ``--no-index``.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import importlib
import importlib.metadata
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import tomllib
import typing
import venv
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import click
import core_fixtures
import pytest

import qmframe
from qmframe import api
from qmframe.cli import cli, main
from qmframe.plugins import describe_plugins
from qmframe.scales import aggregate
from qmframe.schema import json_schema
from qmframe.vocabulary import (
    DEFAULT_START,
    DEFAULT_TRANSITIONS,
    DERIVED,
    HOLDING,
    PROVENANCES,
    PUBLIC_FIELDS,
    STATES,
)

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def _sh_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)]


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end != -1 else len(text)]


# -------------------------------------------------------------------------------------------------
# Helpers
# -------------------------------------------------------------------------------------------------


def _only(*modules: str) -> qmframe.Registry:
    """A registry with the built-ins and the named plugin modules: a machine with only those."""
    plugins = [importlib.import_module(name) for name in modules]
    return qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False, plugins=plugins))


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _mini(write: Callable[[str, str], Path], framework: str = core_fixtures.FRAMEWORK) -> Path:
    return write("mini.toml", framework)


EXAMPLE = ROOT / "plugins/example/src/qmframe_example/examples/riverside"

# -------------------------------------------------------------------------------------------------
# README.md
# -------------------------------------------------------------------------------------------------


def test_readme_python_example_needs_only_the_plugin_the_first_command_installs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """README.md, "Using it from Python": "With the NNECL plugin the first command installed"
    the example runs and prints what its comments say, with no other plugin installed."""
    text = README.read_text(encoding="utf-8")
    [first, _] = _sh_blocks(_section(text, "## Quick start"))
    assert first == 'pip install ".[html]" && pip install ./plugins/nnecl && qmframe demo'
    [block] = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    monkeypatch.setattr(api, "_default", _only("qmframe_nnecl"))
    promised = re.findall(r"^print\(.*\)\s+# (.+)$", block, flags=re.MULTILINE)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, str(README), "exec"), {})
    assert out.getvalue().splitlines()[: len(promised)] == promised
    assert promised == ["awarded", "['student-wellbeing', 'collaboration-partnership']"]


def test_readme_quick_start_demo_with_only_nnecl_installed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """README.md, Quick start: with qmframe and the NNECL plugin alone, `qmframe demo`
    assesses "a further-education college's self-assessment and its assessor's review,
    explained rule by rule" and writes an HTML report to the temporary folder, saying where."""
    monkeypatch.setattr(api, "_default", _only("qmframe_nnecl"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    code, out, _ = _cli(capsys, "demo")
    assert code == 0
    assert "Demo: Brookmere College (England): a further-education college" in out
    assert "Explanation" in out
    assert "saw:" in out
    assert "concluded:" in out
    report = tmp_path / "qmframe-demo-nnecl-brookmere-college.html"
    assert f"HTML report written to {report}" in out
    assert report.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    submission = api.default_registry().examples["nnecl-brookmere-college"].value.submission
    assert qmframe.read_submission(submission).kind == "self-assessment"


def test_readme_and_format_page_problem_message_form(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """README.md and docs/framework-format.md: a problem reads
    `frameworks/x.toml: sections[2].criteria[5].scale: unknown scale 'qm5'`."""
    sections = []
    for s in range(3):
        criteria = "".join(
            f'\n[[sections.criteria]]\nid = "c{s}{c}"\ntitle = "C"\n'
            + ('scale = "qm5"\n' if (s, c) == (2, 5) else "")
            for c in range(6)
        )
        sections.append(f'\n[[sections]]\nid = "s{s}"\ntitle = "S"\nscale = "lvl"\n{criteria}')
    head, _, _ = core_fixtures.FRAMEWORK.partition("[[sections]]")
    _, _, tail = core_fixtures.FRAMEWORK.partition("[decision]")
    (tmp_path / "frameworks").mkdir()
    (tmp_path / "frameworks" / "x.toml").write_text(
        head + "".join(sections) + "\n[decision]" + tail.replace('scope = { of = "sections" }', ""),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.load_framework("frameworks/x.toml", registry=_only())
    assert [str(p) for p in caught.value.problems] == [
        "frameworks/x.toml: sections[2].criteria[5].scale: unknown scale 'qm5'"
    ]


def test_readme_a_framework_file_is_never_run_as_code(write: Callable[[str, str], Path]) -> None:
    """README.md and docs/index.md: "Nothing in a framework file is ever run as code": a
    rule kind that names Python code is only an unknown kind, and nothing is imported."""
    rule = '\n[[decision.rules]]\nid = "x"\nkind = "os:system"\ncommand = "touch owned"\n'
    before = set(sys.modules)
    _, problems = qmframe.inspect_framework(
        write("x.toml", core_fixtures.FRAMEWORK + rule), registry=_only()
    )
    assert [p.code for p in problems if p.path == "decision.rules[3].kind"] == ["unknown-reference"]
    assert set(sys.modules) - before <= {"qmframe.index"}
    assert not Path("owned").exists()


def test_readme_python_version_is_the_one_every_distribution_requires() -> None:
    """README.md, Quick start: "a machine with Python 3.11 or later"."""
    assert "Python 3.11 or later" in README.read_text(encoding="utf-8")
    for project in [ROOT, *sorted((ROOT / "plugins").iterdir())]:
        meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
        assert meta["project"]["requires-python"] == ">=3.11", project


def test_readme_test_command_installs_every_plugin_and_runs_their_tests() -> None:
    """README.md, Quick start: the second command "installs everything the tests need,
    including the four plugins under `plugins/`, and runs the whole suite, with each
    plugin's own tests"."""
    [_, second] = _sh_blocks(_section(README.read_text(encoding="utf-8"), "## Quick start"))
    plugins = sorted(p.name for p in (ROOT / "plugins").iterdir() if p.is_dir())
    assert len(plugins) == 4
    installed = re.findall(r"\./plugins/(\w+)", second)
    assert sorted(installed) == plugins
    assert '-e ".[test]"' in second
    assert second.endswith("&& pytest")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["pytest"]["ini_options"]["testpaths"] == ["tests", "plugins"]
    for name in plugins:
        assert list((ROOT / "plugins" / name / "tests").glob("test_*.py")), name


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def test_readme_the_test_extra_holds_what_the_tests_import() -> None:
    """README.md, Quick start: `pip install -e ".[test]"` (and the plugins) "installs
    everything the tests need": every third-party module the tests import comes from a
    dependency of qmframe, its test extra, or a plugin under plugins/."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*meta["dependencies"], *meta["optional-dependencies"]["test"]]
    allowed = {re.split(r"[<>=\[ ;]", req, maxsplit=1)[0].lower() for req in wanted}
    allowed |= {"qmframe", *(f"qmframe-{p.name}" for p in (ROOT / "plugins").iterdir())}
    local = {p.stem for p in (ROOT / "tests").rglob("*.py")} | {"conftest", "qmframe_repaircafe"}
    local |= {p.stem for p in (ROOT / "docs" / "_ext").glob("*.py")}  # the docs' generator
    dists = importlib.metadata.packages_distributions()
    files = [*(ROOT / "tests").rglob("*.py"), *(ROOT / "plugins").glob("*/tests/*.py")]
    missing = {}
    for path in files:
        for module in _imports(path) - set(sys.stdlib_module_names) - local:
            names = {d.lower().replace("_", "-") for d in dists.get(module, [module])}
            if not names & allowed:
                missing[module] = path.relative_to(ROOT)
    assert missing == {}


def test_readme_the_core_names_no_particular_framework() -> None:
    """README.md, Layout: "`src/qmframe/`: the generic core. It names no particular
    framework (only the made-up example charter, in its commands' help)"."""
    example = {"example-charter", "qmframe-example", "plugins/example"}
    names = {"nnecl", "nasenco", "buttle", "repair-cafe", "repaircafe", "nctl", *example}
    names |= {f.stem for f in (ROOT / "frameworks").glob("*.toml")}
    found = []
    for path in (ROOT / "src" / "qmframe").rglob("*"):
        if path.is_file() and path.suffix in (".py", ".j2", ".toml", ".json", ".md"):
            text = path.read_text(encoding="utf-8").lower()
            where = path.relative_to(ROOT / "src").as_posix()
            found += [(where, name) for name in sorted(names) if name in text]
    commands = {
        "qmframe/cli.py",
        "qmframe/awards/commands.py",
        "qmframe/testing/mutate.py",  # its command's usage line
        "qmframe/testing/tables.py",  # the format of a table, in its docstring
    }
    assert [(where, name) for where, name in found if name not in example] == []
    assert {where for where, _ in found} <= commands
    assert "example-charter" in README.read_text(encoding="utf-8").split("## Layout")[1]


def test_readme_every_command_in_the_table_exists(capsys: pytest.CaptureFixture[str]) -> None:
    """README.md, "The command line": every command the table names has a --help."""
    text = _section(README.read_text(encoding="utf-8"), "## The command line")
    rows = re.findall(r"^\| `qmframe ([a-z-]+)([^`]*)`", text, flags=re.MULTILINE)
    assert len(rows) >= 9
    commands: list[list[str]] = []
    for name, rest in rows:
        subs = re.match(r" ([a-z|-]+)", rest)
        if subs and "|" in subs.group(1):
            commands += [[name, sub] for sub in subs.group(1).split("|")]
        else:
            commands.append([name])
    commands += [["diff"], ["rescore"]]
    for argv in commands:
        code, out, _ = _cli(capsys, *argv, "--help")
        assert code == 0, argv
        assert out.startswith("Usage: qmframe " + " ".join(argv)), argv


def test_readme_and_cli_page_exit_codes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """README.md and docs/cli.md: "0 when the command did its job (whatever the decision), 2
    for bad input or usage, 1 for an internal error" (a plugin's, which the message names)."""
    monkeypatch.setattr(api, "_default", _only("qmframe_nnecl"))
    example = api.default_registry().examples["nnecl-corran-university"].value
    args = [
        "assess",
        "nnecl-quality-mark",
        str(example.submission),
        "--review",
        str(example.review),
    ]
    code, out, _ = _cli(capsys, *args)
    assert (code, "Not yet awarded [not-yet-awarded]" in out) == (0, True)  # a job done
    assert _cli(capsys, "assess", "nnecl-quality-mark")[0] == 2  # usage
    bad = tmp_path / "bad.toml"
    bad.write_text("framework = 1\n", encoding="utf-8")
    assert _cli(capsys, "assess", "nnecl-quality-mark", str(bad))[0] == 2  # bad input

    class Raiser:
        @qmframe.hookimpl
        def qmframe_check_submission(self, framework: object, submission: object) -> None:
            raise OSError("share not mounted")

    registry = qmframe.Registry(
        qmframe.get_plugin_manager(
            load_entrypoints=False, plugins=[importlib.import_module("qmframe_nnecl"), Raiser()]
        )
    )
    monkeypatch.setattr(api, "_default", registry)
    code, _, err = _cli(capsys, *args)
    assert code == 1
    assert "failed in hook qmframe_check_submission: OSError: share not mounted" in err


def test_readme_benchmarks_are_not_part_of_the_normal_run() -> None:
    """README.md, Layout: "`tests/benchmarks/`: benchmarks (not part of the normal run)"."""
    bench = ROOT / "tests" / "benchmarks"
    assert (bench / "run.py").is_file()
    assert not [
        p for p in bench.rglob("*.py") if p.name.startswith("test_") or p.name.endswith("_test.py")
    ]


def _pip_installs() -> Iterator[tuple[str, Path, list[str]]]:
    """Every `pip install ...` in the README and docs: where, the folder it runs in, its words."""
    pages = [README, *sorted(DOCS.glob("*.md"))]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for match in re.finditer(r"pip install ([^`\n]+)", text):
            if text.startswith("` does not", match.end()):
                continue  # README's "`pip install qmframe` does not find it"
            words = shlex.split(match.group(1).split(" && ")[0])
            folder = (
                DOCS / "tutorial"
                if page.name == "tutorial.md" and "repaircafe" in match.group(1)
                else ROOT
            )
            yield f"{page.name}:{text.count(chr(10), 0, match.start()) + 1}", folder, words


def test_every_install_line_works_from_a_clone() -> None:
    """README.md and every docs page: no `pip install` names qmframe or its plugins as if
    they were on an index (only the wheels command, with --no-index, does); every folder
    named is a project in the clone; every extra named is one that project declares."""
    seen = 0
    for where, folder, words in _pip_installs():
        seen += 1
        if "--no-index" in words:
            assert "--find-links" in words, where
            continue
        # pip cannot meet a plugin's need for qmframe from an editable install in the same
        # command on a fresh machine ("No matching distribution found for qmframe"), so an
        # editable install of the clone and a plugin folder are two pip commands.
        editable = any(w == "-e" or w.startswith("--editable") for w in words)
        plugin = any(w.startswith(("./plugins/", "plugins/")) for w in words)
        assert not (editable and plugin), f"{where}: install the plugin in a second pip command"
        for word in words:
            if word.startswith("-"):
                continue
            name, _, extras = word.partition("[")
            if name.startswith((".", "/")):
                project = (folder / name).resolve()
                meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
                declared = meta["project"].get("optional-dependencies", {})
                for extra in filter(None, extras.rstrip("]").split(",")):
                    assert extra in declared, f"{where}: {word}: no extra {extra!r}"
            else:
                assert not name.lower().startswith("qmframe"), f"{where}: {word} is on no index"
    assert seen >= 10


# -------------------------------------------------------------------------------------------------
# docs/cli.md
# -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ('framework = "mini"\nframework_version = "2"\norganisation = "org-1"\n', "review"),
        ('framework = "mini"\nframework_version = "2"\n[organisation]\nid = "o"\nname = "O"\n',
         "submission"),
        ('framework = "mini"\n[[ratings]]\ntarget = "a1"\nlevel = "yes"\n', "submission"),
        ('framework = "mini"\nreviewed_on = 2026-01-01\n', "review"),
        ('framework = "mini"\nframework_version = "2"\n', "submission"),
        ('id = "los"\noutcomes = [{ id = "A", text = "a" }]\n', "outcome-set"),
        ('id = "x"\nversion = "1"\n', "framework"),
        ("not = [toml", None),
    ],
)  # fmt: skip
def test_cli_validate_tells_file_kinds_apart_by_their_keys(
    text: str,
    kind: str | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """docs/cli.md, `qmframe validate`: "telling them apart by their keys" as the page lists
    them (a review without reviewers or judgements was once taken for a framework)."""
    (tmp_path / "mini.toml").write_text(core_fixtures.FRAMEWORK, encoding="utf-8")
    (tmp_path / "f.toml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(api, "_default", _only())
    _, out, _ = _cli(capsys, "validate", "--json", "--framework", str(tmp_path / "mini.toml"),
                     str(tmp_path / "f.toml"))  # fmt: skip
    [result] = json.loads(out)
    assert result["kind"] == kind


def test_cli_commands_that_print_a_result_take_format_json() -> None:
    """docs/cli.md, "Output for programs": `assess`, `register list`, `history`, `due`,
    `export`, `sector`, `diff` and `rescore` take `--format json`."""
    register = cli.commands["register"]
    assert isinstance(register, click.Group)
    found = {
        "assess": cli.commands["assess"],
        "diff": cli.commands["diff"],
        "rescore": cli.commands["rescore"],
        **{
            name: register.commands[name] for name in ("list", "history", "due", "export", "sector")
        },
    }
    for name, command in found.items():
        [option] = [p for p in command.params if "--format" in p.opts]
        choices = getattr(option.type, "choices", None)
        assert choices is None or "json" in choices, name
    assert "json" in api.default_registry().report_formats  # assess's formats are the registry's


def test_cli_demo_prints_a_command_that_reproduces_it(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/cli.md, `qmframe demo`: it "prints the `qmframe assess` command that reproduces
    it" (and README.md: `qmframe demo` works with no arguments)."""
    code, out, _ = _cli(capsys, "demo", "example-riverside", "--no-html")
    assert code == 0
    command = out.split("Reproduce with:\n", 1)[1].strip()
    argv = shlex.split(command)
    assert argv[:2] == ["qmframe", "assess"]
    again, replayed, _ = _cli(capsys, *argv[1:])
    assert again == 0
    decided = [line for line in out.splitlines() if line.startswith("Decision:")]
    assert decided
    assert decided == [row for row in replayed.splitlines() if row.startswith("Decision:")]


# -------------------------------------------------------------------------------------------------
# docs/concepts.md
# -------------------------------------------------------------------------------------------------


def test_concepts_provenance_is_on_sections_criteria_and_outcomes() -> None:
    """docs/concepts.md, Framework: "The text of every section, criterion and outcome
    carries a provenance (`official`, the default, ...)"; nothing else in a framework has one."""
    carrying = set()
    todo, seen = [qmframe.Framework], set()
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for field in attrs.fields(cls):
            if field.name == "provenance":
                carrying.add(cls.__name__)
                assert field.default == "official", cls
        for hint in typing.get_type_hints(cls).values():
            stack = [hint]
            while stack:
                tp = stack.pop()
                if isinstance(tp, type) and attrs.has(tp):
                    todo.append(tp)
                stack += typing.get_args(tp)
    assert carrying == {"Section", "Criterion", "Outcome"}
    assert PROVENANCES == ("official", "paraphrase", "illustrative", "placeholder")


def test_concepts_best_fit_ties_go_to_the_lower_level_and_it_is_not_monotone() -> None:
    """docs/concepts.md, Criterion: "`best-fit` (the most frequent level, ties going to the
    lower) is not monotone: raising one criterion can lower the section"."""
    assert aggregate("best-fit", [2, 0, 2, 1]) == 2
    assert aggregate("best-fit", [1, 0]) == 0
    assert aggregate("best-fit", [1, 1, 0]) == 1
    assert aggregate("best-fit", [2, 1, 0]) == 0  # one criterion raised: the section fell


def test_concepts_points_only_where_every_level_has_points(
    write: Callable[[str, str], Path],
) -> None:
    """docs/concepts.md, Scale: "Points are used only where a framework gives every level
    explicit points": a weighted score over a scale with a level without points is refused."""
    rule = '\n[[decision.rules]]\nid = "score"\nkind = "weighted-score"\nthreshold = 1\n'
    ok, problems = qmframe.inspect_framework(
        write("a.toml", core_fixtures.FRAMEWORK + rule), registry=_only()
    )
    assert ok is not None
    assert not [p for p in problems if p.severity == "error"]
    pointless = core_fixtures.FRAMEWORK.replace(", points = 2 }", " }")
    _, problems = qmframe.inspect_framework(write("b.toml", pointless + rule), registry=_only())
    assert [p.path for p in problems if p.severity == "error"] == ["decision.rules[3]"] or any(
        "points" in p.message for p in problems if p.severity == "error"
    )


def test_concepts_a_self_certified_framework_needs_no_review(
    write: Callable[[str, str], Path],
) -> None:
    """docs/concepts.md, Judgement: "Unless the framework is self-certified (`[review]
    required = false`), a decision made without a review ... is only an indication"."""
    registry = _only()
    for required, basis, status in ((False, "self-certified", "awarded"),
                                    (True, "indication", "indication")):  # fmt: skip
        text = core_fixtures.FRAMEWORK.replace(
            "required = false", f"required = {str(required).lower()}"
        )
        framework = qmframe.load_framework(write(f"{required}.toml", text), registry=registry)
        submission = qmframe.load_submission(
            write("s/submission.toml", core_fixtures.SUBMISSION), framework, registry=registry
        )
        decision = qmframe.assess(framework, submission, registry=registry)
        assert (decision.basis, decision.status, decision.passed) == (basis, status, not required)
        assert (decision.valid_until is None) == required
        if required:
            assert decision.indicated_status == "awarded"


def test_concepts_a_veto_without_its_own_status_takes_the_failing_status(
    write: Callable[[str, str], Path],
) -> None:
    """docs/concepts.md, Decision: `veto`: "the decision takes the rule's own status, or the
    framework's failing status when the rule names none"."""
    veto = (
        '\n[[decision.rules]]\nid = "v"\nkind = "action-plan"\nmin_items = 5\n'
        'effect = "veto"\n{status}'
    )
    registry = _only()
    for status, expected in (('status = "ineligible"\n', "ineligible"), ("", "not-yet")):
        framework = qmframe.load_framework(
            write("v.toml", core_fixtures.FRAMEWORK + veto.format(status=status)), registry=registry
        )
        submission = qmframe.load_submission(
            write("s/submission.toml", core_fixtures.SUBMISSION), framework, registry=registry
        )
        decision = qmframe.assess(framework, submission, registry=registry)
        assert decision.status == expected


# -------------------------------------------------------------------------------------------------
# docs/framework-format.md
# -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("framework", core_fixtures.FRAMEWORK),
        ("submission", core_fixtures.SUBMISSION),
        ("review", core_fixtures.REVIEW),
        ("outcome-set", 'id = "los"\noutcomes = [{ id = "A", text = "a" }]\n'),
    ],
)
def test_format_a_key_that_is_not_listed_is_an_error(kind: str, text: str) -> None:
    """docs/framework-format.md: "a key that is not listed is an error" in every kind of file."""
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.loads("colour = 'blue'\n" + text, kind, file="f.toml")
    assert [str(p) for p in caught.value.problems] == ["f.toml: unknown key 'colour'"]


def test_format_an_outcome_set_file_must_be_beside_the_framework(
    write: Callable[[str, str], Path],
) -> None:
    """docs/framework-format.md, `[[outcome_sets]]`: a shared outcome set "can live in its own
    file beside the framework file, named by `file`; that file holds an outcome set's keys at
    its top level"."""
    write("los.toml", 'id = "los"\nexpected_total = 3\noutcomes = [{ id = "O1", text = "one" }, '
                      '{ id = "O2", text = "two" }, { id = "O3", text = "three" }]\n')  # fmt: skip
    inline = (
        'outcomes = [\n    { id = "O1", text = "one" },\n    { id = "O2", text = "two" },\n'
        '    { id = "O3", text = "three" },\n]\n'
    )
    assert inline in core_fixtures.FRAMEWORK
    beside = core_fixtures.FRAMEWORK.replace(inline, 'file = "los.toml"\n')
    framework = qmframe.read_framework(write("f.toml", beside))
    assert [o.id for o in framework.outcome_sets[0].outcomes] == ["O1", "O2", "O3"]
    away = beside.replace('file = "los.toml"', 'file = "../los.toml"')
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.read_framework(write("sub/f.toml", away))
    assert [p.path for p in caught.value.problems] == ["outcome_sets[0].file"]


def test_format_scope_keys_and_validate_checks_each_rules_keys(
    write: Callable[[str, str], Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """docs/framework-format.md, `[[decision.rules]]`: "A `scope` is a table: `of`
    (`criteria`, the default, or `sections`), `section` (an id or a list of them) and `tag`"
    and "`qmframe validate` checks each rule's keys against its kind"."""
    monkeypatch.setattr(api, "_default", _only())
    rule = '\n[[decision.rules]]\nid = "r"\nkind = "minimum-level"\nlevel = "yes"\n{extra}'
    scopes = (
        'scope = { section = "a" }',
        'scope = { section = ["a", "b"] }',
        'scope = { of = "sections", tag = "core" }',
        'scope = { of = "criteria" }',
    )
    for scope in scopes:
        path = write("ok.toml", core_fixtures.FRAMEWORK + rule.format(extra=scope + "\n"))
        assert _cli(capsys, "validate", str(path))[0] == 0, scope
    path = write(
        "bad.toml",
        core_fixtures.FRAMEWORK
        + rule.format(extra='scope = { of = "areas", kind = "x" }\nlevl = "yes"\n'),
    )
    code, _, err = _cli(capsys, "validate", str(path))
    assert code == 2
    assert "decision.rules[3]" in err
    assert "levl" in err
    assert "'kind'" in err
    assert "areas" in err


def test_format_schema_is_draft_2020_12_with_dates_as_strings() -> None:
    """docs/framework-format.md, Editor support: "a JSON Schema (draft 2020-12)"; "the
    schema describes [dates] as `YYYY-MM-DD` strings"."""
    schema = json_schema("submission")
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    text = json.dumps(schema)
    dates = re.findall(r'"submitted_on": (\{[^}]*\})', text)
    assert dates
    assert all('"type": "string"' in d and '"format": "date"' in d for d in dates)


# -------------------------------------------------------------------------------------------------
# docs/python-api.md
# -------------------------------------------------------------------------------------------------


def test_api_toml_leaves_out_defaults_and_json_gives_every_key() -> None:
    """docs/python-api.md, `dumps` and `loads`: "TOML leaves out every key that holds its
    default value, as the files do; JSON gives every key"."""
    rating = qmframe.Rating(target="a1", level="yes")
    submission = qmframe.Submission(
        framework="mini",
        framework_version="2",
        organisation=qmframe.Organisation(id="o", name="O"),
        ratings=(rating,),
    )
    toml_keys = set(tomllib.loads(qmframe.dumps(submission)))
    assert toml_keys == {"framework", "framework_version", "organisation", "ratings"}
    data = json.loads(qmframe.dumps(submission, format="json"))
    assert set(data) == {f.name for f in attrs.fields(qmframe.Submission)}
    assert set(data["ratings"][0]) == {f.name for f in attrs.fields(qmframe.Rating)}


# -------------------------------------------------------------------------------------------------
# docs/plugin-hooks.md
# -------------------------------------------------------------------------------------------------


def test_hooks_an_implementation_may_take_only_the_arguments_it_needs(
    mini: dict[str, Path],
) -> None:
    """docs/plugin-hooks.md: "`def qmframe_check_submission(framework, submission)` is a valid
    implementation of a hook that also offers `review`"."""
    seen = []

    class Plugin:
        @staticmethod
        def qmframe_check_submission(framework: object, submission: object) -> list[object]:
            seen.append((framework, submission))
            return []

    registry = qmframe.Registry(
        qmframe.get_plugin_manager(load_entrypoints=False, plugins=[Plugin()])
    )
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    qmframe.load_submission(mini["submission"], framework, registry=registry)
    assert len(seen) == 1
    assert seen[0][0] == framework


def test_hooks_a_rule_kind_prepares_once_per_framework_and_evaluates_per_submission(
    mini: dict[str, Path],
) -> None:
    """docs/plugin-hooks.md, rule kinds: "`check` and `prepare` run once per framework ...
    and the function `prepare` returns runs once per submission"."""
    calls = {"check": 0, "prepare": 0, "evaluate": 0}

    class Counting(qmframe.RuleKind):
        name = "counting"
        summary = "holds, and counts its calls"

        def check(self, rule: object, index: object) -> list[qmframe.Problem]:
            calls["check"] += 1
            return []

        def prepare(self, rule: object, index: object) -> Callable[[object], qmframe.RuleResult]:
            calls["prepare"] += 1

            def evaluate(ctx: object) -> qmframe.RuleResult:
                calls["evaluate"] += 1
                return qmframe.RuleResult(True, "saw", "holds")

            return evaluate

    class Plugin:
        @staticmethod
        def qmframe_register_rule_kinds(register: Callable[[object], None]) -> None:
            register(Counting())

    registry = qmframe.Registry(
        qmframe.get_plugin_manager(load_entrypoints=False, plugins=[Plugin()])
    )
    text = mini["framework"].read_text(encoding="utf-8")
    mini["framework"].write_text(
        text + '\n[[decision.rules]]\nid = "c"\nkind = "counting"\n', encoding="utf-8"
    )
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    submission = qmframe.load_submission(mini["submission"], framework, registry=registry)
    for day in (1, 2, 3):
        qmframe.assess(framework, submission, as_of=dt.date(2026, 2, day), registry=registry)
    assert (calls["prepare"], calls["evaluate"]) == (1, 3)
    assert calls["check"] <= 2  # the file's own check when loaded, and the assessor's, once


def test_hooks_rule_kind_sources_name_the_plugin_behind_every_kind() -> None:
    """docs/plugin-hooks.md: "`Registry.rule_kind_sources` maps every rule kind to the plugin
    that supplied it"; qmframe's own kinds come through the same hook (the page's opening)."""
    registry = _only("qmframe_nasenco")
    assert set(registry.rule_kind_sources) == set(registry.rule_kinds)
    assert registry.rule_kind_sources["minimum-level"] == "qmframe.default_plugins.rule_kinds"
    assert registry.rule_kind_sources["nasenco-validating-university"].startswith("qmframe_nasenco")
    hooks = {info.name: info.hooks for info in describe_plugins(registry) if info.builtin}
    assert "qmframe_register_rule_kinds" in hooks["qmframe.default_plugins.rule_kinds"]
    assert "qmframe_register_report_formats" in hooks["qmframe.default_plugins.report_formats"]


# -------------------------------------------------------------------------------------------------
# docs/reports.md
# -------------------------------------------------------------------------------------------------


def test_reports_text_is_the_default_and_markdown_has_the_side_by_side_table(
    mini: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/reports.md: `text` is "the default"; `markdown` shows "self-rating against
    judgement as a table"."""
    registry = _only()
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    submission = qmframe.load_submission(mini["submission"], framework, registry=registry)
    review = qmframe.load_review(mini["review"], framework, submission, registry=registry)
    decision = qmframe.assess(framework, submission, review, registry=registry)
    text = qmframe.render(decision, framework, submission, review, registry=registry)
    assert text == registry.report_format("text").render(
        qmframe.Assessment(
            decision=decision, framework=framework, submission=submission, review=review
        )
    )
    monkeypatch.setattr(api, "_default", registry)
    args = [
        "assess",
        str(mini["framework"]),
        str(mini["submission"]),
        "--review",
        str(mini["review"]),
    ]
    assert _cli(capsys, *args)[1].rstrip("\n") == text.rstrip("\n")
    markdown = qmframe.render(decision, framework, submission, review, format="markdown",
                              registry=registry)  # fmt: skip
    table = [line for line in markdown.splitlines() if line.startswith("|")]
    assert "Self-rating" in table[0]
    assert "Decided" in table[0]
    assert any("B two" in row and "Met" in row and "Not yet" in row for row in table)


# -------------------------------------------------------------------------------------------------
# docs/frameworks.md and docs/index.md
# -------------------------------------------------------------------------------------------------


def test_frameworks_the_example_is_what_demo_runs_when_no_other_plugin_is_installed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/frameworks.md, the example: "It is what `qmframe demo` runs when no other plugin
    is installed" (and docs/index.md's install line installs just it)."""
    monkeypatch.setattr(api, "_default", _only("qmframe_example"))
    code, out, _ = _cli(capsys, "demo", "--no-html")
    assert code == 0
    assert out.startswith("Demo: Riverside Community Trust")


# -------------------------------------------------------------------------------------------------
# docs/testing-plugins.md
# -------------------------------------------------------------------------------------------------


def test_testing_hypothesis_is_in_the_test_extra_and_not_needed_to_run_qmframe() -> None:
    """docs/testing-plugins.md: Hypothesis "is in qmframe's `test` extra and is not needed
    to run qmframe"."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(r.startswith("hypothesis") for r in meta["optional-dependencies"]["test"])
    assert not any(r.startswith("hypothesis") for r in meta["dependencies"])
    code = (
        "import sys, qmframe\n"
        "from qmframe.cli import main\n"
        "main(['demo', 'example-riverside', '--no-html'])\n"
        "print('hypothesis' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stderr.strip().splitlines()[-1] == "False"


# -------------------------------------------------------------------------------------------------
# docs/awards.md
# -------------------------------------------------------------------------------------------------

AWARDS = (DOCS / "awards.md").read_text(encoding="utf-8")


def _ticked(text: str) -> list[str]:
    return re.findall(r"`([a-z._-]+)`", text)


def test_awards_the_states_and_the_current_ones_are_qmframes() -> None:
    """docs/awards.md, The lifecycle: the list of states, and "Current means `awarded`,
    `mid-point-reviewed`, `renewed` or `reinstated` and not past its end"."""
    listed = AWARDS.split("the same for every framework:", 1)[1].split("\n\n", 2)[1]
    assert tuple(_ticked(listed)) == STATES
    current = AWARDS.split("Current means", 1)[1].split("and not", 1)[0]
    assert set(_ticked(current)) == HOLDING
    assert {"expired"} == DERIVED  # "Expiry is never recorded"


def test_awards_the_default_moves_are_the_table_on_the_page() -> None:
    """docs/awards.md: the table of default moves is `DEFAULT_TRANSITIONS`, and "A history
    may begin" in the states the page lists."""
    table = AWARDS.split("| from | may move to |", 1)[1].split("\n\n", 1)[0]
    moves: dict[str, set[str]] = {}
    for row in table.strip().splitlines()[1:]:
        sources, targets = (cell.strip() for cell in row.strip("|").split("|"))
        for source in sources.split(", "):
            moves[source] = set(targets.split(", "))
    assert moves == {s: set(t) for s, t in DEFAULT_TRANSITIONS.items()}
    begin = AWARDS.split("A history may begin", 1)[1].split(". A move", 1)[0]
    assert set(_ticked(begin)) == DEFAULT_START


def test_awards_public_fields_are_the_page_list_and_others_are_refused(
    write: Callable[[str, str], Path],
) -> None:
    """docs/awards.md, Public export: the fields a framework may name in `public_fields`,
    and "Validation rejects any other name"."""
    listed = AWARDS.split("names in `public_fields`:", 1)[1].split("Validation rejects", 1)[0]
    assert tuple(_ticked(listed)) == PUBLIC_FIELDS
    text = 'public_fields = ["organisation.name", "notes"]\n' + core_fixtures.FRAMEWORK
    _, problems = qmframe.inspect_framework(write("p.toml", text), registry=_only())
    [error] = [p for p in problems if p.severity == "error"]
    assert error.path.startswith("public_fields")
    assert "'notes'" in error.message


# -------------------------------------------------------------------------------------------------
# Installing from a clone and from wheels, on a new machine (slow: real pip, new virtualenvs)
# -------------------------------------------------------------------------------------------------

#: pip's words when it cannot reach a package index (offline): then the wheels cannot be built.
_OFFLINE = (
    "No matching distribution found",
    "Could not find a version that satisfies",
    "NewConnectionError",
    "Network is unreachable",
    "Temporary failure in name resolution",
    "Max retries exceeded",
)


def _clean_pip_env(**extra: str) -> dict[str, str]:
    """The environment of a new machine's pip: no configuration, no local wheel folders."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.pop("PYTHONPATH", None)
    return {**env, **extra}


def _run(argv: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(map(str, argv))} exited {done.returncode}:\n{output}"
    return output


def _new_venv(where: Path) -> Path:
    """A new virtual environment with pip (from the standard library's ensurepip: offline)."""
    venv.EnvBuilder(with_pip=True, clear=True).create(where)
    return where / ("Scripts" if os.name == "nt" else "bin")


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``dist/`` as the README's wheel command builds it, in a clone (this checkout)."""
    [build, _] = _sh_blocks(
        _section(README.read_text(encoding="utf-8"), "## Installing from wheels")
    )
    assert build == 'pip wheel ".[html]" ./plugins/nnecl -w dist'
    dist = tmp_path_factory.mktemp("wheels") / "dist"
    argv = [sys.executable, "-m", "pip", "wheel", ".[html]", "./plugins/nnecl", "-w", dist]
    done = subprocess.run(
        [str(a) for a in argv], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    output = done.stdout + done.stderr
    if done.returncode != 0 and any(word in output for word in _OFFLINE):
        pytest.skip("building the wheels fetches their dependencies from a package index, which "
                    "cannot be reached here")  # fmt: skip
    assert done.returncode == 0, output
    return dist


def _wheel_names(dist: Path) -> set[str]:
    return {p.name.split("-")[0].lower().replace("_", "-") for p in dist.glob("*.whl")}


@pytest.mark.slow
def test_readme_wheels_install_offline_and_the_demo_runs(wheelhouse: Path, tmp_path: Path) -> None:
    """README.md, "Installing from wheels": the two commands install qmframe and the NNECL
    plugin with no index, and the Quick start's `qmframe demo` then runs and writes its
    HTML report (README.md, Quick start: "It writes an HTML report ... and says where")."""
    [_, install] = _sh_blocks(
        _section(README.read_text(encoding="utf-8"), "## Installing from wheels")
    )
    assert install == 'pip install --no-index --find-links dist "qmframe[html]" qmframe-nnecl'
    assert {"qmframe", "qmframe-nnecl", "jinja2", "pluggy", "attrs", "cattrs"} <= _wheel_names(
        wheelhouse
    )
    work = tmp_path / "elsewhere"
    shutil.copytree(wheelhouse, work / "dist")
    bin_ = _new_venv(tmp_path / "venv")
    env = _clean_pip_env()
    _run(
        [bin_ / "python", "-m", "pip", "install", "-q", "--no-index", "--find-links", "dist",
         "qmframe[html]", "qmframe-nnecl"],
        work,
        env,
    )  # fmt: skip
    where = _run([bin_ / "python", "-c", "import qmframe; print(qmframe.__file__)"], work, env)
    assert Path(where.strip()).is_relative_to(tmp_path / "venv")  # not this checkout
    out = _run([bin_ / "qmframe", "demo", "--html", "demo.html"], work, env)
    assert "Demo: Brookmere College (England): a further-education college" in out
    assert "Decision:     Awarded the NNECL Quality Mark [awarded]" in out
    assert "HTML report written to demo.html" in out
    assert (work / "demo.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    # README.md, Layout: "Each plugin's wheel carries a copy of the files it needs."
    frameworks = _run([bin_ / "qmframe", "frameworks"], work, env)
    assert "nnecl-quality-mark" in frameworks
    assert "qmframe-nnecl 0.1.0" in frameworks


@pytest.mark.slow
def test_tutorial_installs_from_a_clone_and_its_tests_pass_on_a_new_machine(
    wheelhouse: Path, tmp_path: Path
) -> None:
    """docs/tutorial.md: qmframe installed as the page says (`pip install .` in a clone),
    then the plugin with its test extra (`pip install "./qmframe-repaircafe[test]"`, which
    brings pytest), and `pytest qmframe-repaircafe` passes (tests and decision table), in a
    new virtual environment. The packages come from local wheels (``--no-index``) instead of
    an index."""
    text = (DOCS / "tutorial.md").read_text(encoding="utf-8")
    blocks = _sh_blocks(text)
    assert blocks[0] == "pip install ."
    assert [
        'pip install "./qmframe-repaircafe[test]"',
        "pytest qmframe-repaircafe",
    ] in [block.splitlines() for block in blocks]
    dist = tmp_path / "dist"
    shutil.copytree(wheelhouse, dist)
    # What an index would give: the build backend, and pytest for the test extra.
    build = [sys.executable, "-m", "pip", "wheel", "-q", "hatchling>=1.19", "pytest>=8.0"]
    done = subprocess.run(
        [*map(str, build), "-w", str(dist)], capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0 and any(w in done.stdout + done.stderr for w in _OFFLINE):
        pytest.skip("fetching hatchling and pytest needs a package index, which cannot be reached")
    assert done.returncode == 0, done.stdout + done.stderr
    bin_ = _new_venv(tmp_path / "venv")
    env = _clean_pip_env(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(dist))
    pip = [bin_ / "python", "-m", "pip", "install", "-q"]
    _run([*pip, "."], ROOT, env)  # the page's first command, in the clone
    mine = tmp_path / "mine"  # the reader's own folder, holding their plugin
    shutil.copytree(
        DOCS / "tutorial" / "qmframe-repaircafe",
        mine / "qmframe-repaircafe",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"),
    )
    _run([*pip, "./qmframe-repaircafe[test]"], mine, env)
    out = _run([bin_ / "pytest", "-q", "-p", "no:cacheprovider", "qmframe-repaircafe"], mine, env)
    assert re.search(r"\b14 passed\b", out), out  # the tests and the decision table
    listed = _run([bin_ / "qmframe", "frameworks"], mine, env)
    assert "repair-cafe" in listed
    assert "qmframe-repaircafe 0.1.0" in listed


def _synopses(page: Path) -> Iterator[tuple[int, str]]:
    """The `qmframe ...` lines of a page's ```text blocks (usage synopses, not run)."""
    lines = page.read_text(encoding="utf-8").splitlines()
    inside = False
    for number, line in enumerate(lines, 1):
        if line.startswith("```"):
            inside = line.strip() == "```text" and not inside
            continue
        command = re.match(r"(?:[A-Z_]+=\S+ )*(qmframe .*)", line)  # VAR=1 qmframe ...
        if inside and command:
            yield number, command.group(1).split("  #", 1)[0]


@pytest.mark.parametrize("page", ["awards.md", "plugin-hooks.md"])
def test_synopses_name_real_commands_and_options(page: str) -> None:
    """docs/awards.md (the register's and the versions' synopses) and docs/plugin-hooks.md:
    every command a usage synopsis shows exists, with every option it shows."""
    seen = 0
    for number, line in _synopses(DOCS / page):
        words = line.split()[1:]
        command: click.Command = cli
        while isinstance(command, click.Group) and words and words[0] in command.commands:
            command = command.commands[words.pop(0)]
        assert not isinstance(command, click.Group), f"{page}:{number}: {line}"
        options = {opt for param in command.params for opt in param.opts}
        shown = {re.sub(r"[\[\]]", "", w).split("=")[0] for w in words if "--" in w}
        assert shown <= options, f"{page}:{number}: {sorted(shown - options)} in {line}"
        seen += 1
    assert seen >= (12 if page == "awards.md" else 1)
