"""What rule kinds say they read (RuleKind.reads): declared exactly, and honest.

The declarations are checked twice: exactly, kind by kind, on the core's mini
framework; and as a property over generated frameworks, where changing what a
rule says it does not read must leave its result as it was. A kind that reads
more than it declares is caught.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable

import core_fixtures
import pytest
from hypothesis import Phase, settings

import qmframe
from qmframe._convert import structure
from qmframe.framework import EvidenceRequirement, Rule
from qmframe.index import FrameworkIndex
from qmframe.rules import AssessmentContext, Demand, Evaluation, Reads, RuleResult
from qmframe.testing import invariants
from qmframe.testing import strategies as qs
from qmframe.testing.invariants import InvariantError

CRITERIA = frozenset({"a1", "a2", "b1", "b2"})
DOC = (EvidenceRequirement(types=("doc",), min_count=1),)


def builtins() -> qmframe.Registry:
    return qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))


def _mini() -> FrameworkIndex:
    framework = structure(tomllib.loads(core_fixtures.FRAMEWORK), qmframe.Framework)
    assert isinstance(framework, qmframe.Framework)
    return FrameworkIndex.build(framework)


@pytest.mark.parametrize(
    ("kind", "params", "expected"),
    [
        (
            "minimum-level",
            {"level": "yes"},
            Reads.only(
                targets=CRITERIA,
                demands=[Demand(target=c, level="yes") for c in ("a1", "a2", "b1", "b2")],
            ),
        ),
        (
            "minimum-level",
            {"level": "yes", "scope": {"of": "sections", "section": "a"}},
            Reads.only(targets=["a"], demands=[Demand(target="a", level="yes")]),
        ),
        ("at-least", {"level": "yes", "count": 2}, Reads.only(targets=CRITERIA)),
        ("notable-level", {"scope": {"of": "sections"}}, Reads.only(targets=["a", "b"])),
        (
            "evidence-present",
            {},
            Reads.only(
                targets=["a1"], evidence_types=["doc"], demands=[Demand(target="a1", evidence=DOC)]
            ),
        ),
        ("action-plan", {"min_items": 2}, Reads.only(actions=True)),
        ("outcome-coverage", {"outcome_set": "los"}, Reads.only(evidence_types=None)),
        (
            "outcome-coverage",
            {"outcome_set": "los", "by": "either", "evidence_types": ["data"]},
            Reads.only(targets=["a1", "a2", "b1"], evidence_types=["data"]),
        ),
        (
            "outcome-coverage",
            {"outcome_set": "los", "by": "criteria"},
            Reads.only(targets=["a1", "a2", "b1"]),
        ),
        ("weighted-score", {"threshold": 2}, Reads.only(targets=CRITERIA)),
    ],
)
def test_each_built_in_kind_declares_exactly_what_it_reads(
    kind: str, params: dict[str, object], expected: Reads
) -> None:
    index = _mini()
    rule = Rule(id="r", kind=kind, params=params)
    implementation = builtins().rule_kinds[kind]
    assert implementation.check(rule, index) == []
    assert implementation.reads(rule, index) == expected


def test_a_kind_that_says_nothing_promises_nothing() -> None:
    class Quiet(qmframe.RuleKind):
        name = "quiet"

    reads = Quiet().reads(Rule(id="r", kind="quiet"), _mini())
    assert reads == Reads.everything()
    assert (reads.targets, reads.evidence_types, reads.details) == (None, None, None)
    assert reads.actions
    assert reads.organisation
    assert reads.other


def test_the_built_in_kinds_read_only_what_they_say() -> None:
    invariants.check_reads(qs.frameworks(), registry=builtins())


class CountsActionsSecretly(qmframe.RuleKind):
    """Says it reads levels only, but holds only with an action plan."""

    name = "counts-actions"

    def prepare(self, rule: Rule, index: FrameworkIndex) -> Evaluation:
        def evaluate(ctx: AssessmentContext) -> RuleResult:
            n = len(ctx.submission.actions)
            return RuleResult(n > 0, f"{n} actions", "holds" if n else "fails")

        return evaluate

    def reads(self, rule: Rule, index: FrameworkIndex) -> Reads:
        return Reads.only(targets=index.criteria)


def test_a_kind_that_reads_more_than_it_says_is_caught(
    qmframe_register: Callable[..., qmframe.Registry],
) -> None:
    class Plugin:
        @qmframe.hookimpl
        def qmframe_register_rule_kinds(self, register: Callable[[qmframe.RuleKind], None]) -> None:
            register(CountsActionsSecretly())

    registry = qmframe_register(Plugin())
    framework = qs.frameworks(rule_kinds=["action-plan"]).map(
        lambda fw: qmframe.Framework(
            **{
                **{a: getattr(fw, a) for a in ("id", "version", "title", "sections", "scales")},
                "evidence_types": fw.evidence_types,
                "review": fw.review,
                "decision": qmframe.DecisionPolicy(rules=(Rule(id="x", kind="counts-actions"),)),
            }
        )
    )
    # Find a counterexample, skip shrinking it: only the failure and its message matter.
    no_shrink = settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])
    with pytest.raises(InvariantError, match="rule 'x' \\(kind 'counts-actions'\\) changed"):
        invariants.check_reads(framework, registry=registry, max_examples=60, parent=no_shrink)
