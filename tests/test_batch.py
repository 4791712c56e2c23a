"""Batch assessment: the map step, the ordered bounded runner, and `qmframe batch`."""

from __future__ import annotations

import io
import itertools
import json
import pickle
import sys
import types
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

import core_fixtures
import pytest

import qmframe
from qmframe import api, batch
from qmframe.cli import main

Write = Callable[[str, str], Path]

#: A review whose b2 judgement passes: with it the mini case is awarded, without it not.
PASSING = core_fixtures.REVIEW.replace(
    'target = "b2"\nlevel = "no"', 'target = "b2"\nlevel = "yes"'
)


@pytest.fixture
def cases(write: Write) -> Path:
    """A folder of four cases: awarded, not yet, a malformed review, no review (self-certified)."""
    framework = write("mini.toml", core_fixtures.FRAMEWORK)
    root = framework.parent / "cases"
    write("cases/a-awarded/submission.toml", core_fixtures.SUBMISSION)
    write("cases/a-awarded/review.toml", PASSING)
    write("cases/b-not-yet/submission.toml", core_fixtures.SUBMISSION)
    write("cases/b-not-yet/review.toml", core_fixtures.REVIEW)
    write("cases/c-broken/submission.toml", core_fixtures.SUBMISSION.replace('"org-1"', "org"))
    write("cases/c-broken/review.toml", "judgements = [\n")
    write("cases/d-self/sub/submission.toml", core_fixtures.SUBMISSION)
    write("cases/notes.txt", "not a case")
    return root


def _framework(root: Path) -> str:
    return str(root.parent / "mini.toml")


# -- finding cases -------------------------------------------------------------------------


def test_find_cases_walks_folders_in_name_order_with_their_reviews(cases: Path) -> None:
    found = list(batch.find_cases(cases))
    assert [c.label for c in found] == ["a-awarded", "b-not-yet", "c-broken", "d-self/sub"]
    assert found[0].submission == str(cases / "a-awarded" / "submission.toml")
    assert found[0].review == str(cases / "a-awarded" / "review.toml")
    assert found[3].review is None


def test_find_cases_takes_files_and_another_review_name(cases: Path, write: Write) -> None:
    write("cases/a-awarded/second-review.toml", core_fixtures.REVIEW)
    given = cases / "a-awarded" / "submission.toml"
    (case,) = batch.find_cases(given, review_name="second-review.toml")
    assert case.label == str(given)
    assert case.review == str(cases / "a-awarded" / "second-review.toml")
    found = list(batch.find_cases(cases, review_name="second-review.toml"))
    assert [c.review is not None for c in found] == [True, False, False, False]


def test_find_cases_follows_links_to_folders_once(cases: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    (cases / "a-awarded").rename(elsewhere)
    (cases / "a-awarded").symlink_to(elsewhere, target_is_directory=True)
    (cases / "d-self" / "loop").symlink_to(cases, target_is_directory=True)  # a cycle
    (cases / "e-again").symlink_to(elsewhere, target_is_directory=True)  # linked twice
    found = [c.label for c in batch.find_cases(cases)]
    assert found == ["a-awarded", "b-not-yet", "c-broken", "d-self/sub"]


def test_find_cases_is_lazy(cases: Path) -> None:
    found = batch.find_cases(cases)
    assert isinstance(found, Iterator)
    assert next(found).label == "a-awarded"


# -- the map step --------------------------------------------------------------------------


def test_the_step_decides_as_qmframe_assess_does(cases: Path) -> None:
    step = batch.Assess(_framework(cases))
    outcomes = [step(case) for case in batch.find_cases(cases)]
    assert [o.result for o in outcomes] == ["decided", "decided", "invalid", "decided"]
    framework = qmframe.load_framework(_framework(cases))
    for outcome in (outcomes[0], outcomes[1], outcomes[3]):
        folder = Path(outcome.case.submission).parent
        submission = qmframe.load_submission(folder / "submission.toml", framework)
        review = (
            qmframe.load_review(outcome.case.review, framework, submission)
            if outcome.case.review
            else None
        )
        assert outcome.decision == qmframe.assess(framework, submission, review)
    assert [o.decision.status for o in outcomes if o.decision] == [
        "awarded",
        "not-yet",
        "awarded",
    ]


def test_bad_input_is_every_located_problem_of_both_files(cases: Path) -> None:
    (case,) = [c for c in batch.find_cases(cases) if c.label == "c-broken"]
    outcome = batch.Assess(_framework(cases))(case)
    assert outcome.result == "invalid"
    assert outcome.decision is None
    files = {p.file for p in outcome.problems}
    assert files == {case.submission, case.review}
    assert any("malformed TOML" in p.message for p in outcome.problems)


def test_a_failed_check_is_invalid_with_the_files_named(cases: Path, write: Write) -> None:
    wrong = core_fixtures.REVIEW.replace('organisation = "org-1"', 'organisation = "org-2"')
    write("cases/b-not-yet/review.toml", wrong)
    (case,) = [c for c in batch.find_cases(cases) if c.label == "b-not-yet"]
    outcome = batch.Assess(_framework(cases))(case)
    assert outcome.result == "invalid"
    assert outcome.problems
    assert {p.file for p in outcome.problems} <= {case.submission, case.review}
    assert all(p.severity == "error" for p in outcome.problems)


def _raising_registry() -> qmframe.Registry:
    module = types.ModuleType("raiser")

    def qmframe_check_submission(framework: object) -> None:
        raise RuntimeError("share not mounted")

    module.qmframe_check_submission = qmframe_check_submission  # type: ignore[attr-defined]
    return qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False, plugins=[module]))


