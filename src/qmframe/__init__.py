"""qmframe: define quality frameworks as plain TOML and score submissions into explained decisions.

The names here are the supported API. Public modules, for what this package
does not re-export: :mod:`qmframe.vocabulary` (the fixed word lists),
:mod:`qmframe.engine` (the one path to a decision), :mod:`qmframe.plugins`
and :mod:`qmframe.hookspecs` (plugins), :mod:`qmframe.validation` (the
checks), :mod:`qmframe.rules` and :mod:`qmframe.reports` (the interfaces of
rule kinds and report formats), :mod:`qmframe.awards` (awards over time)
and :mod:`qmframe.testing` (the kit for plugin authors' tests). Modules
whose names start with ``_`` are private. docs/architecture.md shows how
the modules depend on each other.

Each name loads its module on first use: ``import qmframe`` alone imports
nothing, the value classes load with the first of them used, and the
machinery (the converter, the engine, plugins and files) only when a name
that needs it is, so a program that only handles values starts quickly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # every name below loads on first use; see __getattr__
    from qmframe.api import (
        assess,
        default_registry,
        inspect_framework,
        load_framework,
        load_review,
        load_submission,
        render,
        validate_submission,
    )
    from qmframe.decision import (
        AwardProgress,
        Comparison,
        Decision,
        Finding,
        Highlight,
        PanelDisagreement,
        RuleOutcome,
        Unmet,
    )
    from qmframe.engine import Assessor
    from qmframe.errors import (
        ConflictOfInterestError,
        PluginError,
        Problem,
        QmframeError,
        ValidationError,
    )
    from qmframe.examples import Example
    from qmframe.files import (
        dumps,
        loads,
        read_framework,
        read_review,
        read_submission,
        write_toml,
    )
    from qmframe.framework import (
        Applicability,
        AwardLevel,
        Context,
        Criterion,
        DecisionPolicy,
        EvidenceRequirement,
        EvidenceType,
        Framework,
        Justification,
        JustificationNeed,
        Level,
        Outcome,
        OutcomeSet,
        ReviewPolicy,
        Rule,
        Scale,
        Section,
        StatusLabel,
        Validity,
    )
    from qmframe.frozen import FrozenMap
    from qmframe.hookspecs import hookimpl
    from qmframe.index import FrameworkIndex
    from qmframe.plugins import Registry, get_plugin_manager
    from qmframe.reports import Assessment, ReportFormat
    from qmframe.rules import AssessmentContext, Evaluation, RuleKey, RuleKind, RuleResult
    from qmframe.submission import (
        ActionItem,
        EvidenceItem,
        InformationRequest,
        Interest,
        Judgement,
        Organisation,
        Rating,
        Review,
        Reviewer,
        Submission,
    )

__version__ = "0.1.0"

#: Where each name lives. Nothing is imported with ``import qmframe`` itself: a
#: command that prints its help builds no value class, and a program loads only the
#: modules behind the names it uses (the value classes first, the machinery on demand).
_LAZY = {
    **dict.fromkeys(
        ("AwardProgress", "Comparison", "Decision", "Finding", "Highlight", "PanelDisagreement",
         "RuleOutcome", "Unmet"),
        "qmframe.decision",
    ),
    **dict.fromkeys(
        ("ConflictOfInterestError", "PluginError", "Problem", "QmframeError", "ValidationError"),
        "qmframe.errors",
    ),
    **dict.fromkeys(
        ("Applicability", "AwardLevel", "Context", "Criterion", "DecisionPolicy",
         "EvidenceRequirement", "EvidenceType", "Framework", "Justification", "JustificationNeed",
         "Level", "Outcome", "OutcomeSet", "ReviewPolicy", "Rule", "Scale", "Section",
         "StatusLabel", "Validity"),
        "qmframe.framework",
    ),
    **dict.fromkeys(
        ("ActionItem", "EvidenceItem", "InformationRequest", "Interest", "Judgement",
         "Organisation", "Rating", "Review", "Reviewer", "Submission"),
        "qmframe.submission",
    ),
    "FrozenMap": "qmframe.frozen",
    "hookimpl": "qmframe.hookspecs",
    "assess": "qmframe.api",
    "default_registry": "qmframe.api",
    "inspect_framework": "qmframe.api",
    "load_framework": "qmframe.api",
    "load_review": "qmframe.api",
    "load_submission": "qmframe.api",
    "render": "qmframe.api",
    "validate_submission": "qmframe.api",
    "Assessor": "qmframe.engine",
    "Example": "qmframe.examples",
    "dumps": "qmframe.files",
    "loads": "qmframe.files",
    "read_framework": "qmframe.files",
    "read_review": "qmframe.files",
    "read_submission": "qmframe.files",
    "write_toml": "qmframe.files",
    "FrameworkIndex": "qmframe.index",
    "Registry": "qmframe.plugins",
    "get_plugin_manager": "qmframe.plugins",
    "Assessment": "qmframe.reports",
    "ReportFormat": "qmframe.reports",
    "AssessmentContext": "qmframe.rules",
    "Evaluation": "qmframe.rules",
    "RuleKey": "qmframe.rules",
    "RuleKind": "qmframe.rules",
    "RuleResult": "qmframe.rules",
}  # fmt: skip

__all__ = [
    "ActionItem",
    "Applicability",
    "Assessment",
    "AssessmentContext",
    "Assessor",
    "AwardLevel",
    "AwardProgress",
    "Comparison",
    "ConflictOfInterestError",
    "Context",
    "Criterion",
    "Decision",
    "DecisionPolicy",
    "Evaluation",
    "EvidenceItem",
    "EvidenceRequirement",
    "EvidenceType",
    "Example",
    "Finding",
    "Framework",
    "FrameworkIndex",
    "FrozenMap",
    "Highlight",
    "InformationRequest",
    "Interest",
    "Judgement",
    "Justification",
    "JustificationNeed",
    "Level",
    "Organisation",
    "Outcome",
    "OutcomeSet",
    "PanelDisagreement",
    "PluginError",
    "Problem",
    "QmframeError",
    "Rating",
    "Registry",
    "ReportFormat",
    "Review",
    "ReviewPolicy",
    "Reviewer",
    "Rule",
    "RuleKey",
    "RuleKind",
    "RuleOutcome",
    "RuleResult",
    "Scale",
    "Section",
    "StatusLabel",
    "Submission",
    "Unmet",
    "ValidationError",
    "Validity",
    "__version__",
    "assess",
    "default_registry",
    "dumps",
    "get_plugin_manager",
    "hookimpl",
    "inspect_framework",
    "load_framework",
    "load_review",
    "load_submission",
    "loads",
    "read_framework",
    "read_review",
    "read_submission",
    "render",
    "validate_submission",
    "write_toml",
]


def __getattr__(name: str) -> Any:
    """Import the module behind a lazily loaded name on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'qmframe' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
