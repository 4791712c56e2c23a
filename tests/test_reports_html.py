"""The HTML report: content, escaping of hostile text, the optional Jinja2, and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import attrs
import core_fixtures
import pytest

import qmframe
from qmframe import api
from qmframe.cli import main
from qmframe.default_plugins import html_report

pytest.importorskip("jinja2", reason="the html format needs Jinja2 (the html extra)")

HOSTILE = '<script>alert("owned")</script>'


class _Page(HTMLParser):
    """Collects what the tests look at: tags, section ids, the chart's bars and all text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.ids: list[str] = []
        self.fills: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(found["id"] or "")
        classes = (found.get("class") or "").split()
        if "bar" in classes:
            self.fills.append(" ".join(c for c in classes if c != "bar"))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def assess_mini(
    mini: dict[str, Path],
    registry: qmframe.Registry,
    *,
    reviewed: bool = True,
    required: bool = False,
) -> qmframe.Assessment:
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    if required:  # the mini framework is self-certified; this one needs a reviewer
        framework = attrs.evolve(framework, review=attrs.evolve(framework.review, required=True))
    submission = qmframe.load_submission(mini["submission"], framework, registry=registry)
    review = (
        qmframe.load_review(mini["review"], framework, submission, registry=registry)
        if reviewed
        else None
    )
    decision = qmframe.assess(framework, submission, review, registry=registry)
    return qmframe.Assessment(
        decision=decision, framework=framework, submission=submission, review=review
    )


def test_html_report_shows_every_part_of_the_decision(
    mini: dict[str, Path], registry: qmframe.Registry
) -> None:
    assessment = assess_mini(mini, registry)
    d = assessment.decision
    assert not d.passed, "the mini review fails b2"
    assert d.unmet, "so there is feedback to show"
    page = parse(html_report.HtmlReport().render(assessment))
    text = " ".join(" ".join(page.text).split())

    assert page.tags.count("script") == 0
    for section in ("chart", "assessor", "highlights", "unmet", "action-plan", "explanation"):
        assert section in page.ids
    assert "Mini framework" in text
    assert "version 2" in text
    assert d.organisation_name in text
    assert d.status in text
    for unmet in d.unmet:
        assert unmet.feedback in text
    for outcome in d.explanation:
        assert (outcome.title or outcome.rule) in text
    assert "Do more" in text
    assert [h.level for h in d.highlights] == ["wow"]
    assert "Area A : Exceptional" in text  # levels by their labels, not their ids
    assert "2027-01-01" in text
    # One chart, with a group per section with a rating or judgement, one bar per level given.
    assert page.tags.count("figure") == 1
    assert "svg" not in page.tags
    assert {"chart-a", "chart-b"} <= set(page.ids)
    # Every self-rating has a bar, and so has every decided level: a target judged
    # (or derived from its criteria) shows whether or not the organisation rated it.
    rated = [r for r in assessment.submission.ratings if r.level is not None]
    decided = [lv for lv in d.levels if lv.level]
    assert len(decided) > len(assessment.decision.comparisons)
    assert page.fills.count("self") == len(rated)
    assert page.fills.count("judged") == len(decided)


def test_chart_bars_grow_with_the_level(mini: dict[str, Path], registry: qmframe.Registry) -> None:
    assessment = assess_mini(mini, registry)
    rows = {
        row.target: row for group in html_report.context(assessment)["chart"] for row in group.rows
    }
    # a1 rated "wow" (top of three levels) by both; b2 self "yes", judged "no".
    assert rows["a1"].self_bar.percent == rows["a1"].assessed_bar.percent == 100
    assert rows["b2"].self_bar.percent == 66.67
    assert rows["b2"].assessed_bar.percent == 33.33
    assert rows["b2"].self_bar.label == "Met"
    assert rows["b2"].assessed_bar.label == "Not yet"
    assert not rows["b2"].agrees
    assert rows["a1"].agrees
    page = html_report.HtmlReport().render(assessment)
    # Widths are percentages of the row (nothing fixed in pixels), in row order.
    assert 'class="bar self" style="width: 66.67%"' in page
    assert 'class="bar judged" style="width: 33.33%"' in page
    assert not re.search(r"width[:=]\s*\"?\d+px", page)


def test_self_assessment_only_is_marked_indicative(
    mini: dict[str, Path], registry: qmframe.Registry
) -> None:
    assessment = assess_mini(mini, registry, reviewed=False, required=True)
    assert assessment.decision.is_indication
    page = parse(html_report.HtmlReport().render(assessment))
    text = " ".join(page.text)
    assert "only an indication, not an award" in text
    assert page.fills.count("self") == 4
    assert page.fills.count("judged") == 0


