"""The Repair Cafe Standard: the qmframe framework plugin built in the tutorial.

A plugin is an ordinary module with functions marked ``@hookimpl``, announced
in the ``qmframe`` entry-point group of its pyproject.toml.
"""

from __future__ import annotations

# -- start register-frameworks --
from collections.abc import Callable, Iterable
from importlib.resources import files

from qmframe import Example, Framework, Problem, Submission, hookimpl
from qmframe.hookspecs import RegisterFramework

FRAMEWORK_ID = "repair-cafe"
HERE = files(__name__)
FRAMEWORK_FILE = HERE / "repair-cafe.toml"


@hookimpl
def qmframe_register_frameworks(register: RegisterFramework) -> None:
    register(FRAMEWORK_FILE, id=FRAMEWORK_ID)  # the id lets qmframe read it only when used


# -- end register-frameworks --


# -- start register-examples --
@hookimpl
def qmframe_register_examples(register: Callable[[Example], None]) -> None:
    folder = HERE / "examples" / "hillside"
    register(
        Example(
            name="repair-cafe-hillside",
            framework=FRAMEWORK_ID,
            title="Hillside Repair Cafe: accredited, with a highlight",
            submission=folder / "submission.toml",
            review=folder / "review.toml",
            as_of="2026-05-02",
        )
    )


# -- end register-examples --


# -- start check-submission --
@hookimpl
def qmframe_check_submission(
    framework: Framework, submission: Submission
) -> Iterable[Problem] | None:
    """The standard asks every cafe to name its safety lead: a rule TOML cannot say."""
    if framework.id != FRAMEWORK_ID:
        return None  # called for every framework: leave the others alone
    if submission.details.get("safety_lead", "").strip():
        return []
    return [Problem("name the volunteer who leads on electrical safety", "details.safety_lead")]


# -- end check-submission --
