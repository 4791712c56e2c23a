"""The NASENCO QSF framework file and its NCTL (2014) outcome set, as shipped."""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

import pytest

import qmframe
from qmframe.cli import main

REPO = Path(__file__).resolve().parents[3]
FRAMEWORK_FILE = REPO / "frameworks" / "nasenco-qsf.toml"
OUTCOMES_FILE = REPO / "frameworks" / "nctl-2014-learning-outcomes.toml"


@pytest.fixture(scope="module")
def framework() -> qmframe.Framework:
    return qmframe.load_framework("nasenco-qsf")


def test_the_installed_framework_is_the_repository_file(framework: qmframe.Framework) -> None:
    assert qmframe.load_framework(FRAMEWORK_FILE) == framework
    # The wheel carries both files side by side, as the framework's `file =` expects.
    shipped = files("qmframe_nasenco") / "frameworks"
    assert (shipped / "nasenco-qsf.toml").read_text() == FRAMEWORK_FILE.read_text()
    assert (shipped / OUTCOMES_FILE.name).read_text() == OUTCOMES_FILE.read_text()


def test_the_four_areas_in_order(framework: qmframe.Framework) -> None:
    assert [(s.id, s.title) for s in framework.sections] == [
        ("entry", "Programme entry requirements"),
        ("delivery", "Programme delivery"),
        ("data", "Collection, processing and application of data"),
        ("pvta", "Programme validation, teaching and assessment"),
    ]


def test_standards_are_numbered_within_their_area(framework: qmframe.Framework) -> None:
    for section in framework.sections:
        assert section.criteria, section.id
        assert all(c.id.startswith(section.id + "-") for c in section.criteria)


def test_only_pvta_3_is_the_schemes_own_substance(framework: qmframe.Framework) -> None:
    provenance = {c.id: c.provenance for _, c in framework.iter_criteria()}
    assert provenance.pop("pvta-3") == "paraphrase"
    assert set(provenance.values()) == {"illustrative"}
    pvta3 = framework.criterion("pvta-3")
    assert pvta3 is not None
    assert "capacity" in pvta3.guidance
    assert "research-informed" in pvta3.guidance


def test_the_impact_standard_asks_for_change_in_school(framework: qmframe.Framework) -> None:
    impact = framework.criterion("pvta-impact")
    assert impact is not None
    assert "lead a change in their own school" in impact.guidance
    assert "not only their capacity" in impact.guidance
    asked = {t for req in impact.evidence for t in req.types}
    assert asked == {"assignment-examples", "headteacher-feedback"}
    assert len(impact.evidence) == 2  # both kinds, not either


def test_the_evidence_documents_the_review_names(framework: qmframe.Framework) -> None:
    titles = {e.id: e.title for e in framework.evidence_types}
    for needed in (
        "Tutor CVs",
        "Module handbook",
        "Organisational data protection policy",
        "HEI course audit information",
        "HEI Master's committee minutes",
        "Minutes of meetings with local authority stakeholders",
        "Assignment examples",
        "Student feedback",
        "Feedback from headteachers",
        "Headteacher letters of agreement to support the student",
        "Publicity materials",
    ):
        assert needed in titles.values()
    assert "assessment-map" in titles
    audit = next(e for e in framework.evidence_types if e.id == "hei-course-audit")
    assert "external examiner" in audit.description


def test_a_binary_scale_a_register_decision_and_three_years(framework: qmframe.Framework) -> None:
    [scale] = framework.scales
    assert [(lv.id, lv.meets) for lv in scale.levels] == [
        ("not-yet-acceptable", False),
        ("acceptable", True),
    ]
    assert (framework.decision.pass_status, framework.decision.fail_status) == (
        "registered",
        "revise-and-resubmit",
    )
    assert framework.validity.months == 36
    assert framework.validity.midpoint_months == 0
    assert (framework.review.min_reviewers, framework.review.combine) == (2, "lowest")
    assert set(framework.organisation_kinds) == {"university", "private-provider"}


