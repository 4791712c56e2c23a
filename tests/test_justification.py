"""Justified ratings: what each kind of rating must say, and the ``satisfied`` and
``renewal`` rule kinds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import pytest

import qmframe
from qmframe import Justification, JustificationNeed
from qmframe.validation import check_framework, check_submission

ROOT = Path(__file__).resolve().parent.parent
BADGE = ROOT / "docs" / "examples" / "badge"
AS_OF = dt.date(2026, 1, 15)
REGISTRY = qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False))


@pytest.fixture(scope="module")
def badge() -> tuple[qmframe.Framework, qmframe.Submission]:
    framework = qmframe.load_framework(BADGE / "framework.toml", registry=REGISTRY)
    submission = qmframe.load_submission(BADGE / "submission.toml", framework, registry=REGISTRY)
    return framework, submission


def _with(
    framework: qmframe.Framework, target: str, policy: Justification | None
) -> qmframe.Framework:
    """The framework with ``target`` (a section or criterion) given its own policy."""
    sections = []
    for section in framework.sections:
        if section.id == target:
            section = attrs.evolve(section, justification=policy)
        criteria = tuple(
            attrs.evolve(c, justification=policy) if c.id == target else c for c in section.criteria
        )
        sections.append(attrs.evolve(section, criteria=criteria))
    return attrs.evolve(framework, sections=tuple(sections))


def _rating(submission: qmframe.Submission, target: str, **change: object) -> qmframe.Submission:
    ratings = [r for r in submission.ratings if r.target != target]
    old = submission.rating(target) or qmframe.Rating(target=target)
    ratings.append(attrs.evolve(old, **change))
    return attrs.evolve(submission, ratings=tuple(ratings))


def _problems(
    framework: qmframe.Framework, submission: qmframe.Submission
) -> list[tuple[str, str, str]]:
    index = qmframe.FrameworkIndex.build(framework)
    return [
        (p.path, p.code, p.message)
        for p in check_submission(submission, index)
        if p.severity == "error"
    ]


def _path(submission: qmframe.Submission, target: str) -> str:
    i = next(i for i, r in enumerate(submission.ratings) if r.target == target)
    return f"ratings[{i}].justification"


# -- what each rating must say -----------------------------------------------------------------


def test_the_example_submission_says_all_it_must(badge: tuple) -> None:
    assert _problems(*badge) == []


def test_a_met_rating_without_the_web_address_asked_for(badge: tuple) -> None:
    framework, submission = badge
    for text in ("see our licence file", "http://", "https:// is where it lives"):
        changed = _rating(submission, "licence", justification=text)
        assert _problems(framework, changed) == [
            (
                _path(changed, "licence"),
                "needs-url",
                "a rating of 'met' (met) needs a justification with a web address "
                "(http:// or https://)",
            )
        ], text
    empty = _rating(submission, "licence", justification="")
    assert _problems(framework, empty) == [
        (_path(empty, "licence"), "needs-justification", "a rating of 'met' (met) needs a "
         "justification")
    ]  # fmt: skip
    # The narrative counts too: the organisation's account of the level.
    told = _rating(submission, "licence", justification="", narrative="At HTTPS://x.org/l.")
    assert _problems(framework, told) == []


def test_every_rating_short_of_its_justification_is_reported_at_once(badge: tuple) -> None:
    framework, submission = badge
    changed = _rating(submission, "licence", justification="")
    changed = _rating(changed, "contributing", justification="ask us")
    changed = _rating(changed, "two-maintainers", justification="Soon.")
    found = _problems(framework, changed)
    assert [(path, code) for path, code, _ in found] == [
        (_path(changed, "licence"), "needs-justification"),
        (_path(changed, "contributing"), "needs-url"),
        (_path(changed, "two-maintainers"), "needs-justification"),
    ]
    assert found[2][2] == (
        "a rating of 'unmet' (not met) needs a justification of at least 20 characters; "
        "this one has 5"
    )


def test_a_rating_that_needs_nothing_needs_no_text(badge: tuple) -> None:
    framework, submission = badge
    # A passing criterion rated unmet: the section asks only met ratings for a web address.
    changed = _rating(submission, "licence", level="unmet", justification="")
    assert _problems(framework, changed) == []


def test_a_criterion_s_own_table_replaces_its_section_s(badge: tuple) -> None:
    framework, submission = badge
    own = Justification(met=JustificationNeed(min_chars=10))
    changed_fw = _with(framework, "licence", own)
    assert changed_fw.justification_of("licence") == own
    assert changed_fw.justification_of("contributing").met.url
    # No web address needed any more, but ten characters are.
    short = _rating(submission, "licence", justification="MIT")
    assert [c for _, c, _ in _problems(changed_fw, short)] == ["needs-justification"]
    assert _problems(changed_fw, _rating(submission, "licence", justification="MIT licence")) == []


def test_a_notable_rating_needs_what_met_asks_and_more() -> None:
    scale = qmframe.Scale(
        id="s",
        levels=(
            qmframe.Level(id="no", label="No", meets=False),
            qmframe.Level(id="yes", label="Yes", meets=True),
            qmframe.Level(id="wow", label="Wow", meets=True, notable=True),
        ),
    )
    policy = Justification(
        met=JustificationNeed(required=True), notable=JustificationNeed(min_chars=30)
    )
    framework = qmframe.Framework(
        id="f",
        version="1",
        title="F",
        scales=(scale,),
        sections=(
            qmframe.Section(
                id="a",
                title="A",
                scale="s",
                criteria=(qmframe.Criterion(id="a1", title="A1", justification=policy),),
            ),
        ),
        decision=qmframe.DecisionPolicy(
            rules=(qmframe.Rule(id="r", kind="satisfied"),),
        ),
    )
    assert [
        p for p in check_framework(framework, REGISTRY.rule_kinds) if p.severity == "error"
    ] == []
    submission = qmframe.Submission(
        framework="f",
        framework_version="1",
        organisation=qmframe.Organisation(id="o", name="O"),
        ratings=(qmframe.Rating(target="a1", level="wow"),),
    )
    assert [c for _, c, _ in _problems(framework, submission)] == ["needs-justification"]
    some = _rating(submission, "a1", justification="Because.")
    assert [m for _, _, m in _problems(framework, some)] == [
        "a rating of 'wow' (notable) needs a justification of at least 30 characters; "
        "this one has 8"
    ]
    assert _problems(framework, _rating(submission, "a1", level="yes", justification="Yes.")) == []


def test_not_applicable_needs_a_reason_unless_the_framework_says_not(badge: tuple) -> None:
    framework, submission = badge
    allowed = attrs.evolve(
        framework,
        sections=tuple(
            attrs.evolve(
                s,
                criteria=tuple(
                    attrs.evolve(c, not_applicable_allowed=True) if c.id == "reproducible" else c
                    for c in s.criteria
                ),
            )
            for s in framework.sections
        ),
    )
    bare = _rating(submission, "reproducible", level=None, not_applicable=True)
    # The default, as it always was: a reason is required.
    assert _problems(allowed, bare) == [
        (_path(bare, "reproducible"), "needs-justification", "not applicable needs a justification")
    ]
    optional = _with(
        allowed,
        "reproducible",
        Justification(not_applicable=JustificationNeed(required=False)),
    )
    assert _problems(optional, bare) == []
    decision = qmframe.assess(optional, bare, as_of=AS_OF, registry=REGISTRY)
    gold = decision.progress_of("gold")
    assert gold is not None
    # Nothing left in gold's scope: the rule's if_empty ("fail") decides.
    assert not gold.complete
    # A framework may ask for more than a reason, too.
    strict = _with(
        allowed, "reproducible", Justification(not_applicable=JustificationNeed(min_chars=40))
    )
    reason = _rating(bare, "reproducible", justification="We ship no builds.")
    assert [c for _, c, _ in _problems(strict, reason)] == ["needs-justification"]


def test_a_justification_table_is_checked(badge: tuple) -> None:
    framework, _ = badge
    bad = Justification(
        met=JustificationNeed(min_chars=-1),
        unmet_satisfies=True,
    )
    found = [
        (p.path, p.code, p.severity)
        for p in check_framework(_with(framework, "licence", bad), REGISTRY.rule_kinds)
        if p.code != "not-official-text"
    ]
    assert found == [
        ("sections[0].criteria[0].justification.met.min_chars", "out-of-range", "error"),
        ("sections[0].criteria[0].justification.unmet_satisfies", "inconsistent", "warning"),
    ]


# -- the satisfied rule kind -------------------------------------------------------------------


def test_an_unmet_rating_with_its_reason_satisfies_a_should_criterion(badge: tuple) -> None:
    framework, submission = badge
    decision = qmframe.assess(framework, submission, as_of=AS_OF, registry=REGISTRY)
    [silver] = [o for o in decision.explanation if o.rule == "silver-met"]
    assert silver.holds
    [justified] = [f for f in silver.findings if f.target == "two-maintainers"]
    assert (justified.holds, justified.level) == (True, "unmet")
    assert justified.note == (
        "not met, with the justification it accepts: One maintainer for now; a second is "
        "learning the release steps."
    )
    # Without unmet_satisfies the same rating leaves the criterion unsatisfied.
    strict = _with(
        framework, "two-maintainers", Justification(unmet=JustificationNeed(min_chars=20))
    )
    decision = qmframe.assess(strict, submission, as_of=AS_OF, registry=REGISTRY)
    [silver] = [o for o in decision.explanation if o.rule == "silver-met"]
    assert not silver.holds
    assert silver.concluded == "1 of 2 not satisfied: two-maintainers"
    assert decision.award_level == "passing"


def test_minimum_level_ignores_justifications(badge: tuple) -> None:
    framework, submission = badge
    rule = qmframe.Rule(
        id="silver-met",
        kind="minimum-level",
        effect="level",
        params={"scope": {"section": "silver"}, "level": "met"},
    )
    rules = tuple(rule if r.id == "silver-met" else r for r in framework.decision.rules)
    changed = attrs.evolve(framework, decision=attrs.evolve(framework.decision, rules=rules))
    decision = qmframe.assess(changed, submission, as_of=AS_OF, registry=REGISTRY)
    assert decision.award_level == "passing"


def test_reviewers_who_find_a_should_criterion_met_or_not(badge: tuple) -> None:
    framework, submission = badge
    reviewed = attrs.evolve(framework, review=qmframe.ReviewPolicy(required=True))

    def review(level: str) -> qmframe.Review:
        return qmframe.Review(
            framework="project-badge",
            framework_version="1",
            organisation="tidy-tables",
            reviewers=(qmframe.Reviewer(id="r", name="R"),),
            judgements=tuple(
                qmframe.Judgement(target=r.target, level=r.level or "met")
                if r.target != "two-maintainers"
                else qmframe.Judgement(target=r.target, level=level)
                for r in submission.ratings
            ),
        )

    # The reviewer agrees it is unmet: the organisation's reason stands.
    agreed = qmframe.assess(reviewed, submission, review("unmet"), as_of=AS_OF, registry=REGISTRY)
    assert (agreed.basis, agreed.award_level) == ("review", "silver")
    # An organisation that claimed it met, judged unmet, gave no reason for unmet.
    claimed = _rating(submission, "two-maintainers", level="met")
    refused = qmframe.assess(reviewed, claimed, review("unmet"), as_of=AS_OF, registry=REGISTRY)
    [silver] = [o for o in refused.explanation if o.rule == "silver-met"]
    assert not silver.holds
    assert refused.award_level == "passing"


def test_satisfied_needs_targets_with_a_scale(badge: tuple) -> None:
    framework, _ = badge
    unscaled = attrs.evolve(
        framework,
        sections=(attrs.evolve(framework.sections[0], scale=""), *framework.sections[1:]),
        scales=framework.scales,
    )
    rule = qmframe.Rule(
        id="sections", kind="satisfied", params={"scope": {"of": "sections"}, "extra": 1}
    )
    changed = attrs.evolve(
        unscaled,
        decision=attrs.evolve(unscaled.decision, rules=(*unscaled.decision.rules, rule)),
    )
    found = [
        (p.path, p.code)
        for p in check_framework(changed, REGISTRY.rule_kinds)
        if p.path.startswith("decision.rules[3]")
    ]
    assert found == [
        ("decision.rules[3]", "unknown-key"),
        ("decision.rules[3].scope", "inconsistent"),
    ]


# -- the renewal rule kind ---------------------------------------------------------------------


def test_renewal_holds_for_a_submission_that_names_its_previous_award(badge: tuple) -> None:
    framework, submission = badge
    rule = qmframe.Rule(id="renews", kind="renewal", effect="inform")
    changed = attrs.evolve(
        framework,
        decision=attrs.evolve(framework.decision, rules=(*framework.decision.rules, rule)),
    )

    def outcome(previous: str) -> qmframe.RuleOutcome:
        decision = qmframe.assess(
            changed,
            attrs.evolve(submission, previous_award=previous),
            as_of=AS_OF,
            registry=REGISTRY,
        )
        return decision.explanation[-1]

    first = outcome("")
    assert (first.holds, first.saw, first.concluded) == (
        False,
        "no previous_award",
        "not a renewal: the submission renews no award",
    )
    again = outcome("project-badge/tidy-tables/2025-01-15")
    assert (again.holds, again.saw) == (
        True,
        "previous_award 'project-badge/tidy-tables/2025-01-15'",
    )


def test_renewal_takes_no_keys(badge: tuple) -> None:
    framework, _ = badge
    rule = qmframe.Rule(id="renews", kind="renewal", effect="inform", params={"within": 12})
    changed = attrs.evolve(
        framework,
        decision=attrs.evolve(framework.decision, rules=(*framework.decision.rules, rule)),
    )
    [problem] = [p for p in check_framework(changed, REGISTRY.rule_kinds) if p.severity == "error"]
    assert (problem.path, problem.code) == ("decision.rules[3]", "unknown-key")


def test_the_template_says_what_each_rating_must_justify(badge: tuple) -> None:
    from qmframe.template import render_template

    framework, _ = badge
    optional = _with(
        framework, "reproducible", Justification(not_applicable=JustificationNeed(required=False))
    )
    optional = attrs.evolve(
        optional,
        sections=tuple(
            attrs.evolve(
                s,
                criteria=tuple(
                    attrs.evolve(c, not_applicable_allowed=c.id == "reproducible")
                    for c in s.criteria
                ),
            )
            for s in optional.sections
        ),
    )
    text = render_template(optional)
    licence = text[text.index('target = "licence"') :]
    assert licence.splitlines()[2] == (
        "# justification (or narrative) needed when met: a web address (https://...)"
    )
    two = text[text.index('target = "two-maintainers"') :].splitlines()
    assert two[2:4] == [
        "# justification (or narrative) needed when not met: at least 20 characters",
        "# (not met, with that justification, still satisfies it)",
    ]
    reproducible = text[text.index('target = "reproducible"') :].splitlines()
    assert reproducible[1:3] == [
        "# level = one of: unmet, met",
        "# not_applicable = true   (allowed here)",
    ]
    # The filled-in template loads: every note is a comment.
    assert "justification" not in "".join(
        line for line in text.splitlines() if not line.lstrip().startswith("#")
    )


def test_the_index_says_what_justification_of_says_of_every_target(
    badge: tuple[qmframe.Framework, qmframe.Submission],
    qmframe_frameworks: dict[str, qmframe.Framework],
) -> None:
    # The checks read each target's policy from the index, worked out once per framework;
    # it must be exactly Framework.justification_of, first id in file order winning.
    framework, _ = badge
    section, criterion = framework.sections[0], framework.sections[0].criteria[0]
    strict = Justification(met=JustificationNeed(min_chars=40))
    variants = [
        framework,
        _with(framework, section.id, strict),
        _with(framework, criterion.id, Justification(unmet=JustificationNeed(url=True))),
        _with(_with(framework, section.id, strict), criterion.id, Justification()),
        *qmframe_frameworks.values(),
    ]
    # A duplicate id declaring its own table: the first occurrence is the one read.
    twice = attrs.evolve(framework.sections[-1], id=section.id, justification=strict)
    variants.append(attrs.evolve(framework, sections=(*framework.sections, twice)))
    for variant in variants:
        index = qmframe.FrameworkIndex.build(variant)
        declared = any(
            s.justification is not None or any(c.justification is not None for c in s.criteria)
            for s in variant.sections
        )
        assert index.declares_justification == declared
        for target in index.targets:
            expected = variant.justification_of(target)
            got = index.justifications.get(target, qmframe.framework.DEFAULT_JUSTIFICATION)
            assert got == expected, (variant.id, target)
    assert qmframe.FrameworkIndex.build(variants[1]).declares_justification
