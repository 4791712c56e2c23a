"""Untrusted text reaches no output raw: each format escapes what is special to it.

The property test sends every untrusted field (organisation name and id, framework,
section and criterion titles, rule feedback, rationales, review notes, requests, action
owners) through every output format (text, Markdown, JSON, HTML, letter, the public CSV
export and the sector view) with control, bidi, formula and HTML payloads.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
import tomllib
import unicodedata
from pathlib import Path

import attrs
import core_fixtures
import pytest
from hypothesis import given
from hypothesis import strategies as st

import qmframe
from qmframe._convert import structure
from qmframe.awards.register import Register, public_csv
from qmframe.awards.sector import render_text, sector_view
from qmframe.vocabulary import PUBLIC_FIELDS

#: One of each way text has been used to attack a report.
PAYLOADS = (
    "\x1b[2J\x1b[H",  # clear the screen
    "\x1b]0;pwned\x07",  # set the window title
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",  # a terminal hyperlink
    "\x9b31m",  # CSI as one C1 character
    "Name\nFORGED: Decision AWARDED",  # a forged line
    "ok\rFORGED",  # overwrite the line
    "x\u2028FORGED",  # a Unicode line separator
    "\u202eelif.exe\u202c",  # right-to-left override
    "\u2066isolate\u2069\u200f",
    '=HYPERLINK("https://evil.example","x")',
    "+SUM(A1:A9)",
    "-2+3",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "![x](javascript:alert(1))",
    "<javascript:alert(1)>",
    "`code` *em* _u_ | pipe ~~s~~ &lt;b&gt; \\",
    "Zoë Ångström & Søn",
)
HOSTILE = st.lists(st.sampled_from(PAYLOADS), min_size=1, max_size=3).map("".join) | st.text(
    # No lone surrogates: no TOML file can hold one (they are tested with each function).
    st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Lu", "Sm"]),
    min_size=1,
)
JOINERS = {"\u200c", "\u200d"}


def raw_dangerous(text: str, *, allowed: str = "\n") -> list[str]:
    """Characters a terminal or a renderer would act on, left raw in ``text``."""
    return sorted(
        {
            c
            for c in text
            if c not in allowed
            and c not in JOINERS
            and unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp", "Cs"}
        }
    )


def assert_inert_lines(text: str) -> None:
    """No control character acts, and no line is forged (text, letter, sector)."""
    assert raw_dangerous(text) == [], text
    assert not [line for line in text.split("\n") if line.startswith("FORGED")], text


# -- each function ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain Zoë", "plain Zoë"),
        ("\x1b[2J", "\\x1b[2J"),
        ("a\nb", "a\\nb"),
        ("a\rb\tc", "a\\rb\\tc"),
        ("\x9b", "\\x9b"),
        ("\u202eabc", "\\u202eabc"),
        ("x\u2028y", "x\\u2028y"),
        ("tag \U000e0041", "tag \\U000e0041"),
        ("lone \ud800", "lone \\ud800"),
        ("no\u00a0break", "no\u00a0break"),  # a no-break space is printed as it is
        ("👨\u200d👩", "👨\u200d👩"),  # the zero-width joiner builds emoji: kept
    ],
)
def test_terminal_shows_control_and_bidi_characters(text: str, shown: str) -> None:
    from qmframe.escaping import terminal

    assert terminal(text) == shown


def test_terminal_keeps_lines_and_tabs_of_a_whole_report() -> None:
    from qmframe.escaping import terminal

    assert terminal("a\tb\nc\x1bd\n", multiline=True) == "a\tb\nc\\x1bd\n"


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("[a](javascript:x)", "\\[a\\](javascript:x)"),
        ("*a* _b_ `c` |d| ~e~ !f", "\\*a\\* \\_b\\_ \\`c\\` \\|d\\| \\~e\\~ \\!f"),
        ("A & B", "A &amp; B"),
        ("\x1b", "\\\\x1b"),  # the escape's backslash is escaped too, so it renders
    ],
)
def test_markdown_escapes_html_and_markdown(text: str, escaped: str) -> None:
    from qmframe.escaping import markdown

    assert markdown(text) == escaped


def test_markdown_code_picks_a_longer_fence() -> None:
    from qmframe.escaping import markdown_code

    assert markdown_code("weighted-score") == "`weighted-score`"
    assert markdown_code("a`b") == "``a`b``"
    assert markdown_code("`x") == "`` `x ``"


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "\\t=1"),  # shown as an escape: no tab left to start a formula
        ("Alpha = Beta", "Alpha = Beta"),
        ("Zoë", "Zoë"),
    ],
)
def test_csv_cells_cannot_start_a_formula(text: str, cell: str) -> None:
    from qmframe.escaping import csv_cell

    assert csv_cell(text) == cell


def test_json_text_escapes_invisible_characters_and_keeps_the_data() -> None:
    from qmframe.escaping import json_text

    value = {"name": "\u202eevil\x9b\u2028Zoë 😀 \ud800"}
    text = json_text(value)
    assert raw_dangerous(text) == []
    assert "Zoë 😀" in text
    assert json.loads(text) == value


# -- the reproducers ------------------------------------------------------------------------------

FRAMEWORK = structure(tomllib.loads(core_fixtures.FRAMEWORK), qmframe.Framework)
SUBMISSION = structure(tomllib.loads(core_fixtures.SUBMISSION), qmframe.Submission)
REVIEW = structure(tomllib.loads(core_fixtures.REVIEW), qmframe.Review)
assert isinstance(FRAMEWORK, qmframe.Framework)
assert isinstance(SUBMISSION, qmframe.Submission)
assert isinstance(REVIEW, qmframe.Review)


def hostile_case(
    text: str,
) -> tuple[qmframe.Framework, qmframe.Submission, qmframe.Review]:
    """The mini case with ``text`` in every untrusted field but the organisation's id."""
    sections = tuple(
        attrs.evolve(
            s,
            title=text,
            criteria=tuple(attrs.evolve(c, title=text) for c in s.criteria),
        )
        for s in FRAMEWORK.sections
    )
    rules = tuple(attrs.evolve(r, title=text, feedback=text) for r in FRAMEWORK.decision.rules)
    framework = attrs.evolve(
        FRAMEWORK,
        title=text,
        owner=text,
        sections=sections,
        decision=attrs.evolve(FRAMEWORK.decision, rules=rules),
        public_fields=tuple(PUBLIC_FIELDS),
    )
    # The organisation's id must be a safe id to be assessed; the decision carries the
    # hostile one in render_all, as a decision read from elsewhere could.
    organisation = attrs.evolve(SUBMISSION.organisation, name=text)
    actions = tuple(attrs.evolve(a, action=text, owner=text) for a in SUBMISSION.actions)
    submission = attrs.evolve(SUBMISSION, organisation=organisation, actions=actions)
    review = attrs.evolve(
        REVIEW,
        notes=text,
        judgements=tuple(attrs.evolve(j, rationale=text) for j in REVIEW.judgements),
        requests=(qmframe.InformationRequest(id="q1", request=text, target="a1"),),
    )
    return framework, submission, review


