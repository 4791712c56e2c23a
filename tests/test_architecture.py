"""docs/architecture.md is true: every module has a layer, and imports run one way.

The layer table is read from the page itself, so the page and this test
cannot disagree: a new module needs a row there, and an import against the
flow (a check importing the engine, the model importing the register) fails.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "qmframe"
PAGE = ROOT / "docs" / "architecture.md"
#: The facade may be imported (for its version and lazy names) from the plugins layer on.
FACADE_FROM_LAYER = 7


def _layers() -> dict[str, int]:
    rows = re.findall(r"^\| (\d+) \| [^|]+ \| (.+) \|$", PAGE.read_text(encoding="utf-8"), re.M)
    layers: dict[str, int] = {}
    for layer, modules in rows:
        for name in re.findall(r"`([\w.]+)`", modules):
            assert name not in layers, f"{name} has two rows in docs/architecture.md"
            layers[name] = int(layer)
    return layers


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE).with_suffix("").parts
        name = ".".join(parts).removesuffix(".__init__").removesuffix("__init__")
        if name:
            found[name] = path
    return found


def _imports(path: Path) -> set[str]:
    """The qmframe modules a file imports when it runs (not those only for type checking)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("qmframe"):
            module = node.module.removeprefix("qmframe").lstrip(".")
            if module:
                found.add(module)
            else:  # from qmframe import x: a module of the package, or a name of the facade
                names = {alias.name for alias in node.names}
                found |= {n for n in names if n in _modules()}
                if names - set(_modules()):
                    found.add("")
        elif isinstance(node, ast.Import):
            found |= {
                a.name.removeprefix("qmframe").lstrip(".")
                for a in node.names
                if a.name.startswith("qmframe")
            }
    return found


def test_every_module_has_a_layer_on_the_page() -> None:
    layers = _layers()
    missing = sorted(set(_modules()) - set(layers))
    assert not missing, f"add these modules to the layer table in docs/architecture.md: {missing}"
    gone = sorted(set(layers) - set(_modules()))
    assert not gone, f"docs/architecture.md names modules that do not exist: {gone}"


@pytest.mark.parametrize("module", sorted(_modules()))
def test_imports_run_one_way_along_the_flow(module: str) -> None:
    layers = _layers()
    if module not in layers:
        pytest.skip("no layer yet: test_every_module_has_a_layer_on_the_page says so")
    own = layers[module]
    against = []
    for imported in sorted(_imports(_modules()[module])):
        if imported in ("", "__version__") or (
            imported not in layers and imported not in _modules()
        ):
            if own < FACADE_FROM_LAYER:
                against.append(f"qmframe (the facade), from layer {own}")
            continue
        if layers.get(imported, 99) > own:
            against.append(f"{imported} (layer {layers.get(imported)})")
    assert not against, f"{module} (layer {own}) imports against the flow: {against}"


def test_the_check_catches_an_import_against_the_flow(tmp_path: Path) -> None:
    # The parser must see a function-level import: the engine importing the register.
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from qmframe.awards.register import Register\n")
    assert "awards.register" in _imports(sample)
    assert _layers()["awards.register"] > _layers()["engine"]
