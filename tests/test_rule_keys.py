"""A rule kind's declared ``keys`` are exactly the keys it accepts.

The file format page lists every built-in kind's keys (type, default, meaning)
from ``RuleKind.keys``; these tests hold the declaration to what ``check``
accepts, so the page cannot promise a key the kind refuses, or hide one it takes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import attrs
import core_fixtures
import pytest
from qmframe_nasenco import ValidatingUniversity

import qmframe
from qmframe.index import FrameworkIndex
from qmframe.rules import AssessmentContext, RuleKey, RuleKind

#: Rules of each kind that check clean against the mini framework; between them, they give
#: every key (weighted-score takes one of threshold and min_fraction).
EVERY_KEY: dict[str, dict[str, object]] = {
    "minimum-level": {"scope": {"section": "a"}, "level": "yes", "if_empty": "hold"},
    "at-least": {"scope": {"of": "criteria"}, "level": "yes", "count": 2, "if_empty": "fail"},
    "notable-level": {"scope": {"tag": "core"}, "level": "wow"},
    "evidence-present": {"scope": {"section": "a"}, "if_empty": "fail"},
    "action-plan": {"min_items": 2},
    "outcome-coverage": {"outcome_set": "los", "by": "either", "evidence_types": ["doc"]},
    "weighted-score": {"scope": {"section": "a"}, "threshold": 3, "if_empty": "hold"},
    "weighted-score:min_fraction": {"scope": {"of": "sections"}, "min_fraction": 0.5},
    "satisfied": {"scope": {"section": ["a", "b"]}, "if_empty": "hold"},
    "renewal": {},
    "nasenco-validating-university": {"organisation_kinds": ["college"]},
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> FrameworkIndex:
    path = tmp_path_factory.mktemp("keys") / "mini.toml"
    kinds = 'organisation_kinds = ["college", "university", "sixth-form"]'
    assert kinds in core_fixtures.FRAMEWORK
    # nasenco's kind defaults to private providers, which a framework must know.
    text = core_fixtures.FRAMEWORK.replace(kinds, kinds[:-1] + ', "private-provider"]')
    path.write_text(text, encoding="utf-8")
    registry = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))
    return FrameworkIndex.build(qmframe.load_framework(path, registry=registry))


def _kinds() -> list[RuleKind]:
    registry = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))
    return [*registry.rule_kinds.values(), ValidatingUniversity()]


KINDS = _kinds()


def _check(kind: RuleKind, params: Mapping[str, object], index: FrameworkIndex) -> list[str]:
    rule = qmframe.Rule(id="r", kind=kind.name, params=params)
    return [f"{p.path}: {p.message} [{p.code}]" for p in kind.check(rule, index)]


def _declared(kind: RuleKind) -> tuple[RuleKey, ...]:
    assert kind.keys is not None, f"{kind.name} declares no keys"
    return kind.keys


def _rules(kind: RuleKind) -> list[dict[str, object]]:
    return [p for name, p in EVERY_KEY.items() if name.partition(":")[0] == kind.name]


def _rule_with(kind: RuleKind, key: str) -> dict[str, object]:
    return next(params for params in _rules(kind) if key in params)


def test_every_built_in_kind_has_a_rule_here() -> None:
    assert {kind.name for kind in KINDS} == {name.partition(":")[0] for name in EVERY_KEY}


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_rules_with_every_declared_key_check_clean(kind: RuleKind, index: FrameworkIndex) -> None:
    given = {key for params in _rules(kind) for key in params}
    assert given == {key.name for key in _declared(kind)}
    for params in _rules(kind):
        assert _check(kind, params, index) == [], params


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_an_undeclared_key_is_refused(kind: RuleKind, index: FrameworkIndex) -> None:
    params = {**EVERY_KEY[kind.name], "colour": "blue"}
    problems = _check(kind, params, index)
    assert len(problems) == 1, problems
    assert "unknown key 'colour'" in problems[0]
    assert problems[0].endswith("[unknown-key]")


@pytest.mark.parametrize(
    ("kind", "key"),
    [(kind, key) for kind in KINDS for key in _declared(kind)],
    ids=lambda x: x.name,
)
def test_leaving_a_key_out_is_refused_exactly_when_it_is_required(
    kind: RuleKind, key: RuleKey, index: FrameworkIndex
) -> None:
    given = _rule_with(kind, key.name)
    params = {name: value for name, value in given.items() if name != key.name}
    at_the_key = [p for p in _check(kind, params, index) if p.startswith(f"{key.name}: ")]
    if key.required:
        assert at_the_key, f"{kind.name}: leaving out {key.name} is accepted, yet it is required"
    else:
        assert at_the_key == [], f"{kind.name}: {key.name} has a default ({key.default})"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_every_declared_key_says_its_type_and_meaning(kind: RuleKind) -> None:
    for key in _declared(kind):
        assert key.type, key
        assert key.meaning.endswith("."), key
        assert key.required or key.default, key


def test_a_key_is_required_or_says_its_default() -> None:
    with pytest.raises(ValueError, match="say what leaving it out means"):
        RuleKey("n", "integer", "How many.")
    with pytest.raises(ValueError, match="a required key has no default"):
        RuleKey("n", "integer", "How many.", default="1", required=True)
    assert RuleKey("n", "integer", "How many.", required=True).default == ""


def test_a_kind_that_declares_nothing_checks_its_keys_itself() -> None:
    class Quiet(RuleKind):
        name = "quiet"

    class NoKeys(RuleKind):
        name = "quiet"
        keys = ()

    rule = qmframe.Rule(id="r", kind="quiet", params={"anything": 1})
    assert Quiet().unknown_keys(rule) == []
    [problem] = NoKeys().unknown_keys(rule)
    assert (
        problem.message == "unknown key 'anything' for kind 'quiet' (it takes no keys of its own)"
    )


def _empty_scope_result(kind: RuleKind, index: FrameworkIndex, **params: object) -> bool:
    """Whether a rule of ``kind`` holds when everything in its scope is not applicable."""
    rule = qmframe.Rule(id="r", kind=kind.name, params={**_rule_with(kind, "if_empty"), **params})
    rule = attrs.evolve(rule, params={k: v for k, v in rule.params.items() if v is not None})
    assert _check(kind, rule.params, index) == []
    submission = qmframe.Submission(
        framework="mini",
        framework_version="2",
        organisation=qmframe.Organisation(id="o", name="O", kind="college"),
    )
    ctx = AssessmentContext(
        index=index,
        submission=submission,
        as_of=dt.date(2026, 3, 1),
        levels={},
        not_applicable=frozenset(index.targets),
        unresolved={},
        evidence_by_criterion={},
    )
    return kind.prepare(rule, index)(ctx).holds


@pytest.mark.parametrize(
    "kind",
    [k for k in KINDS if k.keys and any(key.name == "if_empty" for key in k.keys)],
    ids=lambda k: k.name,
)
def test_the_declared_if_empty_default_is_what_the_kind_does(
    kind: RuleKind, index: FrameworkIndex
) -> None:
    [declared] = [key.default for key in _declared(kind) if key.name == "if_empty"]
    assert declared in ('"fail"', '"hold"')
    assert _empty_scope_result(kind, index, if_empty=None) is (declared == '"hold"')
    assert _empty_scope_result(kind, index, if_empty="hold") is True
    assert _empty_scope_result(kind, index, if_empty="fail") is False
