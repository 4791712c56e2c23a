"""read_toml parses with tomli's compiled wheel where it is installed, else with tomllib.

Both parsers must give the same tables and the same located errors; each
test here runs with each parser (the fallback is forced by swapping the
module ``read_toml`` uses), and the choice itself is checked in a fresh
interpreter with tomli hidden.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
import types
from pathlib import Path

import pytest

from qmframe import files
from qmframe.errors import ValidationError
from qmframe.files import read_toml

try:
    import tomli
except ImportError:  # the fast extra is not installed: only the fallback is tested
    tomli = None

PARSERS = [
    pytest.param(tomllib, id="tomllib"),
    pytest.param(
        tomli,
        id="tomli",
        marks=pytest.mark.skipif(tomli is None, reason="tomli (the fast extra) is not installed"),
    ),
]

MALFORMED = {
    "a = 1\nb = \n": "Invalid value (at line 2, column 5)",
    "[x]\n[x]\n": "Cannot declare ('x',) twice (at line 2, column 3)",
    'a = "\\q"\n': "Unescaped '\\' in a string (at line 1, column 8)",
    "a = 1 b\n": "Expected newline or end of document after a statement (at line 1, column 7)",
    "a = [1,\n2\n": "Unclosed array (at end of document)",
    "= 1\n": "Invalid statement (at line 1, column 1)",
    # TOML 1.1 allows a trailing comma in an inline table; TOML 1.0 (tomllib) does not.
    "a = {b = 1,}\n": "Invalid initial character for a key part (at line 1, column 12)",
}


@pytest.fixture(params=PARSERS)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module: types.ModuleType = request.param
    monkeypatch.setattr(files, "toml_parser", module)
    return module


def test_each_parser_reads_the_same_tables(parser: types.ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text(
        'id = "x"\nwhen = 2026-03-02\n[[sections]]\nid = "s"\nscore = 1.5\n'
        '[[sections.criteria]]\nid = \'c\'\ntags = ["a", "b"]\n',
        encoding="utf-8",
    )
    data = read_toml(path)
    assert data == tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["sections"][0]["criteria"][0]["tags"] == ["a", "b"]


@pytest.mark.parametrize(("text", "message"), MALFORMED.items())
def test_malformed_toml_is_located_alike(
    parser: types.ModuleType, tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        read_toml(path)
    (problem,) = caught.value.problems
    assert problem.message == f"malformed TOML: {message}"
    assert (problem.file, problem.code) == (str(path), "malformed-file")


def test_deep_nesting_is_a_problem_with_either_parser(
    parser: types.ModuleType, tmp_path: Path
) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="nested too deeply"):
        read_toml(path)


@pytest.mark.skipif(tomli is None, reason="tomli (the fast extra) is not installed")
def test_the_compiled_tomli_is_chosen_when_installed() -> None:
    assert tomli is not None
    if isinstance(tomli.loads, types.FunctionType):
        pytest.skip("tomli is installed as pure Python here: tomllib is chosen, by design")
    assert files.toml_parser is tomli
    assert files._fast_toml() is tomli


def test_the_fallback_is_chosen_without_tomli() -> None:
    # A fresh interpreter in which `import tomli` fails, as on an install without the extra.
    code = (
        "import sys; sys.modules['tomli'] = None\n"
        "from qmframe import files; print(files.toml_parser.__name__)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "tomllib"


def test_a_tomli_that_reads_another_toml_version_is_passed_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if tomli is None or isinstance(tomli.loads, types.FunctionType):
        pytest.skip("needs tomli's compiled wheel")
    toml_11 = sys.version_info < (3, 15)  # a version whose TOML differs from tomllib's here
    monkeypatch.setattr(tomli, "__version__", "2.4.0" if toml_11 else "2.3.0")
    assert files._fast_toml() is None
