"""The built-in report formats: text, Markdown and JSON.

Text and Markdown are the assessor's report (see :func:`qmframe.reports.target_reviews`):
for the panel, naming the reviewers and giving their rationales and the review's notes.
The letter (:mod:`qmframe.default_plugins.letter_report`) is what goes to the organisation.

Every string in a report may come from a file someone else wrote, so each
format escapes it the way :mod:`qmframe.escaping` describes: the text report
shows control and bidi characters as visible escapes (every line, so no field
can forge one), Markdown escapes every field, and JSON writes invisible
characters as ``\\u`` escapes.
"""

from __future__ import annotations

from collections.abc import Callable

from qmframe._convert import unstructure_json
from qmframe.decision import (
    JSON_FORMAT_VERSION,
    Decision,
    PanelDisagreement,
    PanelMember,
    award_id,
)
from qmframe.escaping import json_text, markdown, markdown_code, terminal
from qmframe.framework import Framework
from qmframe.hookspecs import hookimpl
from qmframe.index import FrameworkIndex
from qmframe.reports import (
    ASSESSOR_NOTICE,
    Assessment,
    ReportFormat,
    TargetReview,
    basis_sentence,
    progress_summary,
    status_description,
    status_words,
    target_reviews,
)


def _decision_line(decision: Decision, framework: Framework) -> str:
    """The status in the framework's words with its id, or in capitals when it has no label."""
    words = status_words(decision, framework)
    if words == decision.status:
        return decision.status.upper()
    return f"{words} [{decision.status}]"


def _validity(decision: Decision) -> str:
    if decision.valid_from is None or decision.valid_until is None:
        return "no award period (no award made)" if not decision.passed else "no fixed period"
    text = f"{decision.valid_from.isoformat()} to {decision.valid_until.isoformat()}"
    if decision.midpoint_due is not None:
        text += f" (mid-point review due {decision.midpoint_due.isoformat()})"
    return text


class TextReport(ReportFormat):
    """Plain text for a terminal: the decision first, then the explanation."""

    name = "text"
    suffix = ".txt"
    description = "plain text for reading in a terminal: the assessor's report"

    def render(self, assessment: Assessment) -> str:
        d, fw = assessment.decision, assessment.framework
        label = FrameworkIndex.build(fw).level_label
        lines = [
            f"{fw.title} (version {d.version})",
            f"Organisation: {d.organisation_name} [{d.organisation}]",
            f"Decision:     {_decision_line(d, fw)}",
        ]
        if status_description(d, fw):
            lines.append(f"              {status_description(d, fw)}")
        lines += [
            f"Assessed on:  {d.as_of.isoformat()}",
            f"Valid:        {_validity(d)}",
            "",
        ]
        if basis_sentence(d):
            lines += [basis_sentence(d), ""]
        if d.progress:
            lines.append("Award levels (lowest first; each needs the one below):")
            for progress, (name, state) in zip(d.progress, progress_summary(d, fw), strict=True):
                lines.append(f"  {'+' if progress.reached else '-'} {name}: {state}")
                for m in progress.missing:
                    where = f"{m.title} [{m.target}]" if m.target else m.title
                    lines.append(f"      still needed: {where}: {_flow(m.feedback)}")
            lines.append("")
        if d.highlights:
            lines.append("Highlights:")
            lines += [
                f"  * {h.title or h.target} [{h.target}]: {label(h.target, h.level)}"
                for h in d.highlights
            ]
            lines.append("")
        if d.unmet:
            lines.append("Not yet met:")
            for u in d.unmet:
                where = f"{u.title} [{u.target}]" if u.target else u.title
                lines.append(f"  - {where}: {_flow(u.feedback)}")
            lines.append("")
        lines += _text_assessor(assessment)
        if d.disagreements:
            lines.append("Self-rating and assessor judgement differ:")
            lines += [
                f"  ~ {c.title or c.target} [{c.target}]: self {label(c.target, c.self_level)}, "
                f"assessed {label(c.target, c.assessed_level)}"
                for c in d.disagreements
            ]
            lines.append("")
        if d.panel_disagreements:
            lines.append("Panel members differ:")
            lines += [
                f"  ~ {p.title or p.target} [{p.target}]: {_split(p)}"
                for p in d.panel_disagreements
            ]
            lines.append("")
        if d.requests:
            lines.append("Requests for more information:")
            lines += [f"  ? {_flow(r)}" for r in d.requests]
            lines.append("")
        lines.append("Explanation (every rule, in order):")
        for n, o in enumerate(d.explanation, 1):
            verdict = "holds" if o.holds else "does not hold"
            lines.append(f"  {n}. [{o.effect}] {o.title or o.rule} ({o.kind}): {verdict}")
            lines.append(f"     saw: {o.saw}")
            lines.append(f"     concluded: {o.concluded}")
        # Our lines hold no control characters of their own: anything found is from a field.
        return "\n".join(map(terminal, lines)) + "\n"