def test_a_failing_plugin_fails_only_its_case_and_is_named(cases: Path) -> None:
    registry = _raising_registry()
    assessor = registry.assessor(qmframe.load_framework(_framework(cases), registry=registry))
    outcomes = [batch.assess_case(assessor, c) for c in batch.find_cases(cases)]
    assert [o.result for o in outcomes] == ["failed", "failed", "invalid", "failed"]
    assert "plugin 'raiser' failed in hook qmframe_check_submission" in outcomes[0].error
    assert "share not mounted" in outcomes[0].error


def test_the_step_and_its_cases_pickle(cases: Path) -> None:
    step = batch.Assess(_framework(cases))
    case = next(batch.find_cases(cases))
    assert pickle.loads(pickle.dumps(step)) == step
    assert pickle.loads(pickle.dumps(case)) == case
    outcome = step(case)
    assert pickle.loads(pickle.dumps(outcome)) == outcome


def test_the_assessor_is_rebuilt_when_the_framework_file_changes(cases: Path) -> None:
    path = Path(_framework(cases))
    first = batch.assessor_for(path)
    assert batch.assessor_for(str(path)) is first
    path.write_text(core_fixtures.FRAMEWORK.replace('version = "2"', 'version = "22"'), "utf-8")
    assert batch.assessor_for(path).framework.version == "22"


def test_json_line_holds_the_decision_as_assess_json_does(cases: Path) -> None:
    case = next(batch.find_cases(cases))
    outcome = batch.Assess(_framework(cases))(case)
    line = batch.json_line(outcome)
    data = json.loads(line.text)
    assert "\n" not in line.text
    assert (line.label, line.result, line.status) == ("a-awarded", "decided", "awarded")
    assert data["case"] == "a-awarded"
    assert data["review"] == case.review
    assert outcome.decision is not None
    framework = qmframe.load_framework(_framework(cases))
    submission = qmframe.read_submission(case.submission)
    review = qmframe.read_review(case.review or "")
    report = json.loads(
        qmframe.render(outcome.decision, framework, submission, review, format="json")
    )
    assert data["decision"] == report


# -- the runner ----------------------------------------------------------------------------


def _square(n: int) -> int:
    return n * n


def test_run_keeps_input_order_across_processes() -> None:
    numbers = list(range(200))
    assert list(batch.run(_square, numbers, jobs=2, chunk_size=7)) == [n * n for n in numbers]


def test_run_in_processes_gives_the_same_outcomes_as_in_this_one(cases: Path) -> None:
    step = batch.Assess(_framework(cases))
    alone = list(batch.run(step, batch.find_cases(cases), jobs=1))
    spread = list(batch.run(step, batch.find_cases(cases), jobs=2, chunk_size=1))
    assert spread == alone


