"""Sphinx configuration for qmframe's documentation (MyST Markdown, furo theme).

Build with warnings as errors, as CI does::

    sphinx-build -W -b html docs docs/_build/html

The reference parts of the pages (file keys, rule kinds, hooks, the Python API)
are Markdown written into them by cog from ``_ext/qmframe_docs.py``; Sphinx
reads them as any other text.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.nodes import make_refnode

sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

import qmframe_docs

import qmframe

project = "qmframe"
author = "qmframe developers"
copyright = "qmframe developers"
release = version = qmframe.__version__

# No autodoc: the reference is Markdown in the pages, written by cog (see above).
extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "tutorial/**"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

html_theme = "furo"
html_title = f"qmframe {release}"


# -- links to the generated reference ----------------------------------------------------------
# The Python API is Markdown under headings such as `class qmframe.Registry` (written by cog),
# not autodoc objects, so a role such as {class}`qmframe.Registry` would find no target.
# Each such heading is recorded as it is read, and an unresolved Python reference is linked
# to the heading of the same object (by identity, so qmframe.plugins.Registry finds it too).

_HEADING = re.compile(r"(?:class |module )?(?P<name>[A-Za-z_][\w.]*)")


def _record_headings(app: Sphinx, doctree: nodes.document) -> None:
    found = app.env.qmframe_headings = getattr(app.env, "qmframe_headings", {})  # type: ignore[attr-defined]
    owner = ""
    for section in doctree.findall(nodes.section):
        title = section.next_node(nodes.title)
        if title is None or not section["ids"]:
            continue
        match = _HEADING.fullmatch(title.astext())
        if not match or "." not in match["name"]:
            continue
        name = match["name"]
        head, _, member = name.rpartition(".")
        if owner and head == owner.rsplit(".", 1)[-1]:
            name = f"{owner}.{member}"  # a member heading, Registry.framework
        elif title.astext().startswith(("class ", "module ")):
            owner = name
        found[name] = (app.env.docname, section["ids"][0])


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    found = getattr(env, "qmframe_headings", {})
    for name in [n for n, (doc, _) in found.items() if doc == docname]:
        del found[name]


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    env.qmframe_headings = {
        **getattr(env, "qmframe_headings", {}),
        **getattr(other, "qmframe_headings", {}),
    }  # type: ignore[attr-defined]


def _link(
    app: Sphinx, env: BuildEnvironment, node: addnodes.pending_xref, contnode: nodes.Element
) -> nodes.Element | None:
    if node.get("refdomain") != "py":
        return None
    found: dict[str, tuple[str, str]] = getattr(env, "qmframe_headings", {})
    target = node["reftarget"]
    where = found.get(target)
    if where is None:
        try:
            wanted = qmframe_docs.resolve(target)
        except (LookupError, AttributeError):
            return None
        for name, place in found.items():
            try:
                if qmframe_docs.resolve(name) is wanted:
                    where = place
                    break
            except (LookupError, AttributeError):
                continue
    if where is None:
        return None
    return make_refnode(app.builder, node["refdoc"], where[0], where[1], contnode)


def setup(app: Sphinx) -> None:
    app.connect("doctree-read", _record_headings)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("missing-reference", _link)
