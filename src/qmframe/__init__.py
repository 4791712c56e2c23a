"""qmframe: define quality frameworks as plain TOML and score submissions into explained decisions.

The names here are the supported API; modules whose names start with ``_``
are not.
"""

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
from qmframe.files import dumps, read_framework, read_review, read_submission, write_toml
from qmframe.framework import (
    Applicability,
    Context,
    Criterion,
    DecisionPolicy,
    EvidenceRequirement,
    EvidenceType,
    Framework,
    Level,
    Outcome,
    OutcomeSet,
    ReviewPolicy,
    Rule,
    Scale,
    Section,
    Validity,
)
from qmframe.hookspecs import hookimpl
from qmframe.plugins import Registry, get_plugin_manager
from qmframe.reports import Assessment, ReportFormat
from qmframe.rules import AssessmentContext, RuleKind, RuleResult
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

__all__ = [
    "ActionItem",
    "Applicability",
    "Assessment",
    "AssessmentContext",
    "Assessor",
    "Comparison",
    "ConflictOfInterestError",
    "Context",
    "Criterion",
    "Decision",
    "DecisionPolicy",
    "EvidenceItem",
    "EvidenceRequirement",
    "EvidenceType",
    "Example",
    "Finding",
    "Framework",
    "Highlight",
    "InformationRequest",
    "Interest",
    "Judgement",
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
    "RuleKind",
    "RuleOutcome",
    "RuleResult",
    "Scale",
    "Section",
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
    "read_framework",
    "read_review",
    "read_submission",
    "render",
    "validate_submission",
    "write_toml",
]