def render_all(text: str, registry: qmframe.Registry) -> dict[str, str]:
    framework, submission, review = hostile_case(text)
    decision = qmframe.assess(framework, submission, review, registry=registry)
    # The same case with b2 met, so the organisation holds the award and is in the export.
    met = tuple(attrs.evolve(j, level="yes") if j.target == "b2" else j for j in review.judgements)
    passed = qmframe.assess(
        framework, submission, attrs.evolve(review, judgements=met), registry=registry
    )
    assert passed.passed
    assert not decision.passed
    decision = attrs.evolve(decision, organisation=text)
    passed = attrs.evolve(passed, organisation=text)
    formats = ["text", "markdown", "json", "letter"]
    try:
        import jinja2  # noqa: F401

        formats.append("html")
    except ImportError:  # the html format is an optional extra
        pass
    out = {
        name: qmframe.render(
            decision, framework, submission, review, format=name, registry=registry
        )
        for name in formats
    }
    out["sector"] = render_text(sector_view(framework, [decision, passed], anonymise=False))
    with tempfile.TemporaryDirectory() as folder:
        with Register(Path(folder) / "r.sqlite", create=True) as register:
            register.add_decision(passed, framework.lifecycle)
            rows = register.public_rows(framework, passed.as_of)
        assert rows, "the hostile organisation holds the award"
    out["csv"] = public_csv(rows, framework.public_fields, bom=True)
    return out


def check_outputs(text: str, outputs: dict[str, str]) -> None:
    for name in ("text", "letter", "sector"):
        assert_inert_lines(outputs[name])
    md = outputs["markdown"]
    assert_inert_lines(md)
    for raw in ("<script", "<img", "<javascript:"):
        assert raw not in md
    assert not re.search(r"(?<!\\)\]\(", md), md  # no unescaped "](": no link can form
    data = json.loads(outputs["json"])
    assert data["organisation_name"] == text  # the data itself is kept exactly
    assert raw_dangerous(outputs["json"]) == []
    if "html" in outputs:
        page = outputs["html"]
        assert raw_dangerous(page, allowed="\n\t") == []
        assert "<script" not in page
        assert "<img" not in page
    table = list(csv.reader(io.StringIO(outputs["csv"].removeprefix("\ufeff"))))
    assert raw_dangerous(outputs["csv"].removeprefix("\ufeff")) == []
    assert len(outputs["csv"].splitlines()) == len(table) == 2  # header and one row
    for cell in table[1]:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


@given(HOSTILE)
def test_no_untrusted_field_reaches_any_output_raw(text: str) -> None:
    registry = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))
    check_outputs(text, render_all(text, registry))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_each_payload_through_every_format(payload: str, registry: qmframe.Registry) -> None:
    check_outputs(payload, render_all(payload, registry))


def test_the_markdown_report_renders_no_html_and_no_link(registry: qmframe.Registry) -> None:
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py renders CommonMark")
    payload = "".join(PAYLOADS)
    page = markdown_it.MarkdownIt("commonmark").render(render_all(payload, registry)["markdown"])
    for tag in ("<script", "<img", "<a "):
        assert tag not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown as text


def test_the_text_report_shows_the_forged_line_as_an_escape(registry: qmframe.Registry) -> None:
    text = render_all("Org\nDecision:     AWARDED\x1b[2J", registry)["text"]
    assert "Organisation: Org\\nDecision:     AWARDED\\x1b[2J [Org\\nDecision:" in text
    decisions = [line for line in text.splitlines() if line.startswith("Decision:")]
    assert decisions == ["Decision:     NOT-YET"]  # only the real one: the mini review fails


def test_the_csv_export_can_start_with_a_byte_order_mark(registry: qmframe.Registry) -> None:
    outputs = render_all("Zoë", registry)
    assert outputs["csv"].startswith('\ufeff"')
    assert outputs["csv"].encode("utf-8").startswith(b"\xef\xbb\xbf")
