"""qmframe.testing.invariants: the built-in rule kinds keep their promises, and broken
rules are caught with a readable counterexample.

Half of these run each property over generated frameworks; the other half give
the invariants something that really is broken (a rule kind that depends on
order, one that claims to be monotone and is not, a highlight at a level nobody
marked notable) and check that the property fails and says why.
"""

from __future__ import annotations

import datetime as dt
import textwrap
import tomllib
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import qmframe
import qmframe.plugins
from qmframe._convert import structure
from qmframe.rules import AssessmentContext, RuleResult
from qmframe.testing import invariants
from qmframe.testing import strategies as qs
from qmframe.testing.invariants import InvariantError
from qmframe.testing.strategies import AssessmentCase

#: The kinds (and aggregates) whose every use is neutral to "not applicable"; see
#: test_at_least_is_not_neutral_to_not_applicable for why the others are not.
NEUTRAL_KINDS = ("minimum-level", "evidence-present", "action-plan", "notable-level")


#: For tests that expect a property to fail: find a counterexample, skip shrinking it
#: (that can take many seconds, and these tests only need the failure and its message).
NO_SHRINK = settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])


def builtins_only() -> qmframe.Registry:
    return qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))


def _hold_when_empty(framework: qmframe.Framework) -> qmframe.Framework:
    """Every rule that may hold on an empty scope does: N/A must not empty a failing scope."""
    rules = tuple(
        attrs.evolve(r, params={**r.params, "if_empty": "hold"})
        if r.kind in ("minimum-level", "evidence-present")
        else r
        for r in framework.decision.rules
    )
    return attrs.evolve(framework, decision=attrs.evolve(framework.decision, rules=rules))


# -- the built-in kinds keep their promises on generated frameworks ----------------------------


def test_determinism_on_generated_frameworks() -> None:
    invariants.check_determinism(qs.frameworks(), registry=builtins_only())


def test_monotonicity_on_generated_frameworks() -> None:
    # best-fit is left out: it is not monotone (see test_best_fit_is_not_monotone).
    frameworks = qs.frameworks(aggregates=("minimum", "median"))
    invariants.check_monotonicity(frameworks, registry=builtins_only())


def test_not_applicable_neutrality_on_generated_frameworks() -> None:
    # No aggregated sections: see test_a_derived_section_skips_an_unresolved_criterion.
    frameworks = qs.frameworks(rule_kinds=NEUTRAL_KINDS, aggregates=()).map(_hold_when_empty)
    invariants.check_not_applicable_neutrality(frameworks, registry=builtins_only())


def test_bounds_on_generated_frameworks() -> None:
    invariants.check_bounds(qs.frameworks(), registry=builtins_only())


def test_round_trip_on_generated_frameworks() -> None:
    invariants.check_round_trip(qs.frameworks(), registry=builtins_only())


def test_explanation_is_complete_on_generated_frameworks() -> None:
    invariants.check_explanation_complete(qs.frameworks(), registry=builtins_only())


def test_check_all_on_the_example_framework(tmp_path: Path) -> None:
    framework = qmframe.read_framework(
        Path(__file__).resolve().parents[1] / "frameworks" / "example-charter.toml"
    )
    invariants.check_all(framework, registry=builtins_only(), max_examples=25)


def test_installed_frameworks_keep_the_properties_that_need_no_award(
    qmframe_frameworks: dict[str, qmframe.Framework],
) -> None:
    # Each plugin's own suite runs every property against its framework (award-based ones
    # may need its own cases, for example an organisation its plugin rules accept); this
    # is a quick pass over whatever is installed, with the installed plugins' rule kinds.
    # A plugin whose checks ask for more than its file declares (a detail only the plugin
    # knows) refuses every generated case: its own suite gives the cases, so it is left out.
    registry = qmframe.Registry()
    assert qmframe_frameworks
    ran = []
    for framework in qmframe_frameworks.values():
        sample = invariants.award_rate(
            framework, registry, qs.assessment_cases(framework), examples=10
        )
        if sample.refused == sample.drawn:
            continue
        invariants.check_all(
            framework,
            registry=registry,
            max_examples=10,
            skip=[
                "monotonicity",
                "not-applicable-neutrality",
                "sensitivity",
                "award-rate",
                "liveness",
            ],
        )
        ran.append(framework.id)
    assert "example-charter" in ran


def test_unknown_property_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown properties"):
        invariants.check_all(qs.frameworks(), skip=["speed"])


# -- what the properties find ------------------------------------------------------------------

BEST_FIT = textwrap.dedent(
    """\
    id = "bf"
    version = "1"
    title = "A section decided by best fit"
    [[scales]]
    id = "s"
    levels = [
        { id = "low", label = "Low", meets = false },
        { id = "mid", label = "Mid", meets = true },
        { id = "high", label = "High", meets = true },
    ]
    [review]
    required = false
    [[sections]]
    id = "a"
    title = "A"
    scale = "s"
    aggregate = "best-fit"
    criteria = [{ id = "a1", title = "1" }, { id = "a2", title = "2" }, { id = "a3", title = "3" }]
    [[decision.rules]]
    id = "sections-mid"
    kind = "minimum-level"
    scope = { of = "sections" }
    level = "mid"
    """
)