class MarkdownReport(ReportFormat):
    """Markdown for pasting into a document, an issue or a web page."""

    name = "markdown"
    suffix = ".md"
    description = "Markdown: the assessor's report, with a table of every target"

    def render(self, assessment: Assessment) -> str:
        d, fw = assessment.decision, assessment.framework
        label = FrameworkIndex.build(fw).level_label
        out = [
            f"# {_md(fw.title)}: {_md(d.organisation_name)}",
            "",
            f"- **Decision:** {_md(status_words(d, fw))}"
            + (f" ({markdown_code(d.status)})" if status_words(d, fw) != d.status else ""),
            f"- **Framework version:** {_md(d.version)}",
            f"- **Assessed on:** {d.as_of.isoformat()}",
            f"- **Valid:** {_validity(d)}",
            "",
        ]
        if status_description(d, fw):
            out[-1:-1] = [f"- **Meaning:** {_md(status_description(d, fw))}"]
        if basis_sentence(d):
            out += [_md(basis_sentence(d)), ""]
        if d.progress:
            out += ["## Award levels", ""]
            for progress, (name, state) in zip(d.progress, progress_summary(d, fw), strict=True):
                out.append(f"- **{_md(name)}**: {_md(state)}")
                out += [
                    f"  - still needed: {_md(m.title)}: {_md(m.feedback)}" for m in progress.missing
                ]
            out.append("")
        if d.highlights:
            out += ["## Highlights", ""]
            out += [
                f"- **{_md(h.title or h.target)}**: {_md(label(h.target, h.level))}"
                for h in d.highlights
            ]
            out.append("")
        if d.unmet:
            out += ["## Not yet met", ""]
            out += [f"- **{_md(u.title or u.rule)}**: {_md(u.feedback)}" for u in d.unmet]
            out.append("")
        out += _markdown_assessor(assessment)
        if d.panel_disagreements:
            out += ["## Panel members differ", ""]
            out += [
                f"- **{_md(p.title or p.target)}**: {_md(_split(p))}" for p in d.panel_disagreements
            ]
            out.append("")
        out += ["## Explanation", ""]
        for n, o in enumerate(d.explanation, 1):
            verdict = "holds" if o.holds else "does not hold"
            out.append(
                f"{n}. **{_md(o.title or o.rule)}** ({markdown_code(o.kind)}, {_md(o.effect)}): "
                f"{verdict}. "
                f"Saw {_md(o.saw)}; concluded {_md(o.concluded)}."
            )
        return "\n".join(out) + "\n"


def _differences(row: TargetReview) -> str:
    """What differs about one target, in words ("" when nothing does)."""
    said = []
    if row.panel_split:
        said.append("the reviewers differ")
    if row.differs_from_self:
        said.append("the decided level differs from the self-rating")
    return "; ".join(said)


def _from_a_review(d: Decision) -> bool:
    """True when the decision holds a review's reviewers, notes or judgements."""
    return bool(d.reviewers or d.review_notes or any(lv.judgements for lv in d.levels))


def _reviewer_line(member: PanelMember) -> str:
    extra = ", ".join(part for part in (member.role, member.organisation) if part)
    return f"{member.name} [{member.id}]" + (f", {extra}" if extra else "")


