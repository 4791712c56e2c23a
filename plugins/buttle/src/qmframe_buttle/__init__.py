"""The Buttle UK Quality Mark for Care Leavers (2006 to 2015), as a qmframe plugin.

The framework file (``buttle-quality-mark.toml``) says everything about the
scheme: the minimum offer (a named contact, money, accommodation, all year
round at a university, and someone to talk to), each part a veto; the four
areas of the commitment, each to be met, with an action plan; the panel of
two; the areas judged exemplary as highlights; the annual statistical return
holders sent, with its figures; and the details every submission gives. This
module only registers that file and the worked examples, through qmframe's
public API, as any organisation's plugin would: it adds no rule kinds, no
checks and no decision hook.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files

from qmframe import Example, hookimpl
from qmframe.hookspecs import RegisterFramework

__all__ = ["EXAMPLES", "FRAMEWORK_ID"]

FRAMEWORK_ID = "buttle-quality-mark"
_HERE = files(__name__)

#: The worked examples: name, folder, title and the date each is assessed on.
EXAMPLES = (
    (
        "buttle-thornbury-university",
        "thornbury-university-2013",
        "Thornbury University (England): a renewal the panel rates exemplary, with three "
        "exemplary commitment areas",
        "2013-03-25",
    ),
    (
        "buttle-ashcombe-college",
        "ashcombe-college-2013",
        "Ashcombe College (England): a further-education college's first award, at the minimum",
        "2013-06-14",
    ),
    (
        "buttle-glenmuir-university",
        "glenmuir-university-2014",
        "Glenmuir University (Scotland): not awarded, because its halls are not offered "
        "all year round",
        "2014-11-20",
    ),
)


@hookimpl
def qmframe_register_frameworks(register: RegisterFramework) -> None:
    register(_HERE / "frameworks" / "buttle-quality-mark.toml", id=FRAMEWORK_ID)


@hookimpl
def qmframe_register_examples(register: Callable[[Example], None]) -> None:
    for name, folder_name, title, as_of in EXAMPLES:
        folder = _HERE / "examples" / folder_name
        register(
            Example(
                name=name,
                framework=FRAMEWORK_ID,
                title=title,
                submission=folder / "submission.toml",
                review=folder / "review.toml",
                as_of=as_of,
            )
        )