def test_run_keeps_a_bounded_window_and_reads_cases_as_it_sends_them() -> None:
    pulled = 0

    def numbers() -> Iterator[int]:
        nonlocal pulled
        for n in itertools.count():
            pulled += 1
            yield n

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = batch.run(_square, numbers(), executor=pool, chunk_size=5, window=3)
        for done, got in enumerate(itertools.islice(results, 1000), start=1):
            assert got == (done - 1) ** 2
            # Read from an endless input: what was handed back, plus at most the window.
            assert pulled <= done + 3 * 5
        results.close()  # the generator stops; the executor is the caller's and still runs
        assert pool.submit(_square, 3).result() == 9


def test_run_without_processes_is_a_plain_map() -> None:
    assert list(batch.run(str, [1, 2, 3], jobs=1)) == ["1", "2", "3"]


class _CountedPool:
    """Stands in for ProcessPoolExecutor: records how many processes were asked for."""

    asked: ClassVar[list[int]] = []

    def __init__(self, max_workers: int, **_: Any) -> None:
        self.asked.append(max_workers)
        self.pool = ThreadPoolExecutor(max_workers=max_workers)

    def submit(self, fn: Any, *args: Any) -> Any:
        return self.pool.submit(fn, *args)

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        self.pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def test_run_starts_no_more_processes_than_chunks_and_none_for_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A batch that fits in one chunk runs here: one process would do it all, after starting."""
    import concurrent.futures

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", _CountedPool)
    _CountedPool.asked.clear()
    assert list(batch.run(_square, range(5), jobs=8, chunk_size=5)) == [n * n for n in range(5)]
    assert list(batch.run(_square, [], jobs=8)) == []
    assert _CountedPool.asked == []
    assert list(batch.run(_square, range(11), jobs=8, chunk_size=5)) == [n * n for n in range(11)]
    assert _CountedPool.asked == [3]  # three chunks, three processes
    assert len(list(batch.run(_square, range(100), jobs=2, chunk_size=5))) == 100
    assert _CountedPool.asked == [3, 2]


# -- the command ---------------------------------------------------------------------------


def test_batch_of_many_chunks_in_processes_prints_what_one_process_prints(
    cases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Forty cases (two chunks) really go to two processes, and print the same lines."""
    for i in range(36):
        folder = cases / f"e{i:02d}"
        folder.mkdir()
        (folder / "submission.toml").write_text(core_fixtures.SUBMISSION, encoding="utf-8")
        (folder / "review.toml").write_text(PASSING if i % 2 else core_fixtures.REVIEW, "utf-8")
    assert main(["batch", _framework(cases), str(cases), "--jobs", "1"]) == 2
    alone = capsys.readouterr().out
    assert main(["batch", _framework(cases), str(cases), "--jobs", "2"]) == 2
    spread = capsys.readouterr().out
    assert spread == alone
    assert len([line for line in alone.splitlines() if line.startswith("{")]) == 40


