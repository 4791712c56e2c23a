"""What a newcomer and an attacker found, trying qmframe from a clone (each failed first).

* `qmframe batch` decides a case exactly as `qmframe assess` does, or refuses it as
  `assess` does: an award that would run past the last date qmframe handles is refused on
  both paths (batch, rescore and `Assessor.assess` skipped the check `qmframe.assess` made).
* A review file beside a submission that cannot be read (a FIFO, a dangling link, a
  folder) makes the case invalid, with the reason; it was silently left out, so the case
  was decided as an indication.
* `--jobs` takes at most `MAX_JOBS` processes: a huge number was an internal error
  (OverflowError) or a fork of that many processes that never finished; `batch.run`
  refuses a number of processes below 1 instead of quietly running in this process.
* Ctrl-C during a batch stops it at once, with no traceback from the worker processes,
  no hang, and the old output file intact (the workers died of the interrupt mid-message,
  printing tracebacks, and now and then left the pool waiting for ever).
* Messages name a non-finite number as TOML writes it ("got nan").
* The tutorial's commands work as written from the clone's folder, and the output shown
  is what the reader sees.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import select
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import core_fixtures
import pytest

import qmframe
from qmframe import batch, errors, limits
from qmframe.cli import main

Write = Callable[[str, str], Path]

ROOT = Path(__file__).resolve().parents[1]
#: The mini review whose b2 judgement passes, so the case is awarded.
PASSING = core_fixtures.REVIEW.replace(
    'target = "b2"\nlevel = "no"', 'target = "b2"\nlevel = "yes"'
)


def _case(write: Write, name: str, review: str | None = PASSING) -> Path:
    write(f"cases/{name}/submission.toml", core_fixtures.SUBMISSION)
    if review is not None:
        write(f"cases/{name}/review.toml", review)
    return Path(write("mini.toml", core_fixtures.FRAMEWORK))


def _lines(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[Any], str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


# -- the same checks on every path to a decision -----------------------------------------------


def test_batch_refuses_an_award_running_past_the_last_date_as_assess_does(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    late = PASSING.replace("reviewed_on = 2026-02-01", "reviewed_on = 2200-12-01")
    assert late != PASSING
    framework = _case(write, "late", late)
    folder = framework.parent / "cases" / "late"
    code = main(
        ["assess", str(framework), str(folder / "submission.toml"), "--review",
         str(folder / "review.toml"), "--format", "json"]
    )  # fmt: skip
    _, assess_err = capsys.readouterr()
    assert code == 2
    assert "would run past 2200-12-31" in assess_err
    code, [line], _ = _lines(capsys, "batch", str(framework), str(framework.parent / "cases"))
    assert code == 2
    assert line["result"] == "invalid", line
    [problem] = line["problems"]
    assert problem["code"] == "out-of-range"
    assert "would run past 2200-12-31" in problem["message"]


@pytest.mark.parametrize("day", [dt.date(1800, 1, 1), dt.date(9999, 1, 1)])
def test_a_case_decided_on_a_day_out_of_bounds_is_invalid_not_decided_or_failed(
    write: Write, day: dt.date
) -> None:
    framework = _case(write, "ok")
    folder = framework.parent / "cases" / "ok"
    case = batch.Case(
        label="ok",
        submission=folder / "submission.toml",
        review=folder / "review.toml",
        as_of=day,
    )
    outcome = batch.Assess(framework)(case)
    assert outcome.result == "invalid", outcome
    assert [p.code for p in outcome.problems] == ["out-of-range"]
    assert outcome.problems[0].path == "as_of"


def test_assessor_assess_checks_the_decision_date(write: Write) -> None:
    framework = qmframe.load_framework(write("f.toml", core_fixtures.FRAMEWORK))
    submission = qmframe.load_submission(write("s.toml", core_fixtures.SUBMISSION), framework)
    assessor = qmframe.default_registry().assessor(framework)
    with pytest.raises(qmframe.ValidationError) as caught:
        assessor.assess(submission, None, as_of=dt.date(2200, 12, 1))
    assert [p.code for p in caught.value.problems] == ["out-of-range"]


def test_batch_and_assess_give_the_same_json_for_every_shipped_example(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The same decision on both paths, compared as JSON, for every installed example."""
    registry = qmframe.default_registry()
    examples = {name: reg.value for name, reg in registry.examples.items() if reg.value.review}
    if not examples:
        pytest.skip("no plugin with examples is installed")
    compared = 0
    for example in examples.values():
        code = main(
            ["assess", example.framework, os.fspath(example.submission), "--review",
             os.fspath(example.review), "--format", "json"]
        )  # fmt: skip
        alone = capsys.readouterr().out
        assert code == 0
        code, [line], _ = _lines(
            capsys, "batch", example.framework, os.fspath(example.submission), "--jobs", "1"
        )
        assert code == 0
        assert line["decision"] == json.loads(alone), example
        compared += 1
    assert compared >= 1


