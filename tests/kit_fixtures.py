"""A small framework and one passing case for the tests of qmframe.testing's checks.

``criteria-mid`` and ``section-a-mid`` ask the same of section A (whose level is
the lowest of its criteria), so the section rule can never decide anything on
its own: rule liveness must prove it shadowed. ``b1`` applies to colleges only.
"""

from __future__ import annotations

import datetime as dt
import textwrap
import tomllib

import qmframe
from qmframe._convert import structure
from qmframe.testing.edits import AssessmentCase

FRAMEWORK = textwrap.dedent(
    """\
    id = "kit"
    version = "1"
    title = "A framework for the kit's tests"
    organisation_kinds = ["school", "college"]

    [[scales]]
    id = "s"
    levels = [
        { id = "low", label = "Low", meets = false },
        { id = "mid", label = "Mid", meets = true },
        { id = "high", label = "High", meets = true, notable = true },
    ]

    [[evidence_types]]
    id = "doc"
    title = "Document"

    [[evidence_types]]
    id = "note"
    title = "Note"

    [review]
    required = false

    [[sections]]
    id = "a"
    title = "A"
    scale = "s"
    aggregate = "minimum"

    [[sections.criteria]]
    id = "a1"
    title = "A one"
    evidence = [{ types = ["doc"], min_count = 1 }]

    [[sections.criteria]]
    id = "a2"
    title = "A two"

    [[sections]]
    id = "b"
    title = "B"
    scale = "s"
    aggregate = "minimum"

    [[sections.criteria]]
    id = "b1"
    title = "B one"
    applicability = { organisation_kinds = ["college"] }

    [decision]
    pass_status = "awarded"
    fail_status = "not-awarded"

    [[decision.rules]]
    id = "criteria-mid"
    kind = "minimum-level"
    level = "mid"

    [[decision.rules]]
    id = "section-a-mid"
    kind = "minimum-level"
    scope = { of = "sections", section = "a" }
    level = "mid"

    [[decision.rules]]
    id = "evidence"
    kind = "evidence-present"

    [[decision.rules]]
    id = "plan"
    kind = "action-plan"

    [[decision.rules]]
    id = "strong"
    kind = "notable-level"
    effect = "highlight"
    scope = { of = "sections" }
    """
)


def framework(text: str = FRAMEWORK) -> qmframe.Framework:
    made = structure(tomllib.loads(text), qmframe.Framework)
    assert isinstance(made, qmframe.Framework)
    return made


def with_rules(fw: qmframe.Framework, *rules: qmframe.Rule) -> qmframe.Framework:
    import attrs

    return attrs.evolve(fw, decision=attrs.evolve(fw.decision, rules=rules))


def passing_case(fw: qmframe.Framework | None = None, *, kind: str = "college") -> AssessmentCase:
    """A college rated mid on every criterion, with the evidence and one open action."""
    fw = fw or framework()
    submission = qmframe.Submission(
        framework=fw.id,
        framework_version=fw.version,
        organisation=qmframe.Organisation(id="org", name="Org", kind=kind),
        ratings=tuple(qmframe.Rating(target=t, level="mid") for t in ("a1", "a2", "b1")),
        evidence=(
            qmframe.EvidenceItem(id="e1", type="doc", title="Policy", criteria=("a1",)),
            qmframe.EvidenceItem(id="n1", type="note", title="Notes", criteria=("a2",)),
        ),
        actions=(qmframe.ActionItem(id="act", action="Do more", owner="Me"),),
    )
    return AssessmentCase(
        framework=fw, submission=submission, review=None, as_of=dt.date(2026, 1, 1)
    )
