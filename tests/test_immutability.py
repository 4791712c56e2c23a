"""Values are immutable in fact: frozen mappings and tuples all the way down, and hashable.

A frozen attrs class holding a plain dict could still change, so a framework
could not key a cache and the registry kept assessors by ``id()``, without
bound. These tests hold the whole tree of every value to the promise, and
the assessor cache to its bound.
"""

from __future__ import annotations

import copy
import datetime as dt
import pickle
from collections.abc import Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import qmframe
from qmframe.files import dumps, loads
from qmframe.framework import Lifecycle
from qmframe.frozen import (
    EMPTY,
    FrozenMap,
    exact,
    freeze,
    freeze_map,
    frozen_tuple_map,
    is_array,
    thaw,
)
from qmframe.index import FrameworkIndex
from qmframe.rules import AssessmentContext
from qmframe.testing import strategies as qs

REGISTRY = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))

# Parsed TOML or JSON: scalars, arrays and tables, nested.
KEYS = st.text("abcxyz-_", min_size=1, max_size=4)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
PLAIN = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=12,
)


# -- FrozenMap ---------------------------------------------------------------------------------


def test_a_frozen_map_refuses_every_change() -> None:
    m = FrozenMap({"a": 1})
    with pytest.raises(TypeError):
        m["b"] = 2
    with pytest.raises(TypeError):
        del m["a"]
    with pytest.raises(AttributeError):
        m._data = {}
    with pytest.raises(AttributeError):
        m.extra = 1
    with pytest.raises(AttributeError):
        del m._data
    for method in ("update", "pop", "popitem", "clear", "setdefault", "__ior__"):
        assert not hasattr(m, method), method
    assert not isinstance(m, MutableMapping)
    assert not isinstance(m, dict)  # so dict's own methods cannot be turned on it
    assert m == {"a": 1}


def test_a_frozen_map_copies_what_it_is_built_from() -> None:
    source = {"a": 1}
    m = FrozenMap(source)
    source["a"] = 2
    source["b"] = 3
    assert dict(m) == {"a": 1}
    assert FrozenMap([("x", 1), ("y", 2)]) == {"x": 1, "y": 2}


def test_reading_a_frozen_map_is_reading_a_dict() -> None:
    m = FrozenMap({"b": 2, "a": 1})
    assert list(m) == ["b", "a"]  # order kept
    assert len(m) == 2
    assert "a" in m
    assert "z" not in m
    assert m["a"] == 1
    assert m.get("z") is None
    assert m.get("z", 0) == 0
    assert list(m.keys()) == ["b", "a"]
    assert list(m.values()) == [2, 1]
    assert list(m.items()) == [("b", 2), ("a", 1)]
    assert {**m} == {"b": 2, "a": 1}
    assert repr(m) == "FrozenMap({'b': 2, 'a': 1})"
    with pytest.raises(KeyError):
        m["z"]


@given(st.dictionaries(KEYS, st.integers() | st.text()))
def test_equal_frozen_maps_hash_alike_whatever_their_order(items: dict[str, Any]) -> None:
    m = FrozenMap(items)
    backwards = FrozenMap(reversed(list(items.items())))
    assert m == backwards
    assert hash(m) == hash(backwards)
    assert m == items  # equal to any mapping with the same items, as frozenset is to set
    assert items == m
    assert m != [*items.items()]
    if items:
        key = next(iter(items))
        assert m != {**items, key: object()}
        assert m != {k: v for k, v in items.items() if k != key}


def test_a_frozen_map_compares_with_other_mappings_but_not_other_things() -> None:
    class Plain(Mapping[str, int]):
        def __getitem__(self, key: str) -> int:
            return {"a": 1}[key]

        def __iter__(self) -> Iterator[str]:
            return iter(["a"])

        def __len__(self) -> int:
            return 1

    assert FrozenMap({"a": 1}) == Plain()
    assert FrozenMap({"a": 2}) != Plain()
    assert FrozenMap({"a": 1}) != "a"
    assert FrozenMap() == EMPTY
    assert FrozenMap() != ()


def test_a_frozen_map_of_unhashable_values_cannot_be_hashed() -> None:
    with pytest.raises(TypeError):
        hash(FrozenMap({"a": [1]}))
    assert hash(FrozenMap({"a": (1,)})) == hash(FrozenMap({"a": (1,)}))


