"""Sphinx configuration for qmframe's documentation (MyST Markdown, furo theme).

Build with warnings as errors, as CI does::

    sphinx-build -W -b html docs docs/_build/html

The reference parts of the pages (file keys, rule kinds, hooks, the Python API)
are Markdown written into them by cog from ``_ext/qmframe_docs.py``; Sphinx
reads them as any other text.
"""

from __future__ import annotations

import qmframe

project = "qmframe"
author = "qmframe developers"
copyright = "qmframe developers"
release = version = qmframe.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "tutorial/**"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

html_theme = "furo"
html_title = f"qmframe {release}"

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "undoc-members": False}
# Annotations name types imported only for type checking; show them as written.
autodoc_type_aliases: dict[str, str] = {}
