"""The feedback letter: what the applicant is told, in plain language.

A letter is for the organisation, not the panel. It says what was decided,
what was found, what is asked of them and by when, in words a busy person
reads once. It is built only from what is meant for the applicant: the
decision's highlights, unmet rules with their feedback, differences from the
self-rating, the requests for information with their dates, the validity and
the organisation's own action plan. Reviewers' internal notes
(:attr:`~qmframe.submission.Review.notes`) and their names are never in it,
nor any rationale but the reason something is unmet, so a letter can be sent
as it is. It never repeats itself: each unmet target is in one item, however
many rules found it, saying the reason once; targets told the same words
share one item; a rule's advice that a reason took the place of is said once,
after the items; a target two highlight rules found is one strength.

Plain text on purpose: it pastes into an email or a word processor, and it
needs no optional dependency. Like the text report, every line goes through
:func:`qmframe.escaping.terminal`, so a name holding escape sequences, a bidi
override or a line break is shown, not obeyed.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable

from qmframe.decision import Highlight, Unmet
from qmframe.escaping import terminal
from qmframe.framework import Framework
from qmframe.hookspecs import hookimpl
from qmframe.index import FrameworkIndex
from qmframe.reports import Assessment, ReportFormat, status_description

__all__ = ["LetterReport"]

_WIDTH = 78


def _date(day: dt.date) -> str:
    """A date as people write it in a letter: 2 March 2026."""
    return f"{day.day} {day:%B %Y}"


def _words(status: str) -> str:
    """A status id as words: ``charter-awarded`` reads "charter awarded"."""
    return terminal(status.replace("-", " ").replace("_", " "))


def _status(framework: Framework, status: str) -> str:
    """A status as the letter says it: the framework's label, or the id as words."""
    label = framework.decision.label(status)
    return _words(label) if label == status else terminal(label)


def _sentence(text: str) -> str:
    """Text as a sentence: ending with a full stop."""
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


def _level(index: FrameworkIndex, target: str, level: str) -> str:
    """A level's label on the target's scale ("Met" rather than ``met``)."""
    label = index.level_label(target, level)
    return _words(label) if label == level else terminal(label)


