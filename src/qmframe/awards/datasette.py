"""Datasette metadata for a register: what each table and column holds, and useful queries.

`Datasette <https://datasette.io>`_ opens a register file as it is and
serves every table as web pages and a JSON API. :func:`datasette_metadata`
adds what the file cannot say for itself, in the metadata keys of
Datasette's stable release (0.65): a title and description, a description of
every table, view and column, the column that labels a row where another
table links to it (``label_column``), facets, default sorts, and canned
queries (current holders, due this quarter, expiring soon, awards by level,
one organisation's history, indications awaiting review).

:data:`TABLES` is the one place the schema is described: a test checks that
it names every table, view and column of a register of the current schema
and nothing else, and that every canned query runs. The raw ``decisions``
table, which holds each decision's whole JSON, is hidden from the table list
in favour of the view ``decision_summaries`` (the same rows without the
JSON); it stays reachable by its URL.

Nothing here imports Datasette: the metadata is plain JSON values, written by
``qmframe register metadata``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from qmframe.vocabulary import HOLDING

__all__ = ["QUERIES", "TABLES", "Named", "Query", "Table", "datasette_metadata"]


@attrs.frozen(kw_only=True)
class Table:
    """How Datasette should show one table or view of the register."""

    description: str
    columns: Mapping[str, str]
    label_column: str = ""
    facets: tuple[str, ...] = ()
    sort_desc: str = ""
    hidden: bool = False


@attrs.frozen(kw_only=True)
class Query:
    """A canned query: a title, what it answers, and its SQL (named parameters as ``:name``)."""

    title: str
    description: str
    sql: str
    params: tuple[str, ...] = ()


_DECISION_COLUMNS = {
    "id": "the decision's row number in this register",
    "award": "the award id, FRAMEWORK/ORGANISATION/DATE (with /2, /3 ... for a second or "
    "later decision of the same day); never changes once given",
    "framework": "the framework's id",
    "version": "the framework version the decision was made under",
    "organisation": "the organisation's id",
    "organisation_name": "the organisation's name, as the submission gave it",
    "status": "the outcome the framework's decision rules reached (its status id)",
    "award_level": "the award level reached, for a framework whose award has levels "
    "(empty otherwise)",
    "passed": "1 if the decision grants or renews the award, 0 if not (an indication never passes)",
    "basis": "what the decision rests on: review, self-certified, or indication (the reviewers "
    "the framework requires were missing, so it is no award)",
    "indicated_status": "for an indication, the status the rules would have reached",
    "as_of": "the decision's date",
    "valid_from": "the first day of the award it grants (empty when it grants none)",
    "valid_until": "the last day of the award it grants (empty when it grants none, or the "
    "award has no end)",
    "midpoint_due": "when the award's mid-point review falls due (empty when none)",
    "previous_award": "the award id the submission says it renews (empty for a first submission)",
    "details": "the figures the submission reported (JSON object), totalled by the sector view",
    "recorded_at": "when the decision was recorded here (UTC)",
}

#: Every table and view of the register, described (checked against the schema by a test).
TABLES: dict[str, Table] = {
    "decision_summaries": Table(
        description="Every recorded decision, one row each, without the decision's JSON: "
        "start here. The full explanation of a decision is in the decisions table's "
        "document column.",
        columns=_DECISION_COLUMNS,
        facets=("framework", "status", "award_level", "basis", "passed"),
        sort_desc="as_of",
    ),
    "decisions": Table(
        description="Every recorded decision with its whole explanation as JSON (document). "
        "Hidden from the table list: decision_summaries shows the same rows without the JSON.",
        columns={
            **_DECISION_COLUMNS,
            "document": "the whole decision as JSON: every rule's outcome, levels, unmet "
            "requirements and highlights",
        },
        label_column="award",
        facets=("framework", "status", "basis"),
        hidden=True,
    ),
    "events": Table(
        description="Every lifecycle event of every organisation's award (awarded, renewed, "
        "suspended, withdrawn ...), oldest first. Expiry is never recorded: an award has "
        "expired from the day after its valid_until.",
        columns={
            "id": "the event's row number",
            "framework": "the framework's id",
            "organisation": "the organisation's id",
            "state": "the state the award moved to",
            "on_date": "the day it moved",
            "reason": "why, as recorded",
            "version": "for awarded and renewed: the framework version the award was made under",
            "valid_until": "for awarded and renewed: the award's last day (empty: no end)",
            "midpoint_due": "for awarded and renewed: when the mid-point review falls due",
            "decision_id": "the decision that caused the event (empty for one recorded by hand)",
            "ends_on": "the date of the organisation's next event, which ends this one "
            "(empty while it is the latest)",
            "term_id": "the awarded or renewed event of the term this event belongs to",
        },
        label_column="state",
        facets=("framework", "state"),
        sort_desc="on_date",
    ),
    "decided_levels": Table(
        description="The level each decision settled for each section and criterion.",
        columns={
            "decision_id": "the decision",
            "target": "the section or criterion id",
            "level": "the level settled (empty when none was: unresolved or not applicable)",
            "source": "where the level came from: judgement, self-rating, derived, "
            "not-applicable or unresolved",
        },
        facets=("target", "level", "source"),
    ),
    "unmet": Table(
        description="What each decision found unmet: the requirements that kept the award "
        "(or an award level) from being granted.",
        columns={
            "decision_id": "the decision",
            "position": "its place in the decision's list (0 first)",
            "target": "the section or criterion id (empty for a rule about the whole)",
            "title": "the section's, criterion's or rule's title",
            "rule": "the id of the decision rule that was not met",
        },
        facets=("target", "rule"),
    ),
    "highlights": Table(
        description="Practice the reviewers highlighted in each decision: the repository of "
        "effective practice.",
        columns={
            "decision_id": "the decision",
            "position": "its place in the decision's list (0 first)",
            "target": "the section or criterion id",
            "title": "the section's or criterion's title",
            "level": "the level that earned the highlight",
            "rule": "the id of the rule that highlighted it",
        },
        facets=("target", "level"),
    ),
    "organisations": Table(
        description="Each organisation's first and latest decision under each framework.",
        columns={
            "framework": "the framework's id",
            "organisation": "the organisation's id",
            "first_id": "its first decision (by date, then as recorded)",
            "first_as_of": "the first decision's date",
            "latest_id": "its latest decision (by date, then as recorded)",
            "latest_as_of": "the latest decision's date",
        },
        facets=("framework",),
    ),
    "status_indexes": Table(
        description="Each badge's place in its framework's status lists (Bitstring Status "
        "List), assigned once and never reused.",
        columns={
            "award": "the award id",
            "framework": "the framework's id",
            "list_index": "the award's bit in the revocation and suspension lists",
            "assigned_at": "when the index was assigned (UTC)",
        },
    ),
    "returns": Table(
        description="Returns of the frameworks' recurring events (such as an annual "
        "statistical return), one row per due date answered.",
        columns={
            "id": "the return's row number",
            "framework": "the framework's id",
            "organisation": "the organisation's id",
            "event": "the recurring event's id",
            "due_on": "the due date the return answers",
            "on_date": "the day it was sent",
            "note": "a note kept with it",
            "recorded_at": "when it was recorded here (UTC)",
        },
        label_column="event",
        facets=("framework", "event"),
        sort_desc="due_on",
    ),
    "return_figures": Table(
        description="The figures of each return, one row per figure.",
        columns={
            "return_id": "the return",
            "figure": "the figure's id, as the recurring event declares it",
            "value": "what the return reported (a count of people, or another number the "
            "event declares)",
        },
        facets=("figure",),
    ),
}


def _words(words: Sequence[str] | frozenset[str]) -> str:
    listed = sorted(words)
    assert all(word.replace("-", "").isalpha() for word in listed)
    return ", ".join(f"'{word}'" for word in listed)


# The day asked for (today when left blank), and who holds a current award on it: the
# organisation's event in force that day is a holding state and its term has not run out
# (the register's own reads use the same rule).
_ASKED = "asked AS (SELECT coalesce(nullif(:day, ''), date('now')) AS day)"
_HOLDERS = f"""holders AS (
    SELECT e.framework, e.organisation,
           coalesce((SELECT d.organisation_name FROM decisions d
                     WHERE d.framework = e.framework AND d.organisation = e.organisation
                     ORDER BY d.as_of DESC, d.id DESC LIMIT 1), '') AS organisation_name,
           e.state, t.version, g.status, coalesce(g.award_level, '') AS award_level,
           t.on_date AS since, t.valid_until, t.midpoint_due,
           EXISTS (SELECT 1 FROM events m
                   WHERE m.framework = e.framework AND m.organisation = e.organisation
                     AND m.state = 'mid-point-reviewed' AND m.on_date >= t.on_date
                     AND m.on_date <= asked.day) AS midpoint_reviewed
    FROM asked, events e
    JOIN events t ON t.id = e.term_id
    LEFT JOIN decisions g ON g.passed = 1 AND g.id = coalesce(t.decision_id, (
        SELECT d.id FROM decisions d
        WHERE d.framework = t.framework AND d.organisation = t.organisation
          AND d.as_of = t.on_date AND d.passed = 1
        ORDER BY d.id DESC LIMIT 1))
    WHERE e.on_date <= asked.day AND (e.ends_on IS NULL OR e.ends_on > asked.day)
      AND e.state IN ({_words(HOLDING)})
      AND (t.valid_until IS NULL OR t.valid_until >= asked.day)
)"""
_QUARTER_END = (
    "date(asked.day, 'start of month', '-' || ((cast(strftime('%m', asked.day) AS integer)"
    " - 1) % 3) || ' months', '+3 months', '-1 day')"
)

#: The canned queries, by the name Datasette gives them in URLs.
QUERIES: dict[str, Query] = {
    "current_holders": Query(
        title="Current holders",
        description="Who holds a current award on a day (leave day blank for today, or give "
        "YYYY-MM-DD): the state, the version and level awarded, since and until when.",
        sql=f"""WITH {_ASKED}, {_HOLDERS}
