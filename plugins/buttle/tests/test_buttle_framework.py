"""The Buttle UK Quality Mark framework file, as shipped in the repository and in the wheel."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import pytest
import qmframe_buttle

import qmframe
from qmframe.cli import main

REPO = Path(__file__).resolve().parents[3]
FRAMEWORK_FILE = REPO / "frameworks" / "buttle-quality-mark.toml"
OFFER = ["mo-named-contact", "mo-money", "mo-housing", "mo-year-round", "mo-support"]
AREAS = [
    ("raising-aspirations", "Raising aspirations and achievement"),
    ("admissions", "Appropriate admissions procedures"),
    ("entry-support", "Entry and ongoing support"),
    ("monitoring", "Monitoring implementation of the commitment"),
]


@pytest.fixture(scope="module")
def framework() -> qmframe.Framework:
    """The repository file: the source of truth."""
    return qmframe.load_framework(FRAMEWORK_FILE)


def test_the_installed_framework_is_the_repository_file(framework: qmframe.Framework) -> None:
    # A stale `pip install ./plugins/buttle` shows up here, not as a puzzling failure elsewhere.
    assert qmframe.load_framework("buttle-quality-mark") == framework
    shipped = files("qmframe_buttle") / "frameworks" / "buttle-quality-mark.toml"
    assert shipped.read_text() == FRAMEWORK_FILE.read_text()
    registered = qmframe.default_registry().frameworks()["buttle-quality-mark"]
    assert registered.plugin.startswith("qmframe-buttle")


def test_the_plugin_adds_nothing_but_its_file_and_examples() -> None:
    # Written through the public API as an outside organisation would, with no hook a
    # framework file could replace.
    hooks = sorted(name for name in vars(qmframe_buttle) if name.startswith("qmframe_"))
    assert hooks == ["qmframe_register_examples", "qmframe_register_frameworks"]


def test_the_file_validates_with_one_notice_for_text_not_buttles_own(
    framework: qmframe.Framework,
) -> None:
    found, problems = qmframe.inspect_framework(FRAMEWORK_FILE)
    assert found == framework
    assert [(p.severity, p.message) for p in problems] == [
        (
            "notice",
            "9 illustrative and 10 paraphrased of 19 sections and criteria: "
            "not the owner's official text",
        )
    ]


def test_validate_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(FRAMEWORK_FILE)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if ": notice: " in line] == [
        f"{FRAMEWORK_FILE}: notice: 9 illustrative and 10 paraphrased of 19 sections and "
        "criteria: not the owner's official text"
    ]
    assert lines[-1] == f"{FRAMEWORK_FILE}: ok"


def test_the_minimum_offer_then_the_four_commitment_areas(framework: qmframe.Framework) -> None:
    first, *areas = framework.sections
    assert (first.id, first.scale, first.aggregate) == ("minimum-offer", "offer", "minimum")
    assert [c.id for c in first.criteria] == OFFER
    assert [(s.id, s.title) for s in areas] == AREAS
    for section in areas:
        assert (section.scale, section.aggregate, section.tags) == (
            "commitment",
            "minimum",
            ("commitment",),
        )
        assert section.criteria, section.id
    # The offer and the areas are Buttle UK's meaning in our words; the criteria inside
    # the areas are ours.
    assert {s.provenance for s in framework.sections} == {"paraphrase"}
    assert {c.provenance for c in first.criteria} == {"paraphrase"}
    assert {c.provenance for s in areas for c in s.criteria} == {"illustrative"}


@pytest.mark.parametrize(
    ("criterion", "tag", "words"),
    [
        ("mo-named-contact", "contact", "Someone at the institution"),
        ("mo-money", "money", "a bursary"),
        ("mo-money", "money", "advice about the extra funding"),
        ("mo-housing", "accommodation", "help with where they live"),
        ("mo-year-round", "accommodation", "365 days a year"),
        ("mo-support", "support", "Someone to talk to"),
    ],
)
def test_each_part_of_the_offer_says_what_buttle_published(
    framework: qmframe.Framework, criterion: str, tag: str, words: str
) -> None:
    found = framework.criterion(criterion)
    assert found is not None
    assert words in found.guidance
    assert found.tags == (tag,)
    # Each part must be shown where students can read it.
    [requirement] = found.evidence
    assert (requirement.types, requirement.min_count) == (("published-offer", "policy"), 1)


def test_only_universities_must_offer_accommodation_all_year(
    framework: qmframe.Framework,
) -> None:
    applying = {
        c.id: c.applicability.organisation_kinds
        for _, c in framework.iter_criteria()
        if c.applicability.organisation_kinds or c.applicability.contexts
    }
    assert applying == {"mo-year-round": ("university",)}
    assert framework.organisation_kinds == ("university", "college")
    # Nothing may be marked not applicable: a part of the offer either is in place or not.
    assert not any(s.not_applicable_allowed for s in framework.sections)
    assert not any(c.not_applicable_allowed for _, c in framework.iter_criteria())


def test_the_scales(framework: qmframe.Framework) -> None:
    levels = {s.id: [(lv.id, lv.meets, lv.notable) for lv in s.levels] for s in framework.scales}
    assert levels == {
        "offer": [("not-in-place", False, False), ("in-place", True, False)],
        "commitment": [
            ("not-yet-met", False, False),
            ("met", True, False),
            ("exemplary", True, True),
        ],
    }


def test_the_decision_policy(framework: qmframe.Framework) -> None:
    rules = {r.id: (r.kind, r.effect, dict(r.params)) for r in framework.decision.rules}
    offer = {"of": "criteria"}
    commitment = {"of": "sections", "tag": "commitment"}
    assert rules == {
        "offer-named-contact": (
            "minimum-level",
            "veto",
            {"scope": {**offer, "tag": "contact"}, "level": "in-place"},
        ),
        "offer-money": (
            "minimum-level",
            "veto",
            {"scope": {**offer, "tag": "money"}, "level": "in-place"},
        ),
        "offer-accommodation": (
            "minimum-level",
            "veto",
            {"scope": {**offer, "tag": "accommodation"}, "level": "in-place"},
        ),
        "offer-support": (
            "minimum-level",
            "veto",
            {"scope": {**offer, "tag": "support"}, "level": "in-place"},
        ),
        "offer-published": ("evidence-present", "require", {"scope": {"section": "minimum-offer"}}),
        "commitment-met": ("minimum-level", "require", {"scope": commitment, "level": "met"}),
        "action-plan": ("action-plan", "require", {"min_items": 1}),
        "exemplary-areas": ("notable-level", "highlight", {"scope": commitment}),
        "is-renewal": ("renewal", "level", {}),
        "exemplary-rating": (
            "at-least",
            "level",
            {"scope": commitment, "level": "exemplary", "count": 2},
        ),
    }
    # A veto takes the framework's own refusal; no status of its own.
    assert {r.status for r in framework.decision.rules} == {""}
    assert framework.decision.all_statuses() == ("awarded", "not-awarded")
    assert {s: label.label for s, label in framework.decision.labels.items()} == {
        "awarded": "Awarded the Buttle UK Quality Mark",
        "not-awarded": "Not awarded",
    }
    assert all(label.description for label in framework.decision.labels.values())
    assert all(r.feedback for r in framework.decision.rules if r.effect in ("veto", "require"))
    assert (framework.review.min_reviewers, framework.review.combine) == (2, "lowest")
    assert (framework.validity.months, framework.validity.midpoint_months) == (24, 0)


def test_the_four_nations(framework: qmframe.Framework) -> None:
    contexts = {c.id: c.description for c in framework.contexts}
    assert list(contexts) == ["england", "scotland", "wales", "northern-ireland"]
    assert "until July 2015" in contexts["scotland"]
    assert "first institution in Northern Ireland" in contexts["northern-ireland"]
    assert all("April 2014" in contexts[c] for c in ("england", "wales", "northern-ireland"))


def test_renewals_are_rated_minimum_or_exemplary(framework: qmframe.Framework) -> None:
    assert [(lv.id, lv.label, lv.rules) for lv in framework.award_levels] == [
        ("minimum", "Minimum", ()),
        ("exemplary", "Exemplary", ("is-renewal", "exemplary-rating")),
    ]
    assert all(lv.description for lv in framework.award_levels)


def test_the_ratings_justification(framework: qmframe.Framework) -> None:
    offer = [c.id for s in framework.sections if s.id == "minimum-offer" for c in s.criteria]
    assert offer
    for target in ("minimum-offer", *offer):
        policy = framework.justification_of(target)
        assert (policy.met.url, policy.notable.needed, policy.unmet.needed) == (True, False, False)
    commitment = [s for s in framework.sections if "commitment" in s.tags]
    for target in [s.id for s in commitment] + [c.id for s in commitment for c in s.criteria]:
        policy = framework.justification_of(target)
        assert (policy.met.needed, policy.notable.min_chars) == (False, 200)
    # Not applicable keeps qmframe's default: a reason.
    assert framework.justification_of("mo-money").not_applicable.required


def test_the_file_declares_issue_11s_keys_and_cites_its_sources() -> None:
    text = FRAMEWORK_FILE.read_text()
    for key in (
        "[[award_levels]]",
        "[decision.labels.awarded]",
        "[[lifecycle.recurring]]",
        "[[lifecycle.recurring.figures]]",
        "[[submission_details]]",
    ):
        # Declared for real, not proposed in a comment any more.
        assert f"\n{key}\n" in text, key
        assert f"#    {key}" not in text, key
    # Every inference is marked as ours, and every page cited is listed with its address.
    assert text.count("[ours]") >= 6
    cited = set(re.findall(r"\[(B\d+)\]", text)) | set(re.findall(r"\b(B\d+)\b", text))
    listed = set(re.findall(r"^#   \[(B\d+)\] \S+", text, flags=re.MULTILINE))
    assert cited == listed


def test_the_blank_template_lists_the_offer_and_the_areas(
    framework: qmframe.Framework, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["template", "buttle-quality-mark"]) == 0
    text = capsys.readouterr().out
    for section in framework.sections:
        assert f"[{section.id}]" in text
    for _, criterion in framework.iter_criteria():
        assert f'target = "{criterion.id}"' in text
    assert "# level = one of: not-in-place, in-place" in text
    assert "# level = one of: not-yet-met, met, exemplary" in text
