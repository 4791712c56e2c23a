"""A blank self-assessment or review for a framework, with its guidance as comments.

The template is TOML that loads as it is (every level left unset), so a
person can fill it in section by section and validate as they go.
"""

from __future__ import annotations

import tomli_w

from qmframe.framework import Framework, JustificationNeed

__all__ = ["render_review_template", "render_template"]


def _comment(text: str, indent: str = "") -> list[str]:
    return [f"{indent}# {line}".rstrip() for line in text.splitlines()] if text else []


def _value(value: object) -> str:
    """One TOML value, escaped by tomli-w."""
    return tomli_w.dumps({"v": value})[4:].strip()


def _details(fw: Framework) -> list[str]:
    """The ``[details]`` table: every declared detail, with what it asks as comments.

    A required detail is written with an empty value to fill in; any other is
    written commented out, so the file is valid until it is given.
    """
    if not fw.submission_details:
        return []
    out = ["", "# == Details " + "=" * 20]
    out += ["# Further facts this framework asks of every submission.", "[details]"]
    for detail in fw.submission_details:
        out.append("")
        out += _comment(detail.help)
        condition = detail.required_if
        if detail.required:
            out.append(f"# Required; {_KIND[detail.type]}.")
        elif condition is not None:
            out.append(
                f"# Required when {condition.key} is {condition.equals!r}; {_KIND[detail.type]}."
            )
        else:
            out.append(f"# Optional; {_KIND[detail.type]}.")
        for value, meaning in detail.choices.items():
            out.append(f"#   {value}: {meaning}")
        line = f"{detail.key} = {_value('')}"
        out.append(line if detail.required else f"# {line}")
    return out


#: What each type of detail holds, as the template says it.
_KIND = {
    "text": "text",
    "choice": "one of the choices below",
    "date": "a date, YYYY-MM-DD",
    "number": "a number",
    "url": "an http or https address",
}


def render_template(framework: Framework, *, organisation: str = "") -> str:
    """The text of a blank self-assessment listing every criterion with its guidance."""
    fw = framework
    out = [
        f"# Self-assessment for {fw.title}, version {fw.version}.",
        "# Fill in each rating's level (or mark it not applicable where allowed, with a",
        "# justification), add your evidence and your action plan, then run:",
        "#   qmframe validate THIS_FILE",
        'document = "submission"',
        f"framework = {_value(fw.id)}",
        f"framework_version = {_value(fw.version)}",
        'kind = "self-assessment"',
        "",
        "[organisation]",
        f"id = {_value(organisation)}",
        'name = ""',
    ]
    if fw.organisation_kinds:
        out.append(f"# one of: {', '.join(fw.organisation_kinds)}")
    out.append('kind = ""')
    if fw.contexts:
        out.append(f"# one of: {', '.join(c.id for c in fw.contexts)}")
        out.append('context = ""')
    out += _details(fw)
    for section in fw.sections:
        out += ["", f"# == {section.title} [{section.id}] " + "=" * 20]
        out += _comment(section.summary)
        for context, note in section.context_guidance.items():
            out += _comment(f"In {context}: {note}")
        section_scale = fw.scale(section.scale) if section.scale else None
        if section_scale is not None:
            # A section with its own scale is rated as a whole (an area judgement).
            out += ["", "[[ratings]]", f"# Your overall rating of {section.title}"]
            out.append(f"target = {_value(section.id)}")
            out.append(f"# level = one of: {', '.join(section_scale.level_ids())}")
            out += _justification_notes(fw, section.id)
            if section.not_applicable_allowed:
                out.append(f"# not_applicable = true   {_na_note(fw, section.id)}")
            out.append('narrative = ""')
        for criterion in section.criteria:
            scale = fw.scale(criterion.scale or section.scale)
            out += ["", "[[ratings]]", f"# {criterion.title}"]
            out += _comment(criterion.guidance)
            for context, note in criterion.context_guidance.items():
                out += _comment(f"In {context}: {note}")
            if criterion.applicability.contexts or criterion.applicability.organisation_kinds:
                where = ", ".join(
                    criterion.applicability.contexts + criterion.applicability.organisation_kinds
                )
                out.append(f"# Applies only to: {where}")
            for req in criterion.evidence:
                out.append(
                    f"# Evidence needed: at least {req.min_count} of {' or '.join(req.types)}"
                )
            out.append(f"target = {_value(criterion.id)}")
            if scale is not None:
                out.append(f"# level = one of: {', '.join(scale.level_ids())}")
            out += _justification_notes(fw, criterion.id)
            if criterion.not_applicable_allowed or section.not_applicable_allowed:
                out.append(f"# not_applicable = true   {_na_note(fw, criterion.id)}")
            out.append('narrative = ""')
    if fw.evidence_types:
        out += [
            "",
            "# == Evidence " + "=" * 20,
            "# Add one [[evidence]] table per document. Types: "
            + ", ".join(e.id for e in fw.evidence_types),
            "# [[evidence]]",
            '# id = "ev-1"',
            f'# type = "{fw.evidence_types[0].id}"',
            '# title = ""',
            '# reference = "evidence/file.pdf"',
            "# criteria = []",
        ]
    out += [
        "",
        "# == Action plan " + "=" * 20,
        "# [[actions]]",
        '# id = "act-1"',
        '# action = ""',
        '# owner = ""',
        "# due = 2027-01-31",
        "# criteria = []",
    ]
    return "\n".join(out) + "\n"


