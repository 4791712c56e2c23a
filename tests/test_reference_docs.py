"""The reference pages are committed Markdown, written by cog from the code, and current.

The file keys, the rule kinds' keys, the hooks and the Python API are written
into docs/*.md by docs/_ext/qmframe_docs.py between cog's markers, so a reader
on a code host or in an editor sees them without building the site. These
tests check every such page against the code, that no page still leans on a
directive only Sphinx can fill in, and that the generated Markdown is sound.
"""

from __future__ import annotations

import io
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from cogapp import Cog
from markdown_it import MarkdownIt

import qmframe
from qmframe.schema import FIELD_DOCS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FIX = "run `python -m cogapp -r docs/*.md` and commit the result"
#: Pages whose reference parts cog writes (more may join; these must stay).
GENERATED = {
    "cli.md",
    "framework-format.md",
    "plugin-hooks.md",
    "python-api.md",
    "batch.md",
    "testing-api.md",
    "testing-plugins.md",
    "tutorial.md",
}
#: Directives whose content exists only in the built site: a code host shows nothing.
SPHINX_ONLY = re.compile(
    r"^```+\{(?:qmframe-keys|qmframe-rule-kinds|qmframe-cli)\}.*"
    r"|^```+\{eval-rst\}\n(?:(?!```).*\n)*?\.\. auto\w+::",
    flags=re.MULTILINE,
)

sys.path.insert(0, str(DOCS / "_ext"))
import qmframe_docs  # noqa: E402


def cogged_pages() -> list[Path]:
    return sorted(p for p in DOCS.glob("*.md") if "[[[cog" in p.read_text(encoding="utf-8"))


def cog_check(path: Path) -> tuple[int, str]:
    """Run ``cog --check --diff`` on ``path``: the exit status and what cog printed."""
    out = io.StringIO()
    cog = Cog()
    cog.set_output(stdout=out, stderr=out)
    status = cog.main(["cog", "--check", "--diff", "--check-fail-msg", FIX, str(path)])
    return status, out.getvalue()


def test_the_generated_pages_are_found() -> None:
    assert {p.name for p in cogged_pages()} >= GENERATED


@pytest.mark.parametrize("page", cogged_pages(), ids=lambda p: p.name)
def test_every_generated_page_matches_the_code(page: Path) -> None:
    status, printed = cog_check(page)
    assert status == 0, printed


def test_a_changed_docstring_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(FIELD_DOCS["Rule"], "feedback", "Said differently | now.")
    status, printed = cog_check(DOCS / "framework-format.md")
    assert status != 0
    assert "Said differently \\| now." in printed
    assert "python -m cogapp -r docs/*.md" in printed


def test_a_hand_edited_table_is_caught(tmp_path: Path) -> None:
    (tmp_path / "_ext").symlink_to(DOCS / "_ext")
    page = tmp_path / "framework-format.md"
    text = (DOCS / "framework-format.md").read_text(encoding="utf-8")
    row = '| `effect` | string | `"require"` |'
    assert row in text
    page.write_text(text.replace(row, '| `effect` | string | `"veto"` |'), encoding="utf-8")
    status, printed = cog_check(page)
    assert status != 0
    assert '`"veto"`' in printed


def _sphinx_only(text: str) -> list[str]:
    return [m[0].splitlines()[0] for m in SPHINX_ONLY.finditer(text)]


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_no_page_leaves_its_reference_to_sphinx(page: Path) -> None:
    found = _sphinx_only(page.read_text(encoding="utf-8"))
    assert found == [], (
        f"{page.name}: {found}: a code host shows these blocks empty; write the reference "
        "with cog from docs/_ext/qmframe_docs.py instead"
    )


def test_the_sphinx_only_check_sees_every_kind_of_block() -> None:
    seen = _sphinx_only(
        "```{qmframe-keys} Rule\n```\n\n```{qmframe-rule-kinds}\n```\n\n"
        "```{eval-rst}\n.. autofunction:: qmframe.assess\n```\n\n"
        "```{eval-rst}\n.. note:: only a note\n```\n\n```{eval-rst}\n.. automodule:: qmframe\n```\n"
    )
    assert seen == [
        "```{qmframe-keys} Rule",
        "```{qmframe-rule-kinds}",
        "```{eval-rst}",
        "```{eval-rst}",
    ]


# -- the Markdown itself -----------------------------------------------------------------------

MD = MarkdownIt("commonmark").enable("table")


def _cells(markdown: str) -> Iterator[list[str]]:
    """Each table row's cells, as a CommonMark parser with GFM tables reads them."""
    row: list[str] | None = None
    for token in MD.parse(markdown):
        if token.type == "tr_open":
            row = []
        elif token.type == "inline" and row is not None:
            row.append(token.content)
        elif token.type == "tr_close" and row is not None:
            yield row
            row = None


def test_a_pipe_in_a_cell_stays_in_its_cell() -> None:
    text = qmframe_docs.table(["key", "meaning"], [[qmframe_docs.code("a|b"), "one | two\nlines"]])
    assert "\\|" in text
    html = MD.render(text)
    assert html.count("<td>") == 2
    assert "<td><code>a|b</code></td>" in html
    assert "<td>one | two lines</td>" in html


@pytest.mark.parametrize(
    ("text", "span"),
    [("x", "`x`"), ("a`b", "``a`b``"), ("`x`", "`` `x` ``"), ("a``b`", "``` a``b` ```")],
)
def test_code_spans_hold_any_backticks(text: str, span: str) -> None:
    assert qmframe_docs.code(text) == span
    assert MD.renderInline(span) == f"<code>{text}</code>"