SELECT framework, organisation, organisation_name, state, version, status, award_level,
       since, valid_until, midpoint_due
FROM holders
ORDER BY framework, organisation""",
        params=("day",),
    ),
    "due_this_quarter": Query(
        title="Due this quarter",
        description="Current awards that expire from the day (blank: today) to the end of its "
        "calendar quarter, and mid-point reviews due by then and not yet recorded (overdue "
        "ones too), soonest first. Returns of recurring events: see `qmframe register due`.",
        sql=f"""WITH {_ASKED}, {_HOLDERS}
SELECT framework, organisation, organisation_name, 'expiry' AS what,
       valid_until AS due_on, 0 AS overdue
FROM holders, asked
WHERE valid_until BETWEEN asked.day AND {_QUARTER_END}
UNION ALL
SELECT framework, organisation, organisation_name, 'mid-point review',
       midpoint_due, midpoint_due < asked.day
FROM holders, asked
WHERE midpoint_due <= {_QUARTER_END} AND NOT midpoint_reviewed
ORDER BY due_on, organisation, what""",
        params=("day",),
    ),
    "expiring_soon": Query(
        title="Expiring soon",
        description="Current awards whose last day falls within a number of days (blank: 90) "
        "of the day (blank: today), soonest first.",
        sql=f"""WITH {_ASKED}, {_HOLDERS}
