"""Fuzzing the loaders: malformed TOML and malformed structures.

The promise under test: whatever a file holds, reading and checking it either
works or raises :class:`qmframe.ValidationError` whose every problem names the
file (and, for structure, the place inside it). No other exception, and no
hang: each example has a deadline far above what one small file should take.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qmframe
from qmframe._convert import structure, unstructure_toml
from qmframe.files import read_framework, read_review, read_submission
from qmframe.index import FrameworkIndex
from qmframe.testing import strategies as qs
from qmframe.validation import check_framework, check_review, check_submission

REGISTRY = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))
READERS = {"framework": read_framework, "submission": read_submission, "review": read_review}
FUZZ = settings(
    deadline=dt.timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
#: The fuzz tests' example counts are their own, whatever the Hypothesis profile: together
#: over 10,000 generated inputs in every run of the suite, CI's included (issue 12).
#: QMFRAME_FUZZ_SCALE multiplies them: 0.01 while iterating, 10 for a long search.
FUZZ_SCALE = float(os.environ.get("QMFRAME_FUZZ_SCALE", "1"))


def fuzz(examples: int) -> settings:
    """:data:`FUZZ` with ``examples`` generated inputs (times :data:`FUZZ_SCALE`)."""
    return settings(FUZZ, max_examples=max(1, round(examples * FUZZ_SCALE)))


#: Any value TOML can hold, nested a little.
toml_values = st.recursive(
    st.text(max_size=8)
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats()
    | st.booleans()
    | st.dates()
    | st.datetimes()
    | st.times(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a parsed document: dict keys and list positions."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*prefix, index))
    return out


@st.composite
def broken_structures(draw: st.DrawFn, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with a few places replaced by junk, deleted, or given unknown keys."""
    data: dict[str, Any] = tomllib.loads(tomli_w.dumps(document))  # a deep copy, as read
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = data
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(("replace", "delete", "extra")))
        if action == "replace":
            parent[path[-1]] = draw(toml_values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=6))] = draw(toml_values)
    return data


def _documents() -> st.SearchStrategy[tuple[str, dict[str, Any], qmframe.Framework]]:
    """(kind, document, framework) for a generated framework, submission or review."""

    def pick(case: qs.AssessmentCase) -> st.SearchStrategy[Any]:
        docs = [("framework", case.framework), ("submission", case.submission)]
        if case.review is not None:
            docs.append(("review", case.review))
        return st.sampled_from(
            [(kind, unstructure_toml(value), case.framework) for kind, value in docs]
        )

    return qs.assessment_cases().flatmap(pick)


#: Python's words, never qmframe's: an exception's text or a value's repr in a message.
PYTHON_TEXT = (
    "unknown error",
    "object has no attribute",
    "object is not",
    "invalid value for type",
    "expected a mapping",
    "datetime.",
    "NoneType",
    "Traceback",
)


def assert_in_our_words(message: str) -> None:
    """``message`` says what was expected in qmframe's words, not in Python's."""
    assert not [words for words in PYTHON_TEXT if words in message], message


def _check_located(
    problems: tuple[qmframe.Problem, ...] | list[qmframe.Problem], label: str
) -> None:
    assert problems
    for problem in problems:
        assert problem.file == label, problem
        assert str(problem).startswith(label)
        assert_in_our_words(problem.message)


def _read(kind: str, path: Path) -> qmframe.ValidationError | None:
    """Read a file as ``kind``: None if it reads, else the error (anything else propagates)."""
    try:
        READERS[kind](path)
    except qmframe.ValidationError as exc:
        return exc
    return None


@fuzz(5000)
@given(kind=st.sampled_from(sorted(READERS)), text=st.text(max_size=200))
def test_any_text_is_read_or_refused_with_a_located_error(
    tmp_path: Path, kind: str, text: str
) -> None:
    path = tmp_path / f"{kind}.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    error = _read(kind, path)
    if error is not None:
        _check_located(error.problems, str(path))


@fuzz(500)
@given(data=st.data())
def test_damaged_toml_text_is_refused_with_line_and_column(
    tmp_path: Path, data: st.DataObject
) -> None:
    kind, document, _ = data.draw(_documents())
    text = tomli_w.dumps(document)
    # Cut the text somewhere and put TOML-significant junk in.
    cut = data.draw(st.integers(0, len(text)))
    junk = data.draw(st.text(alphabet="[]{}=\"'\n#,.=\\", min_size=1, max_size=4))
    damaged = text[:cut] + junk + text[cut + data.draw(st.integers(0, 3)) :]
    path = tmp_path / f"{kind}.toml"
    path.write_text(damaged, encoding="utf-8")
    try:
        tomllib.loads(damaged)
    except tomllib.TOMLDecodeError:
        malformed = True
    else:
        malformed = False
    error = _read(kind, path)
    if error is not None:
        _check_located(error.problems, str(path))
    if malformed:
        assert error is not None
        assert "malformed TOML" in error.problems[0].message
        message = error.problems[0].message
        assert "line" in message or "end of document" in message, message


@fuzz(500)
@given(data=st.data())
def test_broken_structures_give_located_problems_never_an_exception(data: st.DataObject) -> None:
    kind, document, framework = data.draw(_documents())
    broken = data.draw(broken_structures(document))
    cls = {"framework": qmframe.Framework, "submission": qmframe.Submission}.get(
        kind, qmframe.Review
    )
    value = structure(broken, cls, file="x.toml")
    if isinstance(value, list):
        _check_located(value, "x.toml")
        return
    # It structured: the reference checks must cope with whatever it holds.
    index = FrameworkIndex.build(framework)
    if isinstance(value, qmframe.Framework):
        problems = check_framework(value, REGISTRY.rule_kinds)
    elif isinstance(value, qmframe.Submission):
        problems = check_submission(value, index)
    else:
        problems = check_review(value, index)
    assert all(isinstance(p, qmframe.Problem) for p in problems)
    assert all(p.severity in ("error", "warning", "notice") for p in problems)
