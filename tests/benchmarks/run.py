"""qmframe benchmarks: each figure is a ratio to a floor measured in the same run, interleaved.

Run from the repository, in a virtualenv with qmframe and its plugins installed::

    python tests/benchmarks/run.py           # every figure (a few minutes)
    python tests/benchmarks/run.py --quick   # fewer repeats and cases, for a first look
    python tests/benchmarks/run.py --only load,scoring   # some figures only

Not part of the test suite: speed is measured here, never asserted in tests.

Every figure times a candidate (qmframe) and its floor (the least work that
gives the same answer, written by hand) in the same repeat, one right after
the other, alternating which goes first, and reports the median of the
per-repeat ratios with their spread (interquartile range and min-max), so a
machine busy with other work moves both sides of a ratio alike. Times are
CPU time of this process, or of the child processes for start-up; the batch
speed-up, which only wall-clock time can show, is wall-clock time.

Figures:

* one case from files, end to end: load the framework file, read a
  submission and its review, check and decide (``qmframe.batch.assess_case``
  on a fresh assessor), against parsing the three files with ``tomllib`` and
  the hand-written floor below;
* batch of 2,000 cases from files with 2 processes against 1 (speed-up in
  wall-clock time; and, since other work on a shared machine takes cores from
  it, the speed-up the CPU time allows on two idle cores: the one process's
  CPU time over the larger of the main process's and half the workers'), the
  CPU time all processes spend, and the peak memory (resident set) of a batch
  of 2,000 and of 20,000 cases (flat);
* loading a 1,000-criterion framework (read, structure, check) against a bare
  ``tomllib.load`` of the same file;
* scoring: ``Assessor.assess`` (every input check, then the rules) against a
  hand-written function that builds the same ``Decision`` from the same
  inputs (checked equal), and, to show what the checks cost, the same with a
  hand-written floor that checks its input too;
* growth: deciding a case with ten times the evidence (all citing one
  criterion) and ten times the panel, per unit, against the smaller case: 1x
  is linear, and work that grows faster than the case shows at once;
* a plugin hook call through ``Registry`` against the same call straight
  through pluggy (the plugins' labels are worked out once, not per call);
* command-line start-up: ``qmframe --help`` and ``qmframe assess ...``
  against ``python -c "import pluggy, attrs, cattrs"``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import math
import os
import random
import resource
import runpy
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import attrs

import qmframe
from qmframe import batch
from qmframe.decision import (
    Comparison,
    DecidedLevel,
    Decision,
    Finding,
    GivenLevel,
    Highlight,
    PanelMember,
    RuleOutcome,
    Unmet,
)
from qmframe.files import toml_parser

SECTIONS, CRITERIA_PER_SECTION = 10, 5
AS_OF = dt.date(2026, 6, 1)
LEVELS = ("no", "yes", "wow")
RANK = {level: i for i, level in enumerate(LEVELS)}
REGISTER_BENCHMARK = Path(__file__).with_name("register.py")
BY = "qmframe.default_plugins.rule_kinds"  # the plugin each rule outcome names


# -------------------------------------------------------------------------------------------------
# Inputs
# -------------------------------------------------------------------------------------------------


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
    """Submissions with reviews (one reviewer, dated AS_OF), most criteria met."""
    rng = random.Random(seed)
    ids = [c.id for _, c in framework.iter_criteria()]
    weights = (1, 400, 80)
    reviewer = (qmframe.Reviewer(id="r1", name="Reviewer One"),)
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
            framework="bench",
            framework_version="1",
            organisation=org,
            reviewed_on=AS_OF,
            reviewers=reviewer,
            judgements=judgements,
        )
        pairs.append((submission, review))
    return pairs


# -------------------------------------------------------------------------------------------------
# The floor: the same decision, written by hand for exactly this framework's rules
# -------------------------------------------------------------------------------------------------

Sections = list[tuple[str, str, list[tuple[str, str, bool]]]]  # (id, title, [(id, title, doc?)])


def sections_of_framework(framework: qmframe.Framework) -> Sections:
    return [
        (s.id, s.title, [(c.id, c.title, bool(c.evidence)) for c in s.criteria])
        for s in framework.sections
    ]


def sections_of_toml(data: dict[str, Any]) -> Sections:
    return [
        (s["id"], s["title"], [(c["id"], c["title"], "evidence" in c) for c in s["criteria"]])
        for s in data["sections"]
    ]


def floor_decider(sections: Sections) -> Callable[..., Decision]:
    """The hand-written decision for the benchmark framework, from plain values."""
    ids = [c for _, _, crits in sections for c, _, _ in crits]
    titles = {c: t for _, _, crits in sections for c, t, _ in crits}
    titles.update({sid: title for sid, title, _ in sections})
    needs_doc = [c for _, _, crits in sections for c, _, doc in crits if doc]
    order = [t for sid, _, crits in sections for t in (sid, *(c for c, _, _ in crits))]
    members = [(sid, [c for c, _, _ in crits]) for sid, _, crits in sections]
    until = dt.date(AS_OF.year + 3, AS_OF.month, AS_OF.day) - dt.timedelta(days=1)
    midpoint = dt.date(AS_OF.year + 1, AS_OF.month + 6, AS_OF.day)

    def decide(
        org_id: str,
        org_name: str,
        ratings: Sequence[tuple[str, str | None]],
        judgements: Sequence[tuple[str, str, str, str, tuple[str, ...]]],
        evidence: Sequence[tuple[str, Sequence[str]]],
        action_statuses: Sequence[str],
        reviewers: Sequence[tuple[str, str, str, str]],
        notes: str,
    ) -> Decision:
        levels = {target: level for target, level, *_ in judgements}
        sources = dict.fromkeys(levels, "judgement")
        for sid, crits in members:
            levels[sid] = LEVELS[min(RANK[levels[c]] for c in crits)]
            sources[sid] = "derived"
        rationale = {target: why for target, _, why, *_ in judgements if why}
        given: dict[str, list[GivenLevel]] = defaultdict(list)
        for target, level, why, reviewer, cited in judgements:
            given[target].append(
                GivenLevel(reviewer=reviewer, level=level, rationale=why, evidence=cited)
            )
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
        below = ", ".join(f.target for f in findings if not f.holds)
        r1 = RuleOutcome(
            rule="all-met",
            kind="minimum-level",
            effect="require",
            title="",
            evaluated_by=BY,
            holds=not short,
            saw=saw,
            concluded=f"{short} of {len(ids)} below 'yes': {below}"
            if short
            else f"all {len(ids)} at or above 'yes'",
            findings=tuple(findings),
        )
        by_criterion: dict[str, list[str]] = defaultdict(list)
        for kind, criteria in evidence:
            for c in criteria:
                by_criterion[c].append(kind)
        ev_findings = []
        for c in needs_doc:
            kinds = by_criterion.get(c, [])
            have = sum(1 for kind in kinds if kind == "doc")
            ok = have >= 1
            note = f"{len(kinds)} item(s)" if ok else f"missing: {have} of 1 doc"
            ev_findings.append(Finding(target=c, holds=ok, note=note))
        ev_short = [f for f in ev_findings if not f.holds]
        detail = "; ".join(f"{f.target} ({f.note})" for f in ev_short)
        r2 = RuleOutcome(
            rule="evidence",
            kind="evidence-present",
            effect="require",
            title="",
            evaluated_by=BY,
            holds=not ev_short,
            saw=f"{len(ev_findings)} applicable criteria with evidence requirements",
            concluded=f"{len(ev_short)} lack evidence: {detail}"
            if ev_short
            else "every requirement is met",
            findings=tuple(ev_findings),
        )
        open_n = sum(1 for status in action_statuses if status in ("planned", "in-progress"))
        plan_saw = f"{len(action_statuses)} action-plan item(s), {open_n} open"
        if open_n >= 1:
            r3 = RuleOutcome(
                rule="plan",
                kind="action-plan",
                effect="require",
                title="",
                evaluated_by=BY,
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
                evaluated_by=BY,
                holds=False,
                saw=plan_saw,
                concluded="fewer than 1 open action(s) planned",
                findings=(Finding(target="action-plan", holds=False, note="0 of 1"),),
            )
        found = [
            Finding(target=sid, holds=True, level=levels[sid])
            for sid, _ in members
            if levels[sid] == "wow"
        ]
        listed = ", ".join(f"{f.target} ({f.level})" for f in found)
        r4 = RuleOutcome(
            rule="shine",
            kind="notable-level",
            effect="highlight",
            title="",
            evaluated_by=BY,
            holds=bool(found),
            saw=f"{len(members)} sections",
            concluded=f"{len(found)} at a notable level: {listed}"
            if found
            else "none judged at a notable level",
            findings=tuple(found),
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
                target=f.target, title=titles[f.target], rule="evidence", reason=f.note,
                feedback=f.note,
            )
            for f in r2.findings
            if not f.holds
        ]  # fmt: skip
        if not r3.holds:
            unmet.append(
                Unmet(
                    target="action-plan", title="plan", rule="plan", reason="0 of 1",
                    feedback="0 of 1",
                )
            )  # fmt: skip
        passed = r1.holds and r2.holds and r3.holds
        return Decision(
            framework="bench",
            version="1",
            organisation=org_id,
            organisation_name=org_name,
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
                Comparison(
                    target=target,
                    title=titles[target],
                    self_level=level or "",
                    assessed_level=levels[target],
                    agrees=level == levels[target],
                )
                for target, level in ratings
            ),
            explanation=(r1, r2, r3, r4),
            levels=tuple(
                DecidedLevel(
                    target=t,
                    level=levels[t],
                    source=sources[t],
                    note="",
                    judgements=tuple(given.get(t, ())),
                )
                for t in order
            ),
            reviewers=tuple(
                PanelMember(id=i, name=name, role=role, organisation=where)
                for i, name, role, where in reviewers
            ),
            review_notes=notes,
        )

    return decide


def floor_checker(sections: Sections) -> Callable[..., list[str]]:
    """Hand-written input checks of the kind Assessor.check runs, for this framework.

    Framework and version named, organisation id given and the review's the
    same, every rated or judged target known and named once, levels on the
    scale, evidence and action ids unique, evidence types and criteria known,
    action statuses known, reviewers unique and enough of them, judgements
    by a named reviewer.
    """
    targets = {sid for sid, _, _ in sections} | {c for _, _, cs in sections for c, _, _ in cs}
    criteria = {c for _, _, cs in sections for c, _, _ in cs}
    statuses = {"planned", "in-progress", "done", "dropped"}

    def check(
        framework: tuple[str, str, str, str],
        org_id: str,
        review_org: str,
        ratings: Sequence[tuple[str, str | None]],
        judgements: Sequence[tuple[str, str, str, str]],
        evidence: Sequence[tuple[str, str, Sequence[str]]],
        actions: Sequence[tuple[str, str]],
        reviewers: Sequence[str],
    ) -> list[str]:
        problems = []
        if framework != ("bench", "1", "bench", "1"):
            problems.append("framework")
        if not org_id or review_org != org_id:
            problems.append("organisation")
        seen: set[str] = set()
        for target, level in ratings:
            if target not in targets or target in seen or level not in RANK:
                problems.append(f"rating {target}")
            seen.add(target)
        ids: set[str] = set()
        for item_id, kind, crits in evidence:
            if item_id in ids or kind != "doc" or any(c not in criteria for c in crits):
                problems.append(f"evidence {item_id}")
            ids.add(item_id)
        ids = set()
        for action_id, status in actions:
            if action_id in ids or status not in statuses:
                problems.append(f"action {action_id}")
            ids.add(action_id)
        named = set(reviewers)
        if len(named) != len(reviewers) or len(named) < 1:
            problems.append("reviewers")
        seen = set()
        for target, level, reviewer, _ in judgements:
            if target not in targets or level not in RANK or target in seen:
                problems.append(f"judgement {target}")
            if reviewer and reviewer not in named:
                problems.append(f"judgement {target} reviewer")
            seen.add(target)
        return problems

    return check


def _from_objects(submission: qmframe.Submission, review: qmframe.Review) -> tuple[Any, ...]:
    org = submission.organisation
    return (
        org.id,
        org.name,
        [(r.target, r.level) for r in submission.ratings],
        [(j.target, j.level, j.rationale, j.reviewer, j.evidence) for j in review.judgements],
        [(e.type, e.criteria) for e in submission.evidence],
        [a.status for a in submission.actions],
        [(r.id, r.name, r.role, r.organisation) for r in review.reviewers],
        review.notes,
    )


def _checks_of_objects(submission: qmframe.Submission, review: qmframe.Review) -> tuple[Any, ...]:
    return (
        (submission.framework, submission.framework_version, review.framework,
         review.framework_version),
        submission.organisation.id,
        review.organisation,
        [(r.target, r.level) for r in submission.ratings],
        [(j.target, j.level, j.reviewer, j.rationale) for j in review.judgements],
        [(e.id, e.type, e.criteria) for e in submission.evidence],
        [(a.id, a.status) for a in submission.actions],
        [r.id for r in review.reviewers],
    )  # fmt: skip


def _from_toml(sub: dict[str, Any], rev: dict[str, Any]) -> tuple[Any, ...]:
    org = sub["organisation"]
    return (
        org["id"],
        org["name"],
        [(r["target"], r.get("level")) for r in sub.get("ratings", ())],
        [
            (j["target"], j["level"], j.get("rationale", ""), j.get("reviewer", ""),
             tuple(j.get("evidence", ())))
            for j in rev.get("judgements", ())
        ],
        [(e["type"], tuple(e.get("criteria", ()))) for e in sub.get("evidence", ())],
        [a.get("status", "planned") for a in sub.get("actions", ())],
        [
            (r["id"], r["name"], r.get("role", ""), r.get("organisation", ""))
            for r in rev.get("reviewers", ())
        ],
        rev.get("notes", ""),
    )  # fmt: skip


# -------------------------------------------------------------------------------------------------
# Measuring
# -------------------------------------------------------------------------------------------------


@dataclass
class Figure:
    """One line of the table: a candidate and its floor, timed pairwise."""

    name: str
    candidate: str
    floor: str
    cand_times: list[float]
    floor_times: list[float]
    target: str
    goal: Callable[[float], bool]
    speedup: bool = False  # the ratio shown is floor / candidate (how many times faster)
    unit: str = "ms"
    scale: float = 1000.0

    @property
    def ratios(self) -> list[float]:
        pairs = zip(self.cand_times, self.floor_times, strict=True)
        return [(f / c) if self.speedup else (c / f) for c, f in pairs]

    def row(self) -> list[str]:
        ratios = sorted(self.ratios)
        median = statistics.median(ratios)
        q1, _, q3 = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else (median,) * 3
        cand = statistics.median(self.cand_times) * self.scale
        floor = statistics.median(self.floor_times) * self.scale
        return [
            self.name,
            f"{cand:,.2f} {self.unit}",
            f"{floor:,.2f} {self.unit}",
            f"{median:.2f}x",
            f"{q1:.2f}-{q3:.2f}",
            f"{ratios[0]:.2f}-{ratios[-1]:.2f}",
            self.target,
            "yes" if self.goal(median) else "NO",
        ]


def paired(
    repeats: int,
    candidate: Callable[[], object],
    floor: Callable[[], object],
    clock: Callable[[], float] = time.process_time,
) -> tuple[list[float], list[float]]:
    """Time the two in every repeat, alternating which runs first; (candidate, floor) times.

    Each run starts from a collected heap (``gc.collect()``), so neither pays for the
    garbage the other left; the collector stays on while it runs, so each pays its own.
    """
    cand, base = [], []
    candidate(), floor()  # warm both: caches, imports, generated code
    for i in range(repeats):
        order = [(candidate, cand), (floor, base)]
        for run, into in order if i % 2 == 0 else order[::-1]:
            gc.collect()
            start = clock()
            run()
            into.append(clock() - start)
    return cand, base


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _process_cpu(argv: Sequence[str], env: dict[str, str], cwd: Path) -> float:
    before = _children_cpu()
    subprocess.run(
        argv, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return _children_cpu() - before


def table(figures: Iterable[Figure]) -> str:
    head = ["figure", "qmframe", "floor", "ratio", "IQR", "min-max", "target", "met"]
    rows = [head, *(f.row() for f in figures)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# -------------------------------------------------------------------------------------------------
# The figures
# -------------------------------------------------------------------------------------------------


class Bench:
    def __init__(self, quick: bool) -> None:
        self.quick = quick
        self.folder = Path(tempfile.mkdtemp(prefix="qmframe-bench-"))
        self.figures: list[Figure] = []
        self.notes: list[str] = []
        self.framework_path = self.folder / "bench.toml"
        self.framework_path.write_text(framework_toml(SECTIONS, CRITERIA_PER_SECTION), "utf-8")
        self.registry = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))
        self.framework = qmframe.load_framework(self.framework_path, registry=self.registry)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def add(self, figure: Figure) -> None:
        self.figures.append(figure)
        print(f"  {figure.name}: {figure.row()[3]} (IQR {figure.row()[4]})", file=sys.stderr)

    def write_cases(self, root: Path, pairs: Sequence[tuple[Any, Any]], copies: int = 1) -> None:
        """One folder per case; after the first copy, hard links to the same files."""
        for i, (submission, review) in enumerate(pairs):
            first = root / f"c{i:06d}"
            first.mkdir(parents=True)
            qmframe.write_toml(first / "submission.toml", submission)
            qmframe.write_toml(first / "review.toml", review)
            for k in range(1, copies):
                other = root / f"c{i + k * len(pairs):06d}"
                other.mkdir()
                for name in ("submission.toml", "review.toml"):
                    os.link(first / name, other / name)

    # -- one case from files -------------------------------------------------------------------

    def one_case(self) -> None:
        (submission, review), *_ = generate(self.framework, 1, seed=11)
        folder = self.folder / "one"
        self.write_cases(folder, [(submission, review)])
        case = next(batch.find_cases(folder))
        registry = self.registry
        paths = (self.framework_path, Path(case.submission), Path(case.review or ""))

        def ours() -> Decision | None:
            framework = qmframe.load_framework(self.framework_path, registry=registry)
            return batch.assess_case(registry.assessor(framework), case).decision

        def floor() -> Decision:
            fw, sub, rev = (tomllib.loads(p.read_bytes().decode("utf-8")) for p in paths)
            return floor_decider(sections_of_toml(fw))(*_from_toml(sub, rev))

        assert ours() == floor(), "the floor and qmframe disagree on the case from files"
        runs = 100 if self.quick else 400

        def many(one: Callable[[], object]) -> Callable[[], None]:
            def run() -> None:
                for _ in range(runs):
                    one()

            return run

        cand, base = paired(7 if self.quick else 15, many(ours), many(floor))
        self.add(
            Figure(
                "one case from files, end to end",
                "load + check + assess",
                "tomllib x3 + hand floor",
                [t / runs for t in cand],
                [t / runs for t in base],
                "<= 1.0x",
                lambda r: r <= 1.0,
            )
        )
        self.notes.append(
            f"TOML parser: {toml_parser.__name__} "
            f"({getattr(toml_parser, '__file__', '?')}); the floor parses with tomllib"
        )

    # -- batch -----------------------------------------------------------------------------

    def batch_speed(self) -> None:
        n = 400 if self.quick else 2000
        root = self.folder / "batch"
        self.write_cases(root, generate(self.framework, n, seed=3))
        step = batch.AssessJson(self.framework_path)
        batch.assessor_for(self.framework_path)  # as qmframe batch does: forks inherit it
        sink = io.StringIO()

        cpu: dict[int, list[tuple[float, float]]] = {1: [], 2: []}  # (this process, workers)

        def run(jobs: int) -> Callable[[], None]:
            def go() -> None:
                sink.seek(0)
                sink.truncate()
                mine, theirs = time.process_time(), _children_cpu()
                for line in batch.run(step, batch.find_cases(root), jobs=jobs):
                    sink.write(line.text + "\n")
                cpu[jobs].append((time.process_time() - mine, _children_cpu() - theirs))

            return go

        load = os.getloadavg()[0]
        one, two = paired(3 if self.quick else 5, run(1), run(2), clock=time.perf_counter)
        load = max(load, os.getloadavg()[0])
        del cpu[1][0], cpu[2][0]  # paired()'s warm-up runs
        single = statistics.median(a + b for a, b in cpu[1])
        main = statistics.median(a for a, _ in cpu[2])
        workers = statistics.median(b for _, b in cpu[2])
        self.notes.append(
            f"batch CPU time (median): 1 process {single:.2f} s; 2 processes {main:.2f} s in "
            f"the main process + {workers:.2f} s in the workers ({(main + workers) / single:.2f}x "
            f"the work in all). On 2 otherwise idle cores that is a speed-up of at most "
            f"{single / max(main, workers / 2):.2f}x; the wall-clock figure above is what this "
            f"machine gave, with a load average of {load:.1f} from other work"
        )
        self.add(
            Figure(
                f"batch of {n:,} cases, 2 processes vs 1 (speed-up)",
                "2 processes",
                "1 process",
                two,
                one,
                ">= 1.8x",
                lambda r: r >= 1.8,
                speedup=True,
                unit="s",
                scale=1.0,
            )
        )
        # What the CPU time allows on two idle cores: the one process's time over the longer
        # of the main process's and each worker's share; and the work the processes add.
        self.add(
            Figure(
                "  the same, as the CPU time allows (idle cores)",
                "2 processes, CPU",
                "1 process, CPU",
                [max(a, b / 2) for a, b in cpu[2]],
                [a + b for a, b in cpu[1]],
                ">= 1.8x",
                lambda r: r >= 1.8,
                speedup=True,
                unit="s",
                scale=1.0,
            )
        )
        self.add(
            Figure(
                "  CPU time in all processes, 2 vs 1",
                "2 processes, CPU",
                "1 process, CPU",
                [a + b for a, b in cpu[2]],
                [a + b for a, b in cpu[1]],
                "(information)",
                lambda r: True,
                unit="s",
                scale=1.0,
            )
        )

    def batch_memory(self) -> None:
        """Peak memory of `qmframe batch` with 2 processes, at 2,000 and at 20,000 cases."""
        sizes = (200, 2000) if self.quick else (2000, 20000)
        root = self.folder / "memory"
        base = sizes[0]
        self.write_cases(root, generate(self.framework, base, seed=5), copies=sizes[1] // base)
        driver = (
            "import itertools, resource, sys\n"
            "from qmframe import batch\n"
            "out = open(sys.argv[3], 'w')\n"
            "cases = itertools.islice(batch.find_cases(sys.argv[2]), int(sys.argv[4]))\n"
            "batch.assessor_for(sys.argv[1])  # as qmframe batch does, before the processes\n"
            "for line in batch.run(batch.AssessJson(sys.argv[1]), cases, jobs=2):\n"
            "    out.write(line.text + '\\n')\n"
            "out.close()\n"
            "me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "try:  # ru_maxrss keeps the launcher's size across exec; VmHWM does not\n"
            "    status = open('/proc/self/status').read().split('VmHWM:')[1]\n"
            "    me = int(status.split()[0])\n"
            "except (OSError, IndexError, ValueError):\n"
            "    pass\n"
            "kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
            "print(me, kids)\n"
        )
        found = []
        for size in sizes:  # the first cases of the folder, then all of them
            out = self.folder / f"memory-{size}.jsonl"
            args = [str(self.framework_path), str(root), str(out), str(size)]
            done = subprocess.run(
                [sys.executable, "-c", driver, *args],
                capture_output=True,
                text=True,
                check=True,
            )
            lines = sum(1 for _ in out.open(encoding="utf-8"))
            assert lines == size, (lines, size)
            me, kids = (int(v) / 1024 for v in done.stdout.split())
            found.append((size, me, kids))
            out.unlink()
        (n1, p1, w1), (n2, p2, w2) = found
        for who, small, large in (("main process", p1, p2), ("largest worker", w1, w2)):
            self.add(
                Figure(
                    f"batch peak memory, {who}: {n2:,} vs {n1:,} cases",
                    f"{n2:,} cases",
                    f"{n1:,} cases",
                    [large],
                    [small],
                    "flat (<= 1.1x)",
                    lambda r: r <= 1.1,
                    unit="MB",
                    scale=1.0,
                )
            )
        self.notes.append(
            f"batch memory (peak RSS, 2 processes): {n1:,} cases: main {p1:.0f} MB, "
            f"largest worker {w1:.0f} MB; {n2:,} cases: main {p2:.0f} MB, largest worker "
            f"{w2:.0f} MB ({p2 / p1:.2f}x and {w2 / w1:.2f}x for {n2 // n1}x the cases: flat)"
        )

    # -- framework load --------------------------------------------------------------------

    def framework_load(self) -> None:
        path = self.folder / "big.toml"
        path.write_text(framework_toml(100, 10), "utf-8")
        registry = self.registry

        def ours() -> None:
            framework = qmframe.load_framework(path, registry=registry)
            assert len(framework.sections) == 100

        def bare() -> None:
            with path.open("rb") as stream:
                tomllib.load(stream)

        def fast() -> None:
            with path.open("rb") as stream:
                toml_parser.load(stream)

        repeats = 7 if self.quick else 15
        cand, base = paired(repeats, ours, bare)
        self.add(
            Figure(
                "framework load (1,000 criteria)",
                "read + structure + check",
                "tomllib.load",
                cand,
                base,
                "<= 0.6x",
                lambda r: r <= 0.6,
            )
        )
        if toml_parser is not tomllib:
            cand, base = paired(repeats, fast, bare)
            self.add(
                Figure(
                    "  of which: parsing alone",
                    f"{toml_parser.__name__}.load",
                    "tomllib.load",
                    cand,
                    base,
                    "(information)",
                    lambda r: True,
                )
            )

    # -- scoring ---------------------------------------------------------------------------

    def scoring(self) -> None:
        n = 500 if self.quick else 2000
        pairs = generate(self.framework, n)
        assessor = self.registry.assessor(self.framework)
        sections = sections_of_framework(self.framework)
        decide, check = floor_decider(sections), floor_checker(sections)
        mismatches = sum(
            assessor.assess(s, r, as_of=AS_OF) != decide(*_from_objects(s, r)) for s, r in pairs
        )
        assert mismatches == 0, f"the floor and qmframe disagree on {mismatches} of {n}"
        assert all(not check(*_checks_of_objects(s, r)) for s, r in pairs)
        assert not any(p.severity == "error" for s, r in pairs for p in assessor.check(s, r))

        def ours() -> None:
            for s, r in pairs:
                assessor.assess(s, r, as_of=AS_OF)

        def rules_only() -> None:  # the rules alone, on input already checked
            for s, r in pairs:
                assessor._decide_checked(s, r, AS_OF)

        def floor() -> None:
            for s, r in pairs:
                decide(*_from_objects(s, r))

        def checked_floor() -> None:
            for s, r in pairs:
                if not check(*_checks_of_objects(s, r)):
                    decide(*_from_objects(s, r))

        repeats = 7 if self.quick else 11
        for name, cand_run, floor_run, floor_name, target, goal in (
            (f"scoring {n:,} cases (checks + rules)", ours, floor, "hand floor", "<= 1.2x",
             lambda r: r <= 1.2),
            ("  the same, floor checking its input", ours, checked_floor, "checked hand floor",
             "(information)", lambda r: True),
            ("  rules alone (input checked before)", rules_only, floor, "hand floor",
             "(information)", lambda r: True),
        ):  # fmt: skip
            cand, base = paired(repeats, cand_run, floor_run)
            self.add(
                Figure(
                    name,
                    "Assessor.assess" if cand_run is ours else "rules only",
                    floor_name,
                    [t / n for t in cand],
                    [t / n for t in base],
                    target,
                    goal,
                )
            )

    # -- growth -----------------------------------------------------------------------------

    def growth(self) -> None:
        """A case ten times larger costs about ten times as much: no work grows faster."""
        (submission, review), *_ = generate(self.framework, 1, seed=5)
        assessor = self.registry.assessor(self.framework)
        first = next(c.id for _, c in self.framework.iter_criteria())

        def case(items: int, reviewers: int) -> tuple[qmframe.Submission, qmframe.Review]:
            # Every extra evidence item cites one criterion; every reviewer judges everything.
            evidence = (
                *submission.evidence,
                *(
                    qmframe.EvidenceItem(id=f"x{k}", type="doc", title="Doc", criteria=(first,))
                    for k in range(items)
                ),
            )
            panel = tuple(qmframe.Reviewer(id=f"r{k}", name=f"R {k}") for k in range(reviewers))
            judgements = tuple(
                attrs.evolve(j, reviewer=r.id) for r in panel for j in review.judgements
            )
            return (
                attrs.evolve(submission, evidence=evidence),
                attrs.evolve(review, reviewers=panel, judgements=judgements),
            )

        small, large = case(2_000, 20), case(20_000, 200)
        for s, r in (small, large):
            assert not [p for p in assessor.check(s, r) if p.severity == "error"]
        repeats = 7 if self.quick else 11
        cand, base = paired(
            repeats,
            lambda: assessor.assess(*large, as_of=AS_OF),
            lambda: assessor.assess(*small, as_of=AS_OF),
        )
        self.add(
            Figure(
                "growth: a case 10x larger, per unit",
                "20,000 items, 200 reviewers",
                "2,000 items, 20 reviewers",
                [t / 10 for t in cand],
                base,
                "<= 1.5x (linear)",
                lambda r: r <= 1.5,
            )
        )

    # -- plugin calls ----------------------------------------------------------------------

    def plugin_calls(self) -> None:
        registry = qmframe.Registry()  # the installed plugins
        folder = files("qmframe_example") / "examples" / "riverside"
        framework = registry.framework("example-charter")
        submission = qmframe.read_submission(folder / "submission.toml")
        review = qmframe.read_review(folder / "review.toml")
        hook = registry.pm.hook.qmframe_check_submission
        calls = 2000

        def ours() -> None:
            for _ in range(calls):
                registry.check_submission(framework, submission, review)

        def pluggy_alone() -> None:
            for _ in range(calls):
                for result in hook(framework=framework, submission=submission, review=review):
                    list(result)

        impls = len(hook.get_hookimpls())
        cand, base = paired(7 if self.quick else 11, ours, pluggy_alone)
        self.add(
            Figure(
                f"plugin check hook ({impls} implementation{'' if impls == 1 else 's'})",
                "Registry.check_submission",
                "pluggy hook call",
                [t / calls for t in cand],
                [t / calls for t in base],
                "~1x (labels once)",
                lambda r: r <= 1.5,
                unit="us",
                scale=1e6,
            )
        )

    # -- start-up --------------------------------------------------------------------------

    def startup(self) -> None:
        # Bytecode cached for both sides, as in an installed qmframe (an editable install run
        # with PYTHONDONTWRITEBYTECODE would otherwise compile qmframe's modules every time).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(self.folder / "pycache")
        qmframe_bin = Path(sys.executable).with_name("qmframe")
        command = [str(qmframe_bin)] if qmframe_bin.exists() else [sys.executable, "-m", "qmframe"]
        example = files("qmframe_example") / "examples" / "riverside"
        floor = [sys.executable, "-c", "import pluggy, attrs, cattrs"]
        runs = {
            "help": [*command, "--help"],
            "assess": [
                *command, "assess", "example-charter", str(example / "submission.toml"),
                "--review", str(example / "review.toml"),
            ],
            # What any `assess` imports before it does anything: the command-line library,
            # the standard library's entry-point and resource readers, the TOML libraries, and
            # qmframe's value classes (attrs writes their methods as it imports them).
            "essentials": [sys.executable, "-c", ESSENTIAL_IMPORTS],
        }  # fmt: skip
        for argv in (floor, *runs.values()):  # warm the bytecode cache and the file cache
            _process_cpu(argv, env, self.folder)
        repeats = 9 if self.quick else 21
        names = ["floor", *runs]
        times: dict[str, list[float]] = {name: [] for name in names}
        for i in range(repeats):
            for name in names if i % 2 == 0 else names[::-1]:
                argv = floor if name == "floor" else runs[name]
                times[name].append(_process_cpu(argv, env, self.folder))
        for name, title, target, limit in (
            ("help", "start-up: qmframe help", "<= 1.5x", 1.5),
            ("assess", "start-up: qmframe assess", "<= 2.0x", 2.0),
            ("essentials", "  importing what any assess needs", "(information)", math.inf),
        ):
            self.add(
                Figure(
                    title,
                    "imports only" if name == "essentials" else f"qmframe {name}",
                    "import pluggy, attrs, cattrs",
                    times[name],
                    times["floor"],
                    target,
                    lambda r, limit=limit: r <= limit,
                )
            )
        self.notes.append(
            "start-up: 'importing what any assess needs' runs python -c "
            f"{ESSENTIAL_IMPORTS!r}: the libraries and value classes every assess loads before "
            "reading a file, a bound under the assess figure"
        )


#: The imports every ``qmframe assess`` makes before it reads a file (the start-up figures).
ESSENTIAL_IMPORTS = (
    "import pluggy, attrs, cattrs, click, importlib.metadata, importlib.resources, tomli_w, "
    f"{toml_parser.__name__}, qmframe.framework, qmframe.submission, qmframe.decision, "
    "qmframe.rules"
)

#: The figures ``--only`` can choose, in the order they are measured, and the method of each.
FIGURES = {
    "one-case": "one_case",
    "batch": "batch_speed",
    "memory": "batch_memory",
    "load": "framework_load",
    "scoring": "scoring",
    "growth": "growth",
    "hooks": "plugin_calls",
    "startup": "startup",
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and cases")
    parser.add_argument(
        "--only",
        metavar="FIGURES",
        help=f"comma-separated figures to measure, of {','.join(FIGURES)} (default: all, and "
        "the register's)",
    )
    args = parser.parse_args(argv)
    chosen = args.only.split(",") if args.only else list(FIGURES)
    unknown = sorted(set(chosen) - set(FIGURES))
    if unknown:
        parser.error(f"unknown figure {', '.join(unknown)}; choose from {','.join(FIGURES)}")
    print(
        f"Python {sys.version.split()[0]}, qmframe {qmframe.__version__}, "
        f"{batch.default_jobs()} cores, load average {os.getloadavg()[0]:.1f}"
    )
    bench = Bench(args.quick)
    try:
        print("measuring (each figure's median ratio as it is done):", file=sys.stderr)
        for name in FIGURES:
            if name in chosen:
                getattr(bench, FIGURES[name])()
    finally:
        bench.close()
    print(table(bench.figures))
    print()
    for note in bench.notes:
        print(f"- {note}")
    print(
        "- ratio: median over repeats of candidate time / floor time in the same repeat "
        "(for the speed-up, 1-process time / 2-process time); IQR and min-max of those ratios"
    )
    # The register's figures, from their own benchmark (not with --only).
    if REGISTER_BENCHMARK.exists() and not args.only:
        sizes = ["--sizes", "1000,10000"] if args.quick else []
        runpy.run_path(str(REGISTER_BENCHMARK))["main"](sizes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
