"""Scoring: a submission and its review in, an explained decision out.

An :class:`Assessor` is built once per framework (it checks and prepares
every rule then) and scores any number of submissions. Scoring is a pure
function of framework, submission, review and the as-of date: no clock, no
files, no global state. Plugins take part through the rule kinds they
registered and, once per submission, the ``qmframe_decide`` hook.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping

import attrs

from qmframe.decision import (
    Comparison,
    Decision,
    Highlight,
    PanelDisagreement,
    RuleOutcome,
    Unmet,
)
from qmframe.errors import Problem, ValidationError
from qmframe.framework import Framework, Rule
from qmframe.index import FrameworkIndex
from qmframe.rules import AssessmentContext, Evaluation, RuleKind
from qmframe.scales import aggregate, lower_median
from qmframe.submission import EvidenceItem, Review, Submission
from qmframe.validation import check_framework

__all__ = ["Assessor", "DecideHook", "add_months"]

#: ``qmframe_decide`` as the engine calls it: may return a final decision or None.
DecideHook = Callable[[Framework, Submission, Review | None, Decision], Decision | None]


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last_day))


@attrs.frozen
class _PreparedRule:
    rule: Rule
    evaluate: Evaluation


class Assessor:
    """Scores submissions against one framework.

    Building one validates the framework against the rule kinds (raising
    :class:`ValidationError` with every problem) and prepares each rule, so
    the per-submission work is only the evaluation itself.
    """

    def __init__(
        self,
        framework: Framework,
        rule_kinds: Mapping[str, RuleKind],
        *,
        decide: DecideHook | None = None,
    ) -> None:
        problems = [p for p in check_framework(framework, rule_kinds) if p.severity == "error"]
        if problems:
            raise ValidationError(problems)
        self.framework = framework
        self.index = FrameworkIndex.build(framework)
        self._decide = decide
        self._rules = tuple(
            _PreparedRule(rule, rule_kinds[rule.kind].prepare(rule, self.index))
            for rule in framework.decision.rules
        )
        idx = self.index
        self._aggregated = tuple(
            (
                s.id,
                s.aggregate,
                idx.ranks[s.scale],
                idx.scales[s.scale].level_ids(),
                idx.section_criteria[s.id],
            )
            for s in framework.sections
            if s.aggregate and s.scale
        )
        self._applicability = tuple(
            (t.id, t.applicability)
            for t in idx.targets.values()
            if t.applicability.contexts or t.applicability.organisation_kinds
        )
        self._section_of = {c: t.section for c, t in idx.targets.items() if t.kind == "criterion"}
        self._combine = framework.review.combine
        # Titles for explanations: an outcome a rule finds uncovered is named by its text.
        self._titles: dict[str, str] = {
            o.id: o.text for s in framework.outcome_sets for o in s.outcomes
        }
        self._titles.update({t: target.title for t, target in idx.targets.items()})

    # -- levels ------------------------------------------------------------------------------

    def _combined(
        self, by_target: Mapping[str, Mapping[str, str]]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """One level per target from the panel's judgements, and what stayed unresolved."""
        levels: dict[str, str] = {}
        unresolved: dict[str, str] = {}
        targets, ranks = self.index.targets, self.index.ranks
        needed = self.framework.review.min_reviewers
        for target, by_reviewer in by_target.items():
            given = list(by_reviewer.values())
            if len(given) < needed:
                # A panel decides together: one member's word alone does not settle a target.
                unresolved[target] = (
                    f"judged by {len(given)} of the {needed} reviewers the panel needs: "
                    + ", ".join(given)
                )
                continue
            if len(given) == 1:
                levels[target] = given[0]
                continue
            scale = targets[target].scale
            assert scale is not None
            order = ranks[scale.id]
            if self._combine == "unanimous" and len(set(given)) > 1:
                unresolved[target] = "panel not unanimous: " + ", ".join(given)
                continue
            pick = min if self._combine != "median" else lower_median
            rank = pick([order[level] for level in given])
            levels[target] = scale.levels[rank].id
        return levels, unresolved

    def _context(
        self,
        submission: Submission,
        panel: Mapping[str, Mapping[str, str]] | None,
        as_of: dt.date,
    ) -> AssessmentContext:
        org = submission.organisation
        not_applicable = {t for t, a in self._applicability if not a.applies(org.context, org.kind)}
        if panel is not None:
            levels, unresolved = self._combined(panel)
        else:
            levels = {r.target: r.level for r in submission.ratings if r.level is not None}
            unresolved = {}
        for rating in submission.ratings:
            if rating.not_applicable and rating.target not in levels:
                not_applicable.add(rating.target)
        # A section that does not apply takes its criteria with it.
        for criterion, section in self._section_of.items():
            if section in not_applicable and criterion not in levels:
                not_applicable.add(criterion)
        for section, method, order, level_ids, criteria in self._aggregated:
            if section in levels or section in not_applicable:
                continue
            counted = [c for c in criteria if c not in not_applicable]
            unsettled = [c for c in counted if c not in levels]
            if unsettled and len(unsettled) < len(counted):
                # Deriving from the criteria that happen to be settled would let a split
                # panel or a missing judgement pass unseen: the section stays open too.
                unresolved[section] = "not derived: no settled level for " + ", ".join(unsettled)
            elif counted and not unsettled:
                levels[section] = level_ids[aggregate(method, [order[levels[c]] for c in counted])]
        evidence: dict[str, list[EvidenceItem]] = defaultdict(list)
        for item in submission.evidence:
            for criterion in item.criteria:
                evidence[criterion].append(item)
        return AssessmentContext(
            index=self.index,
            submission=submission,
            as_of=as_of,
            levels=levels,
            not_applicable=frozenset(not_applicable),
            unresolved=unresolved,
            evidence_by_criterion={k: tuple(v) for k, v in evidence.items()},
        )

    # -- deciding ----------------------------------------------------------------------------

    def assess(
        self, submission: Submission, review: Review | None = None, *, as_of: dt.date
    ) -> Decision:
        """The explained decision for one (already validated) submission."""
        fw = self.framework
        if submission.framework != fw.id or submission.framework_version != fw.version:
            raise ValidationError(
                [
                    Problem(
                        f"submission is for {submission.framework} {submission.framework_version}, "
                        f"not {fw.id} {fw.version}",
                        "framework",
                    )
                ]
            )
        panel = _by_target(review) if review is not None else None
        ctx = self._context(submission, panel, as_of)
        title = self._titles
        rationale = _rationales(review, ctx.levels) if review is not None else {}
        explanation: list[RuleOutcome] = []
        highlights: list[Highlight] = []
        unmet: list[Unmet] = []
        required_ok = True
        vetoed = ""
        for prepared in self._rules:
            rule = prepared.rule
            result = prepared.evaluate(ctx)
            explanation.append(
                RuleOutcome(
                    rule=rule.id,
                    kind=rule.kind,
                    effect=rule.effect,
                    title=rule.title,
                    holds=result.holds,
                    saw=result.saw,
                    concluded=result.concluded,
                    findings=result.findings,
                )
            )
            if rule.effect == "highlight":
                highlights += [
                    Highlight(
                        target=f.target, title=_title(title, f.target), level=f.level, rule=rule.id
                    )
                    for f in result.findings
                    if f.holds
                ]
            elif rule.effect in ("require", "veto") and not result.holds:
                if rule.effect == "veto" and not vetoed:
                    vetoed = rule.status or fw.decision.fail_status
                required_ok = False
                failing = [f for f in result.findings if not f.holds]
                if failing:
                    unmet += [
                        Unmet(
                            target=f.target,
                            # A finding about no section or criterion (an action plan) is
                            # named by its rule, so reports never show a blank title.
                            title=_title(title, f.target) or rule.title or rule.id,
                            rule=rule.id,
                            reason=f.note,
                            feedback=rationale.get(f.target) or rule.feedback or f.note,
                        )
                        for f in failing
                    ]
                else:
                    unmet.append(
                        Unmet(
                            target="",
                            title=rule.title or rule.id,
                            rule=rule.id,
                            reason=result.concluded,
                            feedback=rule.feedback or result.concluded,
                        )
                    )
        passed = required_ok
        status = fw.decision.pass_status if passed else (vetoed or fw.decision.fail_status)
        valid_from = valid_until = midpoint = None
        if passed and fw.validity.months:
            valid_from = as_of
            valid_until = add_months(as_of, fw.validity.months) - dt.timedelta(days=1)
            if fw.validity.midpoint_months:
                midpoint = add_months(as_of, fw.validity.midpoint_months)
        decision = Decision(
            framework=fw.id,
            version=fw.version,
            organisation=submission.organisation.id,
            organisation_name=submission.organisation.name,
            status=status,
            passed=passed,
            basis="review" if review is not None else "self-assessment",
            as_of=as_of,
            valid_from=valid_from,
            valid_until=valid_until,
            midpoint_due=midpoint,
            highlights=tuple(highlights),
            unmet=tuple(unmet),
            comparisons=self._comparisons(submission, ctx) if review is not None else (),
            panel_disagreements=(
                self._panel_disagreements(panel, ctx) if panel is not None else ()
            ),
            requests=tuple(r.request for r in review.requests) if review is not None else (),
            explanation=tuple(explanation),
        )
        if self._decide is not None:
            return self._decide(fw, submission, review, decision) or decision
        return decision

    def _comparisons(
        self, submission: Submission, ctx: AssessmentContext
    ) -> tuple[Comparison, ...]:
        out = []
        for rating in submission.ratings:
            assessed = ctx.levels.get(rating.target)
            if rating.level is None or assessed is None:
                continue
            out.append(
                Comparison(
                    target=rating.target,
                    title=_title(self.index.targets, rating.target),
                    self_level=rating.level,
                    assessed_level=assessed,
                    agrees=rating.level == assessed,
                )
            )
        return tuple(out)

    def _panel_disagreements(
        self, panel: Mapping[str, Mapping[str, str]], ctx: AssessmentContext
    ) -> tuple[PanelDisagreement, ...]:
        """Targets the panel's members judged at different levels, whatever the policy chose."""
        return tuple(
            PanelDisagreement(
                target=target,
                title=self._titles.get(target, ""),
                levels=dict(levels),
                decided=ctx.levels.get(target, ""),
                policy=self._combine,
            )
            for target, levels in panel.items()
            if len(set(levels.values())) > 1
        )


