"""JSON Schema for qmframe's files, generated from the model classes.

Editors that understand JSON Schema (VS Code with Even Better TOML, any
editor using taplo, JetBrains IDEs) can then check and complete framework,
submission and review files as people type. The schema is built by walking
the attrs classes, so it cannot drift from what the loader accepts: every key
the converter forbids is forbidden here (``additionalProperties: false``),
except in a rule, whose kind's own parameters sit beside the common keys.
:func:`framework_schema` adds what the installed rule kinds declare: the
kinds a rule may name and, for each kind that declares its keys, those keys
(typed, the required ones required, no other key allowed).

:data:`FIELD_DOCS` holds one sentence per key. It is used twice: as the
``description`` an editor shows on hover, and in the framework file format
page of the documentation. A test fails when a model field has no sentence.

TOML dates have no JSON equivalent; the schema describes them as strings in
``YYYY-MM-DD`` form (``format: date``), which is how TOML tools present them
to a JSON Schema validator, and which the loader also accepts.
"""

from __future__ import annotations

import datetime as dt
import inspect
import types
import typing
from collections.abc import Mapping
from typing import Any

import attrs

from qmframe import details
from qmframe.decision import JSON_FORMAT_VERSION, Decision
from qmframe.framework import Framework, OutcomeSet, Rule, SubmissionDetail
from qmframe.rules import RuleKey, RuleKind
from qmframe.scales import AGGREGATES
from qmframe.submission import Review, Submission
from qmframe.vocabulary import (
    ACTION_STATUSES,
    COMBINATIONS,
    DETAIL_TYPES,
    EFFECTS,
    FIGURE_TYPES,
    PROVENANCES,
)

__all__ = ["DOCUMENTS", "FIELD_DOCS", "framework_schema", "json_schema", "submission_schema"]

DRAFT = "https://json-schema.org/draft/2020-12/schema"

#: The kinds of file a schema can be asked for, and the class each one holds.
DOCUMENTS: Mapping[str, type] = {
    "framework": Framework,
    "submission": Submission,
    "review": Review,
    "outcome-set": OutcomeSet,
    "decision": Decision,
}

#: Values a key must take, where validation allows only a fixed set.
_ENUMS: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("Outcome", "provenance"): PROVENANCES,
    ("Criterion", "provenance"): PROVENANCES,
    ("Section", "provenance"): PROVENANCES,
    ("Section", "aggregate"): ("", *AGGREGATES),
    ("Rule", "effect"): EFFECTS,
    ("ReviewPolicy", "combine"): COMBINATIONS,
    ("ActionItem", "status"): ACTION_STATUSES,
    ("SubmissionDetail", "type"): DETAIL_TYPES,
    ("Figure", "type"): FIGURE_TYPES,
}

