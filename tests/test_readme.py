"""The README's Python example runs, and prints what its comments say it prints."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_python_example_runs_as_documented() -> None:
    [block] = _python_blocks()
    promised = [m.group(1) for m in re.finditer(r"^print\(.*\)\s+# (.+)$", block, re.M)]
    assert promised, "the example should document what it prints"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, str(README), "exec"), {})
    printed = out.getvalue().splitlines()
    assert printed[: len(promised)] == promised
    assert "## Explanation" in out.getvalue()  # the Markdown report followed


def test_quick_start_has_exactly_two_one_line_commands() -> None:
    text = README.read_text()
    quick = text[text.index("## Quick start") :]
    quick = quick[: quick.index("\n## ", 3)]
    blocks = re.findall(r"```sh\n(.*?)```", quick, flags=re.DOTALL)
    assert len(blocks) == 2
    assert all(len(block.strip().splitlines()) == 1 for block in blocks)
    assert "qmframe demo" in blocks[0]
    assert blocks[1].strip().endswith("pytest")
