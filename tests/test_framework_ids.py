"""Finding a framework by id reads only the files that can hold it.

A plugin may pass the framework's id with its file, ``register(path, id=...)``;
then the file is read only when that framework is asked for. Files registered
without an id are still read on every lookup, so a clash between the two kinds
is still found.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import core_fixtures
import pytest

import qmframe
from qmframe import files


def _plugin(name: str, *sources: tuple[Path, str]) -> types.ModuleType:
    module = types.ModuleType(name)

    def qmframe_register_frameworks(register: Callable[..., None]) -> None:
        for path, framework_id in sources:
            if framework_id:
                register(path, id=framework_id)
            else:
                register(path)

    module.qmframe_register_frameworks = qmframe_register_frameworks  # type: ignore[attr-defined]
    return module


def _registry(*plugins: object) -> qmframe.Registry:
    return qmframe.Registry(qmframe.get_plugin_manager(load_entrypoints=False, plugins=plugins))


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The framework files read, in order (read_framework, as the registry calls it)."""
    seen: list[str] = []
    real = files.read_framework

    def counting(source: Any) -> qmframe.Framework:
        seen.append(Path(source).name)
        return real(source)

    monkeypatch.setattr("qmframe.plugins.read_framework", counting)
    return seen


@pytest.fixture
def two(write: Callable[[str, str], Path]) -> tuple[Path, Path]:
    mini = write("mini.toml", core_fixtures.FRAMEWORK)
    other = write("other.toml", core_fixtures.FRAMEWORK.replace('id = "mini"', 'id = "other"', 1))
    return mini, other


def test_a_framework_registered_with_its_id_is_read_only_when_asked_for(
    two: tuple[Path, Path], reads: list[str]
) -> None:
    mini, other = two
    registry = _registry(_plugin("p", (mini, "mini"), (other, "other")))
    assert registry.framework("mini").id == "mini"
    assert reads == ["mini.toml"]
    assert registry.framework("mini") is registry.framework("mini")  # read once, kept
    assert reads == ["mini.toml"]
    # Listing reads the rest, and keeps the framework already read the same object.
    found = registry.frameworks()
    assert sorted(found) == ["mini", "other"]
    assert found["mini"].value is registry.framework("mini")
    assert sorted(reads) == ["mini.toml", "other.toml"]


def test_a_broken_file_of_another_framework_does_not_stop_a_lookup(
    two: tuple[Path, Path], write: Callable[[str, str], Path]
) -> None:
    mini, _ = two
    broken = write("broken.toml", "id = [\n")
    registry = _registry(_plugin("p", (mini, "mini"), (broken, "broken")))
    assert registry.framework("mini").id == "mini"
    with pytest.raises(qmframe.ValidationError, match="malformed TOML"):
        registry.frameworks()


def test_files_without_an_id_are_still_read_on_every_lookup(
    two: tuple[Path, Path], reads: list[str]
) -> None:
    mini, other = two
    registry = _registry(_plugin("p", (mini, "mini"), (other, "")))
    assert registry.framework("mini").id == "mini"
    assert sorted(reads) == ["mini.toml", "other.toml"]


def test_an_id_that_is_not_the_files_names_the_plugin(two: tuple[Path, Path]) -> None:
    mini, _ = two
    registry = _registry(_plugin("liar", (mini, "not-mini")))
    with pytest.raises(qmframe.PluginError, match=r"plugin 'liar'.*with id 'not-mini'.*'mini'"):
        registry.framework("not-mini")
    with pytest.raises(qmframe.PluginError, match="with id 'not-mini'"):
        registry.frameworks()


def test_a_clash_with_a_file_registered_without_an_id_is_still_found(
    two: tuple[Path, Path],
) -> None:
    mini, _ = two
    registry = _registry(_plugin("first", (mini, "mini")), _plugin("second", (mini, "")))
    with pytest.raises(qmframe.PluginError, match="'mini' is also supplied by plugin"):
        registry.framework("mini")


def test_an_unknown_id_lists_every_installed_framework(two: tuple[Path, Path]) -> None:
    mini, other = two
    registry = _registry(_plugin("p", (mini, "mini"), (other, "other")))
    with pytest.raises(qmframe.ValidationError, match=r"installed: mini, other"):
        registry.framework("nope")


def test_only_frameworks_take_an_id() -> None:
    def qmframe_register_examples(register: Callable[..., None]) -> None:
        register(
            qmframe.Example(name="x", framework="mini", title="x", submission=Path("s.toml")),
            id="x",
        )

    module = types.ModuleType("ex")
    module.qmframe_register_examples = qmframe_register_examples  # type: ignore[attr-defined]
    with pytest.raises(qmframe.PluginError, match="only frameworks take an id"):
        _registry(module)


def test_the_shipped_plugins_register_their_ids(reads: list[str]) -> None:
    registry = qmframe.Registry()
    assert registry.framework("example-charter").id == "example-charter"
    assert reads == ["example-charter.toml"]