#: One sentence per key of every file, by class name and attribute name.
FIELD_DOCS: Mapping[str, Mapping[str, str]] = {
    "Framework": {
        "lifecycle": "Which moves an award's history may make (default: qmframe's own table).",
        "id": "The framework's id, used by submissions and on the command line.",
        "version": "The version of this framework text; submissions name the version they answer.",
        "title": "The framework's name as people know it.",
        "owner": "The organisation that owns the framework.",
        "summary": "A paragraph saying what the framework is for.",
        "organisation_kinds": "The kinds of organisation that may apply (empty: any).",
        "public_fields": "Which decision fields may be published, for example on a register.",
        "contexts": "Settings with their own guidance, such as nations.",
        "scales": "The ordinal scales criteria and sections are judged on.",
        "evidence_types": "The kinds of evidence an organisation can submit.",
        "outcome_sets": "External catalogues (learning outcomes, journey stages) criteria and "
        "evidence map to.",
        "sections": "The groups of criteria, in order.",
        "decision": "The decision vocabulary and the rules that make a decision.",
        "review": "How many reviewers judge a submission and how their levels combine.",
        "validity": "How long a passing decision lasts.",
        "award_levels": "Ordered award levels, lowest first, each needing the one below "
        "(empty: a single pass status).",
        "submission_details": "The facts every submission gives in its [details] table.",
        "disclosure": "How a public sector view rounds and suppresses figures about people.",
    },
    "SubmissionDetail": {
        "key": "The detail's key in a submission's [details] table.",
        "type": "What it holds: text, choice, date (YYYY-MM-DD), number or url.",
        "required": "Whether every submission must give it.",
        "required_if": "Makes it required only when another detail has a given value.",
        "choices": "For a choice: each value it may take, with what that value means.",
        "help": "What to write, shown in the template and in messages.",
    },
    "DetailCondition": {
        "key": "The other detail's key.",
        "equals": "The value of that detail that makes this one required.",
    },
    "RecurringEvent": {
        "id": "The event's id, used by `register return` and in the due list.",
        "title": "The event's name, for example Annual statistical return.",
        "every_months": "How many months apart the returns fall due during an award.",
        "first_due_months": "Months from the award (or renewal) to the first return "
        "(default: every_months).",
        "description": "What the return is for.",
        "figures": "The figures each return reports.",
    },
    "Figure": {
        "id": "The figure's id, used by `register return --figure ID=VALUE`.",
        "label": "What the figure counts, in words.",
        "type": "count (a whole number of people, 0 or more) or number.",
        "required": "Whether every return must report it.",
        "at_most": "The id of another figure of the same event this one cannot exceed.",
        "description": "More about what to count.",
    },
    "Disclosure": {
        "round_to": "Totals of people are rounded to the nearest multiple of this, halves "
        "upwards (default 5; 1: no rounding).",
        "suppress_below": "A total above 0 and below this is shown as '..' instead "
        "(default 0: none).",
        "min_percentage_base": "No percentage of fewer people than this is shown (default 22.5).",
    },
    "Context": {
        "id": "The context's id, used by organisations and applicability.",
        "title": "The context's name.",
        "description": "What is different in this context.",
    },
    "Scale": {
        "id": "The scale's id, named by criteria and sections.",
        "title": "The scale's name.",
        "levels": "The levels, lowest first.",
        "description": "What the scale measures.",
    },
    "Level": {
        "id": "The level's id, used in ratings and judgements.",
        "label": "The level's name as people read it.",
        "meets": "Whether a judgement at this level satisfies the criterion.",
        "notable": "Whether this level is worth highlighting (separate from passing).",
        "points": "Points for this level, only for frameworks that really give points.",
        "description": "What this level looks like.",
    },
    "EvidenceType": {
        "id": "The evidence type's id, used by evidence items and requirements.",
        "title": "The evidence type's name.",
        "description": "What counts as this kind of evidence.",
    },
    "OutcomeSet": {
        "id": "The outcome set's id, used in mappings and rules.",
        "title": "The outcome set's name.",
        "file": "A separate outcome-set file beside the framework file to read outcomes from.",
        "source": "The publication the outcomes come from.",
        "groups": "Titles of the groups outcomes belong to, by group id.",
        "expected_total": "How many outcomes the source has, so a partial list is caught.",
        "outcomes": "The outcomes.",
    },
    "Outcome": {
        "id": "The outcome's id.",
        "text": "The outcome's wording.",
        "group": "The id of the group the outcome belongs to.",
        "provenance": "Where the text comes from: official, paraphrase, illustrative or "
        "placeholder.",
    },
    "Section": {
        "id": "The section's id; a section can be rated and judged as a whole.",
        "title": "The section's name.",
        "summary": "What the section covers.",
        "provenance": "Where the text comes from: official, paraphrase, illustrative or "
        "placeholder.",
        "tags": "Free labels that rules can select sections and criteria by.",
        "scale": "The scale for the section and (by default) its criteria.",
        "aggregate": "How to derive the section's level from its criteria: minimum, median or "
        "best-fit.",
        "applicability": "Which organisations the section applies to.",
        "not_applicable_allowed": "Whether an organisation may mark the section not applicable.",
        "context_guidance": "Extra guidance per context id.",
        "criteria": "The section's criteria, in order.",
        "justification": "What justification each kind of rating of the section, and by "
        "default of its criteria, needs.",
    },
    "Criterion": {
        "id": "The criterion's id, used by ratings, judgements and evidence.",
        "title": "The criterion's statement.",
        "guidance": "What an organisation should show to meet it.",
        "scale": "The scale it is judged on (default: its section's).",
        "provenance": "Where the text comes from: official, paraphrase, illustrative or "
        "placeholder.",
        "tags": "Free labels that rules can select criteria by.",
        "weight": "A weight, only for frameworks that really weigh criteria.",
        "evidence": "The evidence the criterion asks for.",
        "applicability": "Which organisations the criterion applies to.",
        "not_applicable_allowed": "Whether an organisation may mark it not applicable.",
        "mappings": "Outcome ids this criterion covers, by outcome set id.",
        "context_guidance": "Extra guidance per context id.",
        "justification": "What justification each kind of rating needs (default: its section's).",
    },
    "Applicability": {
        "contexts": "Context ids it applies in (empty: all).",
        "organisation_kinds": "Organisation kinds it applies to (empty: all).",
    },
    "EvidenceRequirement": {
        "types": "Evidence type ids that satisfy the requirement.",
        "min_count": "How many evidence items of those types are needed.",
        "description": "What the evidence should show.",
    },
    "DecisionPolicy": {
        "pass_status": "The status of a passing decision.",
        "fail_status": "The status when a required rule does not hold.",
        "statuses": "Further statuses that veto rules may give.",
        "rules": "The decision rules, evaluated in this order.",
        "labels": "How each status reads in reports, letters and the register, by status.",
    },
    "Rule": {
        "id": "The rule's id, shown in explanations and feedback.",
        "kind": "The rule kind (built in or from a plugin); its own keys sit beside this one.",
        "title": "What the rule checks, in words.",
        "effect": "How the rule counts: require, veto, highlight, inform or level (only "
        "towards the award levels that name it).",
        "status": "For a veto rule, the status the decision takes when it fails.",
        "feedback": "What to tell the organisation when the rule does not hold.",
        "params": "Not a key: the kind's own keys are written beside kind.",
    },
    "ReviewPolicy": {
        "required": "Whether an award needs reviewers (true, the default) or the framework "
        "is self-certified (false): without the reviewers, a decision is only an indication.",
        "min_reviewers": "How many reviewers must judge each submission.",
        "combine": "How reviewers' levels combine: lowest, median or unanimous.",
    },
    "Validity": {
        "months": "How many months a passing decision lasts (0: no fixed period).",
        "midpoint_months": "When the mid-point review falls due, in months (0: none).",
    },
    "Submission": {
        "framework": "The id of the framework this submission answers.",
        "framework_version": "The framework version it answers.",
        "organisation": "The organisation applying.",
        "kind": "What the submission is, for example self-assessment or application.",
        "submitted_on": "The date it was submitted.",
        "previous_award": "A reference to the award this one renews, if any.",
        "details": "Further facts the framework asks for, by key.",
        "ratings": "The organisation's own rating of each criterion or section.",
        "evidence": "The evidence offered.",
        "actions": "The action plan: what the organisation will do next, by when.",
    },
    "Organisation": {
        "id": "The organisation's id.",
        "name": "The organisation's name.",
        "kind": "One of the framework's organisation kinds.",
        "context": "One of the framework's context ids.",
        "linked": "Organisations it depends on (such as a validating university), by role.",
    },
    "Rating": {
        "target": "The criterion or section id rated.",
        "level": "The level the organisation gives itself (leave out: not rated yet).",
        "not_applicable": "Marks the target not applicable, where the framework allows it.",
        "justification": "Why: the reason it is not applicable, or (with the narrative) what "
        "the framework's justification table asks for the level given.",
        "narrative": "The organisation's account of how it meets the criterion.",
    },
    "EvidenceItem": {
        "id": "The evidence item's id, cited by judgements.",
        "type": "One of the framework's evidence type ids.",
        "title": "What the document or record is.",
        "reference": "A URL, or a path inside the submission's folder.",
        "effective_date": "The date the evidence is from.",
        "sha256": "The SHA-256 of the referenced file, checked when given.",
        "criteria": "The criteria it supports.",
        "outcomes": "The outcome ids it covers.",
    },
    "ActionItem": {
        "id": "The action's id.",
        "action": "What will be done.",
        "owner": "Who is responsible.",
        "due": "When it is due.",
        "criteria": "The criteria it improves.",
        "status": "planned, in-progress, completed or dropped.",
        "carried_from": "The id of the earlier action this continues, on renewal.",
    },
    "Review": {
        "framework": "The id of the framework the review applies.",
        "framework_version": "The framework version.",
        "organisation": "The id of the organisation reviewed.",
        "reviewed_on": "The date of the review.",
        "reviewers": "Who reviewed, with their declared interests.",
        "judgements": "The reviewers' levels per criterion or section.",
        "requests": "Requests to the organisation for more information.",
        "notes": "Internal notes for the panel; never shown to the organisation.",
    },
    "Reviewer": {
        "id": "The reviewer's id, used in judgements.",
        "name": "The reviewer's name.",
        "organisation": "The organisation the reviewer works for.",
        "role": "The reviewer's role.",
        "interests": "Interests the reviewer declares in organisations.",
    },
    "Interest": {
        "organisation": "The id of the organisation the interest is in.",
        "kind": "The kind of interest, for example employee or external-examiner.",
        "note": "Anything more to say about it.",
    },
    "Judgement": {
        "target": "The criterion or section id judged.",
        "level": "The level given.",
        "reviewer": "The id of the reviewer who gave it.",
        "rationale": "Why.",
        "evidence": "Evidence item ids the judgement relies on.",
    },
    "AwardProgress": {
        "level": "The award level (an id from the framework's award_levels).",
        "reached": "Whether this level and every lower one are complete and an award is made.",
        "held": "How many of what this level needs hold.",
        "required": "How many things this level needs: targets, or rules that found none.",
        "missing": "What this level still needs, as unmet items with their feedback.",
    },
    "Decision": {
        "award_level": "The highest award level reached; empty when none is (or none exist).",
        "progress": "The progress towards each of the framework's award levels, lowest first.",
        "framework": "The id of the framework the decision is under.",
        "version": "The version of the framework text that was applied.",
        "organisation": "The id of the organisation assessed.",
        "organisation_name": "The organisation's name as the submission gives it.",
        "status": "The outcome in the framework's own words (``indication`` for an indication).",
        "passed": "True only when an award is made.",
        "basis": "What the decision rests on: review, self-certified or indication.",
        "as_of": "The day the decision was made for.",
        "valid_from": "The first day of the award (null when there is no award or no validity).",
        "valid_until": "The last day of the award (null when there is no award or no validity).",
        "midpoint_due": "When the mid-term review is due (null when the framework has none).",
        "highlights": "Targets judged at a level the framework marks as notable.",
        "unmet": "What required rules found missing, with why and what to tell the organisation.",
        "comparisons": "Self-rating and assessed level of each target, side by side.",
        "panel_disagreements": "Targets the panel's members judged at different levels.",
        "requests": "Information the review asks the organisation for.",
        "explanation": "Every rule evaluated, in order, with what it saw and concluded.",
        "levels": "The decided level of every target, with where it came from.",
        "indicated_status": "For an indication, what the rules would have concluded.",
        "basis_note": "For an indication, what is missing for a decision.",
        "reviewers": "The reviewers who judged the submission (the review's reviewers).",
        "review_notes": "The review's internal notes, for the panel (never in the letter).",
    },
    "GivenLevel": {
        "reviewer": "The id of the reviewer who gave it (empty when the review names none).",
        "level": "The level the reviewer gave.",
        "rationale": "Why, in the reviewer's words.",
        "evidence": "Evidence item ids the judgement relies on.",
    },
    "PanelMember": {
        "id": "The reviewer's id.",
        "name": "The reviewer's name.",
        "role": "The reviewer's role.",
        "organisation": "The reviewer's organisation.",
    },
    "Finding": {
        "target": "The criterion, section, outcome or item the finding is about.",
        "holds": "Whether the rule held for this target.",
        "level": "The target's level the rule saw, if any.",
        "note": "What the rule noted about it.",
    },
    "RuleOutcome": {
        "rule": "The rule's id.",
        "kind": "The rule's kind.",
        "effect": "What the rule does to the decision (its effect).",
        "title": "The rule's title.",
        "holds": "Whether the rule held.",
        "saw": "What the rule looked at.",
        "concluded": "What the rule concluded.",
        "findings": "What it concluded about each target.",
        "evaluated_by": "The plugin whose code evaluated the rule (qmframe for built-in kinds).",
    },
    "DecidedLevel": {
        "target": "The criterion or section.",
        "level": "The level decided (empty when not applicable or unresolved).",
        "source": "Where the level came from: judgement, self-rating, derived, not-applicable "
        "or unresolved.",
        "note": "Why, for a derived, not-applicable or unresolved level, or an overruling "
        "judgement's rationale.",
        "judgements": "Each reviewer's level for the target and why, in review order.",
    },
    "Highlight": {
        "target": "The section or criterion.",
        "title": "Its title.",
        "level": "The notable level it was judged at.",
        "rule": "The rule that noted it.",
    },
    "Unmet": {
        "target": "What was found missing.",
        "title": "Its title.",
        "rule": "The rule that found it missing.",
        "reason": "Why it is not met.",
        "feedback": "What to tell the organisation about it.",
    },
    "Comparison": {
        "target": "The criterion or section.",
        "title": "Its title.",
        "self_level": "The organisation's own rating.",
        "assessed_level": "The level the reviewers judged.",
        "agrees": "Whether the two are the same.",
    },
    "PanelDisagreement": {
        "target": "The criterion or section.",
        "title": "Its title.",
        "levels": "Each reviewer's id with the level they gave, in review order.",
        "decided": "The combined level (empty when the policy left it unresolved).",
        "policy": "The framework's review.combine policy that combined them.",
    },
    "InformationRequest": {
        "id": "The request's id.",
        "request": "What the organisation is asked for.",
        "target": "The criterion or section it is about.",
        "due": "When the answer is due.",
    },
    "AwardLevel": {
        "id": "The award level's id, as the decision's award_level records it.",
        "label": "The award level's name as people read it.",
        "description": "What reaching this level means.",
        "rules": "Ids of the rules this level needs besides those of the levels below (none "
        "for the lowest).",
    },
    "StatusLabel": {
        "label": "The status as people read it, for example in a letter.",
        "description": "A sentence saying what the status means.",
    },
    "Justification": {
        "met": "What a rating at a level that meets it needs.",
        "notable": "What a rating at a notable level needs, besides what met asks.",
        "unmet": "What a rating at a level that does not meet it needs.",
        "not_applicable": "What marking it not applicable needs (default: a reason).",
        "unmet_satisfies": "Whether an unmet rating, justified as unmet asks, satisfies it "
        "for rules of kind satisfied.",
    },
    "JustificationNeed": {
        "required": "Whether some justification text must be given.",
        "min_chars": "The fewest characters the justification may have (0: any).",
        "url": "Whether the justification must hold a web address (http:// or https://).",
    },
    "Lifecycle": {
        "transitions": "Replaces the default table: each state with the states it may move to.",
        "add": "Moves to allow on top of the default table, by state.",
        "remove": "Moves of the default table to forbid, by state.",
        "start": "The states an award's history may begin in.",
        "recurring": "What every holder does again and again during an award, such as an "
        "annual return.",
    },
}


