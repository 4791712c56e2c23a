"""qmframe's pytest plugin: decision tables as tests, and fixtures for testing plugins.

Installed with qmframe through the ``pytest11`` entry point, so any test suite
can use it without a conftest line (turn it off with ``-p no:qmframe``).
Everything qmframe is imported inside the hooks and fixtures: pytest loads
entry-point plugins before pytest-cov starts measuring, and a plugin that
imported qmframe at module level would also slow every pytest run that does
not use it.

Decision tables
    Every file whose name ends in ``.cases.toml`` is collected (as pytest
    collects doctest files), each ``[[case]]`` a test item named by its
    ``id``. A failing case prints what the table expected next to what the
    decision says, and the decision's explanation. The cases are assessed
    with the installed plugins, and the plugin modules the ``qmframe_plugins``
    ini option names (for a plugin tested before it is installed).
``--qmframe-mutation``
    After the tests, makes every mutant of each framework whose tables ran
    and prints its mutation score; a surviving mutant fails the run (see
    :mod:`qmframe.testing.mutate`).

``qmframe_plugin_manager``
    A fresh plugin manager with qmframe's built-in plugins only: installed
    plugins do not leak in, and what one test registers, the next never sees.
``qmframe_register``
    ``qmframe_register(plugin)`` registers a plugin object (a module or an
    instance with ``@hookimpl`` methods) on that manager for this test only,
    and returns a :class:`qmframe.Registry` that sees it.
``qmframe_frameworks``
    The frameworks the installed plugins supply, by id (read once per session).

At the end of a run that used :mod:`qmframe.testing.invariants`, the terminal
summary lists, for each property check, how many generated cases it tried and
how many reached the branch it is about.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import pluggy

    from qmframe.framework import Framework
    from qmframe.plugins import Registry
    from qmframe.testing.tables import CaseResult, DecisionTable, TableCase

_SUFFIX = ".cases.toml"
_RAN = pytest.StashKey[dict[str, list[str]]]()
_MUTATION = pytest.StashKey[list[Any]]()
_REGISTRY = pytest.StashKey[Any]()


def _registry(config: pytest.Config) -> Registry:
    """The installed plugins and those ``qmframe_plugins`` names, built once per run."""
    if _REGISTRY not in config.stash:
        import importlib

        from qmframe.plugins import Registry, get_plugin_manager

        pm = get_plugin_manager()
        extra = [importlib.import_module(name) for name in config.getini("qmframe_plugins")]
        for module in extra:
            if not pm.is_registered(module):
                pm.register(module)
        config.stash[_REGISTRY] = Registry(pm)
    registry: Registry = config.stash[_REGISTRY]
    return registry


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "qmframe_plugins",
        "plugin modules the decision tables are assessed with, beside the installed plugins",
        type="linelist",
        default=[],
    )
    group = parser.getgroup("qmframe")
    group.addoption(
        "--qmframe-mutation",
        action="store_true",
        default=False,
        help="after the tests, show the mutation score of every framework whose decision "
        "tables ran; a surviving mutant fails the run",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_RAN] = {}
    config.stash[_MUTATION] = []


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name.endswith(_SUFFIX):
        table_file: DecisionTableFile = DecisionTableFile.from_parent(parent, path=file_path)
        return table_file
    return None


class CaseMismatch(AssertionError):
    """A decision table's case gave another decision than the table expects."""

    def __init__(self, result: CaseResult) -> None:
        self.result = result
        super().__init__(result.describe())


class DecisionTableFile(pytest.File):
    """A ``.cases.toml`` file: one test item per case."""

    def collect(self) -> Iterator[DecisionCase]:
        from qmframe.testing.tables import load_table

        table = load_table(self.path)
        for case in table.case:
            yield DecisionCase.from_parent(self, name=case.id, table=table, case=case)

    def repr_failure(  # type: ignore[override]
        self, excinfo: pytest.ExceptionInfo[BaseException]
    ) -> str | Any:
        from qmframe.errors import ValidationError

        if isinstance(excinfo.value, ValidationError):
            return f"the decision table cannot be read:\n{excinfo.value}"
        return super().repr_failure(excinfo)


class DecisionCase(pytest.Item):
    """One case of a decision table."""

    def __init__(self, *, table: DecisionTable, case: TableCase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.table = table
        self.case = case

    def runtest(self) -> None:
        from qmframe.testing.tables import run_case

        result = run_case(self.table, self.case, _registry(self.config))
        self.config.stash[_RAN].setdefault(self.table.framework, []).append(self.table.path)
        if not result.ok:
            raise CaseMismatch(result)

    def repr_failure(  # type: ignore[override]
        self, excinfo: pytest.ExceptionInfo[BaseException]
    ) -> str | Any:
        from qmframe.errors import ValidationError

        if isinstance(excinfo.value, CaseMismatch):
            return excinfo.value.result.describe()
        if isinstance(excinfo.value, ValidationError):
            return f"case {self.case.id!r} cannot be built:\n{excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        from qmframe.testing.tables import case_line

        line = case_line(self.table, self.case)
        return self.path, (line - 1 if line else None), f"{self.table.framework}: {self.case.id}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if not config.getoption("--qmframe-mutation") or exitstatus != 0:
        return
    from qmframe.testing.mutate import mutation_score
    from qmframe.testing.tables import load_table

    registry = _registry(config)
    reports = []
    for framework_id, paths in sorted(config.stash[_RAN].items()):
        tables = [load_table(path) for path in dict.fromkeys(paths)]
        reports.append(mutation_score(framework_id, registry=registry, tables=tables))
    config.stash[_MUTATION] = reports
    if any(not report.ok for report in reports):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    invariants = sys.modules.get("qmframe.testing.invariants")
    counts = list(getattr(invariants, "COUNTS", ())) if invariants is not None else []
    if counts:
        terminalreporter.section("qmframe.testing: cases per property")
        for count in counts:
            terminalreporter.write_line(count.describe())
    reports = config.stash.get(_MUTATION, [])
    if reports:
        terminalreporter.section("qmframe.testing: mutation scores")
        for report in reports:
            terminalreporter.write_line(report.describe())


# -- fixtures ----------------------------------------------------------------------------------


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