def _framework(tmp_path: Path, text: str) -> qmframe.Framework:
    path = tmp_path / "framework.toml"
    path.write_text(text, encoding="utf-8")
    return qmframe.read_framework(path)


# -- start narrowed-cases --
def _mid_mid_low(framework: qmframe.Framework) -> st.SearchStrategy[AssessmentCase]:
    """Self-assessed cases with a1 and a2 at mid and a3 at low: the interesting corner."""
    levels = {"a1": st.just("mid"), "a2": st.just("mid"), "a3": st.just("low")}
    return qs.submissions(framework, levels=levels, rate_sections=False, not_applicable=False).map(
        lambda submission: AssessmentCase(
            framework=framework, submission=submission, review=None, as_of=dt.date(2026, 1, 1)
        )
    )


def test_best_fit_is_not_monotone(tmp_path: Path) -> None:
    # A finding: with best fit, raising one criterion can lower the section. Levels
    # mid, mid, low give mid; raising a mid to high gives a three-way tie, and ties go
    # to the lowest level. The rule kind is monotone; the aggregate it reads is not.
    framework = _framework(tmp_path, BEST_FIT)
    cases = _mid_mid_low(framework)
    with pytest.raises(InvariantError, match=r"rule 'sections-mid' .* held, but after"):
        invariants.check_monotonicity(framework, registry=builtins_only(), cases=cases)


# -- end narrowed-cases --


def test_at_least_is_not_neutral_to_not_applicable(tmp_path: Path) -> None:
    # "At least 2 of 3 at mid": marking a met criterion not applicable leaves fewer to
    # count, so an award is lost. The property names the rule and the target.
    text = BEST_FIT.replace('aggregate = "best-fit"', "not_applicable_allowed = true").replace(
        'id = "sections-mid"\nkind = "minimum-level"\nscope = { of = "sections" }',
        'id = "two-of-three"\nkind = "at-least"\ncount = 2\nscope = {}\nif_empty = "hold"',
    )
    framework = _framework(tmp_path, text)
    with pytest.raises(InvariantError, match=r"two-of-three \(at-least\): 1 at or above 'mid'"):
        invariants.check_not_applicable_neutrality(
            framework, registry=builtins_only(), cases=_mid_mid_low(framework), parent=NO_SHRINK
        )


def test_if_empty_fail_is_not_neutral_to_not_applicable(tmp_path: Path) -> None:
    # minimum-level fails an empty scope by default: a section the framework lets an
    # organisation mark not applicable then costs the award. if_empty = "hold" fixes it.
    text = BEST_FIT.replace('aggregate = "best-fit"', "not_applicable_allowed = true").replace(
        'scope = { of = "sections" }', 'scope = { section = "a" }'
    )
    framework = _framework(tmp_path, text)
    with pytest.raises(InvariantError, match="nothing in scope to judge"):
        invariants.check_not_applicable_neutrality(
            framework, registry=builtins_only(), max_examples=200, parent=NO_SHRINK
        )
    fixed = _framework(tmp_path, text.replace('level = "mid"', 'level = "mid"\nif_empty = "hold"'))
    invariants.check_not_applicable_neutrality(fixed, registry=builtins_only(), max_examples=50)


SPLIT_PANEL = textwrap.dedent(
    """\
    id = "split"
    version = "1"
    title = "A section derived from its criteria, judged by a unanimous panel"
    [[scales]]
    id = "s"
    levels = [
        { id = "low", label = "Low", meets = false },
        { id = "mid", label = "Mid", meets = true },
    ]
    [[sections]]
    id = "a"
    title = "A"
    scale = "s"
    aggregate = "minimum"
    criteria = [
        { id = "a1", title = "1", not_applicable_allowed = true },
        { id = "a2", title = "2", not_applicable_allowed = true },
    ]
    [[decision.rules]]
    id = "section-met"
    kind = "minimum-level"
    scope = { of = "sections" }
    level = "mid"
    [review]
    min_reviewers = 2
    combine = "unanimous"
    """
)