@given(PLAIN)
def test_a_frozen_value_survives_copying_and_pickling(value: Any) -> None:
    frozen = freeze(value)
    for again in (
        copy.copy(frozen),
        copy.deepcopy(frozen),
        pickle.loads(pickle.dumps(frozen)),
    ):
        assert again == frozen
        assert hash(again) == hash(frozen)
        assert type(again) is type(frozen)


# -- freeze and thaw ---------------------------------------------------------------------------


def _plain_or_frozen(value: Any, *, frozen: bool) -> None:
    """Assert that ``value`` holds only the frozen forms (or only the plain ones)."""
    if frozen:
        assert not isinstance(value, (list, dict, set)), value
    else:
        assert not isinstance(value, (tuple, FrozenMap)), value
    if isinstance(value, Mapping):
        for item in value.values():
            _plain_or_frozen(item, frozen=frozen)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _plain_or_frozen(item, frozen=frozen)


@given(PLAIN)
def test_freeze_and_thaw_are_inverse(value: Any) -> None:
    frozen = freeze(value)
    _plain_or_frozen(frozen, frozen=True)
    hash(frozen)  # every frozen value can be hashed
    plain = thaw(frozen)
    _plain_or_frozen(plain, frozen=False)
    assert plain == value
    assert freeze(frozen) is frozen  # freezing again keeps the very same object


def test_freeze_keeps_named_tuples_and_freezes_sets() -> None:
    point = dt.date(2026, 1, 1)
    assert freeze(point) is point
    assert freeze({1, 2}) == frozenset({1, 2})
    assert isinstance(freeze({1, 2}), frozenset)
    assert freeze({"a": ({"b": [1]},)}) == FrozenMap({"a": (FrozenMap({"b": (1,)}),)})

    class Pair(tuple[int, int]):
        pass

    pair = Pair((1, 2))
    assert freeze(pair) is pair
    assert freeze([pair])[0] is pair


@pytest.mark.parametrize(
    "table", [EMPTY, FrozenMap(), {}, {"los": ["O1", "O2"]}, FrozenMap({"los": ("O1",)})]
)
def test_the_mapping_converters_give_what_freeze_map_gives(table: Mapping[str, Any]) -> None:
    # frozen_tuple_map returns the shared EMPTY (every criterion's default) before calling
    # freeze_map: the same value as freeze_map's, and the same object for an empty table.
    converted = frozen_tuple_map(table)
    assert converted == freeze_map(table)
    assert type(converted) is FrozenMap
    assert all(type(ids) is tuple for ids in converted.values())
    if not table:
        assert converted is EMPTY


def test_is_array_tells_an_array_from_a_string() -> None:
    assert is_array(("a",))
    assert is_array(["a"])
    assert not is_array("a")
    assert not is_array(b"a")
    assert not is_array({"a": 1})
    assert not is_array(None)


# -- the value classes -------------------------------------------------------------------------


def _walk(value: object, path: str = "") -> Iterator[tuple[str, object]]:
    """Every value inside an attrs value, with where it sits."""
    yield path, value
    if attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            yield from _walk(getattr(value, field.name), f"{path}.{field.name}")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _walk(item, f"{path}[{key!r}]")
    elif isinstance(value, (tuple, list, set, frozenset)):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")


def assert_frozen_all_the_way_down(value: object) -> None:
    for path, inner in _walk(value):
        assert not isinstance(inner, (list, dict, set)), f"{path} is a {type(inner).__name__}"
        if isinstance(inner, Mapping):
            assert type(inner) is FrozenMap, f"{path} is a {type(inner).__name__}"


@st.composite
def _with_every_mapping(draw: st.DrawFn) -> tuple[qmframe.Framework, qmframe.Submission]:
    """A framework and submission with the mapping fields the strategies leave empty filled."""
    framework = draw(qs.frameworks())
    ids = st.text("abcdefgh-", min_size=1, max_size=6)
    words = qs.texts()
    sets = tuple(
        attrs.evolve(o, groups=draw(st.dictionaries(ids, words, max_size=2)))
        for o in framework.outcome_sets
    )
    lifecycle = Lifecycle(
        transitions=draw(st.dictionaries(ids, st.lists(ids, max_size=2), max_size=2)),
        add=draw(st.dictionaries(ids, st.lists(ids, max_size=2).map(tuple), max_size=1)),
        remove=draw(st.dictionaries(ids, st.lists(ids, max_size=2), max_size=1)),
    )
    framework = attrs.evolve(framework, outcome_sets=sets, lifecycle=lifecycle)
    submission = draw(qs.submissions(framework))
    organisation = attrs.evolve(
        submission.organisation, linked=draw(st.dictionaries(ids, words, max_size=2))
    )
    return framework, attrs.evolve(submission, organisation=organisation)


