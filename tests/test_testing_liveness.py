"""Rule liveness and the sensitivity of required items: lenient rules are found, live ones shown.

Each test plants a rule that really is dead, shadowed or live in a small
framework (tests/kit_fixtures.py) and checks the verdict and its reason; the
proofs are checked to be proofs: a rule the kit cannot enumerate is never
reported dead.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import kit_fixtures
import pytest

import qmframe
from qmframe.framework import Rule
from qmframe.index import FrameworkIndex
from qmframe.rules import AssessmentContext, Demand, Evaluation, Reads, RuleResult
from qmframe.testing.edits import set_level
from qmframe.testing.liveness import lowered, rule_liveness, sensitivity


def builtins() -> qmframe.Registry:
    return qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))


def test_live_rules_come_with_a_witness_and_a_shadowed_rule_names_its_shadow() -> None:
    fw = kit_fixtures.framework()
    report = rule_liveness(fw, builtins(), [kit_fixtures.passing_case(fw)])
    verdicts = {r.rule: r.verdict for r in report.rules}
    assert verdicts == {
        "criteria-mid": "live",
        "section-a-mid": "shadowed",
        "evidence": "live",
        "plan": "live",
    }
    # Only b1 can make the criteria rule fail alone: a1 or a2 take section A down too.
    witness = report.of("criteria-mid").witness
    assert witness is not None
    assert witness.changes == ("'b1' at 'low'",)
    assert (witness.status, witness.without) == ("not-awarded", "awarded")
    shadowed = report.of("section-a-mid")
    assert shadowed.shadowed_by == ("criteria-mid",)
    assert "whenever it fails, each time criteria-mid fail too" in shadowed.note
    assert not report.ok


def test_a_level_nothing_is_below_is_proven_dead() -> None:
    fw = kit_fixtures.framework()
    lowest = Rule(id="lowest", kind="minimum-level", effect="veto", params={"level": "low"})
    fw = kit_fixtures.with_rules(fw, *fw.decision.rules, lowest)
    result = rule_liveness(fw, builtins(), [kit_fixtures.passing_case(fw)]).of("lowest")
    assert result.verdict == "dead"
    assert "monotone" in result.note


def test_a_rule_that_reads_what_cannot_all_be_tried_is_never_called_dead(
    qmframe_register: Callable[..., qmframe.Registry],
) -> None:
    class Always(qmframe.RuleKind):
        """Holds whatever it sees; promises nothing about what it reads."""

        name = "always"

        def prepare(self, rule: Rule, index: FrameworkIndex) -> Evaluation:
            return lambda ctx: RuleResult(True, "anything", "holds")

    class Plugin:
        @qmframe.hookimpl
        def qmframe_register_rule_kinds(self, register: Callable[[qmframe.RuleKind], None]) -> None:
            register(Always())

    registry = qmframe_register(Plugin())
    fw = kit_fixtures.framework()
    fw = kit_fixtures.with_rules(fw, *fw.decision.rules, Rule(id="always", kind="always"))
    result = rule_liveness(fw, registry, [kit_fixtures.passing_case(fw)]).of("always")
    assert result.verdict == "undecided"
    assert "not proven dead" in result.note


def test_without_a_passing_case_nothing_is_decided() -> None:
    fw = kit_fixtures.framework()
    failing = set_level(kit_fixtures.passing_case(fw), "a1", "low")
    report = rule_liveness(fw, builtins(), [failing])
    assert report.bases == 0
    assert {r.verdict for r in report.rules} == {"undecided"}


def test_a_veto_is_live_when_its_failing_changes_the_status() -> None:
    fw = kit_fixtures.framework()
    rules = tuple(
        attrs.evolve(r, effect="veto", status="ineligible") if r.id == "plan" else r
        for r in fw.decision.rules
    )
    fw = attrs.evolve(fw, decision=attrs.evolve(fw.decision, rules=rules, statuses=("ineligible",)))
    witness = rule_liveness(fw, builtins(), [kit_fixtures.passing_case(fw)]).of("plan").witness
    assert witness is not None
    assert (witness.status, witness.without) == ("ineligible", "awarded")
    assert witness.changes == ("0 of 1 open actions kept",)


def test_an_evidence_link_is_tried_on_its_own() -> None:
    # The item covers an outcome and a criterion; the coverage rule can be made to fail
    # alone only by unlinking the outcome, not by dropping the item.
    text = kit_fixtures.FRAMEWORK.replace(
        '[[evidence_types]]\nid = "note"',
        '[[outcome_sets]]\nid = "o"\noutcomes = [{ id = "O1", text = "one" }]\n\n'
        '[[evidence_types]]\nid = "note"',
    )
    fw = kit_fixtures.framework(text)
    coverage = Rule(id="covered", kind="outcome-coverage", params={"outcome_set": "o"})
    fw = kit_fixtures.with_rules(fw, *fw.decision.rules, coverage)
    case = kit_fixtures.passing_case(fw)
    evidence = (attrs.evolve(case.submission.evidence[0], outcomes=("O1",)),)
    case = attrs.evolve(
        case,
        submission=attrs.evolve(case.submission, evidence=evidence + case.submission.evidence[1:]),
    )
    witness = rule_liveness(fw, builtins(), [case]).of("covered").witness
    assert witness is not None
    assert witness.changes == ("evidence 'e1' no longer for outcome 'O1'",)


# -- sensitivity -------------------------------------------------------------------------------


def test_lowering_each_required_item_removes_the_award() -> None:
    fw = kit_fixtures.framework()
    failures, tried = sensitivity(kit_fixtures.passing_case(fw), builtins())
    assert failures == []
    # Three criteria and section A at "mid", and a1's document.
    assert tried == 5


def test_an_inapplicable_item_is_not_lowered() -> None:
    fw = kit_fixtures.framework()
    _, tried = sensitivity(kit_fixtures.passing_case(fw, kind="school"), builtins())
    assert tried == 4  # b1 does not apply to a school


def test_lowered_evidence_keeps_one_fewer_than_the_minimum() -> None:
    fw = kit_fixtures.framework()
    case = kit_fixtures.passing_case(fw)
    index = FrameworkIndex.build(fw)
    demand = Demand(target="a1", evidence=index.criteria["a1"].evidence)
    made = lowered(case, demand, index)
    assert made is not None
    changed, change = made
    assert change == "'a1' left with 0 of the 1 doc it requires"
    assert [e.criteria for e in changed.submission.evidence] == [(), ("a2",)]
    assert lowered(case, Demand(target="a1", level="low"), index) is None


class ClaimsDemands(qmframe.RuleKind):
    """Declares that every criterion must be "mid", and holds whatever they are."""

    name = "claims-demands"

    def prepare(self, rule: Rule, index: FrameworkIndex) -> Evaluation:
        def evaluate(ctx: AssessmentContext) -> RuleResult:
            return RuleResult(True, f"{len(ctx.levels)} levels", "holds")

        return evaluate

    def reads(self, rule: Rule, index: FrameworkIndex) -> Reads:
        return Reads.only(
            targets=index.criteria, demands=(Demand(target=c, level="mid") for c in index.criteria)
        )


def test_a_demand_the_kind_does_not_enforce_is_caught(
    qmframe_register: Callable[..., qmframe.Registry],
) -> None:
    class Plugin:
        @qmframe.hookimpl
        def qmframe_register_rule_kinds(self, register: Callable[[qmframe.RuleKind], None]) -> None:
            register(ClaimsDemands())

    registry = qmframe_register(Plugin())
    fw = kit_fixtures.with_rules(kit_fixtures.framework(), Rule(id="claims", kind="claims-demands"))
    failures, tried = sensitivity(kit_fixtures.passing_case(fw), registry)
    assert tried == 3
    assert [(f.rule, f.target, f.rule_held) for f in failures] == [
        ("claims", "a1", True),
        ("claims", "a2", True),
        ("claims", "b1", True),
    ]
    text = failures[0].describe()
    assert text.startswith("'a1' lowered to 'low', below 'mid': the award stays.")
    assert "declares a demand it does not enforce" in text
    assert "holds  claims (claims-demands, require): saw 5 levels; concluded holds" in text


def test_a_decide_hook_that_awards_anyway_is_caught(
    qmframe_register: Callable[..., qmframe.Registry],
) -> None:
    class AwardsAnyway:
        @qmframe.hookimpl
        def qmframe_decide(
            self,
            framework: qmframe.Framework,
            submission: qmframe.Submission,
            review: qmframe.Review | None,
            decision: qmframe.Decision,
        ) -> qmframe.Decision:
            return attrs.evolve(decision, status="awarded", passed=True, unmet=())

    registry = qmframe_register(AwardsAnyway())
    failures, _ = sensitivity(kit_fixtures.passing_case(), registry)
    assert failures
    assert not failures[0].rule_held
    assert "fails, yet the decision is 'awarded'" in failures[0].describe()


@pytest.mark.parametrize("target", ["a1", "a"])
def test_set_level_of_a_derived_section_sets_its_criteria(target: str) -> None:
    case = set_level(kit_fixtures.passing_case(), target, "high")
    levels = {r.target: r.level for r in case.submission.ratings}
    assert levels["a1"] == "high"
    assert levels["a2"] == ("high" if target == "a" else "mid")