# -- a review beside the submission that cannot be read ----------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "dangling-link", "folder"])
def test_an_unreadable_review_makes_the_case_invalid_not_an_indication(
    write: Write, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    framework = _case(write, "odd", review=None)
    review = framework.parent / "cases" / "odd" / "review.toml"
    if kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("this system has no FIFOs")
        os.mkfifo(review)
    elif kind == "dangling-link":
        review.symlink_to(framework.parent / "nowhere.toml")
    else:
        review.mkdir()
    [case] = batch.find_cases(framework.parent / "cases")
    assert case.review == os.fspath(review)
    code, [line], _ = _lines(capsys, "batch", str(framework), str(framework.parent / "cases"))
    assert code == 2
    assert line["result"] == "invalid", line
    assert [p["file"] for p in line["problems"]] == [os.fspath(review)]


def test_a_case_without_a_review_is_still_decided_without_one(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    framework = _case(write, "alone", review=None)
    [case] = batch.find_cases(framework.parent / "cases")
    assert case.review is None
    code, [line], _ = _lines(capsys, "batch", str(framework), str(framework.parent / "cases"))
    assert (code, line["result"], line["review"]) == (0, "decided", None)


# -- the number of processes -------------------------------------------------------------------


class _NoPool:
    """Stands in for ProcessPoolExecutor: records what was asked and starts nothing."""

    asked: list[int] = []

    def __init__(self, max_workers: int | None = None, **_: object) -> None:
        _NoPool.asked.append(max_workers or 0)
        raise RuntimeError("no process pool in this test")


@pytest.fixture
def no_pool(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    import concurrent.futures

    _NoPool.asked = []
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", _NoPool)
    return _NoPool.asked


@pytest.mark.parametrize("jobs", ["100000", "99999999999999999999"])
def test_batch_refuses_more_processes_than_it_allows_as_a_usage_error(
    write: Write, capsys: pytest.CaptureFixture[str], no_pool: list[int], jobs: str
) -> None:
    framework = _case(write, "ok")
    code = main(["batch", str(framework), str(framework.parent / "cases"), "--jobs", jobs])
    _, err = capsys.readouterr()
    assert no_pool == []  # refused before any process was started
    assert code == 2, err
    assert "Invalid value for '-j' / '--jobs'" in err
    assert f"1<=x<={limits.MAX_JOBS}" in err
    assert "internal error" not in err


def test_batch_takes_the_largest_number_of_processes_it_allows(
    write: Write, capsys: pytest.CaptureFixture[str], no_pool: list[int]
) -> None:
    framework = _case(write, "ok")
    cases = str(framework.parent / "cases")
    code = main(["batch", str(framework), cases, "--jobs", str(limits.MAX_JOBS)])
    _, err = capsys.readouterr()
    assert code == 0, err  # accepted; one case is decided here, with no process started
    assert no_pool == []
    with pytest.raises(RuntimeError, match="no process pool"):  # as many chunks: all asked for
        list(batch.run(abs, range(limits.MAX_JOBS), jobs=limits.MAX_JOBS, chunk_size=1))
    assert no_pool == [limits.MAX_JOBS]


@pytest.mark.parametrize("jobs", [0, -1, limits.MAX_JOBS + 1])
def test_run_refuses_a_number_of_processes_out_of_bounds(no_pool: list[int], jobs: int) -> None:
    with pytest.raises(qmframe.ValidationError) as caught:
        list(batch.run(abs, [1, 2, 3], jobs=jobs))
    [problem] = caught.value.problems
    assert (problem.path, problem.code) == ("jobs", "out-of-range")
    assert str(jobs) in problem.message
    assert no_pool == []


def test_run_with_one_process_maps_in_this_one() -> None:
    assert list(batch.run(abs, [-1, -2], jobs=1)) == [1, 2]


# -- Ctrl-C ------------------------------------------------------------------------------------


def _sigint_handler() -> str:
    handler = signal.getsignal(signal.SIGINT)
    return "ignored" if handler == signal.SIG_IGN else repr(handler)


def _handler_in_worker(_: int) -> str:
    return _sigint_handler()


def test_the_batchs_worker_processes_leave_ctrl_c_to_the_main_process() -> None:
    """A terminal's Ctrl-C reaches every process of the group; the workers ignore it, so
    none dies in the middle of a message to the pool (the main process stops the batch)."""
    assert set(batch.run(_handler_in_worker, range(8), jobs=2, chunk_size=1)) == {"ignored"}
    assert _sigint_handler() != "ignored"  # this process still answers Ctrl-C


def _interrupt_on_a_terminal(argv: list[str], cwd: Path, wait: float) -> tuple[int, str, float]:
    """Run argv on a new pseudo-terminal; once its progress bar shows, read nothing for
    ``wait`` seconds (a slow terminal: the workers' results queue up), type Ctrl-C, and read
    to the end. Returns the exit code, what the terminal showed, and the seconds it took."""
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # the child: a session of its own, with the terminal as its stdin/out/err
        try:
            os.chdir(cwd)
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    output = b""

    def read(seconds: float, until: bytes = b"") -> bool:
        nonlocal output
        end = time.monotonic() + seconds
        while time.monotonic() < end and not (until and until in output):
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    data = os.read(fd, 65536)
                except OSError:  # the terminal closed: the command ended
                    return False
                if not data:
                    return False
                output += data
        return True

    read(60, until=b"assessing [")  # started, and deciding cases
    time.sleep(wait)
    os.write(fd, b"\x03")
    sent = time.monotonic()
    if read(30):  # still open after 30 s: hung
        os.killpg(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    took = time.monotonic() - sent
    return os.waitstatus_to_exitcode(status), output.decode("utf-8", "replace"), took


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux pseudo-terminals")
def test_ctrl_c_stops_a_batch_at_once_without_tracebacks_and_keeps_the_old_output(
    write: Write, tmp_path: Path
) -> None:
    framework = _case(write, "c0000")
    for n in range(1, 2000):
        _case(write, f"c{n:04d}")
    qmframe_command = Path(sys.executable).with_name("qmframe")
    if not qmframe_command.exists():
        pytest.skip("the qmframe command is not installed beside this Python")
    target = tmp_path / "out.jsonl"
    for wait in (0.5, 1.0, 1.5):
        target.write_text("old\n", encoding="utf-8")
        argv = [str(qmframe_command), "batch", str(framework), "cases", "--jobs", "2",
                "-o", str(target)]  # fmt: skip
        code, shown, took = _interrupt_on_a_terminal(argv, tmp_path, wait)
        assert "Traceback" not in shown, shown[-3000:]
        assert took < 30, f"still running {took:.0f} s after Ctrl-C"
        assert code == 130, shown[-2000:]  # 128 + SIGINT, as a shell reports it
        assert shown.rstrip().endswith("Aborted."), shown[-2000:]
        assert target.read_text(encoding="utf-8") == "old\n"
        assert not list(tmp_path.glob(".out.jsonl.*")), "a temporary file was left behind"


# -- messages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"), [(float("nan"), "nan"), (float("inf"), "inf"), (float("-inf"), "-inf")]
)
def test_a_non_finite_number_is_named_as_toml_writes_it(value: float, shown: str) -> None:
    assert errors.describe_value(value) == shown
    assert errors.describe_value(1.5) == "a number (1.5)"


# -- the tutorial, followed from the clone's folder --------------------------------------------


def test_tutorial_framework_says_what_it_is_so_validate_prints_only_ok(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/tutorial.md shows `qmframe validate` printing "ok" and nothing else."""
    monkeypatch.chdir(ROOT)
    path = "docs/tutorial/qmframe-repaircafe/src/qmframe_repaircafe/repair-cafe.toml"
    assert main(["validate", path]) == 0
    out, err = capsys.readouterr()
    assert (out + err).splitlines() == [f"{path}: ok"]


def test_tutorial_install_step_says_where_it_runs_and_its_paths_are_there() -> None:
    """Every other command on the tutorial page runs in the clone's folder, where
    `./qmframe-repaircafe` is not: the install step says which folder it runs in."""
    text = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
    step = text[text.index("## 5. Install it") :]
    said = re.search(r"in a clone of qmframe, that is `([^`]+)`", " ".join(step.split()))
    assert said, "the install step does not say where it runs"
    folder = ROOT / said.group(1)
    start = step.index("```sh\n") + len("```sh\n")
    block = step[start : step.index("```", start)]
    for line in block.splitlines():
        words = line.split()[2:] if line.startswith("pip install") else line.split()[1:]
        for word in words:
            path = word.strip('"').split("[")[0]
            assert (folder / path).is_dir(), f"{line!r}: no {path} in {said.group(1)}"


def test_batch_page_names_the_bound_on_processes() -> None:
    text = " ".join((ROOT / "docs" / "batch.md").read_text(encoding="utf-8").split())
    assert f"(`--jobs N` to choose, from 1 to {limits.MAX_JOBS})" in text


# -- rescore's summary -------------------------------------------------------------------------


def test_rescore_does_not_count_a_case_it_cannot_assess_as_a_changed_decision(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rescoring a framework against itself changes no decision; a case it cannot read
    is not "a decision that would change" (there is no decision), but is said apart."""
    framework = _case(write, "a-fine")
    write("cases/b-broken/submission.toml", "not = [toml")
    code = main(["rescore", str(framework), str(framework), str(framework.parent / "cases")])
    out = capsys.readouterr().out
    assert code == 2
    first = out.splitlines()[0]
    assert first == "mini 2 -> 2: 0 of 1 decisions would change; 1 case cannot be assessed", out
    assert "b-broken: cannot be assessed under 2:" in out


def _registry_failing_under(version: str) -> qmframe.Registry:
    import types

    module = types.ModuleType("raiser")

    def qmframe_check_submission(framework: qmframe.Framework) -> None:
        if framework.version == version:
            raise RuntimeError("share not mounted")

    module.qmframe_check_submission = qmframe_check_submission  # type: ignore[attr-defined]
    return qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False, plugins=[module]))


@pytest.mark.parametrize("failing", ["2", "3"], ids=["under-old", "under-new"])
def test_rescore_lists_a_plugin_failure_per_case_goes_on_and_exits_1(
    write: Write,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    failing: str,
) -> None:
    """A plugin that fails on a case, under either version, is that case's failure, named;
    the other cases go on, and the exit code is 1 (a plugin failed), not 2 (bad input)."""
    from qmframe import api

    old = _case(write, "a-one")
    _case(write, "b-two")
    new = write("mini-3.toml", core_fixtures.FRAMEWORK.replace('version = "2"', 'version = "3"'))
    assert new.read_text(encoding="utf-8") != old.read_text(encoding="utf-8")
    monkeypatch.setattr(api, "_default", _registry_failing_under(failing))
    code = main(["rescore", str(old), str(new), str(old.parent / "cases"), "--jobs", "1"])
    out, err = capsys.readouterr()
    assert code == 1, out + err
    for label in ("a-one", "b-two"):
        assert f"  {label}" in out, out
    assert out.count("plugin 'raiser' failed in hook qmframe_check_submission") == 2, out
    assert "share not mounted" in out


# -- a file name cannot forge a line -----------------------------------------------------------


def test_a_newline_in_a_file_name_cannot_forge_a_line_of_validate(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    """`qmframe validate` names each file at the start of its lines; a file called
    "x\\nforged.toml: ok" must not print a line of its own (escape sequences were shown as
    escapes already, newlines were not)."""
    good = write("x\nforged.toml: ok/submission.toml", core_fixtures.SUBMISSION)
    write("x\nforged.toml: ok/review.toml", PASSING)
    bad = write("y\nforged.toml: ok/submission.toml", "not = [toml")
    main(["validate", "--framework", str(write("mini.toml", core_fixtures.FRAMEWORK)), str(good)])
    main(["validate", str(bad)])
    out, err = capsys.readouterr()
    lines = (out + err).splitlines()
    assert not [line for line in lines if line.startswith("forged.toml")], lines
    assert any(line.endswith("x\\nforged.toml: ok/submission.toml: ok") for line in lines), lines
    assert str(errors.Problem("m", "p", "a\nb")) == "a\\nb: p: m"


@pytest.mark.parametrize(
    "char", ["\x9b", "\u202e", "\x1b", "\n"], ids=["c1-csi", "bidi", "esc", "newline"]
)
def test_validate_json_stays_valid_json_whatever_the_file_is_called(
    write: Write, capsys: pytest.CaptureFixture[str], char: str
) -> None:
    """A C1 control in a name was written raw and then shown as \\x9b by the terminal guard,
    which is not a JSON escape: the output was not JSON."""
    path = write(f"a{char}b/submission.toml", core_fixtures.SUBMISSION)
    main(["validate", "--json", str(path)])
    out = capsys.readouterr().out
    [result] = json.loads(out)
    assert result["file"] == str(path)
    assert all(line.isprintable() for line in out.splitlines())  # nothing raw to obey


# -- a worker process killed -------------------------------------------------------------------


def _exit_abruptly(_: int) -> int:
    os._exit(9)  # as the out-of-memory killer would end it


def test_run_raises_when_a_worker_process_is_killed() -> None:
    from concurrent.futures.process import BrokenProcessPool

    with pytest.raises(BrokenProcessPool):
        list(batch.run(_exit_abruptly, range(4), jobs=2, chunk_size=1))


def test_batch_says_a_killed_process_stopped_it_not_that_qmframe_has_a_bug(
    write: Write, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures.process import BrokenProcessPool

    def broken(*_: object, **__: object) -> Any:
        raise BrokenProcessPool("A process in the process pool was terminated abruptly")
        yield  # a generator, as run is

    framework = _case(write, "ok")
    monkeypatch.setattr(batch, "run", broken)
    code = main(["batch", str(framework), str(framework.parent / "cases"), "--jobs", "2"])
    err = capsys.readouterr().err
    assert code == 1
    assert "This is a bug" not in err
    assert "a process of the batch ended abruptly" in err
