"""qmframe benchmarks: each figure is a ratio to a plain-Python floor measured in the same run.

Run with ``python tests/benchmarks/run.py`` (after ``pip install -e . ./plugins/example``).
Not part of the test suite: speed is measured here, never asserted in tests.

(a) scoring: 10,000 generated submissions (with reviews) against a framework of
    10 sections x 5 criteria, through qmframe's Assessor, against a hand-written
    function that builds the same Decision, RuleOutcome and Finding objects from
    the same inputs (the two are checked equal, so the floor is honest);
(b) loading: reading and validating a 1,000-criterion framework from TOML,
    against a bare ``tomllib.load`` of the same file;
(c) import: ``import qmframe`` in a fresh interpreter, against importing the
    dependency modules it uses.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import qmframe
from qmframe.decision import Decision, Finding, Highlight, RuleOutcome, Unmet

SECTIONS, CRITERIA_PER_SECTION, SUBMISSIONS = 10, 5, 10_000
AS_OF = dt.date(2026, 6, 1)
LEVELS = ("no", "yes", "wow")
RANK = {level: i for i, level in enumerate(LEVELS)}


def framework_toml(sections: int, per_section: int) -> str:
    lines = [
        'id = "bench"',
        'version = "1"',
        'title = "Benchmark"',
        "[[scales]]",
        'id = "lvl"',
        'levels = [{ id = "no", label = "No", meets = false }, '
        '{ id = "yes", label = "Yes", meets = true }, '
        '{ id = "wow", label = "Wow", meets = true, notable = true }]',
        "[[evidence_types]]",
        'id = "doc"',
        'title = "Document"',
    ]
    for s in range(sections):
        lines += [
            "[[sections]]",
            f'id = "s{s}"',
            f'title = "Section {s}"',
            'scale = "lvl"',
            'aggregate = "minimum"',
        ]
        for c in range(per_section):
            lines += [
                "[[sections.criteria]]",
                f'id = "s{s}c{c}"',
                f'title = "Criterion {s}.{c}"',
                f'guidance = "Show how criterion {s}.{c} is met."',
            ]
            if c == 0:
                lines.append('evidence = [{ types = ["doc"], min_count = 1 }]')
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
        'id = "evidence"',
        'kind = "evidence-present"',
        "[[decision.rules]]",
        'id = "plan"',
        'kind = "action-plan"',
        "[[decision.rules]]",
        'id = "shine"',
        'kind = "notable-level"',
        'effect = "highlight"',
        'scope = { of = "sections" }',
        "[validity]",
        "months = 36",
        "midpoint_months = 18",
    ]
    return "\n".join(lines) + "\n"


def generate(
    framework: qmframe.Framework, n: int, seed: int = 7
) -> list[tuple[qmframe.Submission, qmframe.Review]]:
    rng = random.Random(seed)
    ids = [c.id for _, c in framework.iter_criteria()]
    weights = (1, 400, 80)  # most criteria met, as in real submissions
    pairs = []
    for i in range(n):
        org = f"org-{i}"
        ratings = tuple(
            qmframe.Rating(target=c, level=rng.choices(LEVELS, weights)[0]) for c in ids
        )
        evidence = tuple(
            qmframe.EvidenceItem(id=f"e{k}", type="doc", title="Doc", criteria=(c,))
            for k, c in enumerate(ids[::CRITERIA_PER_SECTION])
            if rng.random() < 0.97
        )
        actions = tuple(
            qmframe.ActionItem(id=f"a{k}", action="Improve")
            for k in range(rng.choice((0, 1, 2, 3)))
        )
        submission = qmframe.Submission(
            framework="bench",
            framework_version="1",
            organisation=qmframe.Organisation(id=org, name=f"Org {i}"),
            ratings=ratings,
            evidence=evidence,
            actions=actions,
        )
        judgements = tuple(
            qmframe.Judgement(target=c, level=rng.choices(LEVELS, weights)[0]) for c in ids
        )
        review = qmframe.Review(
            framework="bench", framework_version="1", organisation=org, judgements=judgements
        )
        pairs.append((submission, review))
    return pairs


def plain_python_decide(framework: qmframe.Framework) -> Callable[..., Decision]:
    """The floor: the same decision, written by hand for exactly this framework's rules."""
    sections = [(s.id, s.title, [c.id for c in s.criteria]) for s in framework.sections]
    criteria = [c for _, c in framework.iter_criteria()]
    ids = [c.id for c in criteria]
    titles = {c.id: c.title for c in criteria} | {s.id: s.title for s in framework.sections}
    needs_doc = [c.id for c in criteria if c.evidence]
    until = dt.date(AS_OF.year + 3, AS_OF.month, AS_OF.day) - dt.timedelta(days=1)
    midpoint = dt.date(AS_OF.year + 1, AS_OF.month + 6, AS_OF.day)

    def decide(submission: qmframe.Submission, review: qmframe.Review) -> Decision:
        levels = {j.target: j.level for j in review.judgements}
        for sid, _, members in sections:
            levels[sid] = LEVELS[min(RANK[levels[c]] for c in members)]
        rationale = {j.target: j.rationale for j in review.judgements if j.rationale}
        # all-met
        findings, seen, met = [], [], 0
        for c in ids:
            got = levels[c]
            seen.append(f"{c}={got}")
            if RANK[got] >= 1:
                met += 1
                findings.append(Finding(target=c, holds=True, level=got))
            else:
                findings.append(
                    Finding(target=c, holds=False, level=got, note=f"{got!r} is below 'yes'")
                )
        saw = f"{len(ids)} applicable criteria: " + ", ".join(seen)
        short = len(ids) - met
        if short:
            below = ", ".join(f.target for f in findings if not f.holds)
            r1 = RuleOutcome(
                rule="all-met",
                kind="minimum-level",
                effect="require",
                title="",
                holds=False,
                saw=saw,
                concluded=f"{short} of {len(ids)} below 'yes': {below}",
                findings=tuple(findings),
            )
        else:
            r1 = RuleOutcome(
                rule="all-met",
                kind="minimum-level",
                effect="require",
                title="",
                holds=True,
                saw=saw,
                concluded=f"all {len(ids)} at or above 'yes'",
                findings=tuple(findings),
            )
        # evidence
        by_criterion: dict[str, list[qmframe.EvidenceItem]] = defaultdict(list)
        for item in submission.evidence:
            for c in item.criteria:
                by_criterion[c].append(item)
        ev_findings = []
        for c in needs_doc:
            items = by_criterion.get(c, [])
            have = sum(1 for item in items if item.type == "doc")
            ok = have >= 1
            note = f"{len(items)} item(s)" if ok else f"missing: {have} of 1 doc"
            ev_findings.append(Finding(target=c, holds=ok, note=note))
        ev_short = [f for f in ev_findings if not f.holds]
        ev_saw = f"{len(ev_findings)} applicable criteria with evidence requirements"
        if ev_short:
            detail = "; ".join(f"{f.target} ({f.note})" for f in ev_short)
            r2 = RuleOutcome(
                rule="evidence",
                kind="evidence-present",
                effect="require",
                title="",
                holds=False,
                saw=ev_saw,
                concluded=f"{len(ev_short)} lack evidence: {detail}",
                findings=tuple(ev_findings),
            )
        else:
            r2 = RuleOutcome(
                rule="evidence",
                kind="evidence-present",
                effect="require",
                title="",
                holds=True,
                saw=ev_saw,
                concluded="every requirement is met",
                findings=tuple(ev_findings),
            )
        # plan
        open_n = sum(1 for a in submission.actions if a.status in ("planned", "in-progress"))
        plan_saw = f"{len(submission.actions)} action-plan item(s), {open_n} open"
        if open_n >= 1:
            r3 = RuleOutcome(
                rule="plan",
                kind="action-plan",
                effect="require",
                title="",
                holds=True,
                saw=plan_saw,
                concluded="at least 1 open action(s) planned",
            )
        else:
            r3 = RuleOutcome(
                rule="plan",
                kind="action-plan",
                effect="require",
                title="",
                holds=False,
                saw=plan_saw,
                concluded="fewer than 1 open action(s) planned",
                findings=(Finding(target="action-plan", holds=False, note="0 of 1"),),
            )
        # shine
        found = [
            Finding(target=sid, holds=True, level=levels[sid])
            for sid, _, _ in sections
            if levels[sid] == "wow"
        ]
        shine_saw = f"{len(sections)} sections"
        if found:
            listed = ", ".join(f"{f.target} ({f.level})" for f in found)
            r4 = RuleOutcome(
                rule="shine",
                kind="notable-level",
                effect="highlight",
                title="",
                holds=True,
                saw=shine_saw,
                concluded=f"{len(found)} at a notable level: {listed}",
                findings=tuple(found),
            )
        else:
            r4 = RuleOutcome(
                rule="shine",
                kind="notable-level",
                effect="highlight",
                title="",
                holds=False,
                saw=shine_saw,
                concluded="none judged at a notable level",
            )
        unmet = [
            Unmet(
                target=f.target,
                title=titles[f.target],
                rule="all-met",
                reason=f.note,
                feedback=rationale.get(f.target) or "Show how you meet this.",
            )
            for f in r1.findings
            if not f.holds
        ]
        unmet += [
            Unmet(
                target=f.target,
                title=titles[f.target],
                rule="evidence",
                reason=f.note,
                feedback=f.note,
            )
            for f in r2.findings
            if not f.holds
        ]
        if not r3.holds:
            unmet.append(
                Unmet(
                    target="action-plan",
                    title="plan",
                    rule="plan",
                    reason="0 of 1",
                    feedback="0 of 1",
                )
            )
        passed = r1.holds and r2.holds and r3.holds
        return Decision(
            framework="bench",
            version="1",
            organisation=submission.organisation.id,
            organisation_name=submission.organisation.name,
            status="awarded" if passed else "not-yet",
            passed=passed,
            basis="review",
            as_of=AS_OF,
            valid_from=AS_OF if passed else None,
            valid_until=until if passed else None,
            midpoint_due=midpoint if passed else None,
            highlights=tuple(
                Highlight(target=f.target, title=titles[f.target], level=f.level, rule="shine")
                for f in r4.findings
            ),
            unmet=tuple(unmet),
            comparisons=tuple(
                qmframe.Comparison(
                    target=r.target,
                    title=titles[r.target],
                    self_level=r.level or "",
                    assessed_level=levels[r.target],
                    agrees=r.level == levels[r.target],
                )
                for r in submission.ratings
            ),
            explanation=(r1, r2, r3, r4),
        )

    return decide


