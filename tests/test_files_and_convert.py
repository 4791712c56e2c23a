"""Reading and writing files: round trips, strict types, atomic writes."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path

import pytest

import qmframe
from qmframe._convert import structure, unstructure_json
from qmframe.files import read_framework, read_review, read_submission, write_text


def test_framework_round_trip_through_toml(mini: dict[str, Path], tmp_path: Path) -> None:
    framework = read_framework(mini["framework"])
    out = tmp_path / "again.toml"
    qmframe.write_toml(out, framework)
    assert read_framework(out) == framework
    # Rule parameters sit beside the common keys in the written file, as people write them.
    written = tomllib.loads(out.read_text())
    assert written["decision"]["rules"][0] == {
        "id": "all-met",
        "kind": "minimum-level",
        "level": "yes",
        "feedback": "Show how you meet it.",
    }


def test_submission_and_review_round_trip(mini: dict[str, Path], tmp_path: Path) -> None:
    submission = read_submission(mini["submission"])
    review = read_review(mini["review"])
    for value, reader in ((submission, read_submission), (review, read_review)):
        path = tmp_path / "x.toml"
        qmframe.write_toml(path, value)
        assert reader(path) == value
    assert submission.evidence[0].outcomes == ("O1", "O2")
    assert submission.actions[0].due == dt.date(2027, 1, 1)


def test_decision_round_trips_through_toml(
    mini: dict[str, Path], registry: qmframe.Registry
) -> None:
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    submission = qmframe.load_submission(mini["submission"], framework, registry=registry)
    decision = qmframe.assess(framework, submission, as_of=dt.date(2026, 3, 1), registry=registry)
    again = structure(tomllib.loads(qmframe.dumps(decision)), qmframe.Decision)
    assert again == decision


def test_json_form_uses_iso_dates(mini: dict[str, Path], registry: qmframe.Registry) -> None:
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    submission = qmframe.load_submission(mini["submission"], framework, registry=registry)
    decision = qmframe.assess(framework, submission, as_of=dt.date(2026, 3, 1), registry=registry)
    data = unstructure_json(decision)
    assert data["valid_from"] == "2026-03-01"
    assert data["valid_until"] == "2029-02-28"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("version", "2", "expected a string, got an integer (2)"),
        ("title", "true", "expected a string, got true/false (true)"),
    ],
)
def test_leaf_types_are_strict(tmp_path: Path, field: str, value: str, message: str) -> None:
    path = tmp_path / "f.toml"
    path.write_text(
        'id = "x"\nversion = "1"\ntitle = "t"\n'.replace(f'{field} = "', f'{field} = {value} #"')
    )
    with pytest.raises(qmframe.ValidationError) as caught:
        read_framework(path)
    assert [str(p) for p in caught.value.problems] == [f"{path}: {field}: {message}"]


def test_a_boolean_is_not_a_number(tmp_path: Path) -> None:
    path = tmp_path / "f.toml"
    path.write_text('id = "x"\nversion = "1"\ntitle = "t"\n[validity]\nmonths = true\n')
    with pytest.raises(qmframe.ValidationError, match=r"validity\.months: expected an integer"):
        read_framework(path)


def test_write_is_atomic_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.toml"
    target.write_text("old contents\n")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(qmframe.ValidationError, match="disk full; the file is unchanged"):
        write_text(target, "new contents\n")
    assert target.read_text() == "old contents\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.toml"]
    monkeypatch.undo()
    write_text(target, "new contents\n")
    assert target.read_text() == "new contents\n"


def test_validate_parses_each_file_once(
    mini: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # It parsed a framework twice: once to tell what it is, again to read it.
    from qmframe import files as qmframe_files
    from qmframe.cli import main

    parsed: list[str] = []
    parser = qmframe_files.toml_parser  # tomllib, or tomli's compiled parser (the fast extra)
    real = parser.loads

    def counting(text: str, **kwargs: object) -> dict[str, object]:
        parsed.append(text)
        return real(text, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(parser, "loads", counting)
    files = [mini[kind] for kind in ("framework", "submission", "review")]
    assert main(["validate", "--framework", str(files[0]), *map(str, files)]) == 0
    texts = [file.read_text(encoding="utf-8") for file in files]
    # The framework once for --framework, once as a file to check; the others once each.
    assert [parsed.count(text) for text in texts] == [2, 1, 1]


# -- the quick converter and the detailed one ---------------------------------------------


def _shipped_documents() -> list[tuple[Path, type]]:
    root = Path(__file__).resolve().parents[1]
    found: list[tuple[Path, type]] = [
        (path, qmframe.Framework) for path in sorted((root / "frameworks").glob("*.toml"))
        if "sections" in tomllib.loads(path.read_text("utf-8"))
    ]  # fmt: skip
    for kind, cls in (("submission", qmframe.Submission), ("review", qmframe.Review)):
        examples = sorted(root.glob(f"plugins/*/src/*/examples/*/{kind}.toml"))
        found += [(path, cls) for path in examples]
    return found


@pytest.mark.parametrize(
    ("path", "cls"), _shipped_documents(), ids=lambda v: getattr(v, "name", "")
)
def test_quick_converter_builds_what_the_detailed_one_builds(
    path: Path, cls: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``structure`` reads good input with the quick converter: the value is the detailed one's."""
    from qmframe import _convert

    data = tomllib.loads(path.read_text("utf-8"))
    data.pop("document", None)  # the kind of file, taken off by the reader (files.read_document)
    expected = _convert.toml_converter.structure(data, cls)
    used: list[type] = []
    quick, detailed = _convert._quick_toml, _convert.toml_converter
    real = quick.structure
    monkeypatch.setattr(quick, "structure", lambda d, c: used.append(c) or real(d, c))
    monkeypatch.setattr(detailed, "structure", lambda d, c: pytest.fail("read twice"))
    assert structure(data, cls) == expected
    assert used == [cls]
    assert _convert._quick_toml.detailed_validation is False
    assert _convert.toml_converter.detailed_validation is True


def test_input_the_quick_converter_refuses_gets_every_problem_with_its_place() -> None:
    """Bad input is read again by the detailed converter: every problem, not the first only."""
    from qmframe import _convert

    data = {"name": 3, "organisation": {"name": "A", "extra": 1}, "ratings": "x"}
    with pytest.raises(ValueError, match="expected a list"):  # the quick one stops at the first
        _convert._quick_toml.structure(data, qmframe.Submission)
    problems = structure(data, qmframe.Submission)
    assert isinstance(problems, list)
    assert {(p.path, p.code) for p in problems} == {
        ("framework", "missing-key"),
        ("framework_version", "missing-key"),
        ("organisation.id", "missing-key"),
        ("organisation", "unknown-key"),
        ("ratings", "wrong-type"),
        ("", "unknown-key"),
    }
