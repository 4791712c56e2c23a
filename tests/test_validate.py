"""``qmframe validate``: every problem in one run, a submission with its review, file kinds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import core_fixtures
import pytest

import qmframe
from qmframe import api
from qmframe.cli import main
from qmframe.errors import Problem
from qmframe.files import read_framework

BROKEN_SUBMISSION = core_fixtures.SUBMISSION.replace('level = "wow"', 'level = "zzz"', 1)
UNKNOWN_EVIDENCE = core_fixtures.REVIEW.replace(
    'rationale = "Outstanding."', 'rationale = "Outstanding."\nevidence = ["e9"]'
)


class Checks:
    """A plugin check: reports a problem, or fails on what it is given."""

    __name__ = "fussy"

    def __init__(self, *, fail: bool) -> None:
        self.fail = fail

    @qmframe.hookimpl
    def qmframe_check_submission(self, framework: Any, submission: Any, review: Any) -> Any:
        if self.fail:
            raise KeyError("a level this check does not know")
        return [Problem("the plugin says no", "details.x", code="plugin-says-no")]


def use_plugin(monkeypatch: pytest.MonkeyPatch, plugin: object) -> qmframe.Registry:
    manager = qmframe.get_plugin_manager(load_entrypoints=False, plugins=[plugin])
    registry = qmframe.Registry(manager)
    monkeypatch.setattr(api, "_default", registry)
    return registry


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def framework_file(write: Callable[[str, str], Path]) -> Path:
    return write("mini.toml", core_fixtures.FRAMEWORK)


def test_plugin_checks_run_beside_the_structural_ones(
    monkeypatch: pytest.MonkeyPatch,
    write: Callable[[str, str], Path],
    framework_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_plugin(monkeypatch, Checks(fail=False))
    sub = write("sub.toml", BROKEN_SUBMISSION)
    code, _out, err = run(capsys, "validate", "--framework", str(framework_file), str(sub))
    assert code == 2
    assert "ratings[0].level" in err  # the structural problem
    assert "the plugin says no" in err  # and the plugin's, in the same run


def test_a_plugin_check_failing_on_broken_input_is_reported_as_that_plugins_failure(
    monkeypatch: pytest.MonkeyPatch, framework_file: Path
) -> None:
    registry = use_plugin(monkeypatch, Checks(fail=True))
    framework = read_framework(framework_file)
    submission = qmframe.loads(BROKEN_SUBMISSION, "submission")
    problems = registry.assessor(framework).check(submission, submission_file="s", every=True)
    codes = [p.code for p in problems]
    assert "plugin-check-failed" in codes
    assert any(p.severity == "error" for p in problems)
    failure = next(p for p in problems if p.code == "plugin-check-failed")
    assert "fussy" in failure.message
    assert "KeyError" in failure.message
    assert failure.file == "s"
    # A decision never runs a plugin's checks on broken input.
    assert "plugin-check-failed" not in [
        p.code for p in registry.assessor(framework).check(submission)
    ]
    # On well-formed input a failing plugin check is the plugin's bug, raised as before.
    good = qmframe.loads(core_fixtures.SUBMISSION, "submission")
    with pytest.raises(qmframe.PluginError):
        registry.assessor(framework).check(good, every=True)


def test_a_submission_and_its_review_are_checked_together(
    write: Callable[[str, str], Path], framework_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sub = write("s/submission.toml", core_fixtures.SUBMISSION)
    rev = write("s/review.toml", UNKNOWN_EVIDENCE)
    fw = ("validate", "--framework", str(framework_file))
    code, _, _ = run(capsys, *fw, str(rev))
    assert code == 0  # alone, the review cannot know the submission's evidence
    code, out, err = run(capsys, *fw, str(sub), str(rev))
    assert code == 2
    assert f"{rev}: judgements[0].evidence" in err
    assert f"{sub}: ok" in out
    assert f"{rev}: 1 problem" in err
    # Another organisation's review is not paired with this submission.
    other = write("s/other.toml", UNKNOWN_EVIDENCE.replace('"org-1"', '"org-2"'))
    assert run(capsys, *fw, str(sub), str(other))[0] == 0


def test_a_declared_kind_is_used_and_a_guess_says_it_is_one(
    write: Callable[[str, str], Path], framework_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fw = ("validate", "--framework", str(framework_file))
    minimal = 'framework = "mini"\nframework_version = "2"\n'
    guessed = write("guessed.toml", minimal)
    code, out, _ = run(capsys, *fw, str(guessed))
    assert "read as a submission (guessed from its keys" in out
    declared = write("declared.toml", 'document = "review"\n' + minimal + 'organisation = "o"\n')
    code, out, err = run(capsys, *fw, str(declared))
    assert (code, err) == (0, "")
    assert "guessed" not in out
    assert out.endswith(f"{declared}: ok\n")
    declared = write("declared.toml", 'document = "review"\n' + minimal)
    code, _, err = run(capsys, *fw, str(declared))  # a review missing its organisation
    assert code == 2
    assert "organisation" in err
    assert "guessed" not in err
    wrong = write("wrong.toml", 'document = "review"\n' + core_fixtures.SUBMISSION)
    code, _, err = run(capsys, *fw, str(wrong))
    assert code == 2
    assert f"{wrong}: " in err
    assert "organisation" in err
    mislabelled = write("x.toml", 'document = "framework"\n' + core_fixtures.SUBMISSION)
    with pytest.raises(qmframe.ValidationError) as caught:
        qmframe.read_submission(mislabelled)
    assert [(p.path, p.code) for p in caught.value.problems] == [("document", "wrong-value")]
