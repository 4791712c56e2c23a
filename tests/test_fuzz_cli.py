"""Fuzzing ``qmframe validate``: bad files give exit code 2 and located messages.

The only allowed outcomes are exit code 0 (the file is fine) or 2 (every
problem printed, each naming the file). Exit code 1, a traceback or
"internal error" on stderr would be a bug in qmframe.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tomli_w
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_loaders import _documents, assert_in_our_words, broken_structures, fuzz

from qmframe.cli import main
from qmframe.files import dumps


def _validate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()  # drop what earlier examples printed
    code = main(["validate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _assert_clean(code: int, out: str, err: str, path: Path) -> None:
    assert code in (0, 2), err
    assert "Traceback" not in err
    assert "internal error" not in err
    if code == 2:
        # Every problem line names the file it is about.
        problem_lines = [line for line in err.splitlines() if line.strip()]
        assert problem_lines
        assert all(line.startswith(str(path)) for line in problem_lines), err
        assert_in_our_words(err)
    else:
        assert f"{path}: ok" in out


@fuzz(500)
@given(data=st.data())
def test_validate_survives_broken_documents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: st.DataObject
) -> None:
    kind, document, framework = data.draw(_documents())
    framework_file = tmp_path / "framework.toml"
    framework_file.write_text(dumps(framework), encoding="utf-8")
    broken = data.draw(broken_structures(document))
    path = tmp_path / f"broken-{kind}.toml"
    path.write_text(tomli_w.dumps(broken), encoding="utf-8")
    code, out, err = _validate(capsys, "--framework", str(framework_file), str(path))
    _assert_clean(code, out, err, path)


@fuzz(3500)
@given(text=st.text(alphabet=st.sampled_from("[]{}=\"'\n#,.=\\ ab1-"), max_size=80))
def test_validate_survives_malformed_toml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    path = tmp_path / "malformed.toml"
    path.write_text(text, encoding="utf-8")
    code, out, err = _validate(capsys, str(path))
    _assert_clean(code, out, err, path)


def test_validate_refuses_deeply_nested_toml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Found by fuzzing: tomllib recurses per level, and a RecursionError escaped.
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    code, out, err = _validate(capsys, str(path))
    assert code == 2
    assert f"{path}: malformed TOML: arrays or tables nested too deeply" in err
    _assert_clean(code, out, err, path)


_DATES = st.one_of(
    st.dates().map(str),
    st.sampled_from(["9999-12-31", "0001-01-01", "2026-02-30", "today", ""]),
    st.text(max_size=12),
)
_FORMATS = st.sampled_from(["text", "markdown", "json", "html", "letter", "csv", ""])


@fuzz(500)
@given(data=st.data())
def test_any_command_line_exits_0_or_2_and_never_shows_python(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: st.DataObject
) -> None:
    """Each command, in-process through ``main(argv)``, with good, broken and odd arguments."""
    kind, document, framework = data.draw(_documents())
    good = tmp_path / "framework.toml"
    good.write_text(dumps(framework), encoding="utf-8")
    broken = tmp_path / f"broken-{kind}.toml"
    broken.write_text(tomli_w.dumps(data.draw(broken_structures(document))), encoding="utf-8")
    named = {"broken": broken, "missing": tmp_path / "missing.toml", "folder": tmp_path}
    file = st.sampled_from([str(good), *map(str, named.values())]) | st.text(max_size=6)
    out = str(tmp_path / "out" / "report") if data.draw(st.booleans()) else str(tmp_path / "r")
    argv: list[str] = data.draw(
        st.one_of(
            st.tuples(st.just("validate"), file, file).map(list),
            st.tuples(st.just("assess"), file, file).map(list)
            | st.tuples(
                st.just("assess"),
                st.just(str(good)),
                file,
                st.just("--review"),
                file,
                st.just("--as-of"),
                _DATES,
                st.just("--format"),
                _FORMATS,
            ).map(list),
            st.tuples(
                st.just("template"), file, st.just("--organisation"), st.text(max_size=8)
            ).map(list),
            st.tuples(st.just("diff"), file, file, st.just("--format"), _FORMATS).map(list),
            st.tuples(st.just("rescore"), file, file, file).map(list),
            st.tuples(
                st.just("schema"),
                st.sampled_from(["framework", "submission", "review", "outcome-set", "x"]),
                st.just("--framework"),
                file,
            ).map(list),
        )
    )
    if data.draw(st.booleans()) and argv[0] in ("assess", "template", "schema"):
        argv += ["-o", out]
    capsys.readouterr()
    code = main(argv)
    _, err = capsys.readouterr()
    assert code in (0, 2), (argv, err)
    assert "Traceback" not in err
    assert "internal error" not in err
    assert_in_our_words(err)