SELECT framework, organisation, organisation_name, status, award_level, valid_until,
       cast(julianday(valid_until) - julianday(asked.day) AS integer) AS days_left
FROM holders, asked
WHERE valid_until BETWEEN asked.day
      AND date(asked.day, '+' || cast(coalesce(nullif(:days, ''), '90') AS integer) || ' days')
ORDER BY valid_until, organisation""",
        params=("day", "days"),
    ),
    "awards_by_level": Query(
        title="Awards by level",
        description="How many organisations hold a current award on the day (blank: today), "
        "by framework, award level and status.",
        sql=f"""WITH {_ASKED}, {_HOLDERS}
SELECT framework, award_level, status, count(*) AS holders
FROM holders
GROUP BY framework, award_level, status
ORDER BY framework, award_level, status""",
        params=("day",),
    ),
    "organisation_history": Query(
        title="One organisation's history",
        description="Every decision and lifecycle event of one organisation (its id, as in "
        "the organisation column), oldest first; on one day the decision comes before the "
        "event it caused.",
        sql="""SELECT framework, as_of AS on_date, 'decision' AS kind, status AS what,
       award, award_level, basis AS detail, version, valid_until
FROM decisions WHERE organisation = :organisation
UNION ALL
SELECT framework, on_date, 'event', state, '', '', reason, version, valid_until
FROM events WHERE organisation = :organisation
ORDER BY framework, on_date, kind""",
        params=("organisation",),
    ),
    "indications_awaiting_review": Query(
        title="Indications awaiting review",
        description="Indications (decisions made without the reviewers the framework "
        "requires, so no award) with no reviewed or self-certified decision of the "
        "organisation after them.",
        sql="""SELECT d.framework, d.organisation, d.organisation_name, d.as_of,
       d.indicated_status, d.award