def _batch(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[Any], str]:
    code = main(["batch", *argv])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines() if line.startswith("{")], err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_batch_writes_one_line_per_case_in_order(
    cases: Path, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    code, lines, err = _batch(capsys, _framework(cases), str(cases), "--jobs", jobs)
    assert code == 2  # one case had bad input; the others were decided all the same
    assert [line["case"] for line in lines] == ["a-awarded", "b-not-yet", "c-broken", "d-self/sub"]
    assert [line["result"] for line in lines] == ["decided", "decided", "invalid", "decided"]
    assert [line["decision"]["status"] for line in lines if "decision" in line] == [
        "awarded",
        "not-yet",
        "awarded",
    ]
    broken = lines[2]
    assert {p["file"] for p in broken["problems"]} == {broken["submission"], broken["review"]}
    assert set(broken["problems"][0]) == {"file", "path", "severity", "code", "message"}
    assert err.strip().splitlines()[-1] == (
        "4 cases: 3 decided (2 awarded, 1 not-yet), 1 invalid, 0 failed"
    )


def test_batch_exits_0_when_every_case_is_decided(
    cases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, _ = _batch(capsys, _framework(cases), str(cases / "a-awarded"))
    assert (code, len(lines)) == (0, 1)


def test_batch_output_file_and_summary_on_stdout(
    cases: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "out.jsonl"
    code = main(["batch", _framework(cases), str(cases / "a-awarded"), "-o", str(target)])
    out, err = capsys.readouterr()
    assert code == 0
    assert out == "1 case: 1 decided (1 awarded), 0 invalid, 0 failed\n"
    assert err == ""
    assert [json.loads(line)["case"] for line in target.read_text("utf-8").splitlines()] == [
        str(cases / "a-awarded")  # a case folder given itself is labelled as given
    ]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.jsonl")] == []


def test_batch_output_dash_is_stdout_with_the_summary_on_stderr(
    cases: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code = main(["batch", _framework(cases), str(cases / "a-awarded"), "-o", "-"])
    out, err = capsys.readouterr()
    assert code == 0
    assert [json.loads(line)["result"] for line in out.splitlines()] == ["decided"]
    assert err.strip() == "1 case: 1 decided (1 awarded), 0 invalid, 0 failed"
    assert not (tmp_path / "-").exists()


def test_batch_output_only_replaces_a_regular_file_and_keeps_its_mode(
    cases: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import os

    link = tmp_path / "link.jsonl"
    link.symlink_to(tmp_path / "elsewhere.jsonl")
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    for target in (link, fifo):
        code = main(["batch", _framework(cases), str(cases / "a-awarded"), "-o", str(target)])
        _, err = capsys.readouterr()
        assert code == 2
        assert "refusing to write" in err
    assert not (tmp_path / "elsewhere.jsonl").exists()
    kept = tmp_path / "kept.jsonl"
    kept.write_text("old\n", "utf-8")
    kept.chmod(0o640)
    assert main(["batch", _framework(cases), str(cases / "a-awarded"), "-o", str(kept)]) == 0
    assert (kept.stat().st_mode & 0o777, kept.read_text("utf-8").count("\n")) == (0o640, 1)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


def test_batch_a_failing_plugin_exits_1_and_names_it(
    cases: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api, "_default", _raising_registry())
    code, lines, err = _batch(capsys, _framework(cases), str(cases), "--jobs", "1")
    assert code == 1
    assert [line["result"] for line in lines] == ["failed", "failed", "invalid", "failed"]
    assert "plugin 'raiser' failed" in lines[0]["error"]
    assert "3 failed" in err


def test_batch_bad_framework_or_no_cases_exit_2(
    cases: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, lines, err = _batch(capsys, "no-such-framework", str(cases))
    assert (code, lines) == (2, [])
    assert "unknown framework 'no-such-framework'" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    code, lines, err = _batch(capsys, _framework(cases), str(empty))
    assert (code, lines) == (2, [])
    assert "no case found" in err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "pipe"])
def test_batch_draws_progress_only_on_a_terminal(
    cases: Path, monkeypatch: pytest.MonkeyPatch, terminal: bool
) -> None:
    stdout, stderr = io.StringIO(), (_Terminal() if terminal else io.StringIO())
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)
    main(["batch", _framework(cases), str(cases), "--jobs", "1"])
    assert ("\rassessing [" in stderr.getvalue()) is terminal
    if terminal:
        assert stderr.getvalue().count("\rassessing [") == 4
    assert len(stdout.getvalue().splitlines()) == 4


# -- rescore through the batch -------------------------------------------------------------


def test_rescore_lists_a_case_it_cannot_assess_and_goes_on(
    cases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    framework = _framework(cases)
    code = main(["rescore", framework, framework, str(cases), "--all", "--jobs", "2"])
    out = capsys.readouterr().out
    assert code == 2
    assert "0 of 3 decisions would change; 1 case cannot be assessed" in out
    assert "c-broken: cannot be assessed under 2:" in out
    assert "a-awarded (org-1): awarded (same)" in out
    assert "b-not-yet (org-1): not-yet (same)" in out


def test_the_chunk_size_docs_batch_md_gives_is_the_default() -> None:
    import inspect

    default = inspect.signature(batch.run).parameters["chunk_size"].default
    text = (Path(__file__).resolve().parents[1] / "docs" / "batch.md").read_text("utf-8")
    assert f"go to the processes {default} at a time" in text
    assert f"a batch of {default} cases or fewer is decided in the one process" in text
