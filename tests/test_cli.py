"""The qmframe command: output and exit codes."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path

import core_fixtures
import pytest

import qmframe
from qmframe import api
from qmframe.cli import main


@pytest.fixture(autouse=True)
def isolated_registry(monkeypatch: pytest.MonkeyPatch, registry: qmframe.Registry) -> None:
    """The command uses the default registry; give it the installed plugins, freshly built."""
    monkeypatch.setattr(api, "_default", qmframe.Registry())


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_frameworks_lists_plugin_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "frameworks")
    assert code == 0
    line = next(row for row in out.splitlines() if row.startswith("example-charter"))
    assert line.split()[:4] == ["example-charter", "1.0", "qmframe-example", "0.1.0"]


def test_validate_ok_with_notice(mini: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    repo_file = Path(__file__).resolve().parents[1] / "frameworks" / "example-charter.toml"
    code, out, err = run(capsys, "validate", str(repo_file), str(mini["framework"]))
    assert code == 0, err
    assert (
        f"{repo_file}: notice: 8 illustrative of 8 sections and criteria: not the owner's "
        "official text" in out
    )
    assert f"{mini['framework']}: ok" in out


def test_validate_submission_against_a_framework_file(
    mini: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        "validate",
        "--framework",
        str(mini["framework"]),
        str(mini["submission"]),
        str(mini["review"]),
    )
    assert (code, err) == (0, "")
    assert out.splitlines() == [f"{mini['submission']}: ok", f"{mini['review']}: ok"]


def test_validate_reports_every_bad_file(
    write: Callable[..., Path], mini: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(
        "bad.toml",
        core_fixtures.FRAMEWORK.replace('scale = "lvl"\naggregate', 'scale = "qm5"\naggregate'),
    )
    code, out, err = run(capsys, "validate", str(bad), str(mini["framework"]))
    assert code == 2
    assert f"{bad}: sections[0].scale: unknown scale 'qm5'" in err
    assert f"{mini['framework']}: ok" in out


def test_unknown_framework_id_is_bad_input(
    mini: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "assess", "no-such-framework", str(mini["submission"]))
    assert code == 2
    # The installed list is sorted; which plugins are installed besides the example varies.
    assert "unknown framework 'no-such-framework' (installed: " in err
    assert "example-charter" in err.splitlines()[0]


def test_assess_json_has_the_promised_keys(
    mini: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        "assess",
        str(mini["framework"]),
        str(mini["submission"]),
        "--review",
        str(mini["review"]),
        "--as-of",
        "2026-03-01",
        "--format",
        "json",
    )
    assert code == 0  # not awarded is still a job done
    data = json.loads(out)
    assert {
        "framework",
        "version",
        "status",
        "highlights",
        "unmet",
        "valid_from",
        "valid_until",
        "explanation",
    } <= set(data)
    assert (data["framework"], data["version"], data["status"]) == ("mini", "2", "not-yet")
    assert [u["target"] for u in data["unmet"]] == ["b2"]
    assert [d["target"] for d in data["disagreements"]] == ["a2", "b2"]
    assert data["valid_from"] is None


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("text", "Decision:     AWARDED"),
        ("markdown", "- **Decision:** awarded\n"),
    ],
)
def test_assess_text_formats(
    mini: dict[str, Path], capsys: pytest.CaptureFixture[str], fmt: str, expected: str
) -> None:
    code, out, _ = run(
        capsys,
        "assess",
        str(mini["framework"]),
        str(mini["submission"]),
        "--format",
        fmt,
        "--as-of",
        "2026-03-01",
    )
    assert code == 0
    assert expected in out


def test_assess_writes_output_atomically(
    mini: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "report.md"
    code, out, _ = run(
        capsys,
        "assess",
        str(mini["framework"]),
        str(mini["submission"]),
        "--format",
        "markdown",
        "-o",
        str(target),
    )
    assert code == 0
    assert out == f"awarded: report written to {target}\n"
    assert target.read_text().startswith("# Mini framework: Org One")


def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    # main returns the code (it never calls sys.exit), for usage errors too.
    assert main(["assess"]) == 2
    assert "Missing argument 'FRAMEWORK'" in capsys.readouterr().err
    assert main(["assess", "x", "y", "--as-of", "31/12/2026"]) == 2
    assert "expected a date as YYYY-MM-DD" in capsys.readouterr().err
    assert main(["no-such-command"]) == 2
    assert "No such command 'no-such-command'" in capsys.readouterr().err
    assert main([]) == 2  # no command: the help, on stderr, as a usage error
    assert "Usage: qmframe [OPTIONS] COMMAND [ARGS]..." in capsys.readouterr().err


def test_unknown_format_is_bad_input(
    mini: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "assess", str(mini["framework"]), str(mini["submission"]), "--format", "pdf"
    )
    assert code == 2
    assert "unknown report format 'pdf'" in err


def test_internal_error_exits_1(
    mini: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(api, "assess", boom)
    code, _, err = run(capsys, "assess", str(mini["framework"]), str(mini["submission"]))
    assert code == 1
    assert "internal error in qmframe: ZeroDivisionError: oops" in err


def test_template_lists_every_criterion_and_loads(
    mini: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "blank.toml"
    code, _, _ = run(
        capsys, "template", "example-charter", "--organisation", "org-9", "-o", str(target)
    )
    assert code == 0
    text = target.read_text()
    data = tomllib.loads(text)
    framework = qmframe.load_framework("example-charter")
    # Every section with its own scale is rated as a whole, then its criteria one by one.
    expected = [t for s in framework.sections for t in (s.id, *(c.id for c in s.criteria))]
    assert [r["target"] for r in data["ratings"]] == expected
    assert data["organisation"]["id"] == "org-9"
    for _, criterion in framework.iter_criteria():
        assert f"# {criterion.guidance}" in text
    # Filled in minimally, the blank template becomes a valid submission.
    filled = text.replace('name = ""', 'name = "Nine"').replace('kind = ""', 'kind = "charity"', 1)
    filled = filled.replace('context = ""', 'context = "wales"')
    path = tmp_path / "filled.toml"
    path.write_text(filled)
    assert qmframe.load_submission(path, framework).organisation.name == "Nine"


def test_demo_runs_with_no_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "demo")
    assert code == 0, err
    assert "Decision:" in out
    assert "Explanation (every rule, in order):" in out
    assert "Reproduce with:\n  qmframe assess " in out


def test_demo_list_and_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo", "--list")
    assert code == 0
    assert "example-riverside" in out
    code, _, err = run(capsys, "demo", "nope")
    assert code == 2
    assert "unknown example 'nope'" in err
