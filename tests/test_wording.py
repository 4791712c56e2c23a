"""How two messages read: the notice for non-official text, and an unmet rule with no target."""

from __future__ import annotations

import datetime as dt

import qmframe
from qmframe.validation import check_framework

_SCALE = qmframe.Scale(
    id="s",
    levels=(
        qmframe.Level(id="no", label="No", meets=False),
        qmframe.Level(id="yes", label="Yes", meets=True),
    ),
)


def _framework(*provenances: str) -> qmframe.Framework:
    criteria = tuple(
        qmframe.Criterion(id=f"c{i}", title=f"C{i}", provenance=p)
        for i, p in enumerate(provenances)
    )
    return qmframe.Framework(
        id="f",
        version="1",
        title="F",
        scales=(_SCALE,),
        sections=(qmframe.Section(id="a", title="A", scale="s", criteria=criteria),),
        decision=qmframe.DecisionPolicy(
            rules=(
                qmframe.Rule(
                    id="plan", kind="action-plan", title="There is a plan", params={"min_items": 1}
                ),
            )
        ),
    )


def _notices(framework: qmframe.Framework) -> list[str]:
    return [p.message for p in check_framework(framework) if p.severity == "notice"]


def test_one_kind_of_non_official_text() -> None:
    assert _notices(_framework("illustrative", "illustrative", "official")) == [
        "2 illustrative of 4 sections and criteria: not the owner's official text"
    ]


def test_several_kinds_are_joined_so_each_count_reads_with_its_kind() -> None:
    assert _notices(_framework("paraphrase", "illustrative", "illustrative", "placeholder")) == [
        "2 illustrative, 1 paraphrased and 1 placeholder of 5 sections and criteria: "
        "not the owner's official text"
    ]
    assert _notices(_framework("paraphrase", "illustrative")) == [
        "1 illustrative and 1 paraphrased of 3 sections and criteria: not the owner's official text"
    ]


def test_an_unmet_rule_about_no_target_is_named_by_the_rule() -> None:
    framework = _framework("official")
    submission = qmframe.Submission(
        framework="f",
        framework_version="1",
        organisation=qmframe.Organisation(id="o", name="O"),
        ratings=(qmframe.Rating(target="c0", level="yes"),),
    )
    assessor = qmframe.Assessor(framework, qmframe.default_registry().rule_kinds)
    decision = assessor.assess(submission, as_of=dt.date(2026, 1, 1))
    [unmet] = decision.unmet
    assert (unmet.target, unmet.title) == ("action-plan", "There is a plan")