def test_every_table_on_the_pages_has_whole_rows() -> None:
    tables = 0
    for page in cogged_pages():
        text = page.read_text(encoding="utf-8")
        for block in re.split(r"\n\s*\n", text):
            if not block.startswith("| "):
                continue
            tables += 1
            rows = [r for r in _cells(block) if r]
            assert len(rows) >= 2, block
            assert len({len(r) for r in rows}) == 1, f"{page.name}: ragged table\n{block}"
    assert tables > 40


def test_the_rule_kinds_table_gives_every_key_its_type_and_default() -> None:
    registry = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))
    text = qmframe_docs.rule_kinds()
    rows = {tuple(r) for r in _cells(text)}
    for name, kind in registry.rule_kinds.items():
        assert f"#### `{name}`" in text
        assert kind.keys is not None
        for key in kind.keys:
            shown = "**required**" if key.required else key.default
            try:  # a TOML value is shown as code, words as they are
                tomllib.loads(f"v = {key.default}")
                shown = qmframe_docs.code(key.default)
            except tomllib.TOMLDecodeError:
                pass
            assert (f"`{key.name}`", key.type, shown, key.meaning) in rows, key


def test_docstrings_read_as_markdown() -> None:
    doc = """First line, with ``literal`` and :class:`~qmframe.decision.Decision`.

        See :func:`qmframe.assess` and :meth:`Registry.framework <qmframe.Registry.framework>`,
        and `the site <https://example.org>`_.

        ``term``
            What the term means,
            over two lines.

        An example::

            x = 1

              indented more

        :param source: where to read it.
        :param registry: the plugins.
        :returns: the framework.
        """
    assert qmframe_docs.docstring(doc, {"source": "str | Path"}).splitlines() == [
        "First line, with `literal` and `Decision`.",
        "",
        "See `qmframe.assess()` and `Registry.framework`,",
        "and [the site](https://example.org).",
        "",
        "- `term`: What the term means, over two lines.",
        "",
        "An example:",
        "",
        "```text",
        "x = 1",
        "",
        "  indented more",
        "```",
        "",
        "**Parameters:**",
        "",
        "- `source` (`str | Path`): where to read it.",
        "- `registry`: the plugins.",
        "",
        "**Returns:** the framework.",
    ]


def test_a_long_signature_lists_its_types_below() -> None:
    text = qmframe_docs.api("qmframe.assess")
    assert "`qmframe.assess(framework, submission, review=None, *, as_of=None," in text
    assert "- `as_of` (`dt.date | None`)" in text
    short = qmframe_docs.api("qmframe.load_framework")
    assert "`qmframe.load_framework(ref: Source, *, registry: Registry | None = None)" in short


def test_the_generator_needs_no_sphinx() -> None:
    source = (DOCS / "_ext" / "qmframe_docs.py").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(import|from) (sphinx|docutils)\b", source, flags=re.MULTILINE)


def test_the_regenerate_command_works_as_written(tmp_path: Path) -> None:
    """docs/development.md's command, run at the root of a copy of docs/ (the real pages are
    only read: a test must not write into the checkout)."""
    [command] = re.findall(
        r"^python -m cogapp .*$", (DOCS / "development.md").read_text(encoding="utf-8"), re.M
    )
    shutil.copytree(DOCS, tmp_path / "docs", ignore=shutil.ignore_patterns("_build"))
    for name in ("frameworks", "plugins", "src", "tests"):  # what the pages include
        (tmp_path / name).symlink_to(ROOT / name)
    before = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "docs").glob("*.md")}
    argv = [sys.executable, *shlex.split(command)[1:]]
    expanded = [a for a in argv if "*" not in a]
    expanded += sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "docs").glob("*.md"))
    assert argv[-1] == "docs/*.md"  # the shell expands it, as here
    done = subprocess.run(
        expanded, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    after = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "docs").glob("*.md")}
    assert after == before
    assert "Cogging docs/framework-format.md" in done.stdout


def test_markup_that_runs_onto_the_next_line_stays_whole() -> None:
    doc = (
        "What ``qmframe assess\n--format json`` writes, and :class:`the\ndecision <X>`."
        "\n\n1. one\n2. two"
    )
    assert qmframe_docs.docstring(doc).splitlines() == [
        "What `qmframe assess",
        "--format json` writes, and `the decision`.",
        "",
        "1. one",
        "2. two",
    ]
    assert "<code>qmframe assess --format json</code>" in MD.render(qmframe_docs.docstring(doc))


def test_an_included_part_is_picked_by_its_markers_and_a_lost_marker_fails() -> None:
    shown = qmframe_docs.include(
        "tutorial/qmframe-repaircafe/src/qmframe_repaircafe/repair-cafe.toml",
        "toml",
        start_after="# -- start scale --",
        end_before="# -- end scale --",
    )
    assert shown.startswith("\n```toml\n[[scales]]\n")
    assert "# -- start scale --" not in shown
    assert "# -- end scale --" not in shown
    assert "[[sections]]" not in shown
    with pytest.raises(ValueError, match="holds no line with '# -- start gone --'"):
        qmframe_docs.include("tutorial.md", "text", start_after="# -- start gone --")
    with pytest.raises(ValueError, match="after the start"):
        qmframe_docs.include("tutorial.md", "text", start_after="# Tutorial", end_before="zzz9")
