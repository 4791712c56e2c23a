"""The single-file HTML report: a decision for people to read in a browser.

The page carries everything it needs (styles and the chart inline, no scripts,
no fonts or images fetched from anywhere), so it can be mailed, archived or
opened offline. It is built with Jinja2 and autoescaping: a submission is
untrusted input, and a title holding ``<script>`` must show as text (control
and bidi characters are shown as escapes, by :mod:`qmframe.escaping`). Jinja2
is an optional extra (``pip install ".[html]"`` from a clone of qmframe, or
``pip install Jinja2``), imported only when
an HTML report is rendered, so the core never needs it.

One chart shows every rated or judged target, grouped by section: plain HTML
and CSS, no SVG and no fixed width. Each target is a row with its title and
two bars, the organisation's self-rating and the assessors' (combined)
judgement, each as wide as the level's position on the target's scale, as a
percentage, with the level's name written beside it (the bars are never the
only way to read it). Levels are ranks, so the bars show order only. On a
narrow screen the title goes above its bars; in print the bars keep their
colours and borders. The assessor's report below gives the same levels in
words, with each reviewer's level and rationale.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib.resources import files
from typing import TYPE_CHECKING, Any

import attrs

from qmframe.decision import Decision
from qmframe.errors import QmframeError
from qmframe.escaping import terminal
from qmframe.hookspecs import hookimpl
from qmframe.index import FrameworkIndex
from qmframe.reports import (
    ASSESSOR_NOTICE,
    Assessment,
    ReportFormat,
    basis_sentence,
    progress_summary,
    status_description,
    status_words,
    target_reviews,
)

if TYPE_CHECKING:
    import jinja2

__all__ = [
    "ASSESSED_COLOUR",
    "JINJA2_MISSING",
    "SELF_COLOUR",
    "HtmlReport",
    "context",
    "load_template",
]

#: Fill of the self-rating bars. Distinctive on purpose: the browser test
#: counts pixels of exactly these colours to see that the chart was drawn.
SELF_COLOUR = "#3b5bdb"
#: Fill of the assessors' judgement bars.
ASSESSED_COLOUR = "#e8590c"


def load_template(name: str) -> jinja2.Template:
    """A template from ``qmframe/templates``, with autoescaping on.

    Raises :class:`~qmframe.errors.QmframeError` (not ImportError) when
    Jinja2 is not installed, saying how to install it.
    """
    return _environment().get_template(name)


#: What asking for the html format says when Jinja2 is missing: commands that work
#: without a package index (qmframe is not on one).
JINJA2_MISSING = (
    "the html format needs Jinja2: pip install Jinja2"
    ' (or, in a clone of qmframe, pip install ".[html]")'
)


@functools.cache
def _environment() -> jinja2.Environment:
    try:
        import jinja2
    except ImportError:
        raise QmframeError(JINJA2_MISSING) from None
    folder = files("qmframe") / "templates"

    def source(name: str) -> str | None:
        resource = folder / name
        return resource.read_text(encoding="utf-8") if resource.is_file() else None

    def visible(value: Any) -> Any:
        # Every {{ }} passes here before autoescaping: control and bidi characters in a
        # name or title are shown as escapes, not obeyed (see qmframe.escaping).
        if isinstance(value, str) and not hasattr(value, "__html__"):
            return terminal(value, multiline=True)
        return value

    return jinja2.Environment(
        loader=jinja2.FunctionLoader(source),
        finalize=visible,
        autoescape=True,  # every template here writes HTML or SVG
        undefined=jinja2.StrictUndefined,  # a misspelt name fails loudly, in tests
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@attrs.frozen
class _Bar:
    percent: float  # of the bar's track: the level's position on its scale
    label: str  # the level's name


@attrs.frozen
class _Row:
    title: str
    target: str
    kind: str
    self_bar: _Bar | None
    assessed_bar: _Bar | None
    agrees: bool
    note: str  # for a target with no level: "not applicable", "unresolved"


@attrs.frozen
class _Group:
    section: str
    title: str
    rows: tuple[_Row, ...]


def _chart(assessment: Assessment) -> list[_Group]:
    """The one chart: every rated or decided target, grouped by section, in framework order.

    Each row has a bar for the self-rating and one for the decided level (only
    with a review: without one there is no judgement), each as long as the
    level's position on the target's own scale, as a percentage of the row's
    track, so the chart reflows to any width.
    """
    index = FrameworkIndex.build(assessment.framework)
    levels = {lv.target: lv for lv in assessment.decision.levels}
    reviewed = assessment.review is not None
    groups = []
    for section in assessment.framework.sections:
        rows = []
        for target_id in (section.id, *index.section_criteria.get(section.id, ())):
            target = index.targets.get(target_id)
            if target is None or target.scale is None or not target.scale.levels:
                continue
            scale = target.scale
            ranks = index.ranks[scale.id]

            def bar(level_id: str | None, scale: Any = scale, ranks: Any = ranks) -> _Bar | None:
                if level_id is None or level_id not in ranks:
                    return None
                position = ranks[level_id] + 1
                return _Bar(
                    percent=round(100 * position / len(scale.levels), 2),
                    label=scale.levels[position - 1].label,
                )

            rating = assessment.submission.rating(target_id)
            self_level = rating.level if rating is not None else None
            decided = levels.get(target_id)
            assessed_level = decided.level if decided is not None and reviewed else None
            if self_level is None and not assessed_level:
                continue
            note = ""
            if reviewed and decided is not None and not decided.level:
                note = decided.source.replace("-", " ")
            rows.append(
                _Row(
                    title=target.title or target_id,
                    target=target_id,
                    kind=target.kind,
                    self_bar=bar(self_level),
                    assessed_bar=bar(assessed_level or None),
                    agrees=self_level is None or not assessed_level or self_level == assessed_level,
                    note=note,
                )
            )
        if rows:
            groups.append(_Group(section=section.id, title=section.title, rows=tuple(rows)))
    return groups


def _validity(decision: Decision) -> str:
    if decision.valid_from is None or decision.valid_until is None:
        return "no award period" if not decision.passed else "no fixed period"
    return f"{decision.valid_from.isoformat()} to {decision.valid_until.isoformat()}"


def context(assessment: Assessment) -> dict[str, Any]:
    """Everything the template shows, worked out here so the template stays simple."""
    d, fw, sub = assessment.decision, assessment.framework, assessment.submission
    index = FrameworkIndex.build(fw)

    return {
        "decision": d,
        "framework": fw,
        "submission": sub,
        "validity": _validity(d),
        "basis_sentence": basis_sentence(d),
        "status_words": status_words(d, fw),
        "status_description": status_description(d, fw),
        "award_level": fw.award_level(d.award_level) if d.award_level else None,
        "progress": [
            (progress, name, state)
            for progress, (name, state) in zip(d.progress, progress_summary(d, fw), strict=True)
        ],
        "chart": _chart(assessment),
        "targets": target_reviews(assessment),
        "assessor_notice": ASSESSOR_NOTICE,
        "reviewer_names": {member.id: member.name for member in d.reviewers},
        "actions": sorted(
            sub.actions, key=lambda a: (a.due is None, a.due.isoformat() if a.due else "", a.id)
        ),
        "requests": assessment.review.requests if assessment.review else (),
        "target_title": fw.target_title,
        "level_label": index.level_label,
        "self_colour": SELF_COLOUR,
        "assessed_colour": ASSESSED_COLOUR,
    }


class HtmlReport(ReportFormat):
    """One self-contained HTML page: status, validity, charts, findings and explanation."""

    name = "html"
    suffix = ".html"
    description = (
        "a single-file HTML page with one chart of every target and the assessor's report "
        "(needs Jinja2, the html extra)"
    )

    def render(self, assessment: Assessment) -> str:
        return load_template("report.html.j2").render(context(assessment))


@hookimpl
def qmframe_register_report_formats(register: Callable[[ReportFormat], None]) -> None:
    register(HtmlReport())
