"""Deciding: a submission and its review in, an explained decision out.

:meth:`Assessor.assess` is the one path to a decision: ``qmframe.assess``,
the command line, ``rescore`` and ``register add`` all come through it, so
every decision has had the same checks. It runs, in order, the framework's
checks of the submission, the review's cross-checks (targets, levels on the
right scale, conflicts of interest, judgements of not-applicable targets),
the plugins' checks, and only then the rules; bad input raises
:class:`~qmframe.errors.ValidationError` with every located problem, whether
the values came from files or were built in code.

An :class:`Assessor` is built once per framework (it checks and prepares
every rule then) and decides any number of submissions. A decision is a pure
function of framework, submission, review and the as-of date: no clock, no
files (beyond the evidence files it is asked to check), no global state.
Plugins take part through the checks and rule kinds they registered and,
once per submission, the ``qmframe_decide`` hook.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path

import attrs

from qmframe.decision import (
    AwardProgress,
    Comparison,
    DecidedLevel,
    Decision,
    Finding,
    GivenLevel,
    Highlight,
    PanelDisagreement,
    PanelMember,
    RuleOutcome,
    Unmet,
)
from qmframe.errors import PluginError, Problem, ValidationError, raise_errors
from qmframe.framework import Framework, Rule
from qmframe.index import FrameworkIndex
from qmframe.limits import decision_date_problems
from qmframe.rules import AssessmentContext, Evaluation, RuleKind, RuleResult
from qmframe.scales import AGGREGATES, lower_median
from qmframe.submission import EvidenceItem, Rating, Review, Submission
from qmframe.validation import check_framework, check_review, check_submission
from qmframe.vocabulary import INDICATION

__all__ = ["Assessor", "CheckHook", "DecideHook", "add_months"]

#: ``qmframe_decide`` as the engine calls it: may return a final decision or None.
DecideHook = Callable[[Framework, Submission, Review | None, Decision], Decision | None]
#: ``qmframe_check_submission`` as the engine calls it: the plugins' problems.
CheckHook = Callable[[Framework, Submission, Review | None], list[Problem]]


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    # Not "the day before the next month's first": December 9999 has no next month.
    last_day = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last_day))


#: Top-level keys only a review has: a plugin's problem there is located in the review.
_REVIEW_KEYS = ("reviewers", "judgements", "requests", "reviewed_on", "notes")


@attrs.frozen
class _PreparedRule:
    rule: Rule
    evaluate: Evaluation
    evaluated_by: str


class Assessor:
    """Scores submissions against one framework.

    Building one validates the framework against the rule kinds (raising
    :class:`ValidationError` with every problem) and prepares each rule, so
    the per-submission work is the checks and the evaluation itself.
    ``check`` and ``decide`` are the plugins' ``qmframe_check_submission`` and
    ``qmframe_decide`` hooks; ``kind_sources`` names the plugin behind each
    rule kind, for the explanation and for naming a kind that fails.
    :meth:`qmframe.plugins.Registry.assessor` builds one with all three.
    """

    def __init__(
        self,
        framework: Framework,
        rule_kinds: Mapping[str, RuleKind],
        *,
        decide: DecideHook | None = None,
        check: CheckHook | None = None,
        kind_sources: Mapping[str, str] | None = None,
    ) -> None:
        problems = [p for p in check_framework(framework, rule_kinds) if p.severity == "error"]
        if problems:
            raise ValidationError(problems)
        self.framework = framework
        self.index = FrameworkIndex.build(framework)
        self._decide = decide
        self._check = check
        sources = kind_sources or {}
        self._rules = tuple(
            _PreparedRule(
                rule, rule_kinds[rule.kind].prepare(rule, self.index), sources.get(rule.kind, "")
            )
            for rule in framework.decision.rules
        )
        idx = self.index
        self._aggregated = tuple(
            (
                s.id,
                AGGREGATES[s.aggregate],
                dict(idx.ranks[s.scale]),  # a plain copy: read per criterion per assessment
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
        self._target_ids = tuple(idx.targets)
        self._section_of = {c: t.section for c, t in idx.targets.items() if t.kind == "criterion"}
        self._combine = framework.review.combine
        # The rules each award level counts, lowest first: the lowest counts the rules the
        # award itself needs.
        self._rule_by_id = {rule.id: rule for rule in framework.decision.rules}
        deciding = tuple(r.id for r in framework.decision.rules if r.effect in ("require", "veto"))
        self._level_rules = tuple(
            (*deciding, *level.rules) if i == 0 else level.rules
            for i, level in enumerate(framework.award_levels)
        )
        # Titles for explanations: an outcome a rule finds uncovered is named by its text.
        self._titles: dict[str, str] = {
            o.id: o.text for s in framework.outcome_sets for o in s.outcomes
        }
        self._titles.update({t: target.title for t, target in idx.targets.items()})
        # Comparisons already made, by target, self-rating and assessed level (see
        # _comparisons): at most every pair of levels of every target's scale.
        self._comparisons_made: dict[tuple[str, str, str], Comparison] = {}
        self._comparisons_kept = sum(len(ranks) ** 2 for ranks in idx.level_ranks.values())

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
            if needed <= 1 and len(by_reviewer) == 1:  # one judgement, and one is enough
                (levels[target],) = by_reviewer.values()
                continue
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
        review: Review | None = None,
    ) -> tuple[AssessmentContext, tuple[DecidedLevel, ...]]:
        org = submission.organisation
        # Why each target that does not count does not: by context, or by the organisation.
        not_applicable = {
            t: "does not apply to this organisation"
            for t, a in self._applicability
            if not a.applies(org.context, org.kind)
        }
        if panel is not None:
            levels, unresolved = self._combined(panel)
            source = "judgement"
        else:
            levels = {r.target: r.level for r in submission.ratings if r.level is not None}
            unresolved = {}
            source = "self-rating"
        marked = [r for r in submission.ratings if r.not_applicable]
        for rating in marked:
            if rating.target not in levels:
                not_applicable.setdefault(
                    rating.target,
                    "marked not applicable by the organisation: " + rating.justification,
                )
        # A section that does not apply takes its criteria with it.
        for criterion, section in self._section_of.items() if not_applicable else ():
            if section in not_applicable and criterion not in levels:
                not_applicable.setdefault(criterion, f"its section {section!r} does not apply")
        derived: set[str] = set()
        level_of = levels.get  # every level is a string: None means "not settled"
        for section, method, order, level_ids, criteria in self._aggregated:
            if section in levels or section in not_applicable:
                continue
            counted = (
                [c for c in criteria if c not in not_applicable] if not_applicable else criteria
            )
            settled = [level_of(c) for c in counted]
            if None in settled:
                unsettled = [c for c, level in zip(counted, settled, strict=True) if level is None]
                if len(unsettled) < len(counted):
                    # Deriving from the criteria that happen to be settled would let a split
                    # panel or a missing judgement pass unseen: the section stays open too.
                    unresolved[section] = "not derived: no settled level for " + ", ".join(
                        unsettled
                    )
            elif counted:
                levels[section] = level_ids[method([order[levels[c]] for c in counted])]
                derived.add(section)
        evidence: dict[str, list[EvidenceItem]] = {}
        for item in submission.evidence:
            for criterion in item.criteria:
                cited = evidence.get(criterion)
                if cited is None:
                    evidence[criterion] = [item]
                else:  # appended, never a tuple copied: many items may cite one criterion
                    cited.append(item)
        ctx = AssessmentContext(
            index=self.index,
            submission=submission,
            as_of=as_of,
            levels=levels,
            not_applicable=frozenset(not_applicable),
            unresolved=unresolved,
            evidence_by_criterion={c: tuple(items) for c, items in evidence.items()},
        )
        decided = self._decided_levels(
            levels, unresolved, not_applicable, source, derived, marked, review
        )
        return ctx, decided

    def _decided_levels(
        self,
        levels: Mapping[str, str],
        unresolved: Mapping[str, str],
        not_applicable: Mapping[str, str],
        source: str,
        derived: set[str],
        marked: list[Rating],
        review: Review | None,
    ) -> tuple[DecidedLevel, ...]:
        """Every target with something decided about it, in framework order.

        A settled target's level came from ``source`` (the reviewers' judgement
        or the organisation's self-rating) unless its section level was
        ``derived``; ``marked`` are the ratings marked not applicable, whose
        judgement, if any, overrules the organisation with the reviewers' rationale.
        """
        notes: dict[str, str] = {}
        given: dict[str, list[GivenLevel]] = {}
        if review is not None:
            overruled = {r.target for r in marked}
            # Each overruled target's distinct rationales, in order (a dict: a large panel's
            # rationales are not searched one by one).
            rationales: dict[str, dict[str, None]] = defaultdict(dict)
            for judgement in review.judgements if overruled else ():
                if judgement.target in overruled:
                    rationales[judgement.target][judgement.rationale] = None
            for target, texts in rationales.items():
                notes[target] = "overrules the organisation's not applicable: " + " ".join(texts)
            for judgement in review.judgements:
                judged = GivenLevel(
                    reviewer=judgement.reviewer,
                    level=judgement.level,
                    rationale=judgement.rationale,
                    evidence=judgement.evidence,
                )
                before = given.get(judgement.target)
                if before is None:
                    given[judgement.target] = [judged]
                else:  # appended, never a tuple copied: a large panel judges each target
                    before.append(judged)
        out = []
        judged_by = {target: tuple(judged) for target, judged in given.items()}
        level_of, unresolved_of, note_of, given_to = (
            levels.get,
            unresolved.get,
            notes.get,
            judged_by.get,
        )
        for target in self._target_ids:
            level = level_of(target)  # every level and reason is a string: None is "not there"
            if level is not None:
                out.append(
                    DecidedLevel(
                        target=target,
                        level=level,
                        source="derived" if target in derived else source,
                        note=note_of(target, ""),
                        judgements=given_to(target, ()),
                    )
                )
            elif (why := unresolved_of(target)) is not None:
                out.append(
                    DecidedLevel(
                        target=target,
                        level="",
                        source="unresolved",
                        note=why,
                        judgements=given_to(target, ()),
                    )
                )
            elif target in not_applicable:
                out.append(
                    DecidedLevel(
                        target=target,
                        level="",
                        source="not-applicable",
                        note=not_applicable[target],
                        judgements=given_to(target, ()),
                    )
                )
        return tuple(out)

    # -- deciding ----------------------------------------------------------------------------

    def check(
        self,
        submission: Submission,
        review: Review | None = None,
        *,
        folder: Path | None = None,
        submission_file: str = "",
        review_file: str = "",
        every: bool = False,
    ) -> list[Problem]:
        """Every problem with a submission and its review, errors and warnings alike.

        The framework's checks of the submission (and, with ``folder``, of its
        evidence files), the review's cross-checks against the submission, and
        then, when those found no error, the plugins' checks (which may assume
        well-formed input). ``submission_file`` and ``review_file`` name the
        files in the problems. With ``every`` (``qmframe validate``), the
        plugins' checks run even after errors, and a plugin check that fails on
        the broken input is one more problem (code ``plugin-check-failed``)
        naming the plugin, beside the others, instead of an exception.
        """
        problems = [
            p.located(file=submission_file)
            for p in check_submission(submission, self.index, folder)
        ]
        if review is not None:
            problems += [
                p.located(file=review_file) for p in check_review(review, self.index, submission)
            ]
        broken = any(p.severity == "error" for p in problems)
        if self._check is not None and broken and every:
            try:
                found = self._check(self.framework, submission, review)
            except PluginError as exc:
                message = (
                    f"the checks of plugin {exc.plugin!r} failed on this input ({exc.message}); "
                    "fix the errors above and validate again to see them"
                )
                return [
                    *problems,
                    Problem(
                        message, file=submission_file, severity="warning",
                        code="plugin-check-failed",
                    ),
                ]  # fmt: skip
            return problems + [
                p.located(file=review_file if p.path.startswith(_REVIEW_KEYS) else submission_file)
                for p in found
            ]
        if self._check is not None and not broken:
            problems += [
                # A plugin's problem about reviewers or judgements is in the review's file.
                p.located(file=review_file if p.path.startswith(_REVIEW_KEYS) else submission_file)
                for p in self._check(self.framework, submission, review)
            ]
        return problems

    def assess(
        self,
        submission: Submission,
        review: Review | None = None,
        *,
        as_of: dt.date,
        folder: Path | None = None,
        submission_file: str = "",
        review_file: str = "",
        warnings: list[Problem] | None = None,
    ) -> Decision:
        """The explained decision for one submission (and its review, if any).

        Checks the decision date (a date qmframe handles, with the award's end
        and mid-point) and runs :meth:`check` first: any error raises
        :class:`~qmframe.errors.ValidationError` (a reviewer with a conflict of
        interest, :class:`~qmframe.errors.ConflictOfInterestError`) and no
        decision is made. ``warnings``, when given, receives the problems the
        checks found that do not stop a decision (``qmframe assess`` shows them),
        so a caller never runs the checks a second time to see them.
        """
        validity = self.framework.validity
        problems = decision_date_problems(as_of, max(validity.months, validity.midpoint_months))
        problems += self.check(
            submission,
            review,
            folder=folder,
            submission_file=submission_file,
            review_file=review_file,
        )
        raise_errors(problems)
        if warnings is not None:
            warnings += problems
        return self._decide_checked(submission, review, as_of)

    def _decide_checked(
        self, submission: Submission, review: Review | None, as_of: dt.date
    ) -> Decision:
        fw = self.framework
        panel = _by_target(review) if review is not None else None
        ctx, decided_levels = self._context(submission, panel, as_of, review)
        title = self._titles
        rationale = _rationales(review, ctx.levels) if review is not None else {}
        explanation: list[RuleOutcome] = []
        highlights: list[Highlight] = []
        unmet: list[Unmet] = []
        required_ok = True
        vetoed = ""
        results: dict[str, RuleResult] = {}
        for prepared in self._rules:
            rule = prepared.rule
            try:
                result = prepared.evaluate(ctx)
            except Exception as exc:  # a plugin's rule kind failed: name it, not qmframe
                raise PluginError(
                    prepared.evaluated_by or "unknown plugin",
                    f"rule kind {rule.kind!r} (rule {rule.id!r})",
                    f"{type(exc).__name__}: {exc}",
                ) from exc
            results[rule.id] = result
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
                    evaluated_by=prepared.evaluated_by,
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
        basis, basis_note = self._basis(review)
        status = fw.decision.pass_status if required_ok else (vetoed or fw.decision.fail_status)
        indicated = ""
        if basis == INDICATION:
            # The rules' conclusion is shown, but nothing is awarded on it.
            status, indicated = INDICATION, status
        passed = required_ok and basis != INDICATION
        progress = self._progress(results, rationale, awarded=passed)
        reached = [p.level for p in progress if p.reached]
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
            basis=basis,
            basis_note=basis_note,
            indicated_status=indicated,
            levels=decided_levels,
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
            award_level=reached[-1] if reached else "",
            progress=progress,
            reviewers=tuple(
                PanelMember(id=r.id, name=r.name, role=r.role, organisation=r.organisation)
                for r in (review.reviewers if review is not None else ())
            ),
            review_notes=review.notes if review is not None else "",
        )
        if self._decide is not None:
            adjusted = self._decide(fw, submission, review, decision)
            if adjusted is not None:
                _check_adjusted(decision, adjusted)
                return adjusted
        return decision

    def _progress(
        self, results: Mapping[str, RuleResult], rationale: Mapping[str, str], *, awarded: bool
    ) -> tuple[AwardProgress, ...]:
        """Progress towards each award level, lowest first, from the rules' findings.

        A level is complete exactly when every rule it counts holds (the
        lowest counts the ``require`` and ``veto`` rules), so the level
        reached is the highest whose progress, and every lower level's, is
        complete, when an award is made.
        """
        out: list[AwardProgress] = []
        reached = awarded
        for rule_ids in self._level_rules:
            held = required = 0
            # Targets counted once each: a target holds for the level only if it holds for
            # every rule that found something about it. Keys are target ids, or
            # ("rule", id) for a rule that found nothing about a target.
            counted: dict[object, bool] = {}
            missing: dict[object, Unmet] = {}
            for rule_id in rule_ids:
                rule, result = self._rule_by_id[rule_id], results[rule_id]
                holding = [f for f in result.findings if f.holds]
                if result.needed is not None:
                    # Only some targets are needed: count as many as the rule needs.
                    need = result.needed
                    required += need
                    if result.holds:
                        held += need
                        continue
                    held += min(need, len(holding))
                    failing = [f for f in result.findings if not f.holds]
                    if len(holding) < need:
                        for f in failing:
                            missing.setdefault(f.target, self._missing(rule, result, f, rationale))
                        if not failing:  # nothing left that could count: the rule is missing
                            missing.setdefault(
                                ("rule", rule_id), self._missing(rule, result, None, {})
                            )
                        continue
                    # It fails although enough of its targets hold: the rule itself is missing.
                    counted[("rule", rule_id)] = False
                    missing.setdefault(("rule", rule_id), self._missing(rule, result, None, {}))
                    continue
                if result.holds:
                    keys: list[object] = [f.target for f in holding] or [("rule", rule_id)]
                    for key in keys:
                        counted.setdefault(key, True)
                    continue
                for f in result.findings:
                    counted[f.target] = counted.get(f.target, True) and f.holds
                    if not f.holds:
                        missing.setdefault(f.target, self._missing(rule, result, f, rationale))
                if not any(not f.holds for f in result.findings):
                    counted[("rule", rule_id)] = False
                    missing.setdefault(("rule", rule_id), self._missing(rule, result, None, {}))
            held += sum(counted.values())
            required += len(counted)
            reached = reached and held == required
            out.append(
                AwardProgress(
                    level=self.framework.award_levels[len(out)].id,
                    reached=reached,
                    held=held,
                    required=required,
                    missing=tuple(missing.values()),
                )
            )
        return tuple(out)

    def _missing(
        self, rule: Rule, result: RuleResult, finding: Finding | None, rationale: Mapping[str, str]
    ) -> Unmet:
        """What an award level still needs, worded as an unmet entry."""
        if finding is None:
            return Unmet(
                target="",
                title=rule.title or rule.id,
                rule=rule.id,
                reason=result.concluded,
                feedback=rule.feedback or result.concluded,
            )
        return Unmet(
            target=finding.target,
            title=_title(self._titles, finding.target) or rule.title or rule.id,
            rule=rule.id,
            reason=finding.note,
            # As in the decision's unmet list, except for a rule only award levels count:
            # its advice says what the level asks, while the reviewers' rationale explains the
            # level they gave, which already meets the award.
            feedback=(
                rule.feedback or rationale.get(finding.target) or finding.note
                if rule.effect not in ("require", "veto")
                else rationale.get(finding.target) or rule.feedback or finding.note
            ),
        )

    def _basis(self, review: Review | None) -> tuple[str, str]:
        """What the decision rests on, and for an indication what is missing."""
        policy = self.framework.review
        if review is None:
            if not policy.required:
                return "self-certified", ""
            needed = policy.min_reviewers
            return INDICATION, (
                f"no review: the framework makes an award only on a review by at least "
                f"{needed} reviewer{'s' if needed != 1 else ''}"
            )
        named = len({r.id for r in review.reviewers})
        if policy.required and named < policy.min_reviewers:
            return INDICATION, (
                f"the review names {named} of the {policy.min_reviewers} reviewers the "
                "framework requires for an award"
            )
        return "review", ""

    def _comparisons(
        self, submission: Submission, ctx: AssessmentContext
    ) -> tuple[Comparison, ...]:
        """Each rated target's self-rating beside its assessed level, in rating order.

        A comparison is a frozen value fixed by its target and two levels, of
        which a framework has only so many: each is made once and kept (up to
        :attr:`_comparisons_kept`), not made again for every submission.
        """
        out = []
        level_of, kept, title_of = ctx.levels.get, self._comparisons_made, self._titles.get
        for rating in submission.ratings:
            self_level, assessed = rating.level, level_of(rating.target)
            if self_level is None or assessed is None:
                continue
            key = (rating.target, self_level, assessed)
            comparison = kept.get(key)
            if comparison is None:
                comparison = Comparison(
                    target=rating.target,
                    title=title_of(rating.target, ""),  # a checked, known target
                    self_level=self_level,
                    assessed_level=assessed,
                    agrees=self_level == assessed,
                )
                if len(kept) < self._comparisons_kept:
                    kept[key] = comparison
            out.append(comparison)
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
            if len(levels) > 1 and len(set(levels.values())) > 1
        )


def _check_adjusted(decision: Decision, adjusted: Decision) -> None:
    """Refuse a ``qmframe_decide`` result that changes what the decision rests on.

    A plugin may refine a decision (another status, more explanation, a lower
    award level) but not turn an indication into an award, raise the award
    level above what the rules reached, or change the basis, decided levels or
    progress every reader relies on.
    """
    changed = [
        name
        for name in (
            "basis",
            "basis_note",
            "levels",
            "progress",
            "organisation",
            "framework",
            "version",
        )
        if getattr(adjusted, name) != getattr(decision, name)
    ]
    if decision.is_indication and (adjusted.passed or adjusted.status != INDICATION):
        changed.append("status (an indication cannot be made an award)")
    if adjusted.award_level and adjusted.award_level not in {
        p.level for p in decision.progress if p.reached
    }:
        changed.append(f"award_level ({adjusted.award_level!r} was not reached)")
    if changed:
        raise PluginError(
            "a qmframe_decide implementation",
            "qmframe_decide",
            "changed what the decision rests on: " + ", ".join(changed),
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