def _by_target(review: Review) -> dict[str, dict[str, str]]:
    """Each target's judgements as reviewer id to level, in review order.

    Built once per assessment and used both to combine the panel's levels and
    to show where its members differ. Validation refuses two judgements of one
    target by the same reviewer, so nothing is lost by keying on the reviewer.
    """
    panel: dict[str, dict[str, str]] = {}
    for judgement in review.judgements:
        panel.setdefault(judgement.target, {})[judgement.reviewer] = judgement.level
    return panel


def _rationales(review: Review, levels: Mapping[str, str]) -> dict[str, str]:
    """Feedback per target: the rationales behind the level decided on.

    With a panel, a reviewer who rated a target higher than the panel's
    decision wrote a rationale for that higher level, which is the wrong
    feedback for an unmet target. Unresolved targets keep every rationale.
    """
    found: dict[str, list[str]] = defaultdict(list)
    for judgement in review.judgements:
        decided = levels.get(judgement.target)
        if not judgement.rationale or (decided is not None and judgement.level != decided):
            continue
        if judgement.rationale not in found[judgement.target]:
            found[judgement.target].append(judgement.rationale)
    return {target: " ".join(texts) for target, texts in found.items()}


def _title(targets: Mapping[str, object], target: str) -> str:
    found = targets.get(target)
    if isinstance(found, str):
        return found
    return str(getattr(found, "title", "")) if found is not None else ""
