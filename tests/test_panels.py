"""Panels of reviewers: how their judgements combine, and that their splits stay visible.

Also the generic pieces a peer-reviewed register needs beside a panel:
conflicts of interest, feedback taken from the judgements the decision rests
on, outcome coverage narrowed to some evidence types, and outcome-set files
checked on their own.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import core_fixtures
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qmframe
from qmframe.cli import main

AS_OF = dt.date(2026, 2, 1)
LEVELS = ("no", "yes", "wow")  # the mini framework's scale, lowest first
Write = Callable[[str, str], Path]


def _framework_text(combine: str, min_reviewers: int = 2, rules: str = "") -> str:
    return (
        core_fixtures.FRAMEWORK.replace("[validity]", f"{rules}[validity]")
        .replace("[review]\nrequired = false\n", "")
        .rstrip()
        + f'\n[review]\ncombine = "{combine}"\nmin_reviewers = {min_reviewers}\n'
    )


def _review_text(
    panel: dict[str, dict[str, str]],
    *,
    rationales: dict[tuple[str, str], str] | None = None,
    interests: dict[str, str] | None = None,
    organisations: dict[str, str] | None = None,
) -> str:
    """A review of org-1: ``panel`` maps reviewer id to {target: level}."""
    rationales, interests, organisations = rationales or {}, interests or {}, organisations or {}
    out = [
        'framework = "mini"\nframework_version = "2"\norganisation = "org-1"\n'
        "reviewed_on = 2026-02-01\n"
    ]
    for who in panel:
        out.append(f'\n[[reviewers]]\nid = "{who}"\nname = "Reviewer {who}"\n')
        if who in organisations:
            out.append(f'organisation = "{organisations[who]}"\n')
        if who in interests:
            out.append(f'interests = [{{ organisation = "org-1", kind = "{interests[who]}" }}]\n')
    for who, levels in panel.items():
        for target, level in levels.items():
            out.append(
                f'\n[[judgements]]\nreviewer = "{who}"\ntarget = "{target}"\nlevel = "{level}"\n'
            )
            if (who, target) in rationales:
                out.append(f'rationale = "{rationales[who, target]}"\n')
    return "".join(out)


AGREED = {"a1": "wow", "a2": "yes", "b1": "yes", "b2": "yes"}


def _decide(
    write: Write,
    registry: qmframe.Registry,
    combine: str,
    panel: dict[str, dict[str, str]],
    **review: dict[tuple[str, str], str],
) -> qmframe.Decision:
    framework = qmframe.load_framework(write("f.toml", _framework_text(combine)), registry=registry)
    submission = qmframe.load_submission(
        write("s/s.toml", core_fixtures.SUBMISSION), framework, registry=registry
    )
    loaded = qmframe.load_review(
        write("s/r.toml", _review_text(panel, **review)), framework, submission, registry=registry
    )
    return qmframe.assess(framework, submission, loaded, as_of=AS_OF, registry=registry)


def test_lowest_policy_shows_the_split_it_settled(write: Write, registry: qmframe.Registry) -> None:
    panel = {"r1": AGREED, "r2": {**AGREED, "b2": "no"}}
    decision = _decide(write, registry, "lowest", panel)
    assert not decision.passed
    assert decision.panel_disagreements == (
        qmframe.PanelDisagreement(
            target="b2",
            title="B two",
            levels={"r1": "yes", "r2": "no"},
            decided="no",
            policy="lowest",
        ),
    )


def test_median_policy_shows_the_split_too(write: Write, registry: qmframe.Registry) -> None:
    panel = {"r1": {**AGREED, "a2": "no"}, "r2": {**AGREED, "a2": "wow"}, "r3": AGREED}
    decision = _decide(write, registry, "median", panel)
    assert decision.passed  # the median of no, wow, yes is yes
    [split] = decision.panel_disagreements
    assert (split.target, split.decided, split.policy) == ("a2", "yes", "median")
    assert dict(split.levels) == {"r1": "no", "r2": "wow", "r3": "yes"}


def test_unanimous_policy_leaves_a_split_unresolved(
    write: Write, registry: qmframe.Registry
) -> None:
    panel = {"r1": AGREED, "r2": {**AGREED, "a1": "yes"}}
    decision = _decide(write, registry, "unanimous", panel)
    [split] = decision.panel_disagreements
    assert (split.target, split.decided) == ("a1", "")
    # The split target is not judged, so the minimum-level rule cannot hold for it.
    assert [(u.target, u.reason) for u in decision.unmet] == [
        ("a1", "panel not unanimous: wow, yes")
    ]


def test_an_agreeing_panel_has_no_disagreements(write: Write, registry: qmframe.Registry) -> None:
    decision = _decide(write, registry, "lowest", {"r1": AGREED, "r2": AGREED})
    assert decision.passed
    assert decision.panel_disagreements == ()


@pytest.mark.parametrize("order", [("r1", "r2"), ("r2", "r1")])
def test_feedback_comes_from_the_judgement_the_decision_rests_on(
    write: Write, registry: qmframe.Registry, order: tuple[str, str]
) -> None:
    levels = {"r1": AGREED, "r2": {**AGREED, "b2": "no"}}
    panel = {who: levels[who] for who in order}
    rationales = {("r1", "b2"): "Fine as it is.", ("r2", "b2"): "No evidence of practice."}
    decision = _decide(write, registry, "lowest", panel, rationales=rationales)
    assert [(u.target, u.feedback) for u in decision.unmet] == [("b2", "No evidence of practice.")]


def test_an_unresolved_target_keeps_every_reviewers_feedback(
    write: Write, registry: qmframe.Registry
) -> None:
    panel = {"r1": AGREED, "r2": {**AGREED, "b2": "no"}}
    rationales = {("r1", "b2"): "Fine.", ("r2", "b2"): "Thin."}
    decision = _decide(write, registry, "unanimous", panel, rationales=rationales)
    assert [(u.target, u.feedback) for u in decision.unmet] == [("b2", "Fine. Thin.")]


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("text", "Panel members differ:\n  ~ B two [b2]: r1 yes, r2 no; decided no (lowest)"),
        ("markdown", "## Panel members differ\n\n- **B two**: r1 yes, r2 no; decided no (lowest)"),
    ],
)
def test_reports_show_panel_disagreements(
    write: Write, registry: qmframe.Registry, fmt: str, expected: str
) -> None:
    panel = {"r1": AGREED, "r2": {**AGREED, "b2": "no"}}
    decision = _decide(write, registry, "lowest", panel)
    framework = qmframe.load_framework(
        write("f.toml", _framework_text("lowest")), registry=registry
    )
    submission = qmframe.load_submission(
        write("s/s.toml", core_fixtures.SUBMISSION), framework, registry=registry
    )
    assert expected in qmframe.render(
        decision, framework, submission, format=fmt, registry=registry
    )
    agreeing = _decide(write, registry, "lowest", {"r1": AGREED, "r2": AGREED})
    text = qmframe.render(agreeing, framework, submission, format=fmt, registry=registry)
    assert "Panel members differ" not in text


def test_json_report_carries_panel_disagreements(write: Write, registry: qmframe.Registry) -> None:
    panel = {"r1": AGREED, "r2": {**AGREED, "b2": "no"}}
    decision = _decide(write, registry, "lowest", panel)
    framework = qmframe.load_framework(
        write("f.toml", _framework_text("lowest")), registry=registry
    )
    submission = qmframe.load_submission(
        write("s/s.toml", core_fixtures.SUBMISSION), framework, registry=registry
    )
    data = json.loads(
        qmframe.render(decision, framework, submission, format="json", registry=registry)
    )
    assert data["panel_disagreements"] == [
        {
            "target": "b2",
            "title": "B two",
            "levels": {"r1": "yes", "r2": "no"},
            "decided": "no",
            "policy": "lowest",
        }
    ]


@settings(max_examples=40, deadline=None)
@given(
    combine=st.sampled_from(["lowest", "median", "unanimous"]),
    given_levels=st.lists(st.sampled_from(LEVELS), min_size=2, max_size=4),
)
def test_a_split_is_shown_exactly_when_the_panel_differs(
    combine: str, given_levels: list[str]
) -> None:
    """Built in code, no files: the property is about the engine alone."""
    registry = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))
    framework = qmframe.Framework(
        id="p",
        version="1",
        title="Panel property",
        scales=(
            qmframe.Scale(
                id="lvl",
                levels=tuple(qmframe.Level(id=x, label=x, meets=x != "no") for x in LEVELS),
            ),
        ),
        sections=(
            qmframe.Section(
                id="s", title="S", scale="lvl", criteria=(qmframe.Criterion(id="c", title="C"),)
            ),
        ),
        decision=qmframe.DecisionPolicy(
            rules=(qmframe.Rule(id="r", kind="minimum-level", params={"level": "yes"}),)
        ),
        review=qmframe.ReviewPolicy(min_reviewers=2, combine=combine),
    )
    submission = qmframe.Submission(
        framework="p", framework_version="1", organisation=qmframe.Organisation(id="o", name="O")
    )
    review = qmframe.Review(
        framework="p",
        framework_version="1",
        organisation="o",
        reviewers=tuple(qmframe.Reviewer(id=f"r{i}", name="R") for i in range(len(given_levels))),
        judgements=tuple(
            qmframe.Judgement(target="c", level=level, reviewer=f"r{i}")
            for i, level in enumerate(given_levels)
        ),
    )
    decision = qmframe.assess(framework, submission, review, as_of=AS_OF, registry=registry)
    if len(set(given_levels)) == 1:
        assert decision.panel_disagreements == ()
        return
    [split] = decision.panel_disagreements
    assert list(split.levels.values()) == given_levels
    if combine == "lowest":
        assert split.decided == min(given_levels, key=LEVELS.index)
    elif combine == "unanimous":
        assert split.decided == ""
    else:
        assert split.decided in given_levels


# -- conflicts of interest -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"interests": {"r2": "external-examiner"}}, "declared an interest in 'org-1' (external"),
        ({"interests": {"r2": "former-employee"}}, "declared an interest in 'org-1' (former"),
        ({"organisations": {"r2": "org-1"}}, "works for 'org-1'"),
    ],
)
def test_a_conflicted_reviewer_is_refused_by_name(
    write: Write, registry: qmframe.Registry, kwargs: dict[str, dict[str, str]], reason: str
) -> None:
    framework = qmframe.load_framework(
        write("f.toml", _framework_text("lowest")), registry=registry
    )
    submission = qmframe.load_submission(
        write("s/s.toml", core_fixtures.SUBMISSION), framework, registry=registry
    )
    path = write("s/r.toml", _review_text({"r1": AGREED, "r2": AGREED}, **kwargs))  # type: ignore[arg-type]
    with pytest.raises(qmframe.ConflictOfInterestError) as caught:
        qmframe.load_review(path, framework, submission, registry=registry)
    [problem] = caught.value.problems
    assert problem.path == "reviewers[1]"
    assert "conflict of interest: reviewer 'r2' (Reviewer r2)" in problem.message
    assert reason in problem.message
    # The same panel without the conflicted member's interest is accepted.
    clean = write("s/clean.toml", _review_text({"r1": AGREED, "r2": AGREED}))
    assert qmframe.load_review(clean, framework, submission, registry=registry).reviewers


def test_an_interest_in_another_organisation_is_no_conflict(
    write: Write, registry: qmframe.Registry
) -> None:
    framework = qmframe.load_framework(
        write("f.toml", _framework_text("lowest")), registry=registry
    )
    submission = qmframe.load_submission(
        write("s/s.toml", core_fixtures.SUBMISSION), framework, registry=registry
    )
    text = _review_text({"r1": AGREED, "r2": AGREED}).replace(
        'name = "Reviewer r2"\n',
        'name = "Reviewer r2"\n'
        'interests = [{ organisation = "org-2", kind = "external-examiner" }]\n',
    )
    review = qmframe.load_review(write("s/r.toml", text), framework, submission, registry=registry)
    assert review.reviewers[1].interests[0].organisation == "org-2"


def test_the_command_line_refuses_a_conflicted_panel(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    framework = write("f.toml", _framework_text("lowest"))
    submission = write("s/s.toml", core_fixtures.SUBMISSION)
    review = write(
        "s/r.toml",
        _review_text({"r1": AGREED, "r2": AGREED}, interests={"r1": "external-examiner"}),
    )
    code = main(["assess", str(framework), str(submission), "--review", str(review)])
    assert code == 2
    assert "conflict of interest: reviewer 'r1'" in capsys.readouterr().err


# -- outcome coverage narrowed to evidence types ----------------------------------------------

COVERAGE = """[[decision.rules]]
id = "covered"
kind = "outcome-coverage"
outcome_set = "los"
by = "evidence"
{extra}