@given(_with_every_mapping())
def test_generated_values_are_frozen_and_hash_like_their_copies(
    pair: tuple[qmframe.Framework, qmframe.Submission],
) -> None:
    for value in pair:
        assert_frozen_all_the_way_down(value)
        again = loads(dumps(value), type(value))
        assert again == value
        assert again is not value
        assert hash(again) == hash(value)


@given(qs.assessment_cases())
def test_decisions_and_reviews_are_frozen_and_hashable(case: qs.AssessmentCase) -> None:
    decision = REGISTRY.assessor(case.framework).assess(
        case.submission, case.review, as_of=case.as_of
    )
    for value in (decision, case.review):
        assert_frozen_all_the_way_down(value)
        assert hash(value) == hash(copy.deepcopy(value))


def test_values_built_in_code_with_dicts_and_lists_are_frozen() -> None:
    groups = {"stage": "Stage"}
    mappings: dict[str, list[str]] = {"set": ["O1", "O2"]}
    criterion = qmframe.Criterion(
        id="c1", title="C", mappings=mappings, context_guidance={"north": "Up here"}
    )
    rule = qmframe.Rule(
        id="r",
        kind="minimum-level",
        params={"level": "yes", "scope": {"section": ["s1", "s2"]}},
    )
    framework = qmframe.Framework(
        id="f",
        version="1",
        title="F",
        outcome_sets=(qmframe.OutcomeSet(id="set", groups=groups),),
        sections=(qmframe.Section(id="s1", title="S", criteria=(criterion,)),),
        decision=qmframe.DecisionPolicy(rules=(rule,)),
    )
    groups["stage"] = "changed"
    mappings["set"].append("O3")
    assert framework.outcome_sets[0].groups == {"stage": "Stage"}
    assert framework.sections[0].criteria[0].mappings == {"set": ("O1", "O2")}
    assert framework.decision.rules[0].params["scope"] == {"section": ("s1", "s2")}
    assert_frozen_all_the_way_down(framework)
    assert hash(framework) == hash(loads(dumps(framework), qmframe.Framework))
    submission = qmframe.Submission(
        framework="f",
        framework_version="1",
        organisation=qmframe.Organisation(id="o", name="O", linked={"university": "u"}),
        details={"region": "north"},
    )
    assert_frozen_all_the_way_down(submission)
    split = qmframe.PanelDisagreement(
        target="c1", title="C", levels={"r1": "yes", "r2": "no"}, decided="no", policy="lowest"
    )
    assert type(split.levels) is FrozenMap
    assert hash(split) == hash(attrs.evolve(split))


def test_changing_a_value_raises(mini: dict[str, Path]) -> None:
    framework = qmframe.load_framework(mini["framework"], registry=REGISTRY)
    criterion = framework.sections[0].criteria[0]
    rule = framework.decision.rules[0]
    with pytest.raises(TypeError):
        criterion.mappings["x"] = ("y",)
    with pytest.raises(TypeError):
        rule.params["level"] = "no"
    shine = next(r for r in framework.decision.rules if r.id == "shine")
    with pytest.raises(TypeError):
        shine.params["scope"]["of"] = "criteria"
    with pytest.raises(TypeError):
        criterion.mappings["los"] += ("O9",)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        criterion.mappings = {}
    submission = qmframe.load_submission(mini["submission"], framework, registry=REGISTRY)
    with pytest.raises(TypeError):
        submission.details["region"] = "south"
    with pytest.raises(TypeError):
        submission.organisation.linked["x"] = "y"
    assert framework == qmframe.load_framework(mini["framework"], registry=REGISTRY)