FROM decisions d
WHERE d.basis = 'indication' AND NOT EXISTS (
    SELECT 1 FROM decisions r
    WHERE r.framework = d.framework AND r.organisation = d.organisation
      AND r.basis <> 'indication'
      AND (r.as_of > d.as_of OR (r.as_of = d.as_of AND r.id > d.id)))
ORDER BY d.as_of, d.id""",
    ),
}


@attrs.frozen
class Named:
    """A framework the register holds: its id, and its title and version where installed."""

    id: str
    title: str = ""
    version: str = ""

    def __str__(self) -> str:
        if not self.title:
            return self.id
        return f"{self.title}: {self.id}, version {self.version}"


def datasette_metadata(database: str, frameworks: Sequence[Named] = ()) -> dict[str, Any]:
    """Datasette 0.65 metadata for the register Datasette names ``database`` (its file's stem).

    ``frameworks`` are those the register holds, for the title and description.
    """
    names = [framework.title or framework.id for framework in frameworks]
    title = f"Register: {'; '.join(names)}" if names else "Register"
    held = "; ".join(str(framework) for framework in frameworks) or "no framework yet"
    description = (
        f"Decisions and awards kept by qmframe under {held}. Start with decision_summaries "
        "(every decision) and events (every lifecycle event), or a query below. For staff: "
        "it holds every decision's explanation and every event's reason; publish "
        "the public register from qmframe register export instead."
    )
    tables: dict[str, Any] = {}
    for name, table in TABLES.items():
        entry: dict[str, Any] = {"description": table.description, "columns": dict(table.columns)}
        if table.label_column:
            entry["label_column"] = table.label_column
        if table.facets:
            entry["facets"] = list(table.facets)
        if table.sort_desc:
            entry["sort_desc"] = table.sort_desc
        if table.hidden:
            entry["hidden"] = True
        tables[name] = entry
    queries = {
        name: {
            "title": query.title,
            "description": query.description,
            "sql": query.sql,
            **({"params": list(query.params)} if query.params else {}),
        }
        for name, query in QUERIES.items()
    }
    return {
        "title": title,
        "description": description,
        "databases": {
            database: {
                "title": title,
                "description": description,
                "tables": tables,
                "queries": queries,
            }
        },
    }