def _text_assessor(assessment: Assessment) -> list[str]:
    """The assessor's report as text lines: the review, then every decided target."""
    d = assessment.decision
    lines: list[str] = []
    if not d.levels and not d.reviewers and not d.review_notes:
        return lines
    lines += ["Assessor's report", "-----------------"]
    lines += [ASSESSOR_NOTICE, ""] if _from_a_review(d) else []
    if d.reviewers:
        lines.append("Reviewers:")
        lines += [f"  - {_reviewer_line(member)}" for member in d.reviewers]
        lines.append("")
    if d.review_notes:
        lines += ["Review notes:", f"  {_flow(d.review_notes)}", ""]
    if d.levels:
        lines.append("Each target: self-rating, each reviewer's level and why, the decided level:")
        for row in target_reviews(assessment):
            lines.append(f"  = {row.title}")
            lines.append(f"      self-rating: {row.self_rating}")
            for given in row.given:
                why = f": {_flow(given.rationale)}" if given.rationale else ""
                lines.append(f"      {given.reviewer}: {given.level}{why}")
            lines.append(f"      decided: {row.decided} ({_flow(row.source)})")
            if _differences(row):
                lines.append(f"      ~ {_differences(row)}")
        lines.append("")
    return lines


def _markdown_assessor(assessment: Assessment) -> list[str]:
    """The assessor's report in Markdown: the review, a table of every target, rationales."""
    d = assessment.decision
    out: list[str] = []
    if not d.levels and not d.reviewers and not d.review_notes:
        return out
    out += ["## Assessor's report", ""]
    out += [f"*{_md(ASSESSOR_NOTICE)}*", ""] if _from_a_review(d) else []
    if d.reviewers:
        out += ["**Reviewers:**", ""]
        out += [f"- {_md(_reviewer_line(member))}" for member in d.reviewers]
        out.append("")
    if d.review_notes:
        out += [f"**Review notes:** {_md(d.review_notes)}", ""]
    rows = target_reviews(assessment)
    if rows:
        out += [
            "| Section or criterion | Self-rating | Each reviewer | Decided | From | Differs |",
            "|---|---|---|---|---|---|",
        ]
        out += [
            f"| {_md(row.title)} | {_md(row.self_rating)} | "
            + (_md("; ".join(f"{g.reviewer}: {g.level}" for g in row.given)) or "none")
            + f" | {_md(row.decided)} | {_md(row.source)} | {_md(_differences(row)) or 'no'} |"
            for row in rows
        ]
        out.append("")
    why = [(row, g) for row in rows for g in row.given if g.rationale]
    if why:
        out += ["### Reviewers' rationales", ""]
        out += [
            f"- **{_md(row.title)}**, {_md(g.reviewer)}, {_md(g.level)}: {_md(g.rationale)}"
            for row, g in why
        ]
        out.append("")
    return out


def _flow(text: str) -> str:
    """Running text (feedback, a request) on one line: its own line breaks read as spaces."""
    return " ".join(text.splitlines())


def _split(p: PanelDisagreement) -> str:
    """One panel disagreement: who gave what, and what the panel's policy made of it."""
    given = ", ".join(f"{reviewer or 'reviewer'} {level}" for reviewer, level in p.levels.items())
    outcome = f"decided {p.decided}" if p.decided else "left unresolved"
    return f"{given}; {outcome} ({p.policy})"


def _md(text: str) -> str:
    """One field as Markdown text: a newline reads as a space, the rest is escaped."""
    return markdown(_flow(text))


class JsonReport(ReportFormat):
    """JSON for programs: the whole decision, with disagreements spelled out.

    Beside the decision's fields: ``format_version`` (see
    :data:`~qmframe.decision.JSON_FORMAT_VERSION`), the ``award`` id and the
    ``disagreements``; ``qmframe schema decision`` prints its JSON Schema.
    """

    name = "json"
    suffix = ".json"
    description = "the whole decision as JSON, the reviewers' judgements included"

    def render(self, assessment: Assessment) -> str:
        decision = assessment.decision
        data = {
            "format_version": JSON_FORMAT_VERSION,
            "award": award_id(decision),
            **unstructure_json(decision),
            "disagreements": unstructure_json(decision.disagreements),
        }
        return json_text(data) + "\n"


@hookimpl
def qmframe_register_report_formats(register: Callable[[ReportFormat], None]) -> None:
    for fmt in (TextReport(), MarkdownReport(), JsonReport()):
        register(fmt)