def _para(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(
        " ".join(text.split()),
        width=_WIDTH,
        initial_indent=indent,
        subsequent_indent=" " * len(indent),
        break_on_hyphens=False,
        break_long_words=False,  # a long web address stays whole, and one line
    ) or [indent.rstrip()]


def _named(items: list[tuple[str, str, list[str]]]) -> list[tuple[str, str]]:
    """(name, text) per item of (name, id, texts); a name two items share gets its id."""
    names = [name for name, _, _ in items]
    return [
        (f"{name} [{key}]" if names.count(name) > 1 else name, " ".join(texts))
        for name, key, texts in items
    ]


def _asks(
    framework: Framework, unmet: tuple[Unmet, ...]
) -> tuple[list[tuple[tuple[str, ...], str]], list[str]]:
    """What is unmet, once per target (or per rule that found no target), as (names, text),
    and the rules' advice the items do not say, each once.

    Several rules may find one criterion unmet, each with the same reviewer's rationale
    as its feedback: the item says the rationale once; targets told the same words are
    one item that names them all. A rule's own advice is about every target it finds,
    so where a rationale took its place it is said once, after the items, rather than
    lost or repeated on each.
    """
    rules = {rule.id: rule for rule in framework.decision.rules}
    groups: dict[object, tuple[str, str, list[str]]] = {}
    advice: list[str] = []
    for u in unmet:
        rule = rules.get(u.rule)
        fallback = (rule.title if rule is not None else "", u.rule)
        key: object = u.target or ("rule", u.rule)
        if not u.target:
            name = u.title or u.rule
        elif u.title and u.title not in fallback:
            name = u.title
        else:  # a target without a title of its own (an outcome): the rule's, and its id
            name = f"{u.title} [{u.target}]" if u.title else u.target
        _, _, texts = groups.setdefault(key, (terminal(name), u.target or u.rule, []))
        said = _sentence(u.feedback) if u.feedback.strip() else ""
        if said and said not in texts:
            texts.append(said)
        if rule is not None and rule.feedback.strip():
            advice.append(_sentence(rule.feedback))
    # Targets told the same thing are one item, naming each of them.
    merged: dict[str, list[str]] = {}
    for number, (name, text) in enumerate(_named(list(groups.values()))):
        merged.setdefault(text or f"\0{number}", []).append(name)
    items = [
        (tuple(names), "" if text.startswith("\0") else text) for text, names in merged.items()
    ]
    told = " ".join(text for _, text in items)
    return items, [a for a in dict.fromkeys(advice) if a not in told]


def _item(names: tuple[str, ...], text: str) -> str:
    """One thing asked: what it is about, and what they are told."""
    what = "; ".join(names)
    return f"{what}: {text}" if text else f"{what}."


class LetterReport(ReportFormat):
    """A feedback letter to the organisation, without the reviewers' internal notes."""

    name = "letter"
    suffix = ".txt"
    description = "a plain-language feedback letter for the applicant"

    def render(self, assessment: Assessment) -> str:
        d, fw, sub = assessment.decision, assessment.framework, assessment.submission
        # Names and titles are one line each: a line break in one shows as \n (it is never
        # wrapped as running text); feedback and requests are running text.
        title = terminal(fw.title or fw.id)
        index = FrameworkIndex.build(fw)
        out = [
            _date(d.as_of),
            "",
            f"Dear {terminal(d.organisation_name)},",
            "",
        ]
        out += _para(f"Re: {title} (version {d.version}): the outcome of your {_words(sub.kind)}.")
        out.append("")

        # -- the decision -------------------------------------------------------------------
        status = _status(fw, d.status)
        reached = fw.award_level(d.award_level) if d.award_level else None
        if reached is not None:
            status += f", at the {terminal(reached.label)} level"
        if d.passed:
            decided = f"We are pleased to tell you that the decision is: {status}."
        else:
            decided = f"The decision is: {status}."
        if status_description(d, fw):
            decided += " " + _sentence(status_description(d, fw))
        if reached is not None and reached.description:
            decided += f" {terminal(reached.label)}: " + _sentence(reached.description)
        if d.valid_from and d.valid_until:
            decided += f" The award runs from {_date(d.valid_from)} to {_date(d.valid_until)}."
        out += [*_para(decided), ""]
        if d.is_indication:
            out += _para(
                "This is not an award. It is an early indication from what you sent: "
                f"{d.basis_note}. On what you submitted, the framework's rules would "
                f"conclude: {_status(fw, d.indicated_status)}. That may change when it is "
                "reviewed."
            )
            out.append("")
        if d.midpoint_due:
            out += _para(
                f"We will contact you for a mid-point review around {_date(d.midpoint_due)}, "
                "to talk about progress with your action plan."
            )
            out.append("")

        # -- the next award level, for an award that has not reached the top --------------
        following = [p for p in d.progress if not p.reached]
        if d.passed and following:
            nxt = following[0]
            found = fw.award_level(nxt.level)
            name = terminal(found.label if found is not None else nxt.level)
            out += _para(
                f"Towards the {name} level: {nxt.held} of the {nxt.required} things it needs "
                "are in place. Still needed:"
            )
            needed, advice = _asks(fw, nxt.missing)
            for names, feedback in needed:
                out += _para(_item(names, feedback), "  * ")
            if advice:
                out += _para("The framework advises: " + " ".join(advice))
            out.append("")

        # -- what was found -----------------------------------------------------------------
        out += ["What we found", "-------------"]
        if d.highlights:
            out += _para("We want to highlight these strengths:")
            # Two highlight rules may find one target: it is one strength, named once.
            strengths: dict[str, Highlight] = {}
            for h in d.highlights:
                strengths.setdefault(h.target, h)
            named = _named(
                [(terminal(h.title or h.target), h.target, []) for h in strengths.values()]
            )
            for h, (what, _) in zip(strengths.values(), named, strict=True):
                out += _para(f"{what}: {_level(index, h.target, h.level)}.", "  * ")
            out.append("")
        if d.disagreements:
            out += _para("In these places our view differs from your own rating:")
            named = _named([(terminal(c.title or c.target), c.target, []) for c in d.disagreements])
            for c, (what, _) in zip(d.disagreements, named, strict=True):
                out += _para(
                    f"{what}: you said "
                    f"{_level(index, c.target, c.self_level)}; "
                    f"we found {_level(index, c.target, c.assessed_level)}.",
                    "  * ",
                )
            out.append("")
        if d.unmet:
            out += _para("We could not yet find everything the framework requires: see below.")
        else:
            out += _para("Your submission meets everything the framework requires.")
        out.append("")

        # -- what is asked of them ----------------------------------------------------------
        asks, advice = _asks(fw, d.unmet)
        requests = assessment.review.requests if assessment.review is not None else ()
        if asks or requests or d.requests:
            out += ["What we ask of you", "------------------"]
            items = [_item(names, feedback) for names, feedback in asks]
            if requests:
                for r in requests:
                    target = terminal(fw.target_title(r.target) or r.target)
                    about = f" (about {target})" if r.target else ""
                    due = f" Please reply by {_date(r.due)}." if r.due else ""
                    items.append(f"{r.request}{about}.{due}")
            else:
                items += d.requests
            # A request asked twice in the same words is asked once.
            for number, item in enumerate(dict.fromkeys(items), 1):
                out += _para(item, f"{number}. ")
            if advice:
                out.append("")
                out += _para("On these points, the framework advises: " + " ".join(advice))
            if not d.passed:
                out.append("")
                out += _para(
                    "When you have addressed these points, you are welcome to send an updated "
                    "submission; we will look at it again."
                )
            out.append("")

        # -- by when: their own action plan -------------------------------------------------
        if sub.actions:
            out += ["Your action plan", "----------------"]
            out += _para("These are the actions you committed to, by the dates you gave:")
            dated = sorted(sub.actions, key=lambda a: (a.due is None, a.due or d.as_of, a.id))
            for a in dated:
                when = f"by {_date(a.due)}" if a.due else "no date given"
                late = " (this date has passed)" if a.due and a.due < d.as_of else ""
                owner = f", {terminal(a.owner)}" if a.owner else ""
                out += _para(f"{a.action.rstrip('.')} ({when}{owner}){late}.", "  * ")
            out.append("")

        out += _para("If anything in this letter is unclear, please get in touch.")
        out += ["", "Yours sincerely,", "", fw.owner or f"The {title} team"]
        return "\n".join(map(terminal, out)) + "\n"


@hookimpl
def qmframe_register_report_formats(register: Callable[[ReportFormat], None]) -> None:
    register(LetterReport())
