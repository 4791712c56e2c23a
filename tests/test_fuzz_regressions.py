"""Every input the fuzzers ever found failing, kept as a literal regression test.

Each row is a file's text, the kind it is read as, and the one problem it
must give: the place (a dotted path, or a line and column) and what was
expected there, in qmframe's words. Before the fix these read "unknown error
('list' object has no attribute 'keys')", named no line, or showed Python's
``repr`` of a value.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import qmframe
from qmframe.cli import main
from qmframe.files import read_framework, read_review, read_submission

READERS = {"framework": read_framework, "submission": read_submission, "review": read_review}
HEAD = 'id = "f"\nversion = "1"\ntitle = "F"\n'
SUBMISSION = 'framework = "f"\nframework_version = "1"\norganisation = { id = "o", name = "O" }\n'
REVIEW = 'framework = "f"\nframework_version = "1"\norganisation = "o"\n'

#: (kind, text, path, message): found by tests/test_fuzz_loaders.py and test_fuzz_cli.py.
FOUND = [
    # 'list' object has no attribute 'keys': a list where a table was expected.
    ("framework", HEAD + "[[scales]]\nid = \"s\"\nlevels = [[1]]\n", "scales[0].levels[0]",
     "expected a table"),
    ("review", REVIEW + "requests = [[]]\n", "requests[0]", "expected a table"),
    # 'str' object has no attribute 'keys': a string where a table was expected.
    ("framework", HEAD + 'contexts = ["wales"]\n', "contexts[0]", "expected a table"),
    ("framework", HEAD + 'evidence_types = ["doc"]\n', "evidence_types[0]", "expected a table"),
    # A string where a list was expected was read as a list of its characters.
    ("framework", HEAD + 'evidence_types = "doc"\n', "evidence_types",
     "expected a list, got a string ('doc')"),
    ("framework", HEAD + "evidence_types = { a = 1 }\n", "evidence_types",
     "expected a list, got a table"),
    ("submission", SUBMISSION + "ratings = 3\n", "ratings", "expected a list, got an integer (3)"),
    # Python's repr of a value: "got date (datetime.date(2000, 1, 1))", "true/false (False)".
    ("framework", "id = 2000-01-01\nversion = \"1\"\ntitle = \"F\"\n", "id",
     "expected a string, got a date (2000-01-01)"),
    ("framework", "id = 2000-01-01T10:00:00\nversion = \"1\"\ntitle = \"F\"\n", "id",
     "expected a string, got a date and time (2000-01-01T10:00:00)"),
    ("framework", "id = 19:51:32\nversion = \"1\"\ntitle = \"F\"\n", "id",
     "expected a string, got a time (19:51:32)"),
    ("framework", "id = false\nversion = \"1\"\ntitle = \"F\"\n", "id",
     "expected a string, got true/false (false)"),
    ("submission", SUBMISSION + "submitted_on = [1]\n", "submitted_on",
     "expected a date (YYYY-MM-DD), got a list"),
    ("framework", HEAD + "[review]\nmin_reviewers = {}\n", "review.min_reviewers",
     "expected an integer, got a table"),
    # "nested too deeply" named no line.
    ("framework", "a = " + "[" * 5000 + "]" * 5000 + "\n", "",
     "malformed TOML: arrays or tables nested too deeply (more than 100 levels deep at line 1, "
     "column 105)"),
    ("framework", 'x = "[[["  # [[[\n' + "a = " + "{ b = " * 3000 + "1" + " }" * 3000 + "\n", "",
     "malformed TOML: arrays or tables nested too deeply (more than 100 levels deep at line 2, "
     "column 605)"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "text", "path", "message"), FOUND)
def test_found_by_fuzzing_is_located_in_the_projects_words(
    tmp_path: Path, kind: str, text: str, path: str, message: str
) -> None:
    file = tmp_path / f"{kind}.toml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(qmframe.ValidationError) as caught:
        READERS[kind](file)
    problems = [(p.file, p.path, p.message) for p in caught.value.problems]
    assert problems == [(str(file), path, message)]


@pytest.mark.parametrize(("kind", "text", "path", "message"), FOUND)
def test_found_by_fuzzing_validate_prints_the_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, text: str, path: str,
    message: str,
) -> None:  # fmt: skip
    file = tmp_path / f"{kind}.toml"
    file.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", str(file)]) == 2
    err = capsys.readouterr().err
    assert f"{file}: {path + ': ' if path else ''}{message}\n" in err


def test_not_utf8_names_the_line_and_column(tmp_path: Path) -> None:
    file = tmp_path / "framework.toml"
    file.write_bytes(b'id = "f"\ntitle = "x\xff"\n')
    with pytest.raises(qmframe.ValidationError) as caught:
        read_framework(file)
    [problem] = caught.value.problems
    assert problem.message == "not UTF-8 text (byte 19, at line 2, column 11)"


def test_json_nested_too_deeply_names_the_line_and_column() -> None:
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.loads('{\n "a": ' + "[" * 100_000, "framework", format="json", file="d.json")
    [problem] = caught.value.problems
    assert problem.message == (
        "malformed JSON: arrays or objects nested too deeply "
        "(more than 100 levels deep at line 2, column 106)"
    )


def test_the_fuzz_tests_try_over_ten_thousand_inputs_in_every_run() -> None:
    # They ran 40 examples each under the "ci" profile: 200 in all (issue 12).
    import test_fuzz_cli
    import test_fuzz_loaders

    counts = {
        name: test._hypothesis_internal_use_settings.max_examples
        for module in (test_fuzz_loaders, test_fuzz_cli)
        for name, test in vars(module).items()
        if name.startswith("test_") and hasattr(test, "hypothesis")
    }
    assert len(counts) == 6, counts
    assert sum(counts.values()) >= 10_000 * test_fuzz_loaders.FUZZ_SCALE, counts


def test_a_file_name_with_a_nul_character_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # Found by fuzzing the command line: "internal error ... ValueError: embedded null byte".
    capsys.readouterr()
    assert main(["validate", "a\x00b.toml"]) == 2
    err = capsys.readouterr().err
    assert "a\\x00b.toml: cannot read the file: its name holds a NUL character" in err


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ("2000-01-01", "a date (2000-01-01)"),
        ("[1]", "a list"),
        ("false", "true/false (false)"),
        ("3", "an integer (3)"),
    ],
)
def test_a_rule_parameter_of_the_wrong_kind_is_named_as_toml_writes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, named: str
) -> None:
    # Found by fuzzing validate: "required: a level id, got datetime.date(2000, 1, 1)".
    charter = Path(__file__).parents[1] / "frameworks" / "example-charter.toml"
    text = charter.read_text(encoding="utf-8")
    first_rule = text.index("[[decision.rules]]")
    level = text.index('level = "met"', first_rule)
    file = tmp_path / "framework.toml"
    file.write_text(text[:level] + f"level = {value}" + text[level + len('level = "met"') :])
    capsys.readouterr()
    assert main(["validate", str(file)]) == 2
    err = capsys.readouterr().err
    assert f"{file}: decision.rules[0].level: required: a level id, got {named}\n" in err
