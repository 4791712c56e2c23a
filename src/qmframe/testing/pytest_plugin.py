"""qmframe's pytest plugin: fixtures for testing qmframe plugins and frameworks.

Installed with qmframe through the ``pytest11`` entry point, so any test suite
can ask for these fixtures without a conftest line (turn it off with
``-p no:qmframe``). Everything qmframe is imported inside the fixtures: pytest
loads entry-point plugins before pytest-cov starts measuring, and a plugin
that imported qmframe at module level would also slow every pytest run that
does not use it.

``qmframe_plugin_manager``
    A fresh plugin manager with qmframe's built-in plugins only: installed
    plugins do not leak in, and what one test registers, the next never sees.
``qmframe_register``
    ``qmframe_register(plugin)`` registers a plugin object (a module or an
    instance with ``@hookimpl`` methods) on that manager for this test only,
    and returns a :class:`qmframe.Registry` that sees it.
``qmframe_frameworks``
    The frameworks the installed plugins supply, by id (read once per session).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import pluggy

    from qmframe.framework import Framework
    from qmframe.plugins import Registry


@pytest.fixture
def qmframe_plugin_manager() -> pluggy.PluginManager:
    """A plugin manager with the built-in plugins only, new for each test."""
    from qmframe.plugins import get_plugin_manager

    return get_plugin_manager(load_entrypoints=False)


@pytest.fixture
def qmframe_register(
    qmframe_plugin_manager: pluggy.PluginManager,
) -> Iterator[Callable[..., Registry]]:
    """Register plugin objects for one test; each call returns a Registry that sees them."""
    from qmframe.plugins import Registry

    pm = qmframe_plugin_manager
    added: list[object] = []

    def register(plugin: object, name: str | None = None) -> Registry:
        pm.register(plugin, name)
        added.append(plugin)
        pm.check_pending()
        return Registry(pm)

    try:
        yield register
    finally:
        for plugin in reversed(added):
            if pm.is_registered(plugin):
                pm.unregister(plugin)


@pytest.fixture(scope="session")
def qmframe_frameworks() -> dict[str, Framework]:
    """Every framework the installed plugins supply, by id."""
    from qmframe.plugins import Registry

    return {fid: reg.value for fid, reg in Registry().frameworks().items()}
