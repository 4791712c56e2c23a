"""One trustworthy path to every decision (issue 10).

Each test here reproduces something that once went wrong on one path and not
another: an award made without the reviewers the framework requires, checks
that ``qmframe.assess`` skipped but the command line ran, a bare ``KeyError``
for an unknown level in a review built in code, a plugin problem with a
made-up severity, a rule kind's exception reported as a bug in qmframe.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import attrs
import core_fixtures
import pytest

import qmframe
from qmframe.awards.commands import read_decision
from qmframe.awards.register import Register
from qmframe.awards.versions import Case, rescore
from qmframe.cli import main
from qmframe.decision import Finding
from qmframe.errors import PluginError, Problem
from qmframe.rules import AssessmentContext, Evaluation, RuleKind, RuleResult

AS_OF = dt.date(2026, 3, 1)


def _required(framework: qmframe.Framework, reviewers: int = 1) -> qmframe.Framework:
    """The mini framework as one whose awards need ``reviewers`` reviewers."""
    return attrs.evolve(
        framework, review=attrs.evolve(framework.review, required=True, min_reviewers=reviewers)
    )


@pytest.fixture
def loaded(
    mini: dict[str, Path], registry: qmframe.Registry
) -> tuple[qmframe.Framework, qmframe.Submission, qmframe.Review]:
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    submission = qmframe.load_submission(mini["submission"], framework, registry=registry)
    review = qmframe.load_review(mini["review"], framework, submission, registry=registry)
    return framework, submission, review


# -- the basis of a decision ---------------------------------------------------------------


def test_no_review_for_a_framework_that_requires_one_is_only_an_indication(
    loaded: tuple[qmframe.Framework, qmframe.Submission, qmframe.Review],
    registry: qmframe.Registry,
) -> None:
    framework, submission, _ = loaded
    required = _required(framework)
    self_certified = qmframe.assess(framework, submission, as_of=AS_OF, registry=registry)
    assert (self_certified.basis, self_certified.status) == ("self-certified", "awarded")
    assert self_certified.passed
    assert self_certified.valid_until is not None

    indication = qmframe.assess(required, submission, as_of=AS_OF, registry=registry)
    assert indication.is_indication
    assert (indication.basis, indication.status, indication.passed) == (
        "indication",
        "indication",
        False,
    )
    assert indication.indicated_status == "awarded"
    assert (indication.valid_from, indication.valid_until, indication.midpoint_due) == (
        None,
        None,
        None,
    )
    assert "no review" in indication.basis_note
    # The explanation is still there: the rules ran, only the award is withheld.
    assert [o.rule for o in indication.explanation] == [o.rule for o in self_certified.explanation]


def test_a_panel_short_of_its_members_is_only_an_indication(
    loaded: tuple[qmframe.Framework, qmframe.Submission, qmframe.Review],
    registry: qmframe.Registry,
) -> None:
    framework, submission, review = loaded
    panel = _required(framework, reviewers=2)
    decision = qmframe.assess(panel, submission, review, registry=registry)
    assert decision.is_indication
    assert not decision.passed
    assert decision.basis_note == (
        "the review names 1 of the 2 reviewers the framework requires for an award"
    )
    second = attrs.evolve(
        review,
        reviewers=(*review.reviewers, qmframe.Reviewer(id="r2", name="Rev Two")),
        judgements=(
            *(attrs.evolve(j, reviewer="r1") for j in review.judgements),
            *(attrs.evolve(j, reviewer="r2") for j in review.judgements),
        ),
    )
    full = qmframe.assess(panel, submission, second, registry=registry)
    assert full.basis == "review"
    assert not full.is_indication


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "letter"])
def test_every_report_says_plainly_that_an_indication_is_no_award(
    loaded: tuple[qmframe.Framework, qmframe.Submission, qmframe.Review],
    registry: qmframe.Registry,
    fmt: str,
) -> None:
    framework, submission, _ = loaded
    required = _required(framework)
    decision = qmframe.assess(required, submission, as_of=AS_OF, registry=registry)
    text = " ".join(
        qmframe.render(decision, required, submission, format=fmt, registry=registry).split()
    )
    assert "not an award" in text
    assert "awarded" in text  # what the rules would conclude is shown, as such


def test_the_register_never_records_an_indication_as_an_award(
    loaded: tuple[qmframe.Framework, qmframe.Submission, qmframe.Review],
    registry: qmframe.Registry,
    tmp_path: Path,
) -> None:
    framework, submission, _ = loaded
    required = _required(framework)
    decision = qmframe.assess(required, submission, as_of=AS_OF, registry=registry)
    with Register(tmp_path / "r.sqlite") as register:
        _, event = register.add_decision(decision, required.lifecycle)
        assert event is not None
        assert event.state == "submitted"
        assert register.holders(required.id, AS_OF) == []
        assert [e.state for e in register.history(required.id, "org-1").events] == ["submitted"]


def test_the_command_line_gives_no_award_and_no_badge_for_an_indication(
    mini: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = core_fixtures.FRAMEWORK.replace("required = false", "required = true")
    framework = tmp_path / "required.toml"
    framework.write_text(text, encoding="utf-8")
    db = str(tmp_path / "r.sqlite")
    assert main(["register", "add", str(framework), str(mini["submission"]), "--db", db]) == 0
    capsys.readouterr()
    assert main(["register", "list", str(framework), "--db", db, "--on", "2026-06-01"]) == 0
    assert "org-1" not in capsys.readouterr().out
    code = main(
        ["register", "badge", str(framework), "org-1", "--db", db, "--issuer-id", "https://x.org"]
    )
    assert code == 2
    assert "org-1" in capsys.readouterr().err


# -- one path, the same checks everywhere --------------------------------------------------


def _bad_cases(
    framework: qmframe.Framework, submission: qmframe.Submission, review: qmframe.Review
) -> dict[str, tuple[qmframe.Submission, qmframe.Review | None, set[str]]]:
    """Inputs each broken one way, with the codes every entry point must report."""
    employee = attrs.evolve(review.reviewers[0], organisation=submission.organisation.id)
    return {
        "unknown level in a review": (
            submission,
            attrs.evolve(
                review,
                judgements=(attrs.evolve(review.judgements[0], level="superb"),),
            ),
            {"unknown-choice"},
        ),
        "unknown target in a submission": (
            attrs.evolve(
                submission, ratings=(*submission.ratings, qmframe.Rating(target="zz", level="no"))
            ),
            None,
            {"unknown-reference"},
        ),
        "an employee as reviewer": (
            submission,
            attrs.evolve(review, reviewers=(employee,)),
            {"conflict-of-interest"},
        ),
        "overruling not applicable without a rationale": (
            attrs.evolve(
                submission,
                ratings=(
                    *(r for r in submission.ratings if r.target != "b2"),
                    qmframe.Rating(target="b2", not_applicable=True, justification="No B here."),
                ),
            ),
            attrs.evolve(
                review,
                judgements=tuple(
                    attrs.evolve(j, rationale="") if j.target == "b2" else j
                    for j in review.judgements
                ),
            ),
            {"needs-justification"},
        ),
    }


def _codes(call: Callable[[], object]) -> set[str]:
    with pytest.raises(qmframe.ValidationError) as caught:
        call()
    assert all(p.code for p in caught.value.problems)
    return {p.code for p in caught.value.problems}


@pytest.mark.parametrize(
    "case",
    [
        "unknown level in a review",
        "unknown target in a submission",
        "an employee as reviewer",
        "overruling not applicable without a rationale",
    ],
)
def test_every_entry_point_refuses_the_same_bad_input_with_the_same_codes(
    loaded: tuple[qmframe.Framework, qmframe.Submission, qmframe.Review],
    registry: qmframe.Registry,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    case: str,
) -> None:
    framework, good_submission, good_review = loaded
    submission, review, expected = _bad_cases(framework, good_submission, good_review)[case]
    assessor = registry.assessor(framework)

    api = _codes(lambda: qmframe.assess(framework, submission, review, registry=registry))
    direct = _codes(lambda: assessor.assess(submission, review, as_of=AS_OF))
    cases = [Case(label="c", submission=submission, review=review)]
    again = _codes(lambda: rescore(framework, framework, cases, registry=registry))
    assert api == direct == again == expected

    # The command line reads the same values from files and prints the same problems.
    folder = tmp_path / "case"
    folder.mkdir()
    qmframe.write_toml(folder / "submission.toml", submission)
    argv = ["assess", str(tmp_path / "fw.toml"), str(folder / "submission.toml")]
    qmframe.write_toml(tmp_path / "fw.toml", framework)
    if review is not None:
        qmframe.write_toml(folder / "review.toml", review)
        argv += ["--review", str(folder / "review.toml")]
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    problems = _problems_of(
        lambda: qmframe.assess(framework, submission, review, registry=registry)
    )
    for problem in problems:
        assert f"{problem.path}: {problem.message}" in err
    db = str(tmp_path / "cli.sqlite")
    add = ["register", "add", str(tmp_path / "fw.toml"), str(folder / "submission.toml")]
    if review is not None:
        add += ["--review", str(folder / "review.toml")]
    assert main([*add, "--db", db]) == 2
    assert all(f"{p.path}: {p.message}" in capsys.readouterr().err for p in problems)


def _problems_of(call: Callable[[], object]) -> tuple[Problem, ...]:
    with pytest.raises(qmframe.ValidationError) as caught:
        call()
    return caught.value.problems


def test_a_conflict_of_interest_is_refused_on_objects_built_in_code(
    loaded: tuple[qmframe.Framework, qmframe.Submission, qmframe.Review],
    registry: qmframe.Registry,
) -> None:
    framework, submission, review = loaded
    employee = attrs.evolve(review.reviewers[0], organisation=submission.organisation.id)
    with pytest.raises(qmframe.ConflictOfInterestError, match="conflict of interest"):
        qmframe.assess(
            framework, submission, attrs.evolve(review, reviewers=(employee,)), registry=registry
        )


def test_an_unknown_level_in_a_review_built_in_code_is_located_not_a_key_error(
    loaded: tuple[qmframe.Framework, qmframe.Submission, qmframe.Review],
    registry: qmframe.Registry,
) -> None:
    framework, submission, review = loaded
    bad = attrs.evolve(review, judgements=(attrs.evolve(review.judgements[0], level="superb"),))
    with pytest.raises(qmframe.ValidationError) as caught:
        registry.assessor(framework).assess(submission, bad, as_of=AS_OF)
    (problem,) = caught.value.problems
    assert problem.path == "judgements[0].level"
    assert problem.code == "unknown-choice"


class _Checks:
    """A plugin whose submission check reports what it is given."""

    __name__ = "checks"

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        self.calls: list[bool] = []

    @qmframe.hookimpl
    def qmframe_check_submission(
        self, framework: qmframe.Framework, submission: qmframe.Submission, review: Any
    ) -> list[Problem]:
        self.calls.append(review is not None)
        return self.problems


def test_assess_runs_the_plugins_checks_with_and_without_a_review(
    loaded: tuple[qmframe.Framework, qmframe.Submission, qmframe.Review],
) -> None:
    framework, submission, review = loaded
    plugin = _Checks([Problem("the plugin says no", "details.x", code="plugin-says-no")])
    registry = qmframe.Registry(
        qmframe.get_plugin_manager(load_entrypoints=False, plugins=[plugin])
    )
    for given in (None, review):
        with pytest.raises(qmframe.ValidationError) as caught:
            qmframe.assess(framework, submission, given, registry=registry)
        assert [p.code for p in caught.value.problems] == ["plugin-says-no"]
    assert plugin.calls == [False, True]


def test_a_severity_outside_the_vocabulary_is_refused_where_it_is_made() -> None:
    with pytest.raises(ValueError, match="severity"):
        Problem("x", severity="Error")


def test_a_plugin_problem_with_a_made_up_severity_is_that_plugins_failure(
    loaded: tuple[qmframe.Framework, qmframe.Submission, qmframe.Review],
) -> None:
    framework, submission, _ = loaded

    class Sloppy:
        __name__ = "sloppy"

        @qmframe.hookimpl
        def qmframe_check_submission(self) -> list[Problem]:
            return [Problem("x", severity="Error")]

    registry = qmframe.Registry(
        qmframe.get_plugin_manager(load_entrypoints=False, plugins=[Sloppy()])
    )
    with pytest.raises(PluginError) as caught:
        qmframe.assess(framework, submission, registry=registry)
    assert caught.value.hook == "qmframe_check_submission"


# -- what a decision says about its levels ---------------------------------------------------


def test_decided_levels_say_where_each_came_from(
    loaded: tuple[qmframe.Framework, qmframe.Submission, qmframe.Review],
    registry: qmframe.Registry,
) -> None:
    framework, submission, review = loaded
    south = attrs.evolve(
        submission,
        organisation=attrs.evolve(submission.organisation, context="south"),
        ratings=tuple(r for r in submission.ratings if r.target != "b1"),
    )
    reviewed = attrs.evolve(
        review, judgements=tuple(j for j in review.judgements if j.target != "b1")
    )
    decision = qmframe.assess(framework, south, reviewed, registry=registry)
    sources = {lv.target: (lv.source, lv.level) for lv in decision.levels}
    assert sources["a1"] == ("judgement", "wow")
    assert sources["a"] == ("derived", "wow")  # minimum of a1 wow, a2 wow
    assert sources["b1"] == ("not-applicable", "")  # north only
    assert decision.level_of("b1").note == "does not apply to this organisation"  # type: ignore[union-attr]
    self_rated = qmframe.assess(framework, south, registry=registry)
    assert self_rated.level_of("a2").source == "self-rating"  # type: ignore[union-attr]


def test_a_reviewer_overrules_not_applicable_only_with_a_rationale_shown_in_the_decision(
    loaded: tuple[qmframe.Framework, qmframe.Submission, qmframe.Review],
    registry: qmframe.Registry,
) -> None:
    framework, submission, review = loaded
    marked = attrs.evolve(
        submission,
        ratings=(
            *(r for r in submission.ratings if r.target != "b2"),
            qmframe.Rating(target="b2", not_applicable=True, justification="We have no B."),
        ),
    )
    decision = qmframe.assess(framework, marked, review, registry=registry)
    b2 = decision.level_of("b2")
    assert b2 is not None
    assert (b2.source, b2.level) == ("judgement", "no")
    assert b2.note == (
        "overrules the organisation's not applicable: No evidence of B two in practice."
    )


# -- plugins' code in the decision -------------------------------------------------------------


class _Exploding(RuleKind):
    name = "exploding"

    def prepare(self, rule: qmframe.Rule, index: Any) -> Evaluation:
        def evaluate(ctx: AssessmentContext) -> RuleResult:
            raise ZeroDivisionError("division by zero")

        return evaluate


class _Always(RuleKind):
    name = "always"

    def prepare(self, rule: qmframe.Rule, index: Any) -> Evaluation:
        return lambda ctx: RuleResult(True, "nothing", "holds", (Finding(target="", holds=True),))


class _Kinds:
    __name__ = "kinds-plugin"

    @qmframe.hookimpl
    def qmframe_register_rule_kinds(self, register: Callable[[RuleKind], None]) -> None:
        register(_Exploding())
        register(_Always())


def _with_rule(framework: qmframe.Framework, kind: str) -> qmframe.Framework:
    rule = qmframe.Rule(id="extra", kind=kind)
    decision = attrs.evolve(framework.decision, rules=(*framework.decision.rules, rule))
    return attrs.evolve(framework, decision=decision)


def test_a_rule_kind_that_raises_is_its_plugins_failure_not_a_bug_in_qmframe(
    loaded: tuple[qmframe.Framework, qmframe.Submission, qmframe.Review],
) -> None:
    framework, submission, _ = loaded
    registry = qmframe.Registry(
        qmframe.get_plugin_manager(load_entrypoints=False, plugins=[_Kinds()])
    )
    with pytest.raises(PluginError) as caught:
        qmframe.assess(_with_rule(framework, "exploding"), submission, registry=registry)
    assert "kinds-plugin" in caught.value.plugin
    assert "exploding" in caught.value.hook
    assert "ZeroDivisionError" in str(caught.value)


def test_the_explanation_names_the_plugin_that_evaluated_each_rule(
    loaded: tuple[qmframe.Framework, qmframe.Submission, qmframe.Review],
) -> None:
    framework, submission, _ = loaded
    registry = qmframe.Registry(
        qmframe.get_plugin_manager(load_entrypoints=False, plugins=[_Kinds()])
    )
    decision = qmframe.assess(_with_rule(framework, "always"), submission, registry=registry)
    by_rule = {o.rule: o.evaluated_by for o in decision.explanation}
    assert "kinds-plugin" in by_rule["extra"]
    assert "qmframe.default_plugins.rule_kinds" in by_rule["all-met"]


def test_qmframe_decide_cannot_turn_an_indication_into_an_award(
    loaded: tuple[qmframe.Framework, qmframe.Submission, qmframe.Review],
) -> None:
    framework, submission, _ = loaded

    class Generous:
        __name__ = "generous"

        @qmframe.hookimpl
        def qmframe_decide(self, decision: qmframe.Decision) -> qmframe.Decision:
            return attrs.evolve(decision, status="awarded", passed=True)

    registry = qmframe.Registry(
        qmframe.get_plugin_manager(load_entrypoints=False, plugins=[Generous()])
    )
    with pytest.raises(PluginError, match="an indication cannot be made an award"):
        qmframe.assess(_required(framework), submission, registry=registry)


def test_a_decision_read_back_keeps_its_basis_and_levels(
    loaded: tuple[qmframe.Framework, qmframe.Submission, qmframe.Review],
    registry: qmframe.Registry,
    tmp_path: Path,
) -> None:
    framework, submission, _review = loaded
    decision = qmframe.assess(_required(framework), submission, registry=registry)
    path = tmp_path / "d.json"
    path.write_text(
        qmframe.render(decision, framework, submission, format="json", registry=registry)
    )
    back = read_decision(path)
    assert (back.basis, back.status, back.indicated_status, back.levels) == (
        decision.basis,
        decision.status,
        decision.indicated_status,
        decision.levels,
    )


def test_the_command_line_shows_the_warnings_of_the_checks(
    mini: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A panel of two with one reviewer named: the file is usable, the decision only an
    # indication, and the warning that says why reaches the person running the command.
    text = core_fixtures.FRAMEWORK.replace("required = false", "required = true\nmin_reviewers = 2")
    framework = tmp_path / "panel.toml"
    framework.write_text(text, encoding="utf-8")
    argv = ["assess", str(framework), str(mini["submission"]), "--review", str(mini["review"])]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "Decision:     INDICATION" in out
    assert f"{mini['review']}: reviewers: warning: the framework asks for at least 2" in err


def test_the_command_line_runs_the_checks_once_on_the_one_path(
    mini: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `qmframe assess` ran Assessor.check itself, for the warnings, and then again inside
    # Assessor.assess: every check twice per command. It runs once, inside assess.
    from qmframe.engine import Assessor

    calls: list[str] = []
    real_check, real_assess = Assessor.check, Assessor.assess

    def check(self: Assessor, *args: Any, **kwargs: Any) -> list[Problem]:
        calls.append("check")
        return real_check(self, *args, **kwargs)

    def assess(self: Assessor, *args: Any, **kwargs: Any) -> Any:
        calls.append("assess")
        return real_assess(self, *args, **kwargs)

    monkeypatch.setattr(Assessor, "check", check)
    monkeypatch.setattr(Assessor, "assess", assess)
    argv = ["assess", str(mini["framework"]), str(mini["submission"]), "--review"]
    assert main([*argv, str(mini["review"])]) == 0
    assert calls == ["assess", "check"]
    capsys.readouterr()
    # Errors still name their files, and stop the command before any decision.
    broken = mini["review"].with_name("broken-review.toml")
    broken.write_text(
        mini["review"].read_text(encoding="utf-8").replace('level = "no"', 'level = "maybe"'),
        encoding="utf-8",
    )
    calls.clear()
    assert main([*argv, str(broken)]) == 2
    assert calls == ["assess", "check"]
    assert f"{broken}: judgements[" in capsys.readouterr().err