"""


def _coverage_framework(write: Write, registry: qmframe.Registry, extra: str) -> qmframe.Framework:
    text = _framework_text("lowest", 1, COVERAGE.format(extra=extra))
    return qmframe.load_framework(write("f.toml", text), registry=registry)


def test_coverage_counts_only_the_named_evidence_types(
    write: Write, registry: qmframe.Registry
) -> None:
    submission_text = core_fixtures.SUBMISSION + (
        '\n[[evidence]]\nid = "e2"\ntype = "data"\ntitle = "Map"\noutcomes = ["O3"]\n'
    )
    results = {}
    for types in ('["doc", "data"]', '["data"]'):
        framework = _coverage_framework(write, registry, f"evidence_types = {types}")
        submission = qmframe.load_submission(
            write("s/s.toml", submission_text), framework, registry=registry
        )
        decision = qmframe.assess(framework, submission, as_of=AS_OF, registry=registry)
        results[types] = decision
    [outcome] = [o for o in results['["doc", "data"]'].explanation if o.rule == "covered"]
    assert outcome.holds
    [narrowed] = [o for o in results['["data"]'].explanation if o.rule == "covered"]
    assert not narrowed.holds
    assert narrowed.concluded == "2 not covered: O1, O2"
    assert "(evidence of type data)" in narrowed.saw
    unmet = [(u.target, u.title) for u in results['["data"]'].unmet if u.rule == "covered"]
    assert unmet == [("O1", "one"), ("O2", "two")]  # an outcome is named by its text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('evidence_types = ["nope"]', "unknown evidence type 'nope'"),
        ('evidence_types = "doc"', "expected a list of evidence type ids"),
        ("evidence_types = []", "expected a list of evidence type ids"),
    ],
)
def test_coverage_evidence_types_are_checked(
    write: Write, registry: qmframe.Registry, extra: str, message: str
) -> None:
    with pytest.raises(qmframe.ValidationError) as caught:
        _coverage_framework(write, registry, extra)
    assert any(
        p.path.endswith("evidence_types") and message in p.message for p in caught.value.problems
    )


def test_coverage_evidence_types_need_evidence_to_look_at(
    write: Write, registry: qmframe.Registry
) -> None:
    extra = 'evidence_types = ["doc"]'
    text = _framework_text("lowest", 1, COVERAGE.format(extra=extra)).replace(
        'by = "evidence"', 'by = "criteria"'
    )
    with pytest.raises(qmframe.ValidationError, match="only used when 'by' looks at evidence"):
        qmframe.load_framework(write("f.toml", text), registry=registry)


# -- outcome-set files on their own ---------------------------------------------------------

OUTCOME_SET = """id = "los"
title = "Outcomes"
expected_total = {total}

