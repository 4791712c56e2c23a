"""The documentation cannot drift from the code.

* Every plugin hook has a section headed by its exact signature.
* Every code example in docs/ runs: Python blocks are executed, console blocks
  are run through the real command and their shown output must appear, TOML
  and JSON blocks must parse, and every ``literalinclude`` names a real file
  and real markers. Install instructions (``sh`` blocks) may only install or
  run tools.
* The tutorial's plugin is real: its own tests run here.
* The hook examples the docs include from this file are tested here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import doctest
import importlib.metadata
import io
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import core_fixtures
import pytest

import qmframe
from qmframe import api
from qmframe.cli import main

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
TUTORIAL = DOCS / "tutorial" / "qmframe-repaircafe"
PAGES = sorted(DOCS.glob("*.md"))

FENCE = re.compile(r"^(?P<fence>```+|:::+)\{?(?P<lang>[\w-]*)\}?[ \t]*(?P<arg>.*)$")


@attrs.frozen
class Block:
    page: str
    line: int
    lang: str
    arg: str
    body: str
    #: Written by cog from a file (between ``]]] -->`` and ``[[[end]]]``): a copy of code
    #: tested where it lives, often a part that does not run alone; cog --check keeps it true.
    generated: bool = False


def blocks(page: Path) -> Iterator[Block]:
    """Fenced blocks at the top level of a MyST page (nested ones are not examples)."""
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    generated = False
    while i < len(lines):
        if lines[i].strip() == "]]] -->":
            generated = True
        elif lines[i].strip() == "<!-- [[[end]]] -->":
            generated = False
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, start = match["fence"], i
        i += 1
        body = []
        while i < len(lines) and lines[i].strip() != fence:
            body.append(lines[i])
            i += 1
        i += 1
        yield Block(
            page.name, start + 1, match["lang"], match["arg"].strip(), "\n".join(body), generated
        )


# -- every hook documented ---------------------------------------------------------------------


def test_plugin_hooks_are_documented() -> None:
    """Each hook has a heading with its exact signature (datasette's test, for qmframe)."""
    text = (DOCS / "plugin-hooks.md").read_text(encoding="utf-8")
    headings = {h.strip("`") for h in re.findall(r"^## (.+)$", text, flags=re.MULTILINE)}
    hooks = qmframe.get_plugin_manager(load_entrypoints=False).hook
    missing = []
    for name, caller in vars(hooks).items():
        if not name.startswith("qmframe_"):
            continue
        signature = f"{name}({', '.join(caller.spec.argnames)})"
        if signature not in headings:
            missing.append(signature)
    assert missing == []
    assert len(headings) >= 6


def test_every_page_is_in_a_toctree() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    listed = {
        line.strip()
        for block in blocks(DOCS / "index.md")
        if block.lang == "toctree"
        for line in block.body.splitlines()
        if line.strip() and not line.startswith(":")
    }
    assert "testing-plugins" in listed
    assert {page.stem for page in PAGES} - {"index"} <= listed, index


# -- every code example runs -------------------------------------------------------------------

ALLOWED = {"python", "pycon", "console", "sh", "toml", "json", "text", "toctree", "eval-rst",
           "literalinclude", "note", "warning", "qmframe-keys", "qmframe-cli",
           "qmframe-rule-kinds"}  # fmt: skip
SH_COMMANDS = ("pip install ", "pytest", "sphinx-build ", "cd ", "python -m ")


@pytest.fixture
def docs_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch folder that sees the repository's frameworks, plugins and docs."""
    for name in ("frameworks", "plugins", "docs"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def tutorial_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The installed plugins plus the tutorial's, as if it were pip-installed too."""
    try:
        importlib.metadata.distribution("qmframe-repaircafe")
    except importlib.metadata.PackageNotFoundError:
        monkeypatch.syspath_prepend(str(TUTORIAL / "src"))
        import qmframe_repaircafe

        pm = qmframe.get_plugin_manager(plugins=[qmframe_repaircafe])
        # Named as pip-installed plugins are: by distribution and version (tutorial.md shows it).
        project = tomllib.loads((TUTORIAL / "pyproject.toml").read_text(encoding="utf-8"))
        name = pm.get_name(qmframe_repaircafe)
        assert name is not None
        pm.distributions[name] = (project["project"]["name"], project["project"]["version"])
    else:  # someone followed the tutorial here: the real entry point supplies it
        pm = qmframe.get_plugin_manager()
    monkeypatch.setattr(api, "_default", qmframe.Registry(pm))


def _collapse(text: str) -> str:
    return " ".join(text.split())


def run_console(block: Block) -> None:
    """Run each ``$ qmframe ...`` line; each output line shown must appear in the output."""
    commands: list[tuple[str, list[str]]] = []
    for line in block.body.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif line.strip():
            assert commands, f"{block.page}:{block.line}: output before any command"
            commands[-1][1].append(line)
    assert commands, f"{block.page}:{block.line}: a console block with no command"
    for command, expected in commands:
        argv = shlex.split(command)
        assert argv[0] == "qmframe", f"{block.page}:{block.line}: only qmframe commands run"
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv[1:])
        where = f"{block.page}:{block.line}: {command}"
        assert code == 0, f"{where} exited {code}: {err.getvalue()}"
        shown = _collapse(out.getvalue())
        for line in expected:
            assert _collapse(line) in shown, f"{where}: {line!r} not in output:\n{out.getvalue()}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
@pytest.mark.usefixtures("docs_cwd", "tutorial_installed")
def test_code_examples_run(page: Path) -> None:
    namespace: dict[str, object] = {"__name__": f"docs.{page.stem}"}
    for block in blocks(page):
        where = f"{block.page}:{block.line}"
        assert block.lang in ALLOWED, f"{where}: no test runs {block.lang!r} blocks"
        if block.generated:
            continue  # a file's text, tested where the file is; tests/test_reference_docs.py
        if block.lang == "python":
            exec(compile(block.body, where, "exec"), namespace)
        elif block.lang == "pycon":
            test = doctest.DocTestParser().get_doctest(block.body, namespace, where, where, 0)
            runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
            runner.run(test)
            assert runner.failures == 0, where
        elif block.lang == "console":
            run_console(block)
        elif block.lang == "sh":
            for line in block.body.splitlines():
                assert not line.strip() or line.startswith(SH_COMMANDS), (
                    f"{where}: {line!r} is not an install or test step, and sh blocks do not "
                    "run. Show a command as ```console with '$ qmframe ...' lines (run by "
                    "this test, in a scratch folder, output lines checked), or a usage "
                    "synopsis with placeholders as ```text"
                )
        elif block.lang == "toml":
            tomllib.loads(block.body)
        elif block.lang == "json":
            json.loads(block.body)


def test_files_shown_on_the_pages_are_written_in_by_cog() -> None:
    """A code host shows no literalinclude: every file a page shows is written into it."""
    shown = 0
    for page in PAGES:
        for block in blocks(page):
            where = f"{page.name}:{block.line}"
            assert block.lang != "literalinclude", f"{where}: use qmframe_docs.include (cog)"
            shown += block.generated and block.lang in ("python", "toml")
    assert shown >= 40


def test_hook_examples_this_file_provides_are_marked() -> None:
    text = Path(__file__).read_text(encoding="utf-8")
    for name in ("rule-kind", "report-format", "decide"):
        assert text.count(f"# -- start {name} --") == 1
        assert text.count(f"# -- end {name} --") == 1


# -- the tutorial's plugin ---------------------------------------------------------------------


def test_tutorial_plugin_tests_pass() -> None:
    env = {**os.environ, "PYTHONPATH": str(TUTORIAL / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=TUTORIAL,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    # Five tests and the nine cases of its decision table (testpaths in its pyproject).
    assert re.search(r"\b14 passed\b", done.stdout), done.stdout[-500:]


def test_tutorial_entry_point_names_the_plugin_module(monkeypatch: pytest.MonkeyPatch) -> None:
    project = tomllib.loads((TUTORIAL / "pyproject.toml").read_text(encoding="utf-8"))
    entry = project["project"]["entry-points"]["qmframe"]
    assert entry == {"repaircafe": "qmframe_repaircafe"}
    monkeypatch.syspath_prepend(str(TUTORIAL / "src"))
    module = __import__(entry["repaircafe"])
    hooks = {name for name in dir(module) if name.startswith("qmframe_")}
    assert hooks == {
        "qmframe_register_frameworks",
        "qmframe_register_examples",
        "qmframe_check_submission",
    }
    # The framework file ships inside the package, where the wheel picks it up.
    assert (TUTORIAL / "src" / "qmframe_repaircafe" / "repair-cafe.toml").is_file()


# -- hook examples included in plugin-hooks.md -------------------------------------------------

# -- start rule-kind --
from qmframe import AssessmentContext, Problem, RuleKey, RuleKind, RuleResult, hookimpl  # noqa: E402
from qmframe.errors import describe_value  # noqa: E402
from qmframe.framework import Rule  # noqa: E402
from qmframe.index import FrameworkIndex  # noqa: E402
from qmframe.rules import Evaluation  # noqa: E402


class EvidenceCount(RuleKind):
    """The submission offers at least ``min_items`` evidence items."""

    name = "evidence-count"
    summary = "the submission offers at least N evidence items"
    keys = (RuleKey("min_items", "integer", "How many items, at least 1.", required=True),)

    def check(self, rule: Rule, index: FrameworkIndex) -> list[Problem]:
        problems = self.unknown_keys(rule)  # every key not declared in `keys`
        n = rule.params.get("min_items")
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            problems.append(
                Problem(
                    f"expected a whole number of at least 1, got {describe_value(n)}", "min_items"
                )
            )
        return problems

    def prepare(self, rule: Rule, index: FrameworkIndex) -> Evaluation:
        needed = int(rule.params["min_items"])  # checked above, resolved once

        def evaluate(ctx: AssessmentContext) -> RuleResult:
            count = len(ctx.submission.evidence)
            saw = f"{count} evidence item(s)"
            if count >= needed:
                return RuleResult(True, saw, f"at least {needed}")
            return RuleResult(False, saw, f"fewer than {needed}")

        return evaluate


@hookimpl
def qmframe_register_rule_kinds(register: Callable[[RuleKind], None]) -> None:
    register(EvidenceCount())


# -- end rule-kind --


class RuleKindPlugin:
    qmframe_register_rule_kinds = staticmethod(qmframe_register_rule_kinds)


def test_rule_kind_example(write: Callable[[str, str], Path]) -> None:
    registry = qmframe.Registry(
        qmframe.get_plugin_manager(load_entrypoints=False, plugins=[RuleKindPlugin()])
    )
    rule = '\n[[decision.rules]]\nid = "enough"\nkind = "evidence-count"\nmin_items = 2\n'
    framework = qmframe.load_framework(
        write("mini.toml", core_fixtures.FRAMEWORK + rule), registry=registry
    )
    submission = qmframe.load_submission(
        write("s/submission.toml", core_fixtures.SUBMISSION), framework, registry=registry
    )
    decision = qmframe.assess(framework, submission, as_of=dt.date(2026, 2, 1), registry=registry)
    outcome = next(o for o in decision.explanation if o.rule == "enough")
    assert (outcome.holds, outcome.saw) == (False, "1 evidence item(s)")
    assert "enough" in {u.rule for u in decision.unmet}

    bad = rule.replace("min_items = 2", "min_items = 0\nmax = 3")
    _, problems = qmframe.inspect_framework(
        write("bad.toml", core_fixtures.FRAMEWORK + bad), registry=registry
    )
    messages = {p.message for p in problems if p.severity == "error"}
    assert {
        "unknown key 'max' for kind 'evidence-count' (expected min_items)",
        "expected a whole number of at least 1, got an integer (0)",
    } <= messages


# -- start report-format --
from qmframe import Assessment, ReportFormat  # noqa: E402


class OneLine(ReportFormat):
    """One line per decision, for a log or a chat message."""

    name = "one-line"
    suffix = ".txt"
    description = "the decision in one line"

    def render(self, assessment: Assessment) -> str:
        d = assessment.decision
        until = f" until {d.valid_until.isoformat()}" if d.valid_until else ""
        return f"{d.organisation_name}: {d.status}{until}\n"


@hookimpl
def qmframe_register_report_formats(register: Callable[[ReportFormat], None]) -> None:
    register(OneLine())


# -- end report-format --


class ReportPlugin:
    qmframe_register_report_formats = staticmethod(qmframe_register_report_formats)


def test_report_format_example(mini: dict[str, Path]) -> None:
    registry = qmframe.Registry(
        qmframe.get_plugin_manager(load_entrypoints=False, plugins=[ReportPlugin()])
    )
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    submission = qmframe.load_submission(mini["submission"], framework, registry=registry)
    decision = qmframe.assess(framework, submission, as_of=dt.date(2026, 2, 1), registry=registry)
    text = qmframe.render(decision, framework, submission, format="one-line", registry=registry)
    assert text == f"Org One: {decision.status} until {decision.valid_until}\n"


# -- start decide --
from qmframe import Decision, Framework, Review, RuleOutcome, Submission  # noqa: E402


@hookimpl
def qmframe_decide(
    framework: Framework, submission: Submission, review: Review | None, decision: Decision
) -> Decision | None:
    if framework.id != "mini" or review is None or not review.requests or not decision.passed:
        return None  # not ours, or nothing to hold back
    held = RuleOutcome(
        rule="requests-answered",
        kind="plugin",
        effect="veto",
        title="Requests for information are answered",
        holds=False,
        saw=f"{len(review.requests)} open request(s)",
        concluded="the award waits for the answers",
    )
    return attrs.evolve(
        decision,
        status="deferred",
        passed=False,
        valid_from=None,
        valid_until=None,
        midpoint_due=None,
        explanation=(*decision.explanation, held),  # keep every declared rule's outcome
    )


# -- end decide --


class DecidePlugin:
    qmframe_decide = staticmethod(qmframe_decide)


def test_decide_example(write: Callable[[str, str], Path]) -> None:
    registry = qmframe.Registry(
        qmframe.get_plugin_manager(load_entrypoints=False, plugins=[DecidePlugin()])
    )
    framework = qmframe.load_framework(
        write("mini.toml", core_fixtures.FRAMEWORK.replace('["ineligible"]', '["deferred"]')),
        registry=registry,
    )
    submission = qmframe.load_submission(
        write("s/submission.toml", core_fixtures.SUBMISSION), framework, registry=registry
    )
    passing = core_fixtures.REVIEW.replace('level = "no"', 'level = "yes"')
    review = qmframe.load_review(write("s/review.toml", passing), framework, submission)
    assert qmframe.assess(framework, submission, review, registry=registry).passed

    asked = passing + '\n[[requests]]\nid = "q1"\nrequest = "Send the minutes"\n'
    review = qmframe.load_review(write("s/review.toml", asked), framework, submission)
    decision = qmframe.assess(framework, submission, review, registry=registry)
    assert (decision.status, decision.passed, decision.valid_until) == ("deferred", False, None)
    assert decision.explanation[-1].rule == "requests-answered"


def test_pages_use_markdown_links_not_myst_roles() -> None:
    """A code host shows a role such as {doc}`cli` as it is typed: links are Markdown links."""
    role = re.compile(r"\{(doc|ref|class|func|meth|mod|attr|data|exc|py:\w+)\}`")
    pages = sorted(DOCS.glob("*.md"))
    assert pages
    found = [
        f"{page.name}:{number}: {line.strip()}"
        for page in pages
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
        if role.search(line)
    ]
    assert found == []