def test_the_rules_are_declared_in_the_file(framework: qmframe.Framework) -> None:
    kinds = {r.id: r.kind for r in framework.decision.rules}
    assert kinds == {
        "all-acceptable": "minimum-level",
        "evidence": "evidence-present",
        "outcomes-assessed": "outcome-coverage",
        "validating-university": "nasenco-validating-university",
    }
    coverage = next(r for r in framework.decision.rules if r.kind == "outcome-coverage")
    assert coverage.params == {  # arrays read from a file are tuples
        "outcome_set": "nctl-2014",
        "by": "evidence",
        "evidence_types": ("assessment-map",),
    }


def test_without_the_plugin_the_rule_kind_is_unknown() -> None:
    bare = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))
    with pytest.raises(qmframe.ValidationError, match="unknown rule kind"):
        qmframe.load_framework(FRAMEWORK_FILE, registry=bare)


# -- the NCTL (2014) learning outcomes ---------------------------------------------------------


def test_49_placeholder_outcomes_in_three_sections(framework: qmframe.Framework) -> None:
    outcomes = framework.outcome_set("nctl-2014")
    assert outcomes is not None
    assert outcomes.expected_total == 49
    assert len(outcomes.outcomes) == 49
    assert len({o.id for o in outcomes.outcomes}) == 49
    assert dict(outcomes.groups) == {
        "A": "Professional knowledge and understanding",
        "B": "Leading and coordinating provision",
        "C": "Personal and professional qualities",
    }
    assert {o.group for o in outcomes.outcomes} == {"A", "B", "C"}
    assert all(o.provenance == "placeholder" for o in outcomes.outcomes)
    assert all(o.text.startswith("Placeholder") for o in outcomes.outcomes)
    assert all(o.id.startswith(o.group) for o in outcomes.outcomes)


def test_the_outcome_file_validates_on_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(OUTCOMES_FILE), str(FRAMEWORK_FILE)]) == 0
    out = capsys.readouterr().out
    assert f"{OUTCOMES_FILE}: notice: 49 of 49 outcomes are placeholders" in out
    assert f"{OUTCOMES_FILE}: ok" in out


def _copy_pair(tmp_path: Path, edit: tuple[str, str], count: int = 1) -> Path:
    shutil.copy(FRAMEWORK_FILE, tmp_path / FRAMEWORK_FILE.name)
    text = OUTCOMES_FILE.read_text(encoding="utf-8")
    assert edit[0] in text
    (tmp_path / OUTCOMES_FILE.name).write_text(text.replace(*edit, count), encoding="utf-8")
    return tmp_path / FRAMEWORK_FILE.name


def test_a_missing_outcome_stops_the_framework_loading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    last = '[[outcomes]]\nid = "C12"'
    text = OUTCOMES_FILE.read_text(encoding="utf-8")
    short = text[: text.index(last)].rstrip() + "\n"
    copied = _copy_pair(tmp_path, (text, short))
    with pytest.raises(qmframe.ValidationError, match="expected 49 outcomes, found 48"):
        qmframe.load_framework(copied)
    assert main(["validate", str(tmp_path / OUTCOMES_FILE.name)]) == 2
    assert "outcomes: expected 49 outcomes, found 48" in capsys.readouterr().err


def test_outcome_text_is_filled_in_without_code_changes(tmp_path: Path) -> None:
    real = 'text = "The real wording of A1"\nprovenance = "official"'
    copied = _copy_pair(
        tmp_path,
        (
            'text = "Placeholder: learning outcome A1 (text not available here)"\n'
            'provenance = "placeholder"',
            real,
        ),
    )
    framework = qmframe.load_framework(copied)
    outcomes = framework.outcome_set("nctl-2014")
    assert outcomes is not None
    a1 = next(o for o in outcomes.outcomes if o.id == "A1")
    assert (a1.text, a1.provenance) == ("The real wording of A1", "official")
