"""Small frameworks, submissions and reviews for the core's tests, built as TOML text.

Tests write these to ``tmp_path`` and go through the real loaders, so what is
tested is what a person's file would meet.
"""

from __future__ import annotations

import textwrap

FRAMEWORK = textwrap.dedent(
    """\
    id = "mini"
    version = "2"
    title = "Mini framework"
    organisation_kinds = ["college", "university", "sixth-form"]

    [[contexts]]
    id = "north"
    title = "North"

    [[contexts]]
    id = "south"
    title = "South"

    [[scales]]
    id = "lvl"
    levels = [
        { id = "no", label = "Not yet", meets = false, points = 0 },
        { id = "yes", label = "Met", meets = true, points = 1 },
        { id = "wow", label = "Exceptional", meets = true, notable = true, points = 2 },
    ]

    [[evidence_types]]
    id = "doc"
    title = "Document"

    [[evidence_types]]
    id = "data"
    title = "Data return"

    [[outcome_sets]]
    id = "los"
    title = "Outcomes"
    expected_total = 3
    outcomes = [
        { id = "O1", text = "one" },
        { id = "O2", text = "two" },
        { id = "O3", text = "three" },
    ]

    [[sections]]
    id = "a"
    title = "Area A"
    scale = "lvl"
    aggregate = "minimum"
    tags = ["core"]

    [[sections.criteria]]
    id = "a1"
    title = "A one"
    evidence = [{ types = ["doc"], min_count = 1 }]
    mappings = { los = ["O1"] }
    weight = 2.0

    [[sections.criteria]]
    id = "a2"
    title = "A two"
    mappings = { los = ["O2"] }

    [[sections]]
    id = "b"
    title = "Area B"
    scale = "lvl"
    not_applicable_allowed = true

    [[sections.criteria]]
    id = "b1"
    title = "B one (north only)"
    applicability = { contexts = ["north"] }
    mappings = { los = ["O3"] }

    [[sections.criteria]]
    id = "b2"
    title = "B two"
    not_applicable_allowed = true

    [decision]
    pass_status = "awarded"
    fail_status = "not-yet"
    statuses = ["ineligible"]

    [[decision.rules]]
    id = "all-met"
    kind = "minimum-level"
    level = "yes"
    feedback = "Show how you meet it."

    [[decision.rules]]
    id = "plan"
    kind = "action-plan"

    [[decision.rules]]
    id = "shine"
    kind = "notable-level"
    effect = "highlight"
    scope = { of = "sections" }

    [validity]
    months = 36
    midpoint_months = 18

    # Self-certified, so the rule kinds' tests decide on a self-assessment alone;
    # tests of indications declare reviewers (see test_decision_basis.py).
    [review]
    required = false
    """
)

SUBMISSION = textwrap.dedent(
    """\
    framework = "mini"
    framework_version = "2"
    submitted_on = 2026-01-15

    [organisation]
    id = "org-1"
    name = "Org One"
    kind = "college"
    context = "north"

    [[ratings]]
    target = "a1"
    level = "wow"

    [[ratings]]
    target = "a2"
    level = "yes"

    [[ratings]]
    target = "b1"
    level = "yes"

    [[ratings]]
    target = "b2"
    level = "yes"

    [[evidence]]
    id = "e1"
    type = "doc"
    title = "Policy"
    criteria = ["a1"]
    outcomes = ["O1", "O2"]

    [[actions]]
    id = "x1"
    action = "Do more"
    owner = "Head"
    due = 2027-01-01
    """
)

REVIEW = textwrap.dedent(
    """\
    framework = "mini"
    framework_version = "2"
    organisation = "org-1"
    reviewed_on = 2026-02-01

    [[reviewers]]
    id = "r1"
    name = "Rev One"

    [[judgements]]
    target = "a1"
    level = "wow"
    rationale = "Outstanding."

    [[judgements]]
    target = "a2"
    level = "wow"

    [[judgements]]
    target = "b1"
    level = "yes"

    [[judgements]]
    target = "b2"
    level = "no"
    rationale = "No evidence of B two in practice."
    """
)

#: A framework with a criterion that has every defect a criterion can have, beside sections
#: and a rule that add their own (an unknown context, a criterion without a scale, a duplicate
#: id). It structures, but does not check.
EVERY_DEFECT = textwrap.dedent(
    """\
    id = "defects"
    version = "1"
    title = "Every defect a criterion can have"
    organisation_kinds = ["school"]

    [[contexts]]
    id = "en"
    title = "England"

    [[scales]]
    id = "lvl"
    levels = [
        { id = "no", label = "No", meets = false },
        { id = "yes", label = "Yes", meets = true },
    ]

    [[evidence_types]]
    id = "doc"
    title = "Document"

    [[outcome_sets]]
    id = "los"
    outcomes = [{ id = "O1", text = "One" }]

    [[sections]]
    id = "s0"
    title = "Aggregated"
    provenance = "illustrative"
    scale = "lvl"
    aggregate = "minimum"

    [[sections.criteria]]
    id = "c0"
    title = "Everything wrong"
    provenance = "bogus"
    scale = "other"
    weight = -1.0
    evidence = [{ types = [], min_count = 0 }, { types = ["memo"] }]
    applicability = { contexts = ["xx"], organisation_kinds = ["club"] }
    context_guidance = { yy = "Guidance for nowhere." }
    justification = { unmet_satisfies = true }
    mappings = { los = ["O9"], nope = ["O1"] }

    [[sections.criteria]]
    id = "c1"
    title = "Paraphrased"
    provenance = "paraphrase"

    [[sections]]
    id = "s1"
    title = "No scale"
    applicability = { contexts = ["zz"] }
    context_guidance = { qq = "Guidance for nowhere." }

    [[sections.criteria]]
    id = "c2"
    title = "No scale here either"
    context_guidance = { en = "Fine." }
    mappings = { los = ["O1"] }

    [[sections.criteria]]
    id = "c1"
    title = "A duplicate"
    scale = "lvl"

    [decision]

    [[decision.rules]]
    id = "all"
    kind = "minimum-level"
    level = "yes"
    """
)