def test_a_derived_section_waits_for_an_unresolved_criterion(tmp_path: Path) -> None:
    # Found by the not-applicable neutrality property: the panel split on a1, yet the
    # engine derived the section from a2 alone and awarded; marking a2 not applicable
    # then lost the award. Now a section stays unresolved until every criterion it
    # counts is settled, so the split shows and the property holds.
    framework = _framework(tmp_path, SPLIT_PANEL)
    submission = qmframe.Submission(
        framework="split",
        framework_version="1",
        organisation=qmframe.Organisation(id="org", name="Org"),
        ratings=(
            qmframe.Rating(target="a1", level="mid"),
            qmframe.Rating(target="a2", level="mid"),
        ),
    )
    review = qmframe.Review(
        framework="split",
        framework_version="1",
        organisation="org",
        reviewers=(qmframe.Reviewer(id="r0", name="R0"), qmframe.Reviewer(id="r1", name="R1")),
        judgements=(
            qmframe.Judgement(target="a1", level="low", reviewer="r0"),
            qmframe.Judgement(target="a1", level="mid", reviewer="r1"),
            qmframe.Judgement(target="a2", level="mid", reviewer="r0"),
            qmframe.Judgement(target="a2", level="mid", reviewer="r1"),
        ),
    )
    case = AssessmentCase(
        framework=framework, submission=submission, review=review, as_of=dt.date(2026, 1, 1)
    )
    decision = qmframe.assess(
        framework, submission, review, registry=builtins_only(), as_of=case.as_of
    )
    assert not decision.passed
    assert [(u.target, u.reason) for u in decision.unmet] == [
        ("a", "not derived: no settled level for a1")
    ]
    # The property has nothing to check: the case is no award, so marking a2 not
    # applicable cannot lose one (before the fix, it did).
    registry = builtins_only()

    @settings(max_examples=5)
    @given(st.data())
    def marking(data: st.DataObject) -> None:
        assert invariants.not_applicable_neutral(case, registry, data) is False

    marking()


class OrderDependent(qmframe.RuleKind):
    """Holds when the first evidence item listed is a policy: depends on order."""

    name = "first-is-policy"

    def prepare(self, rule: qmframe.Rule, index: object) -> Callable[..., RuleResult]:
        def evaluate(ctx: AssessmentContext) -> RuleResult:
            items = ctx.submission.evidence
            holds = bool(items) and items[0].type == "policy"
            return RuleResult(holds, f"{len(items)} items", "first is a policy" if holds else "no")

        return evaluate


# -- start claims-monotone --
class AtMost(qmframe.RuleKind):
    """Holds when at most one criterion is judged at its top level; wrongly claims monotone."""

    name = "at-most-one-top"

    def prepare(self, rule: qmframe.Rule, index: object) -> Callable[..., RuleResult]:
        def evaluate(ctx: AssessmentContext) -> RuleResult:
            tops = [
                t
                for t, level in ctx.levels.items()
                if (scale := ctx.index.targets[t].scale) is not None
                and scale.levels[-1].id == level
            ]
            return RuleResult(len(tops) <= 1, f"{len(tops)} at the top", "ok")

        return evaluate


# -- end claims-monotone --


class HighlightsEverything(qmframe.RuleKind):
    """Highlights every judged target, notable or not."""

    name = "highlight-all"

    def prepare(self, rule: qmframe.Rule, index: object) -> Callable[..., RuleResult]:
        def evaluate(ctx: AssessmentContext) -> RuleResult:
            found = tuple(
                qmframe.Finding(target=t, holds=True, level=level)
                for t, level in sorted(ctx.levels.items())
            )
            return RuleResult(bool(found), "every judged target", "highlighted", found)

        return evaluate


class Plugin:
    @qmframe.hookimpl
    def qmframe_register_rule_kinds(self, register: Callable[[qmframe.RuleKind], None]) -> None:
        for kind in (OrderDependent(), AtMost(), HighlightsEverything()):
            register(kind)


def _with_rule(kind: str, effect: str = "require") -> qmframe.Framework:
    """The best-fit framework with two evidence types and one custom rule.

    A fixed small framework keeps the search (and the shrinking of what it
    finds) quick; the generated submissions and reviews still vary.
    """
    data = tomllib.loads(BEST_FIT)
    data["evidence_types"] = [{"id": "policy", "title": "P"}, {"id": "record", "title": "R"}]
    data["decision"]["rules"] = [{"id": "custom", "kind": kind, "effect": effect}]
    framework = structure(data, qmframe.Framework)
    assert isinstance(framework, qmframe.Framework)
    return framework


@pytest.fixture
def custom_registry() -> qmframe.Registry:
    return qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False, plugins=[Plugin()]))


def test_an_order_dependent_rule_is_caught(custom_registry: qmframe.Registry) -> None:
    with pytest.raises(InvariantError, match=r"reordering .* changed the outcome"):
        invariants.check_determinism(
            _with_rule("first-is-policy"),
            registry=custom_registry,
            max_examples=200,
            parent=NO_SHRINK,
        )


# -- start claims-monotone-test --
def test_a_rule_that_wrongly_claims_monotone_is_caught(custom_registry: qmframe.Registry) -> None:
    with pytest.raises(InvariantError, match=r"rule 'custom' \(kind 'at-most-one-top', declared"):
        invariants.check_monotonicity(
            _with_rule("at-most-one-top"),
            registry=custom_registry,
            max_examples=300,
            parent=NO_SHRINK,
        )


# -- end claims-monotone-test --


def test_a_highlight_at_a_level_not_marked_notable_is_caught(
    custom_registry: qmframe.Registry,
) -> None:
    with pytest.raises(InvariantError, match=r"is not at a level scale .* marks notable"):
        invariants.check_bounds(
            _with_rule("highlight-all", effect="highlight"),
            registry=custom_registry,
            max_examples=200,
            parent=NO_SHRINK,
        )