def render_review_template(framework: Framework, *, organisation: str = "") -> str:
    """The text of a blank review: a reviewer, and a judgement to give of every target.

    Every section rated as a whole and every criterion gets a ``[[judgements]]``
    table with its scale's levels as a comment and an empty ``level`` to fill
    in; the reviewer's ``id`` and ``name`` and the organisation's id are empty
    too. Those placeholders are the only errors the blank review has.
    """
    fw = framework
    out = [
        f"# Review for {fw.title}, version {fw.version}.",
        "# Name the reviewer, give each judgement its level (and why), then check it with",
        "# the submission it reviews:",
        "#   qmframe validate SUBMISSION_FILE THIS_FILE",
        'document = "review"',
        f"framework = {_value(fw.id)}",
        f"framework_version = {_value(fw.version)}",
        "# The id of the organisation, as its submission gives it.",
        f"organisation = {_value(organisation)}",
        "# reviewed_on = 2026-01-31",
        '# notes = ""   (internal: never shown in the letter to the organisation)',
        "",
        "[[reviewers]]",
        'id = ""',
        'name = ""',
        '# organisation = ""',
        '# role = ""',
        '# interests = [{ organisation = "", kind = "employee" }]   (declared interests)',
    ]
    for section in fw.sections:
        out += ["", f"# == {section.title} [{section.id}] " + "=" * 20]
        targets = [(section.id, section.title, section.scale)] if section.scale else []
        targets += [(c.id, c.title, c.scale or section.scale) for c in section.criteria]
        for target, title, scale_id in targets:
            scale = fw.scale(scale_id) if scale_id else None
            out += ["", "[[judgements]]", f"# {title}", f"target = {_value(target)}"]
            if scale is not None:
                out.append(f"# one of: {', '.join(scale.level_ids())}")
            out += ['level = ""', '# reviewer = ""   (a reviewer id, on a panel)']
            out += ['rationale = ""', "# evidence = []   (the submission's evidence ids)"]
    out += [
        "",
        "# == Requests for information " + "=" * 20,
        "# [[requests]]",
        '# id = "req-1"',
        '# request = ""',
        '# target = ""',
        "# due = 2026-03-31",
    ]
    return "\n".join(out) + "\n"


def _need_words(need: JustificationNeed) -> str:
    parts = [f"at least {need.min_chars} characters"] if need.min_chars else []
    parts += ["a web address (https://...)"] if need.url else []
    return ", ".join(parts) or "a reason"


def _justification_notes(fw: Framework, target: str) -> list[str]:
    """What the framework's justification table asks of a rating of ``target``, as comments."""
    policy = fw.justification_of(target)
    asked = [
        f"{words}: {_need_words(need)}"
        for need, words in (
            (policy.met, "met"),
            (policy.notable, "at a notable level"),
            (policy.unmet, "not met"),
        )
        if need.needed
    ]
    lines = [f"# justification (or narrative) needed when {'; '.join(asked)}"] if asked else []
    if policy.unmet_satisfies:
        lines.append("# (not met, with that justification, still satisfies it)")
    return lines


def _na_note(fw: Framework, target: str) -> str:
    need = fw.justification_of(target).not_applicable
    if not need.needed:
        return "(allowed here)"
    if need.min_chars or need.url:
        return f"(allowed here; give a justification: {_need_words(need)})"
    return "(allowed here; give a justification)"