def test_the_index_and_a_rules_context_are_read_only(mini: dict[str, Path]) -> None:
    framework = qmframe.load_framework(mini["framework"], registry=REGISTRY)
    index = FrameworkIndex.build(framework)
    for name in ("targets", "criteria", "sections", "scales", "ranks", "section_criteria"):
        table = getattr(index, name)
        assert type(table) is FrozenMap, name
        with pytest.raises(TypeError):
            table["x"] = None
    with pytest.raises(TypeError):
        index.ranks["lvl"]["yes"] = 0
    assert hash(index) == hash(FrameworkIndex.build(framework))
    submission = qmframe.load_submission(mini["submission"], framework, registry=REGISTRY)
    levels = {"a1": "yes"}
    ctx = AssessmentContext(
        index=index,
        submission=submission,
        as_of=dt.date(2026, 1, 1),
        levels=levels,
        not_applicable=frozenset(),
        unresolved={},
        evidence_by_criterion={"a1": submission.evidence},
    )
    levels["a1"] = "no"
    assert ctx.levels == {"a1": "yes"}
    for name in ("levels", "unresolved", "evidence_by_criterion"):
        assert type(getattr(ctx, name)) is FrozenMap, name
    with pytest.raises(TypeError):
        ctx.levels["a2"] = "yes"
    hash(ctx)


# -- the assessor cache ------------------------------------------------------------------------


def test_the_assessor_is_kept_by_the_frameworks_value(mini: dict[str, Path]) -> None:
    registry = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    read_again = qmframe.read_framework(mini["framework"])
    assert read_again is not framework
    assert registry.assessor(read_again) is registry.assessor(framework)
    changed = attrs.evolve(framework, title="Another title")
    assert registry.assessor(changed) is not registry.assessor(framework)
    assert registry.assessor(changed).framework == changed


def test_the_assessor_cache_keeps_the_64_most_recently_used(mini: dict[str, Path]) -> None:
    registry = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    versions = [attrs.evolve(framework, version=f"v{i}") for i in range(65)]
    first = registry.assessor(versions[0])
    kept = registry.assessor(versions[1])
    for version in versions[2:64]:  # 62 more: 64 kept in all
        registry.assessor(version)
    assert registry.assessor(versions[0]) is first  # still kept, and now the most recent
    registry.assessor(versions[64])  # the 65th pushes out the least recently used
    assert registry.assessor(versions[0]) is first
    assert registry.assessor(versions[1]) is not kept


def test_rules_whose_params_differ_only_in_type_are_different_rules() -> None:
    def rule(**params: object) -> qmframe.Rule:
        return qmframe.Rule(id="r", kind="action-plan", params=params)

    assert rule(min_items=1) == rule(min_items=1)
    assert hash(rule(min_items=1)) == hash(rule(min_items=1))
    assert rule(min_items=True) != rule(min_items=1)  # though True == 1 in Python
    assert rule(min_items=1.0) != rule(min_items=1)
    assert rule(scope={"section": [1]}) != rule(scope={"section": [True]})
    assert rule(scope={"section": ["a"]}) == rule(scope={"section": ("a",)})
    assert exact({"a": [1]}) == exact(FrozenMap({"a": (1,)}))


def test_an_equal_but_invalid_framework_never_gets_a_cached_assessor(
    mini: dict[str, Path],
) -> None:
    registry = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    plan = next(r for r in framework.decision.rules if r.kind == "action-plan")

    def with_min_items(value: object) -> qmframe.Framework:
        rules = tuple(
            attrs.evolve(r, params={"min_items": value}) if r is plan else r
            for r in framework.decision.rules
        )
        return attrs.evolve(framework, decision=attrs.evolve(framework.decision, rules=rules))

    registry.assessor(with_min_items(1))
    with pytest.raises(qmframe.ValidationError, match="min_items"):
        registry.assessor(with_min_items(True))


def test_an_unhashable_framework_is_still_assessed(mini: dict[str, Path]) -> None:
    registry = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    # Untyped code can pass a list where a tuple belongs; such a value cannot key a cache.
    listed = attrs.evolve(framework, sections=list(framework.sections))
    with pytest.raises(TypeError):
        hash(listed)
    submission = qmframe.load_submission(mini["submission"], framework, registry=registry)
    as_of = dt.date(2026, 3, 1)
    assert registry.assessor(listed).assess(submission, as_of=as_of) == registry.assessor(
        framework
    ).assess(submission, as_of=as_of)
