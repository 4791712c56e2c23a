"""``qmframe template``: every blank file validates, its placeholders the only errors."""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest

import qmframe
from qmframe import api
from qmframe.cli import main
from qmframe.submission import InformationRequest, Judgement, Review, Reviewer

REGISTRY = qmframe.Registry()
FRAMEWORKS = sorted(REGISTRY.frameworks())


@pytest.fixture(autouse=True)
def isolated_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "_default", qmframe.Registry())


def errors_of(files: list[Path], capsys: pytest.CaptureFixture[str]) -> dict[str, set[str]]:
    main(["validate", *map(str, files)])
    _, err = capsys.readouterr()
    found: dict[str, set[str]] = {str(f): set() for f in files}
    for line in err.splitlines():
        match = re.match(r"(.+?\.toml): (\S+): (?!warning)", line)
        if match:
            found[match[1]].add(match[2])
    return found


@pytest.mark.parametrize("framework_id", FRAMEWORKS)
def test_the_only_errors_of_the_blank_files_are_their_placeholders(
    framework_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    framework = REGISTRY.framework(framework_id)
    sub, rev = tmp_path / "submission.toml", tmp_path / "review.toml"
    assert main(["template", framework_id, "-o", str(sub)]) == 0
    assert main(["template", framework_id, "--review", "-o", str(rev)]) == 0
    capsys.readouterr()
    expected_sub = {"organisation.id"}
    if framework.organisation_kinds:
        expected_sub.add("organisation.kind")
    if framework.contexts:
        expected_sub.add("organisation.context")
    expected_sub |= {f"details.{d.key}" for d in framework.submission_details if d.required}
    targets = sum(bool(s.scale) + len(s.criteria) for s in framework.sections)
    expected_rev = {"organisation", "reviewers[0].id"}
    expected_rev |= {f"judgements[{i}].level" for i in range(targets)}
    assert errors_of([sub, rev], capsys) == {str(sub): expected_sub, str(rev): expected_rev}
    text = sub.read_text(encoding="utf-8")
    assert 'document = "submission"' in text
    assert 'document = "review"' in rev.read_text(encoding="utf-8")
    assert "guessed" not in capsys.readouterr().out


@pytest.mark.parametrize("framework_id", FRAMEWORKS)
def test_the_blank_review_names_every_key_a_review_has(
    framework_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["template", framework_id, "--review"]) == 0
    text = capsys.readouterr().out
    for cls in (Review, Reviewer, Judgement, InformationRequest):
        for field in attrs.fields(cls):
            assert re.search(rf"^#? ?\[*{field.name}\b", text, flags=re.MULTILINE) or re.search(
                rf"\b{field.name} = ", text
            ), f"{cls.__name__}.{field.name}"