def best_of(repeats: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_scoring() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.toml"
        path.write_text(framework_toml(SECTIONS, CRITERIA_PER_SECTION))
        registry = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))
        framework = qmframe.load_framework(path, registry=registry)
    pairs = generate(framework, SUBMISSIONS)
    assessor = registry.assessor(framework)
    floor = plain_python_decide(framework)
    # Honest floor: both must build equal decisions (the rule titles differ: floor uses '').
    mismatches = 0
    for submission, review in pairs[:500]:
        ours = assessor.assess(submission, review, as_of=AS_OF)
        theirs = floor(submission, review)
        if ours != theirs:
            mismatches += 1
    assert mismatches == 0, f"the floor and qmframe disagree on {mismatches} of 500"
    passed = sum(floor(s, r).passed for s, r in pairs)

    def run_qmframe() -> None:
        for submission, review in pairs:
            assessor.assess(submission, review, as_of=AS_OF)

    def run_floor() -> None:
        for submission, review in pairs:
            floor(submission, review)

    ours, theirs = best_of(3, run_qmframe), best_of(3, run_floor)
    print(
        f"(a) scoring {SUBMISSIONS:,} submissions x {SECTIONS * CRITERIA_PER_SECTION} criteria "
        f"({passed:,} awarded):"
    )
    print(f"    qmframe      {SUBMISSIONS / ours:10,.0f} submissions/s")
    print(f"    plain Python {SUBMISSIONS / theirs:10,.0f} submissions/s")
    print(f"    ratio        {ours / theirs:10.2f}x   (target <= 2x)")


