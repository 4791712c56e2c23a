"""qmframe's fixed vocabularies: every closed set of words its files and values use.

Framework files choose from these words (an effect, a provenance, a way to
combine a panel's levels); decisions and the register speak in them (a basis,
a provenance of a decided level, an award state). Keeping them in one module
means validation, the JSON Schema, the docs and the testing kit all offer the
same choices, and a new word is added in one place.

This module imports nothing from qmframe, so every other module may use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qmframe.framework import Lifecycle

__all__ = [
    "ACTION_STATUSES",
    "BASES",
    "COMBINATIONS",
    "DEFAULT_START",
    "DEFAULT_TRANSITIONS",
    "DERIVED",
    "DETAIL_TYPES",
    "EFFECTS",
    "FIGURE_TYPES",
    "GRANTING",
    "HOLDING",
    "INDICATION",
    "LEVEL_SOURCES",
    "PROVENANCES",
    "PUBLIC_FIELDS",
    "SEVERITIES",
    "STATES",
    "SUBMISSION_KINDS",
    "allowed",
    "start_states",
]

# -- framework files -----------------------------------------------------------------------

#: Where a piece of framework text comes from. ``official``: the owner's own
#: published words; ``paraphrase``: the owner's meaning in other words;
#: ``illustrative``: written for qmframe to show the shape, not the owner's;
#: ``placeholder``: stands in for text that is not available yet.
PROVENANCES = ("official", "paraphrase", "illustrative", "placeholder")
#: How a rule's result combines into the decision (see :class:`~qmframe.framework.Rule`).
#: ``level``: counts only towards the award levels that name the rule.
EFFECTS = ("require", "veto", "highlight", "inform", "level")
#: How a panel's levels for one target combine (see :class:`~qmframe.framework.ReviewPolicy`).
COMBINATIONS = ("lowest", "median", "unanimous")

# -- submissions ---------------------------------------------------------------------------

#: What an organisation can send.
SUBMISSION_KINDS = ("self-assessment", "application")
#: Action-plan statuses; ``planned`` and ``in-progress`` count as open.
ACTION_STATUSES = ("planned", "in-progress", "completed", "dropped")
#: The types of a declared submission detail (see :class:`~qmframe.framework.SubmissionDetail`).
DETAIL_TYPES = ("text", "choice", "date", "number", "url")
#: The types of a recurring return's figure: ``count`` (of people) or ``number``
#: (see :class:`~qmframe.framework.Figure`).
FIGURE_TYPES = ("count", "number")

# -- problems ------------------------------------------------------------------------------

#: How serious a :class:`~qmframe.errors.Problem` is: ``error`` (the input cannot be
#: used), ``warning`` (usable, probably not what was meant), ``notice`` (information).
SEVERITIES = ("error", "warning", "notice")

# -- decisions ---------------------------------------------------------------------------

#: What a decision rests on. ``review``: the reviewers the framework requires judged
#: it; ``self-certified``: the framework needs no reviewers, so the self-assessment is
#: authoritative; ``indication``: reviewers are required but missing or too few, so
#: the decision only indicates what the rules would conclude: no award, no validity.
BASES = ("review", "self-certified", "indication")
#: The status every indication has. Frameworks may not declare a status of this name.
INDICATION = "indication"
#: Where a decided level came from (see :class:`~qmframe.decision.DecidedLevel`).
#: ``judgement``: the reviewers'; ``self-rating``: the organisation's own;
#: ``derived``: from the section's criteria by its ``aggregate``; ``not-applicable``:
#: the target does not count for this organisation; ``unresolved``: no level could be
#: settled (a split or short panel, an unsettled criterion), with why.
LEVEL_SOURCES = ("judgement", "self-rating", "derived", "not-applicable", "unresolved")

# -- awards over time ----------------------------------------------------------------------

#: Every state an application or award can be in, in the order of a cycle.
STATES = (
    "expression-of-interest",
    "in-preparation",
    "submitted",
    "under-review",
    "awarded",
    "not-awarded",
    "mid-point-reviewed",
    "renewed",
    "suspended",
    "reinstated",
    "expired",
    "withdrawn",
    "revoked",
)
#: States in which the organisation holds a current award (until it runs out).
HOLDING = frozenset({"awarded", "mid-point-reviewed", "renewed", "reinstated"})
#: States whose event starts a new term: they carry the version and validity dates.
GRANTING = frozenset({"awarded", "renewed"})
#: States that follow from dates and are never recorded as events.
DERIVED = frozenset({"expired"})

_APPLY = ("expression-of-interest", "in-preparation", "submitted")
_ENDINGS = ("suspended", "withdrawn", "revoked")

#: The moves qmframe allows unless a framework says otherwise.
DEFAULT_TRANSITIONS: Mapping[str, frozenset[str]] = {
    "expression-of-interest": frozenset({"in-preparation", "submitted", "withdrawn"}),
    "in-preparation": frozenset({"submitted", "withdrawn"}),
    "submitted": frozenset({"under-review", "awarded", "not-awarded", "withdrawn"}),
    "under-review": frozenset({"awarded", "not-awarded", "withdrawn"}),
    # A "not yet" can be followed by a decision on further information, or a new attempt.
    "not-awarded": frozenset({"awarded", *_APPLY}),
    "awarded": frozenset({"mid-point-reviewed", "renewed", *_ENDINGS}),
    "mid-point-reviewed": frozenset({"renewed", *_ENDINGS}),
    "renewed": frozenset({"mid-point-reviewed", "renewed", *_ENDINGS}),
    "reinstated": frozenset({"mid-point-reviewed", "renewed", *_ENDINGS}),
    "suspended": frozenset({"reinstated", "withdrawn", "revoked"}),
    # A renewal decided shortly after the end still renews; otherwise apply again.
    "expired": frozenset({"renewed", *_APPLY}),
    "withdrawn": frozenset(_APPLY),
    "revoked": frozenset(_APPLY),
}
#: What a framework may list in ``public_fields``: the columns of its public register.
PUBLIC_FIELDS = (
    "organisation.id",
    "organisation.name",
    "framework",
    "version",
    "status",
    "state",
    "as_of",
    "valid_from",
    "valid_until",
    "midpoint_due",
    "highlights",
)
#: States a history may begin in: an application, or a decision recorded directly.
DEFAULT_START = frozenset({*_APPLY, "under-review", "awarded", "not-awarded"})


def allowed(lifecycle: Lifecycle | None = None) -> dict[str, frozenset[str]]:
    """The effective table of moves: the framework's own (or the default), plus ``add``, less
    ``remove``."""
    if lifecycle is None:
        return {state: frozenset(DEFAULT_TRANSITIONS.get(state, ())) for state in STATES}
    base: Mapping[str, Iterable[str]] = lifecycle.transitions or DEFAULT_TRANSITIONS
    table = {state: set(base.get(state, ())) for state in STATES}
    for state, targets in lifecycle.add.items():
        table.setdefault(state, set()).update(targets)
    for state, targets in lifecycle.remove.items():
        table.setdefault(state, set()).difference_update(targets)
    return {state: frozenset(targets) for state, targets in table.items()}


def start_states(lifecycle: Lifecycle | None = None) -> frozenset[str]:
    """The states a history may begin in."""
    return (
        frozenset(lifecycle.start) if lifecycle is not None and lifecycle.start else DEFAULT_START
    )
