"""Register benchmarks: reads at 1,000 / 10,000 / 100,000 decisions, and the bulk add.

Run with ``python tests/benchmarks/register.py`` (``--sizes 1000,10000`` for a
shorter run); ``tests/benchmarks/run.py`` calls :func:`main` too. Not part of
the test suite: speed is measured here, never asserted in tests.

Every figure is a ratio to a floor measured in the same run, the two run one
after the other in every repeat (candidate, floor, candidate, floor ...), and
reported as the median of the paired ratios with their spread (lowest and
highest). Times are CPU seconds of this process (SQLite runs in it).

(r1) reads: ``qmframe register sector / export / due / list`` through the
     command line's ``main(argv)`` (framework loading and output included, a
     fresh interpreter's start-up not), against a bare ``SELECT count(*) FROM
     decisions`` on a fresh connection to the same file: the least any read of
     the register costs. Peak memory is the peak resident set (VmHWM) of a fresh
     process running the command, beside that of a process that only imports the
     command line and opens the register; and the peak of Python's own
     allocations (tracemalloc) during the command.
(r2) bulk add: ``Register.add_decisions`` of 2,000 decisions into a new file,
     against a bare ``executemany`` inserting the same decisions, serialised to
     JSON the same way, into a table of (award, document): the least any register
     that keeps the whole decision must do.

The register holds one decision a year for each organisation, four rounds of
them, each a copy (new organisation, date and term) of one of 200 decisions
the engine made of generated submissions and reviews, against a framework of
10 sections x 5 criteria with a 36-month validity and an 18-month mid-point
review: about three in four pass, and every decision has its decided levels,
most an unmet criterion or a highlight.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import io
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import attrs

import qmframe
from qmframe._convert import unstructure_json
from qmframe.awards.register import Register
from qmframe.cli import main as cli_main
from qmframe.decision import Decision

SECTIONS, PER_SECTION, DISTINCT, ROUNDS = 10, 5, 200, 4
LEVELS = ("no", "yes", "wow")
BASE = dt.date(2020, 1, 1)
ON = BASE + dt.timedelta(days=3 * 365 + 200)  # the day every read asks about
REPEATS = 5
BULK = 2_000
TARGETS = {"sector": 1.0, "export": 1.0, "due": 1.0}  # seconds at 100,000 decisions
MEMORY_TARGET_MB = 150


def framework_toml() -> str:
    public = (
        '"organisation.id", "organisation.name", "version", "status", "state", '
        '"valid_from", "valid_until", "midpoint_due", "highlights"'
    )
    lines = [
        'id = "bench-register"',
        'version = "1"',
        'title = "Register benchmark"',
        f"public_fields = [{public}]",
        "[[scales]]",
        'id = "lvl"',
        'levels = [{ id = "no", label = "No", meets = false }, '
        '{ id = "yes", label = "Yes", meets = true }, '
        '{ id = "wow", label = "Wow", meets = true, notable = true }]',
    ]
    for s in range(SECTIONS):
        lines += [
            "[[sections]]",
            f'id = "s{s}"',
            f'title = "Section {s}"',
            'scale = "lvl"',
            'aggregate = "minimum"',
        ]
        for c in range(PER_SECTION):
            lines += [
                "[[sections.criteria]]",
                f'id = "s{s}c{c}"',
                f'title = "Criterion {s}.{c}"',
                f'guidance = "Show how criterion {s}.{c} is met."',
            ]
    lines += [
        "[decision]",
        'pass_status = "awarded"',
        'fail_status = "not-yet"',
        "[[decision.rules]]",
        'id = "all-met"',
        'kind = "minimum-level"',
        'level = "yes"',
        'feedback = "Show how you meet this."',
        "[[decision.rules]]",
        'id = "shine"',
        'kind = "notable-level"',
        'effect = "highlight"',
        'scope = { of = "sections" }',
        "[validity]",
        "months = 36",
        "midpoint_months = 18",
        "[review]",
        "required = false",
    ]
    return "\n".join(lines) + "\n"


def templates(framework: qmframe.Framework, registry: qmframe.Registry) -> list[Decision]:
    """DISTINCT decisions the engine made of generated submissions and reviews."""
    rng = random.Random(11)
    ids = [c.id for _, c in framework.iter_criteria()]
    weights = (1, 300, 60)
    out = []
    for i in range(DISTINCT):
        org = f"template-{i}"
        submission = qmframe.Submission(
            framework=framework.id,
            framework_version=framework.version,
            organisation=qmframe.Organisation(id=org, name=f"Template {i}"),
            ratings=tuple(
                qmframe.Rating(target=c, level=rng.choices(LEVELS, weights)[0]) for c in ids
            ),
        )
        review = qmframe.Review(
            framework=framework.id,
            framework_version=framework.version,
            organisation=org,
            judgements=tuple(
                qmframe.Judgement(target=c, level=rng.choices(LEVELS, weights)[0]) for c in ids
            ),
        )
        out.append(qmframe.assess(framework, submission, review, as_of=BASE, registry=registry))
    return out


def stream(models: Sequence[Decision], total: int) -> Iterator[Decision]:
    """``total`` decisions: ROUNDS yearly rounds of total / ROUNDS organisations."""
    organisations = max(total // ROUNDS, 1)
    made = 0
    for round_ in range(ROUNDS):
        for i in range(organisations):
            if made == total:
                return
            model = models[(i * 7 + round_ * 13) % len(models)]
            day = BASE + dt.timedelta(days=round_ * 365 + i % 300)
            shift = day - model.as_of
            yield attrs.evolve(
                model,
                organisation=f"org-{i}",
                organisation_name=f"Organisation {i}",
                as_of=day,
                valid_from=model.valid_from and model.valid_from + shift,
                valid_until=model.valid_until and model.valid_until + shift,
                midpoint_due=model.midpoint_due and model.midpoint_due + shift,
            )
            made += 1


# -- timing ---------------------------------------------------------------------------------


def cpu(run: Callable[[], object]) -> float:
    start = time.process_time()
    run()
    return time.process_time() - start


def paired(
    candidate: Callable[[], object], floor: Callable[[], object], repeats: int = REPEATS
) -> tuple[float, float, list[float]]:
    """Median candidate time, median floor time, and every paired ratio (interleaved)."""
    mine, theirs, ratios = [], [], []
    for _ in range(repeats):
        a = cpu(candidate)
        b = cpu(floor)
        mine.append(a)
        theirs.append(b)
        ratios.append(a / b if b > 0 else float("inf"))
    return statistics.median(mine), statistics.median(theirs), ratios


def spread(ratios: Sequence[float]) -> str:
    return f"{statistics.median(ratios):9.1f}x  [{min(ratios):.1f}-{max(ratios):.1f}]"


def command(framework_file: str, db: str, name: str) -> list[str]:
    on = ON.isoformat()
    extra = {
        "sector": [],
        "export": ["--on", on],
        "due": ["--on", on, "--within", "90"],
        "list": ["--on", on],
    }[name]
    return ["register", name, framework_file, "--db", db, *extra]


def run_command(argv: list[str]) -> int:
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):
        code = cli_main(argv)
    if code != 0:
        raise SystemExit(f"{' '.join(argv)} failed with exit code {code}")
    return len(sink.getvalue())


def count_floor(db: str) -> Callable[[], object]:
    def floor() -> object:
        connection = sqlite3.connect(db)
        try:
            return connection.execute("SELECT count(*) FROM decisions").fetchone()
        finally:
            connection.close()

    return floor


# The child's own peak: VmHWM is reset when a process runs a new program, where
# ru_maxrss keeps the parent's size at the fork.
PEAK = """
import contextlib, io, resource, sys
from qmframe.awards.register import Register
from qmframe.cli import main
argv = sys.argv[1:]
if argv[0] == "--baseline":
    Register(argv[-1], create=False).close()