def bench_loading() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.toml"
        path.write_text(framework_toml(100, 10))
        registry = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))

        def load() -> None:
            framework = qmframe.load_framework(path, registry=registry)
            assert len(framework.sections) == 100

        def bare() -> None:
            with path.open("rb") as stream:
                tomllib.load(stream)

        ours, theirs = best_of(7, load), best_of(7, bare)
    print("(b) loading and validating a 1,000-criterion framework:")
    print(f"    qmframe      {ours * 1000:8.1f} ms")
    print(f"    tomllib.load {theirs * 1000:8.1f} ms")
    print(f"    ratio        {ours / theirs:8.2f}x   (target <= 1.25x)")


def _import_time(statement: str, repeats: int = 15) -> float:
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def bench_import() -> None:
    deps = (
        "import pluggy, attrs, cattrs, cattrs.preconf.tomllib, cattrs.preconf.json, "
        "cattrs.gen, tomli_w, tomllib, json"
    )
    first_use = "import qmframe; qmframe.Registry(qmframe.get_plugin_manager())"
    bare = _import_time("pass")
    ours = _import_time("import qmframe") - bare
    used = _import_time(first_use) - bare
    theirs = _import_time(deps) - bare
    print("(c) import time (fresh interpreter, median of 15, interpreter start-up subtracted):")
    print(f"    import qmframe                  {ours * 1000:6.1f} ms")
    print(f"    its dependencies alone          {theirs * 1000:6.1f} ms")
    print(f"    ratio                           {ours / theirs:6.2f}x   (target <= 1.5x)")
    print(
        f"    import + registry (first use)   {used * 1000:6.1f} ms   "
        f"({used / theirs:.2f}x the dependencies; every module loaded)"
    )


if __name__ == "__main__":
    print(f"Python {sys.version.split()[0]}, qmframe {qmframe.__version__}")
    bench_scoring()
    bench_loading()
    bench_import()
    __import__("register").main([])  # tests/benchmarks/register.py: register reads, bulk add
