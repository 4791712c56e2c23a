"""Issue 13 tried as a plugin author would: a self-certified framework that asks for justifications.

A framework whose ratings must say where to see what they claim
(``justification = { met = { url = true } }``) and that awards on the
self-assessment alone (``[review] required = false``). The kit changes its
cases' self-ratings (liveness, sensitivity, decision tables); each change
must keep the submission valid, or the kit's variants are refused by the
checks and it proves nothing about the rules.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

import qmframe
from qmframe.testing import edits, liveness
from qmframe.testing.tables import load_table, run_table

FRAMEWORK = """\
document = "framework"
id = "kitchen"
version = "1.0"
title = "Community Kitchen Food Safety Mark"
organisation_kinds = ["community-kitchen"]

[[scales]]
id = "fs"
title = "Food safety level"
levels = [
    { id = "inadequate", label = "Inadequate", meets = false },
    { id = "good", label = "Good", meets = true },
    { id = "excellent", label = "Excellent", meets = true, notable = true },
]

[[sections]]
id = "allergens"
title = "Allergens"
scale = "fs"
justification = { met = { url = true } }

[[sections.criteria]]
id = "labels"
title = "Every dish is labelled with its allergens"
tags = ["critical"]

[[sections.criteria]]
id = "training"
title = "Every cook has allergen training"

[decision]
pass_status = "awarded"
fail_status = "not-awarded"

[[decision.rules]]
id = "labels-veto"
kind = "minimum-level"
effect = "veto"
title = "Allergen labelling is excellent"
scope = { of = "criteria", tag = "critical" }
level = "excellent"

[[decision.rules]]
id = "all-good"
kind = "minimum-level"
title = "Every criterion is at least good"
level = "good"

[review]
required = false
"""

SUBMISSION = """\
framework = "kitchen"
framework_version = "1.0"
kind = "application"
submitted_on = 2026-03-01

[organisation]
id = "riverside"
name = "Riverside Community Kitchen"
kind = "community-kitchen"

[[ratings]]
target = "labels"
level = "excellent"
justification = "Cards on every dish: https://example.org/riverside/labels"
narrative = "We label every dish."

[[ratings]]
target = "training"
level = "good"
justification = "Certificates: https://example.org/riverside/certificates"
"""


class KitchenPlugin:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @qmframe.hookimpl
    def qmframe_register_frameworks(self, register: Callable[..., None]) -> None:
        register(self.folder / "kitchen.toml", id="kitchen")

    @qmframe.hookimpl
    def qmframe_register_examples(self, register: Callable[[qmframe.Example], None]) -> None:
        register(
            qmframe.Example(
                name="kitchen-riverside",
                framework="kitchen",
                title="Riverside",
                submission=self.folder / "submission.toml",
                as_of="2026-03-20",
            )
        )


@pytest.fixture
def registry(tmp_path: Path, qmframe_register: Callable[..., qmframe.Registry]) -> qmframe.Registry:
    (tmp_path / "kitchen.toml").write_text(FRAMEWORK, encoding="utf-8")
    (tmp_path / "submission.toml").write_text(SUBMISSION, encoding="utf-8")
    return qmframe_register(KitchenPlugin(tmp_path))


def _example(registry: qmframe.Registry) -> edits.AssessmentCase:
    import datetime as dt

    framework = registry.framework("kitchen")
    example = registry.examples["kitchen-riverside"].value
    submission = qmframe.load_submission(example.submission, framework, registry=registry)
    return edits.AssessmentCase(
        framework=framework, submission=submission, review=None, as_of=dt.date(2026, 3, 20)
    )


def _status(case: edits.AssessmentCase, registry: qmframe.Registry) -> str:
    decision = qmframe.assess(
        case.framework, case.submission, case.review, as_of=case.as_of, registry=registry
    )
    return decision.status


def test_a_self_rating_set_by_the_kit_keeps_the_justification_it_needs(
    registry: qmframe.Registry,
) -> None:
    case = _example(registry)
    assert _status(case, registry) == "awarded"

    raised = edits.set_level(case, "training", "excellent")
    lowered = edits.set_level(case, "labels", "good")

    # Both were refused: set_level blanked the justification with the web address.
    assert _status(raised, registry) == "awarded"
    assert _status(lowered, registry) == "not-awarded"


def test_liveness_finds_the_veto_of_a_self_certified_framework_live(
    registry: qmframe.Registry,
) -> None:
    report = liveness.rule_liveness(registry.framework("kitchen"), registry, [_example(registry)])
    # It was undecided: every variant lowering 'labels' was refused by the checks.
    assert report.of("labels-veto").verdict == "live", report.describe()


def _table(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kitchen.cases.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_tables_self_rating_keeps_the_ratings_own_words(
    tmp_path: Path, registry: qmframe.Registry
) -> None:
    table = load_table(
        _table(
            tmp_path,
            """\
            framework = "kitchen"
            base = "kitchen-riverside"
            [[case]]
            id = "training-rated-excellent"
            ratings = { training = "excellent" }
            [case.expect]
            status = "awarded"
            [[case]]
            id = "labels-rated-good"
            ratings = { labels = "good" }
            [case.expect]
            status = "not-awarded"
            failing = ["labels-veto"]
            """,
        )
    )
    results = run_table(table, registry)
    # Both were refused at ratings[1].justification: the rating was replaced by a bare one.
    assert [r.describe() for r in results if not r.ok] == []


def test_a_written_out_case_gives_the_justifications_the_framework_asks(
    tmp_path: Path, registry: qmframe.Registry
) -> None:
    table = load_table(
        _table(
            tmp_path,
            """\
            framework = "kitchen"
            as_of = 2026-03-20
            [[case]]
            id = "written-out"
            ratings = { labels = "excellent", training = "good" }
            [case.expect]
            status = "awarded"
            """,
        )
    )
    results = run_table(table, registry)
    assert [r.describe() for r in results if not r.ok] == []


def test_a_return_broken_by_a_wrong_value_is_broken_that_way_only() -> None:
    # A negative count of a figure another is bounded by ('new_volunteers' at most
    # 'volunteers') broke the return twice: the other figure was then above its bound, so
    # a register lenient about wrong values still refused it, now and again, and the kit
    # said "refused, but not ... coded 'wrong-value'" instead of "accepted".
    import qmframe_example
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from qmframe.awards.returns import check_figures
    from qmframe.testing import invariants, strategies

    plugins = [qmframe_example]
    registry = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False, plugins=plugins))
    event = registry.framework("example-charter").lifecycle.recurring[0]
    assert any(f.at_most for f in event.figures)

    @settings(max_examples=200, database=None, deadline=None)
    @given(strategies.return_figures(event), st.data())
    def broken_once(figures: dict[str, float], data: st.DataObject) -> None:
        figure, broken, _ = invariants._break_return(
            event, figures, "wrong-type", data, as_text=False
        )
        found = [(p.path, p.code) for p in check_figures(event, broken)]
        assert found == [(f"figures.{figure}", "wrong-value")]

    broken_once()
