"""Every kind of bad input gives located problems, all at once, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import core_fixtures
import pytest
from hypothesis import given
from hypothesis import strategies as st

import qmframe
from qmframe import validation
from qmframe.cli import main


def _problems(call: Callable[[], object]) -> list[str]:
    with pytest.raises(qmframe.ValidationError) as caught:
        call()
    return [str(p) for p in caught.value.problems]


def _framework_problems(path: Path, registry: qmframe.Registry) -> list[str]:
    return _problems(lambda: qmframe.load_framework(path, registry=registry))


def test_malformed_toml_names_line_and_column(
    write: Callable[..., Path], registry: qmframe.Registry
) -> None:
    path = write("bad.toml", 'id = "x"\nversion = \n')
    assert _framework_problems(path, registry) == [
        f"{path}: malformed TOML: Invalid value (at line 2, column 11)"
    ]


def test_missing_and_extra_keys_and_wrong_types_are_reported_together(
    write: Callable[..., Path], registry: qmframe.Registry
) -> None:
    text = core_fixtures.FRAMEWORK.replace('title = "Mini framework"', 'titel = "Mini"')
    text = text.replace('id = "a1"\n', 'id = "a1"\nweight = "heavy"\n', 1)
    text = text.replace("weight = 2.0\n", "")
    text = text.replace('title = "A two"\n', "")
    path = write("f.toml", text)
    assert sorted(_framework_problems(path, registry)) == sorted(
        [
            f"{path}: title: required key missing",
            f"{path}: sections[0].criteria[0].weight: expected a number, got a string ('heavy')",
            f"{path}: sections[0].criteria[1].title: required key missing",
            f"{path}: unknown key 'titel'",
        ]
    )


def test_unknown_references_and_duplicates(
    write: Callable[..., Path], registry: qmframe.Registry
) -> None:
    text = core_fixtures.FRAMEWORK
    text = text.replace('id = "b2"\ntitle = "B two"', 'id = "b2"\ntitle = "B two"\nscale = "qm5"')
    text = text.replace('types = ["doc"]', 'types = ["memo"]')
    text = text.replace('mappings = { los = ["O2"] }', 'mappings = { los = ["O9"] }')
    text = text.replace('id = "b1"', 'id = "a2"')
    text = text.replace('level = "yes"\nfeedback', 'level = "great"\nfeedback')
    path = write("f.toml", text)
    assert _framework_problems(path, registry) == [
        f"{path}: sections[1].criteria[0].id: duplicate section or criterion id 'a2' "
        "(first at sections[0].criteria[1])",
        f"{path}: sections[0].criteria[0].evidence[0].types: unknown evidence type 'memo'",
        f"{path}: sections[0].criteria[1].mappings.los: unknown outcome 'O9'",
        f"{path}: sections[1].criteria[1].scale: unknown scale 'qm5'",
        f"{path}: decision.rules[0].level: unknown level 'great' for scale 'lvl'",
    ]


def test_every_defect_of_a_criterion_is_reported_in_file_order(
    write: Callable[..., Path], registry: qmframe.Registry
) -> None:
    # The checks run once per criterion on every load: making them cheaper must keep each
    # problem, its code and path, and their order, exactly.
    framework, problems = qmframe.inspect_framework(
        write("f.toml", core_fixtures.EVERY_DEFECT), registry=registry
    )
    assert framework is not None
    c0, s1 = "sections[0].criteria[0]", "sections[1]"
    assert [(p.path, p.code, p.severity, p.message) for p in problems] == [
        (
            f"{s1}.criteria[1].id",
            "duplicate-id",
            "error",
            "duplicate section or criterion id 'c1' (first at sections[0].criteria[1])",
        ),
        (
            f"{c0}.scale",
            "inconsistent",
            "error",
            "criteria of an aggregated section must use its scale 'lvl'",
        ),
        (
            f"{c0}.provenance",
            "unknown-choice",
            "error",
            "unknown provenance 'bogus' (expected one of: official, paraphrase, illustrative, "
            "placeholder)",
        ),
        (f"{c0}.scale", "unknown-reference", "error", "unknown scale 'other'"),
        (f"{c0}.weight", "out-of-range", "error", "a weight cannot be negative"),
        (f"{c0}.evidence[0].types", "missing-value", "error", "name at least one evidence type"),
        (f"{c0}.evidence[0].min_count", "out-of-range", "error", "must be at least 1"),
        (f"{c0}.evidence[1].types", "unknown-reference", "error", "unknown evidence type 'memo'"),
        (f"{c0}.applicability.contexts", "unknown-reference", "error", "unknown context 'xx'"),
        (
            f"{c0}.applicability.organisation_kinds",
            "unknown-reference",
            "error",
            "unknown organisation kind 'club'",
        ),
        (f"{c0}.context_guidance", "unknown-reference", "error", "unknown context 'yy'"),
        (
            f"{c0}.justification.unmet_satisfies",
            "inconsistent",
            "warning",
            "an unmet rating satisfies it with no reason given: say what justification it needs "
            "in 'unmet'",
        ),
        (f"{c0}.mappings.los", "unknown-reference", "error", "unknown outcome 'O9'"),
        (f"{c0}.mappings", "unknown-reference", "error", "unknown outcome set 'nope'"),
        (f"{s1}.applicability.contexts", "unknown-reference", "error", "unknown context 'zz'"),
        (f"{s1}.context_guidance", "unknown-reference", "error", "unknown context 'qq'"),
        (
            f"{s1}.criteria[0].scale",
            "missing-value",
            "error",
            "no scale: set one here or on the section",
        ),
        (
            "decision.rules[0].scope",
            "missing-value",
            "error",
            "criterion 'c2' has no scale, so it is never judged",
        ),
        (
            "",
            "not-official-text",
            "notice",
            "1 bogus, 1 illustrative and 1 paraphrased of 5 sections and criteria: not the "
            "owner's official text",
        ),
    ]


@given(
    st.lists(
        st.text(alphabet="aZ09._-\n\r é") | st.sampled_from(["a", "a\n", "\na", "a\nb"]),
        max_size=6,
    )
)
def test_ids_checked_all_at_once_are_judged_as_one_by_one(ids: list[str]) -> None:
    # check_framework matches every section and criterion id in one text (validation._all_ids).
    assert validation._all_ids(ids) == all(validation._ID.match(i) for i in ids)


def test_an_id_holding_a_newline_is_refused(
    write: Callable[..., Path], registry: qmframe.Registry
) -> None:
    # Joined by newlines, "a1\nx" would read as two good ids.
    path = write("f.toml", core_fixtures.FRAMEWORK.replace('id = "a1"', 'id = "a1\\nx"', 1))
    assert _framework_problems(path, registry)[0] == (
        f"{path}: sections[0].criteria[0].id: section or criterion id 'a1\\nx' must start with "
        "a letter or digit and use only letters, digits, '.', '_' and '-'"
    )


def test_unknown_rule_kind_lists_the_known_ones(
    write: Callable[..., Path], registry: qmframe.Registry
) -> None:
    path = write(
        "f.toml", core_fixtures.FRAMEWORK.replace('kind = "action-plan"', 'kind = "action-plan-x"')
    )
    [problem] = _framework_problems(path, registry)
    assert problem.startswith(
        f"{path}: decision.rules[1].kind: unknown rule kind 'action-plan-x'"
        " (known: action-plan, at-least,"
    )


def test_outcome_set_total_is_checked(
    write: Callable[..., Path], registry: qmframe.Registry
) -> None:
    path = write(
        "f.toml", core_fixtures.FRAMEWORK.replace("expected_total = 3", "expected_total = 49")
    )
    assert _framework_problems(path, registry) == [
        f"{path}: outcome_sets[0].outcomes: expected 49 outcomes, found 3"
    ]


def test_submission_for_another_framework_or_version(
    mini: dict[str, Path], write: Callable[..., Path], registry: qmframe.Registry
) -> None:
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    other = write(
        "s1.toml", core_fixtures.SUBMISSION.replace('framework = "mini"', 'framework = "maxi"')
    )
    old = write(
        "s2.toml",
        core_fixtures.SUBMISSION.replace('framework_version = "2"', 'framework_version = "1"'),
    )
    assert _problems(lambda: qmframe.load_submission(other, framework, registry=registry)) == [
        f"{other}: framework: this submission is for framework 'maxi', not 'mini'"
    ]
    assert _problems(lambda: qmframe.load_submission(old, framework, registry=registry)) == [
        f"{old}: framework_version: this submission is for version '1' of 'mini'; the framework "
        "given is version '2'"
    ]


def test_submission_problems_all_at_once(
    mini: dict[str, Path], write: Callable[..., Path], registry: qmframe.Registry
) -> None:
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    text = core_fixtures.SUBMISSION
    text = text.replace('target = "a2"\nlevel = "yes"', 'target = "a2"\nlevel = "gold"')
    text = text.replace('target = "b1"', 'target = "zz"')
    text = text.replace('type = "doc"', 'type = "video"\nreference = "../../secret.txt"')
    text = text.replace('outcomes = ["O1", "O2"]', 'outcomes = ["O1", "O7"]')
    text = text.replace('kind = "college"', 'kind = "school"')
    text += '\n[[ratings]]\ntarget = "a1"\nnot_applicable = true\n'
    path = write("sub/s.toml", text)
    assert _problems(lambda: qmframe.load_submission(path, framework, registry=registry)) == [
        f"{path}: organisation.kind: unknown organisation kind 'school' (expected one of: "
        "college, university, sixth-form)",
        f"{path}: ratings[1].level: unknown level 'gold' for scale 'lvl' (expected one of: "
        "no, yes, wow)",
        f"{path}: ratings[2].target: unknown criterion or section 'zz'",
        f"{path}: ratings[4].target: 'a1' is rated twice (first at ratings[0])",
        f"{path}: ratings[4].not_applicable: the framework does not allow 'a1' to be marked not "
        "applicable",
        f"{path}: ratings[4].justification: not applicable needs a justification",
        f"{path}: evidence[0].type: unknown evidence type 'video'",
        f"{path}: evidence[0].outcomes: unknown outcome 'O7'",
        f"{path}: evidence[0].reference: '../../secret.txt' points outside the submission's folder",
    ]


def test_evidence_checksum_is_verified(
    mini: dict[str, Path], write: Callable[..., Path], registry: qmframe.Registry
) -> None:
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    write("sub2/policy.txt", "our policy\n")
    text = core_fixtures.SUBMISSION.replace(
        'type = "doc"', 'type = "doc"\nreference = "policy.txt"\nsha256 = "' + "0" * 64 + '"'
    )
    path = write("sub2/s.toml", text)
    assert _problems(lambda: qmframe.load_submission(path, framework, registry=registry)) == [
        f"{path}: evidence[0].reference: file 'policy.txt' does not match its sha256"
    ]


def test_review_problems(
    mini: dict[str, Path], write: Callable[..., Path], registry: qmframe.Registry
) -> None:
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    submission = qmframe.load_submission(mini["submission"], framework, registry=registry)
    text = core_fixtures.REVIEW.replace('organisation = "org-1"', 'organisation = "org-2"')
    text = text.replace('level = "no"', 'level = "nope"')
    text += '\n[[judgements]]\ntarget = "a1"\nlevel = "yes"\nevidence = ["e9"]\n'
    path = write("r.toml", text)
    assert _problems(
        lambda: qmframe.load_review(path, framework, submission, registry=registry)
    ) == [
        f"{path}: organisation: this review is of 'org-2', but the submission is from 'org-1'",
        f"{path}: judgements[3].level: unknown level 'nope' for scale 'lvl' (expected one of: "
        "no, yes, wow)",
        f"{path}: judgements[4].target: 'a1' is judged twice by the same reviewer (first at "
        "judgements[0])",
        f"{path}: judgements[4].evidence: unknown evidence item 'e9'",
    ]


def test_reviewer_with_declared_interest_is_refused(
    mini: dict[str, Path], write: Callable[..., Path], registry: qmframe.Registry
) -> None:
    framework = qmframe.load_framework(mini["framework"], registry=registry)
    submission = qmframe.load_submission(mini["submission"], framework, registry=registry)
    text = core_fixtures.REVIEW.replace(
        'name = "Rev One"',
        'name = "Rev One"\ninterests = [{ organisation = "org-1", kind = "external-examiner" }]',
    )
    path = write("r.toml", text)
    with pytest.raises(qmframe.ConflictOfInterestError) as caught:
        qmframe.load_review(path, framework, submission, registry=registry)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}: reviewers[0]: conflict of interest: reviewer 'r1' (Rev One) declared an "
        "interest in 'org-1' (external-examiner), so cannot review this submission; replace "
        "them on the panel"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[[[",
        'id = 1\nsections = "many"',
        "organisation = 3",
        'framework = "mini"\nframework_version = "2"\n[organisation]\nid = 5\nname = []',
        "judgements = [1, 2]",
        "\x00\x01",
    ],
)
def test_validate_never_shows_a_traceback(
    write: Callable[..., Path], text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write("junk.toml", text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err
    assert "Traceback" not in err
    assert "internal error" not in err


def test_unreadable_file_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "missing.toml")]) == 2
    assert "cannot read the file" in capsys.readouterr().err