def describe(cls: type) -> str:
    """The first paragraph of a class's docstring, on one line."""
    doc = inspect.getdoc(cls) or ""
    return " ".join(doc.split("\n\n")[0].split())


def _type_schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        present = [a for a in args if a is not type(None)]
        if len(present) == 1:
            return _type_schema(present[0], defs)  # TOML has no null: leave the key out
        return {"anyOf": [_type_schema(a, defs) for a in present]}
    if tp is Any:
        return {}
    if tp is str:
        return {"type": "string"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is dt.date:
        return {"type": "string", "format": "date"}
    if origin is tuple:
        return {"type": "array", "items": _type_schema(args[0], defs)}
    if origin is Mapping or origin is dict:
        return {"type": "object", "additionalProperties": _type_schema(args[1], defs)}
    if isinstance(tp, type) and attrs.has(tp):
        _define(tp, defs)
        return {"$ref": f"#/$defs/{tp.__name__}"}
    raise TypeError(f"no JSON Schema for {tp!r}")  # a new kind of field: teach it here


def _define(cls: type, defs: dict[str, Any]) -> None:
    if cls.__name__ in defs:
        return
    defs[cls.__name__] = {}  # placeholder: classes may refer to each other
    hints = typing.get_type_hints(cls)
    docs = FIELD_DOCS.get(cls.__name__, {})
    properties: dict[str, Any] = {}
    required = []
    for field in attrs.fields(cls):
        if cls is Rule and field.name == "params":
            continue  # the kind's parameters sit beside the common keys
        schema = _type_schema(hints[field.name], defs)
        if field.name in docs:
            schema = {**schema, "description": docs[field.name]}
        choices = _ENUMS.get((cls.__name__, field.name))
        if choices is not None:
            schema = {**schema, "enum": list(choices)}
        properties[field.name] = schema
        if field.default is attrs.NOTHING:
            required.append(field.name)
    defs[cls.__name__] = {
        "type": "object",
        "title": cls.__name__,
        "description": describe(cls),
        "properties": properties,
        "required": required,
        # A rule carries its kind's own keys; everywhere else an unknown key is a typo.
        "additionalProperties": cls is Rule,
    }
    if cls is Rule:
        defs[cls.__name__]["not"] = {"required": ["params"]}


def json_schema(document: str) -> dict[str, Any]:
    """The JSON Schema of one kind of file: ``framework``, ``submission``, ``review``,
    ``outcome-set``, or ``decision`` (the JSON of ``qmframe assess --format json``).

    Raises KeyError for another name.
    """
    cls = DOCUMENTS[document]
    defs: dict[str, Any] = {}
    _define(cls, defs)
    root = defs.pop(cls.__name__)
    if cls is Submission:
        # Details are text; a number or date may be written as a TOML number or date.
        details_table = root["properties"]["details"]
        details_table["additionalProperties"] = {"anyOf": [{"type": "string"}, {"type": "number"}]}
    title = f"qmframe {document} file"
    if cls is Decision:
        title = "qmframe decision (JSON)"
        _decision_json(root, defs)
    else:
        root["properties"] = {
            "document": {
                "const": document,
                "description": f"Says this file is a {document} (optional; without it, "
                "qmframe validate guesses from the keys).",
            },
            **root["properties"],
        }
    return {
        "$schema": DRAFT,
        **root,
        "title": title,
        "$defs": dict(sorted(defs.items())),
    }


def _decision_json(root: dict[str, Any], defs: dict[str, Any]) -> None:
    """Fit the decision schema to its JSON: nulls for absent dates, and the keys beside it."""
    hints = typing.get_type_hints(Decision)
    for field in attrs.fields(Decision):
        if type(None) in typing.get_args(hints[field.name]):  # JSON writes None as null
            prop = root["properties"][field.name]
            described = {"description": prop.pop("description")} if "description" in prop else {}
            root["properties"][field.name] = {"anyOf": [prop, {"type": "null"}], **described}
    root["properties"] = {
        "format_version": {
            "type": "integer",
            "minimum": 1,
            "maximum": JSON_FORMAT_VERSION,
            "description": "The version of this JSON format; a reader refuses a newer one.",
        },
        "award": {
            "type": "string",
            "description": "The award id, FRAMEWORK/ORGANISATION/AS-OF (ignored when read back).",
        },
        **root["properties"],
        "disagreements": {
            "type": "array",
            "items": {"$ref": "#/$defs/Comparison"},
            "description": "The comparisons where self-rating and assessed level differ "
            "(ignored when read back).",
        },
    }


#: JSON Schema for the words a rule kind's keys give as their type (:attr:`RuleKey.type`);
#: a key whose type is in other words is described, not typed.
_KEY_TYPES: Mapping[str, Mapping[str, Any]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "true or false": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "table": {"type": "object"},
    "list of strings": {"type": "array", "items": {"type": "string"}},
}


def _key_schema(key: RuleKey) -> dict[str, Any]:
    default = f" Default: {key.default}." if key.default else ""
    return {**_KEY_TYPES.get(key.type, {}), "description": f"{key.meaning}{default}"}


def framework_schema(rule_kinds: Mapping[str, RuleKind]) -> dict[str, Any]:
    """The JSON Schema of a framework file whose rules use ``rule_kinds`` (name: kind).

    The general framework schema, with a rule's ``kind`` one of the names
    given and, for each kind that declares its keys (:attr:`RuleKind.keys`),
    those keys beside the common ones, typed, the required ones required and
    no other key allowed, as :meth:`RuleKind.unknown_keys` refuses them. A
    kind that checks its keys itself leaves its rules open. ``qmframe schema
    framework`` passes the installed kinds (``Registry.rule_kinds``).
    """
    schema = json_schema("framework")
    rule = schema["$defs"]["Rule"] = dict(schema["$defs"]["Rule"])
    common = dict(rule["properties"])
    common["kind"] = {**common["kind"], "enum": sorted(rule_kinds)}
    rule["properties"] = common
    branches = [
        {
            "if": {"properties": {"kind": {"const": name}}, "required": ["kind"]},
            "then": {
                "properties": {
                    **dict.fromkeys(common, True),
                    **{key.name: _key_schema(key) for key in kind.keys},
                },
                "required": [key.name for key in kind.keys if key.required],
                "additionalProperties": False,
            },
        }
        for name, kind in sorted(rule_kinds.items())
        if kind.keys is not None
    ]
    if branches:
        rule["allOf"] = branches
    return schema


def _detail_schema(detail: SubmissionDetail) -> dict[str, Any]:
    """One declared detail's value, as :func:`qmframe.details.value_problem` accepts it."""
    text: dict[str, Any] = {"type": "string"}
    if detail.type == "choice":
        schema: dict[str, Any] = {"enum": list(detail.choices)}
        meanings = "; ".join(f"{value}: {meaning}" for value, meaning in detail.choices.items())
        help_text = f"{detail.help} {meanings}".strip()
    elif detail.type == "number":
        schema = {"anyOf": [{"type": "number"}, {**text, "pattern": details.NUMBER_PATTERN}]}
        help_text = detail.help
    elif detail.type == "date":
        schema = {**text, "format": "date"}
        help_text = detail.help
    elif detail.type == "url":
        schema = {**text, "pattern": details.URL_PATTERN}
        help_text = detail.help
    else:
        schema = {**text, "pattern": r"\S"} if details.is_required(detail, {}) else text
        help_text = detail.help
    return {**schema, "description": help_text} if help_text else schema


def submission_schema(framework: Framework) -> dict[str, Any]:
    """The JSON Schema of a submission file for one framework.

    The general submission schema, narrowed to this framework: its id and
    version, its organisation kinds and contexts, and its declared
    ``[details]`` (each typed, the required ones required, the conditional
    ones required when their condition holds, no other key allowed). A
    framework that declares no details leaves ``[details]`` open.
    """
    schema = json_schema("submission")
    schema["title"] = f"qmframe submission file for {framework.id} {framework.version}"
    properties = schema["properties"]
    properties["framework"] = {**properties["framework"], "const": framework.id}
    properties["framework_version"] = {
        **properties["framework_version"],
        "const": framework.version,
    }
    organisation = schema["$defs"]["Organisation"] = dict(schema["$defs"]["Organisation"])
    organisation["properties"] = dict(organisation["properties"])
    if framework.organisation_kinds:
        kind = organisation["properties"]["kind"]
        organisation["properties"]["kind"] = {**kind, "enum": list(framework.organisation_kinds)}
    if framework.contexts:
        context = organisation["properties"]["context"]
        contexts = [c.id for c in framework.contexts]
        organisation["properties"]["context"] = {**context, "enum": contexts}
    declared = framework.submission_details
    if not declared:
        return schema
    table: dict[str, Any] = {
        "type": "object",
        "description": properties["details"]["description"],
        "properties": {d.key: _detail_schema(d) for d in declared},
        "required": [d.key for d in declared if d.required],
        "additionalProperties": False,
    }
    conditions = [
        {
            "if": {
                "properties": {d.required_if.key: {"const": d.required_if.equals}},
                "required": [d.required_if.key],
            },
            "then": {"required": [d.key], "properties": {d.key: {"pattern": r"\S"}}},
        }
        for d in declared
        if d.required_if is not None and not d.required
    ]
    if conditions:
        table["allOf"] = conditions
    properties["details"] = table
    if table["required"]:
        schema["required"] = [*schema["required"], "details"]
    return schema
