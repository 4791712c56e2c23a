"""The NNECL Quality Mark framework file, as shipped in the repository and in the wheel."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

import qmframe
from qmframe.cli import main

REPO = Path(__file__).resolve().parents[3]
FRAMEWORK_FILE = REPO / "frameworks" / "nnecl-quality-mark.toml"
AREAS = [
    ("culture-leadership", "Culture and leadership"),
    ("continuous-improvement", "Continuous improvement"),
    ("pre-entry", "Pre-entry activity"),
    ("admissions", "Admissions"),
    ("student-wellbeing", "Student wellbeing"),
    ("student-success", "Student success"),
    ("collaboration-partnership", "Collaborative and partnership working"),
]


@pytest.fixture(scope="module")
def framework() -> qmframe.Framework:
    """The repository file: the source of truth."""
    return qmframe.load_framework(FRAMEWORK_FILE)


def test_the_installed_framework_is_the_repository_file(framework: qmframe.Framework) -> None:
    # A stale `pip install ./plugins/nnecl` shows up here, not as a puzzling failure elsewhere.
    assert qmframe.load_framework("nnecl-quality-mark") == framework
    shipped = files("qmframe_nnecl") / "frameworks" / "nnecl-quality-mark.toml"
    assert shipped.read_text() == FRAMEWORK_FILE.read_text()
    registered = qmframe.default_registry().frameworks()["nnecl-quality-mark"]
    assert registered.plugin.startswith("qmframe-nnecl")


def test_the_file_validates_with_one_notice_for_illustrative_text(
    framework: qmframe.Framework,
) -> None:
    found, problems = qmframe.inspect_framework(FRAMEWORK_FILE)
    assert found == framework
    assert [(p.severity, p.message) for p in problems] == [
        (
            "notice",
            "23 illustrative and 7 paraphrased of 30 sections and criteria: "
            "not the owner's official text",
        )
    ]


def test_validate_on_the_command_line_says_so_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", str(FRAMEWORK_FILE)]) == 0
    lines = capsys.readouterr().out.splitlines()
    notices = [line for line in lines if ": notice: " in line]
    assert len(notices) == 1
    assert "illustrative" in notices[0]
    assert "not the owner's official text" in notices[0]
    assert lines[-1].endswith(": ok")


def test_the_seven_areas_in_order_each_judged_on_the_area_scale(
    framework: qmframe.Framework,
) -> None:
    assert [(s.id, s.title) for s in framework.sections] == AREAS
    for section in framework.sections:
        assert (section.scale, section.aggregate) == ("area", "minimum"), section.id
        assert section.provenance == "paraphrase"
        assert section.criteria, section.id


def test_the_three_strands_are_tags(framework: qmframe.Framework) -> None:
    strands: dict[str, list[str]] = {}
    for section in framework.sections:
        assert len(section.tags) == 1, section.id
        strands.setdefault(section.tags[0], []).append(section.id)
    assert strands == {
        "culture": ["culture-leadership", "collaboration-partnership"],
        "improvement": ["continuous-improvement"],
        "lifecycle": ["pre-entry", "admissions", "student-wellbeing", "student-success"],
    }


def test_every_criterion_is_illustrative_and_in_its_areas_scale(
    framework: qmframe.Framework,
) -> None:
    criteria = list(framework.iter_criteria())
    assert len(criteria) == 23
    assert {c.provenance for _, c in criteria} == {"illustrative"}
    assert all(c.scale in ("", "area") and c.guidance for _, c in criteria)


@pytest.mark.parametrize(
    ("criterion", "area", "words"),
    [
        ("cl-named-contact", "culture-leadership", "designated member of staff"),
        ("cl-working-group", "culture-leadership", "working group"),
        ("ci-definition", "continuous-improvement", "which definition"),
        ("ci-data", "continuous-improvement", "continuation, attainment and progression"),
        ("ci-targets", "continuous-improvement", "Targets"),
        ("ci-student-voice", "continuous-improvement", "asked regularly"),
        ("sw-finance", "student-wellbeing", "bursary"),
        ("sw-accommodation", "student-wellbeing", "Year-round accommodation"),
        ("sw-mental-health", "student-wellbeing", "mental-health"),
        ("ss-careers", "student-success", "Careers guidance"),
        ("cp-local-authorities", "collaboration-partnership", "leaving-care teams"),
    ],
)
def test_the_criteria_cover_what_nnecl_confirms(
    framework: qmframe.Framework, criterion: str, area: str, words: str
) -> None:
    section = framework.section(area)
    assert section is not None
    found = {c.id: c for c in section.criteria}
    assert words in found[criterion].guidance


def test_the_scale_has_no_award_tiers_only_highlighted_levels(
    framework: qmframe.Framework,
) -> None:
    [scale] = framework.scales
    assert [(lv.id, lv.meets, lv.notable) for lv in scale.levels] == [
        ("not-yet-evidenced", False, False),
        ("evidenced", True, False),
        ("enhanced", True, True),
        ("exceptional", True, True),
    ]
    # The statuses are awarded or not: the levels feed highlights, never a tier of award.
    assert framework.decision.all_statuses() == ("awarded", "not-yet-awarded")


def test_the_decision_policy(framework: qmframe.Framework) -> None:
    rules = {r.id: (r.kind, r.effect, dict(r.params)) for r in framework.decision.rules}
    assert rules == {
        "every-area-evidenced": (
            "minimum-level",
            "require",
            {"scope": {"of": "sections"}, "level": "evidenced"},
        ),
        "action-plan": ("action-plan", "require", {"min_items": 1}),
        "highlighted-practice": ("notable-level", "highlight", {"scope": {"of": "sections"}}),
    }
    assert (framework.validity.months, framework.validity.midpoint_months) == (36, 18)
    assert (framework.review.min_reviewers, framework.review.combine) == (1, "lowest")


def test_institutions_and_nations(framework: qmframe.Framework) -> None:
    assert framework.organisation_kinds == (
        "university",
        "college",
        "sixth-form",
        "independent-training-provider",
    )
    assert [c.id for c in framework.contexts] == [
        "england",
        "scotland",
        "wales",
        "northern-ireland",
    ]
    # Only pre-entry may be marked not applicable (with a justification); nothing is
    # switched off silently by kind or nation.
    assert [s.id for s in framework.sections if s.not_applicable_allowed] == ["pre-entry"]
    for _, criterion in framework.iter_criteria():
        assert not criterion.applicability.organisation_kinds
        assert not criterion.applicability.contexts


def test_nation_guidance_where_the_facts_are_known(framework: qmframe.Framework) -> None:
    guidance = {s.id: dict(s.context_guidance) for s in framework.sections}
    assert "Access and Participation Plan" in guidance["continuous-improvement"]["england"]
    assert "guarantee an offer" in guidance["admissions"]["scotland"]
    assert "Care Experienced Students' Bursary" in guidance["student-wellbeing"]["scotland"]
    assert "£2,000" in guidance["student-wellbeing"]["wales"]
    ni_data = guidance["continuous-improvement"]["northern-ireland"]
    assert "Widening Access and Participation Plan" in ni_data
    assert "Tick the Box" in guidance["admissions"]["northern-ireland"]
    assert "Health and Social Care Trust" in guidance["student-wellbeing"]["northern-ireland"]
    # Only Northern Ireland's partners differ enough to need a note of their own.
    assert guidance["collaboration-partnership"] == {
        "northern-ireland": guidance["collaboration-partnership"]["northern-ireland"]
    }
    assert "not local authorities" in guidance["collaboration-partnership"]["northern-ireland"]
    nations = {c.id: c.description for c in framework.contexts}
    assert "Children (Leaving Care) Act (Northern Ireland) 2002" in nations["northern-ireland"]
    assert "not yet written" not in nations["northern-ireland"]
    # Where no nation has a fact to add, nothing is said for any of them.
    for area in ("culture-leadership", "pre-entry", "student-success"):
        assert guidance[area] == {}, area


def test_each_nations_facts_have_their_source_in_a_comment() -> None:
    text = FRAMEWORK_FILE.read_text()
    block = text[text.index("# The nations' facts.") : text.index("[[scales]]")]
    assert block.count("digest §") >= 3  # England, Scotland and Wales from the research
    # Northern Ireland's facts come from pages read for it, each cited by address.
    ni = block[block.index("# - Children in care") : block.index('id = "northern-ireland"')]
    assert ni.count("https://") + ni.count("http://") >= 7
    assert "# Not found:" in ni


def test_the_blank_template_lists_every_criterion_with_nation_notes(
    framework: qmframe.Framework, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["template", "nnecl-quality-mark"]) == 0
    text = capsys.readouterr().out
    for section in framework.sections:
        assert f"[{section.id}]" in text
    for _, criterion in framework.iter_criteria():
        assert f'target = "{criterion.id}"' in text
    assert "# In scotland: Universities guarantee an offer" in text
    assert "# level = one of: not-yet-evidenced, evidenced, enhanced, exceptional" in text
