"""Tests of the Repair Cafe plugin: the framework file, the example, and the plugin's check."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
import qmframe

import qmframe_repaircafe


# -- start registry-fixture --
@pytest.fixture
def registry() -> qmframe.Registry:
    """qmframe's built-ins and this plugin only, whatever else is installed."""
    pm = qmframe.get_plugin_manager(load_entrypoints=False, plugins=[qmframe_repaircafe])
    return qmframe.Registry(pm)


# -- end registry-fixture --


# -- start test-framework --
def test_framework_file_has_no_errors(registry: qmframe.Registry) -> None:
    framework, problems = qmframe.inspect_framework(
        qmframe_repaircafe.FRAMEWORK_FILE, registry=registry
    )
    assert framework is not None
    assert framework.id == "repair-cafe"
    assert [p for p in problems if p.severity == "error"] == []


# -- end test-framework --


# -- start test-example --
def test_hillside_is_accredited_with_a_highlight(registry: qmframe.Registry) -> None:
    example = registry.examples["repair-cafe-hillside"].value
    framework = registry.framework(example.framework)
    submission = qmframe.load_submission(example.submission, framework, registry=registry)
    review = qmframe.load_review(example.review, framework, submission, registry=registry)

    decision = qmframe.assess(
        framework, submission, review, as_of=dt.date(2026, 5, 2), registry=registry
    )

    assert decision.status == "accredited"
    assert [h.target for h in decision.highlights] == ["reuse"]
    assert decision.valid_until == dt.date(2027, 5, 1)


# -- end test-example --


# -- start test-check --
def test_a_cafe_must_name_its_safety_lead(registry: qmframe.Registry) -> None:
    example = registry.examples["repair-cafe-hillside"].value
    framework = registry.framework(example.framework)
    submission = qmframe.load_submission(example.submission, framework, registry=registry)

    without_lead = attrs.evolve(submission, details={})
    problems = qmframe.validate_submission(framework, without_lead, registry=registry)

    assert [(p.path, p.severity) for p in problems] == [("details.safety_lead", "error")]


# -- end test-check --


def test_a_not_yet_judgement_is_not_yet_accredited(registry: qmframe.Registry) -> None:
    example = registry.examples["repair-cafe-hillside"].value
    framework = registry.framework(example.framework)
    submission = qmframe.load_submission(example.submission, framework, registry=registry)
    review = qmframe.load_review(example.review, framework, submission, registry=registry)
    weaker = attrs.evolve(
        review,
        judgements=tuple(
            attrs.evolve(j, level="not-yet") if j.target == "reuse-2" else j
            for j in review.judgements
        ),
    )

    decision = qmframe.assess(framework, submission, weaker, registry=registry)

    assert decision.status == "not-yet-accredited"
    assert [u.target for u in decision.unmet] == ["reuse-2"]


# -- start test-mutation --
def test_every_mutant_of_the_rules_is_killed(registry: qmframe.Registry) -> None:
    from qmframe.testing.mutate import mutation_score

    report = mutation_score("repair-cafe", registry=registry)
    assert report.ok, report.describe()


# -- end test-mutation --
