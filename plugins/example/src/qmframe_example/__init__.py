"""The Volunteer Centre Charter: qmframe's example framework plugin.

A plugin is an ordinary module with functions marked ``@hookimpl`` and an
entry point in the ``qmframe`` group (see this plugin's pyproject.toml).
This one supplies a framework file, a worked example, and one check that
the framework file cannot express.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib.resources import files

from qmframe import Example, Framework, Problem, Submission, hookimpl
from qmframe.hookspecs import RegisterFramework

FRAMEWORK_ID = "example-charter"
_HERE = files(__name__)


@hookimpl
def qmframe_register_frameworks(register: RegisterFramework) -> None:
    register(_HERE / "frameworks" / "example-charter.toml", id=FRAMEWORK_ID)


@hookimpl
def qmframe_register_examples(register: Callable[[Example], None]) -> None:
    folder = _HERE / "examples" / "riverside"
    register(
        Example(
            name="example-riverside",
            framework=FRAMEWORK_ID,
            title="Riverside Community Trust: a first application, awarded with a highlight",
            submission=folder / "submission.toml",
            review=folder / "review.toml",
            as_of="2026-03-02",
        )
    )


@hookimpl
def qmframe_check_submission(
    framework: Framework, submission: Submission
) -> Iterable[Problem] | None:
    """Charter rule the file cannot say: every action names who owns it."""
    if framework.id != FRAMEWORK_ID:
        return None
    return [
        Problem("the charter asks every action to name an owner", f"actions[{i}].owner")
        for i, action in enumerate(submission.actions)
        if not action.owner.strip()
    ]