def test_hostile_text_from_a_submission_shows_as_text(
    write: Callable[[str, str], Path], registry: qmframe.Registry
) -> None:
    framework = qmframe.load_framework(
        write("mini.toml", core_fixtures.FRAMEWORK), registry=registry
    )
    hostile = (
        core_fixtures.SUBMISSION.replace('name = "Org One"', f"name = '{HOSTILE}'")
        .replace('title = "Policy"', "title = '<img src=x onerror=alert(1)>'")
        .replace('action = "Do more"', "action = '\"><svg onload=alert(2)>'")
    )
    submission = qmframe.load_submission(write("s/submission.toml", hostile), framework)
    decision = qmframe.assess(framework, submission, as_of=dt.date(2026, 2, 1))
    page = qmframe.render(decision, framework, submission, format="html", registry=registry)

    parsed = parse(page)
    assert "script" not in parsed.tags
    assert "img" not in parsed.tags
    assert "svg" not in parsed.tags  # the action's <svg> is text
    assert "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt;" in page
    assert HOSTILE in " ".join(parsed.text)  # and a reader sees exactly what was typed
    assert "onload=alert(2)" not in page.replace("&#34;&gt;&lt;svg onload=alert(2)&gt;", "")


def test_missing_jinja2_is_a_clear_qmframe_error(
    monkeypatch: pytest.MonkeyPatch,
    mini: dict[str, Path],
    registry: qmframe.Registry,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, "jinja2", None)  # import jinja2 now raises ImportError
    html_report._environment.cache_clear()
    try:
        with pytest.raises(qmframe.QmframeError, match=re.escape(html_report.JINJA2_MISSING)):
            html_report.HtmlReport().render(assess_mini(mini, registry))

        monkeypatch.setattr(api, "_default", registry)
        output = tmp_path / "report.html"
        output.write_text("the previous report", encoding="utf-8")
        args = ["assess", str(mini["framework"]), str(mini["submission"])]
        code = main([*args, "--format", "html", "-o", str(output)])
        _, err = capsys.readouterr()
        assert code == 2
        assert "needs Jinja2" in err
        assert "Traceback" not in err
        assert output.read_text(encoding="utf-8") == "the previous report"

        # The demo still prints its text report, and says why there is no HTML one.
        monkeypatch.setattr(api, "_default", qmframe.Registry())
        code = main(["demo", "example-riverside", "--html", str(tmp_path / "demo.html")])
        out, _ = capsys.readouterr()
        assert code == 0
        assert "Decision:" in out
        assert "No HTML report: the html format needs Jinja2" in out
        assert not (tmp_path / "demo.html").exists()
    finally:
        html_report._environment.cache_clear()


def test_importing_qmframe_does_not_import_jinja2() -> None:
    code = (
        "import sys, qmframe; qmframe.Registry(qmframe.get_plugin_manager()); "
        "print('jinja2' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"


def test_assess_format_html_writes_the_file_atomically(
    monkeypatch: pytest.MonkeyPatch,
    mini: dict[str, Path],
    registry: qmframe.Registry,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(api, "_default", registry)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    output = out_dir / "report.html"
    output.write_text("old", encoding="utf-8")
    code = main(
        [
            "assess",
            str(mini["framework"]),
            str(mini["submission"]),
            "--review",
            str(mini["review"]),
            "--format",
            "html",
            "--output",
            str(output),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"report written to {output}" in out
    assert sorted(p.name for p in out_dir.iterdir()) == ["report.html"]  # no temporary left
    page = output.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "Org One" in page


def test_demo_writes_an_html_report_and_says_where(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(api, "_default", qmframe.Registry())
    target = tmp_path / "demo.html"
    code = main(["demo", "example-riverside", "--html", str(target)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"HTML report written to {target}" in out
    assert "Riverside Community Trust" in target.read_text(encoding="utf-8")

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() looks at TMPDIR again
    code = main(["demo", "example-riverside"])
    out, _ = capsys.readouterr()
    default = tmp_path / "qmframe-demo-example-riverside.html"
    assert code == 0
    assert f"HTML report written to {default}" in out
    assert default.is_file()

    code = main(["demo", "example-riverside", "--no-html"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "HTML report" not in out


def test_every_format_renders_every_installed_example() -> None:
    """Each registered format, for each example the installed plugins ship."""
    registry = qmframe.Registry()
    assert "example-riverside" in registry.examples
    assert {"text", "markdown", "json", "html", "letter"} <= set(registry.report_formats)
    for name, registered in registry.examples.items():
        example = registered.value
        framework = registry.framework(example.framework)
        submission = qmframe.load_submission(example.submission, framework, registry=registry)
        review = (
            qmframe.load_review(example.review, framework, submission, registry=registry)
            if example.review is not None
            else None
        )
        as_of = dt.date.fromisoformat(example.as_of) if example.as_of else None
        decision = qmframe.assess(framework, submission, review, as_of=as_of, registry=registry)
        for fmt in registry.report_formats:
            text = qmframe.render(
                decision, framework, submission, review, format=fmt, registry=registry
            )
            where = f"{name} as {fmt}"
            if fmt == "json":
                data = json.loads(text)
                assert data["status"] == decision.status, where
                continue
            shown = " ".join(parse(text).text) if fmt == "html" else text
            if fmt == "markdown":
                shown = shown.replace("\\", "")
            assert decision.organisation_name in shown, where
            if fmt == "letter":
                # The framework's words for the status, or the status id as words.
                label = framework.decision.label(decision.status)
                words = decision.status.replace("-", " ") if label == decision.status else label
                assert " ".join(words.split()) in " ".join(shown.split()), where
            else:
                assert decision.status in shown.lower(), where