else:
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(argv) == 0
try:
    with open("/proc/self/status") as status:
        kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except OSError:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(kb)
"""


def peak_rss_mb(argv: list[str]) -> float:
    done = subprocess.run(
        [sys.executable, "-c", PEAK, *argv], capture_output=True, text=True, check=True
    )
    return int(done.stdout.split()[-1]) / 1024  # kilobytes


def traced_peak_mb(run: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


# -- the figures ----------------------------------------------------------------------------


def build(path: Path, models: Sequence[Decision], size: int) -> float:
    start = time.perf_counter()
    with Register(path) as register:
        register.add_decisions(stream(models, size))
    return time.perf_counter() - start


def bench_reads(
    folder: Path, framework_file: str, models: Sequence[Decision], sizes: Sequence[int]
) -> None:
    print("(r1) register reads, CPU time, median of paired ratios to a bare SELECT count(*):")
    print(f"     {'decisions':>9}  {'command':<7} {'time':>9} {'floor':>9} {'ratio [spread]':>22}"
          f"  {'peak RSS (import+open)':>22}  {'py peak':>8}  answer")  # fmt: skip
    for size in sizes:
        db = folder / f"register-{size}.sqlite"
        took = build(db, models, size)
        rate = f"{size / took:,.0f}/s"
        print(f"     built {size:,} decisions in {took:.1f} s wall ({rate}, one add_decisions)")
        baseline = peak_rss_mb(["--baseline", str(db)])
        for name in ("sector", "export", "due", "list"):
            argv = command(framework_file, str(db), name)
            answer = run_command(argv)  # warm: the framework is parsed and cached once
            mine, floor, ratios = paired(functools.partial(run_command, argv), count_floor(str(db)))
            rss = peak_rss_mb(argv)
            traced = traced_peak_mb(functools.partial(run_command, argv))
            target = ""
            if size >= 100_000 and name in TARGETS:
                ok = mine <= TARGETS[name] and rss <= MEMORY_TARGET_MB
                target = f"  (target <= {TARGETS[name]:g} s, <= {MEMORY_TARGET_MB} MB: " + (
                    "met)" if ok else "NOT met)"
                )
            print(
                f"     {size:>9,}  {name:<7} {mine * 1000:7.1f}ms {floor * 1000:7.2f}ms "
                f"{spread(ratios):>22}  {rss:7.1f} MB ({baseline:5.1f} MB)  {traced:6.1f} MB"
                f"  {answer:,} bytes{target}"
            )


def bench_bulk_add(folder: Path, models: Sequence[Decision]) -> None:
    decisions = list(stream(models, BULK))
    counter = iter(range(1_000_000))

    def fresh(name: str) -> Path:
        return folder / f"{name}-{next(counter)}.sqlite"

    def candidate() -> None:
        with Register(fresh("bulk")) as register:
            register.add_decisions(decisions)

    def floor() -> None:
        connection = sqlite3.connect(fresh("floor"))
        try:
            connection.execute("CREATE TABLE decisions (award TEXT UNIQUE, document TEXT)")
            rows = (
                (
                    f"{d.framework}/{d.organisation}/{d.as_of.isoformat()}",
                    json.dumps(unstructure_json(d), ensure_ascii=False),
                )
                for d in decisions
            )
            connection.executemany("INSERT INTO decisions VALUES (?, ?)", rows)
            connection.commit()
        finally:
            connection.close()

    start = time.perf_counter()
    mine, theirs, ratios = paired(candidate, floor)
    wall = time.perf_counter() - start
    print(f"(r2) bulk add of {BULK:,} decisions into a new register, one transaction:")
    print(f"     Register.add_decisions      {mine * 1000:8.1f} ms CPU  "
          f"{BULK / mine:8,.0f} decisions/s   (target >= 2,000/s)")  # fmt: skip
    print(f"     bare executemany + JSON     {theirs * 1000:8.1f} ms CPU  "
          f"{BULK / theirs:8,.0f} decisions/s")  # fmt: skip
    print(f"     ratio                       {spread(ratios)}   "
          f"({wall:.1f} s wall for both sides)")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else "")
    parser.add_argument("--sizes", default="1000,10000,100000", help="register sizes to read")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",") if size]
    registry = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))
    with tempfile.TemporaryDirectory(prefix="qmframe-register-bench-") as temporary:
        folder = Path(temporary)
        framework_file = folder / "bench-register.toml"
        framework_file.write_text(framework_toml(), encoding="utf-8")
        framework = qmframe.load_framework(framework_file, registry=registry)
        models = templates(framework, registry)
        passed = sum(d.passed for d in models)
        print(f"register benchmark: {DISTINCT} engine-made decisions ({passed} pass) as models")
        bench_reads(folder, str(framework_file), models, sizes)
        bench_bulk_add(folder, models)


if __name__ == "__main__":
    main(sys.argv[1:])