[groups]
A = "Group A"

[[outcomes]]
id = "O1"
group = "A"
text = "Placeholder one"
provenance = "placeholder"

[[outcomes]]
id = "O2"
group = "A"
text = "Two"
"""


def test_an_outcome_set_file_is_checked_with_paths_of_its_own(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write("good.toml", OUTCOME_SET.format(total=2))
    bad_text = OUTCOME_SET.format(total=3).replace('"A"\ntext = "Two"', '"Z"\ntext = "Two"')
    bad = write("bad.toml", bad_text)
    assert main(["validate", str(good)]) == 0
    out = capsys.readouterr().out
    assert "notice: 1 of 2 outcomes are placeholders for text not available yet" in out
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: outcomes: expected 3 outcomes, found 2" in err
    assert f"{bad}: outcomes[1].group: unknown group 'Z'" in err


def test_a_framework_whose_outcome_file_is_short_does_not_load(
    write: Write, registry: qmframe.Registry
) -> None:
    write("los.toml", OUTCOME_SET.format(total=3))
    text = core_fixtures.FRAMEWORK.replace(
        'title = "Outcomes"\nexpected_total = 3\noutcomes = [\n'
        '    { id = "O1", text = "one" },\n    { id = "O2", text = "two" },\n'
        '    { id = "O3", text = "three" },\n]\n',
        'file = "los.toml"\n',
    ).replace('mappings = { los = ["O3"] }\n', "")
    with pytest.raises(qmframe.ValidationError, match="expected 3 outcomes, found 2"):
        qmframe.load_framework(write("f.toml", text), registry=registry)
