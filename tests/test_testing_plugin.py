"""qmframe's pytest plugin: loaded through its entry point, cheap to load, fixtures isolated.

The fixtures are tested twice: used directly here, and from a separate test
file run by ``pytester``, which shows that the ``pytest11`` entry point
supplies them with no conftest line.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pluggy
import pytest

import qmframe

pytest_plugins = ["pytester"]


class ExtraFramework:
    """A plugin supplying a framework built in code (no file needed)."""

    def __init__(self, framework: qmframe.Framework) -> None:
        self.framework = framework

    @qmframe.hookimpl
    def qmframe_register_frameworks(self, register: Callable[[object], None]) -> None:
        register(self.framework)


def _tiny(framework_id: str) -> qmframe.Framework:
    return qmframe.Framework(
        id=framework_id,
        version="1",
        title="Tiny",
        decision=qmframe.DecisionPolicy(
            rules=(qmframe.Rule(id="plan", kind="action-plan", params={"min_items": 1}),)
        ),
    )


def test_entry_points_are_declared() -> None:
    pytest11 = {e.name: e.value for e in importlib.metadata.entry_points(group="pytest11")}
    assert pytest11.get("qmframe") == "qmframe.testing.pytest_plugin"
    hooks = [e.value for e in importlib.metadata.entry_points(group="hypothesis")]
    assert "qmframe.testing._hypothesis:_hypothesis_setup_hook" in hooks


def test_plugin_and_qmframe_import_do_not_pull_in_each_other() -> None:
    # The plugin module must not import qmframe (it loads before coverage starts);
    # qmframe must not import hypothesis (it is not a run-time dependency).
    code = textwrap.dedent(
        """\
        import sys
        import qmframe.testing.pytest_plugin
        heavy = sorted(m for m in sys.modules if m in ("qmframe.plugins", "qmframe.engine"))
        print("plugin:", heavy)
        import qmframe, qmframe.cli
        qmframe.Registry, qmframe.assess
        print("hypothesis:", "hypothesis" in sys.modules)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "plugin: []" in out
    assert "hypothesis: False" in out


def test_plugin_manager_has_the_built_ins_only(
    qmframe_plugin_manager: pluggy.PluginManager,
) -> None:
    from qmframe.plugins import DEFAULT_PLUGINS

    names = {qmframe_plugin_manager.get_name(p) for p in qmframe_plugin_manager.get_plugins()}
    assert names == set(DEFAULT_PLUGINS)
    assert not qmframe.Registry(qmframe_plugin_manager).frameworks()


# -- start register --
def test_register_gives_a_registry_that_sees_the_plugin(
    qmframe_register: Callable[..., qmframe.Registry],
    qmframe_plugin_manager: pluggy.PluginManager,
) -> None:
    plugin = ExtraFramework(_tiny("tiny"))
    registry = qmframe_register(plugin)
    assert list(registry.frameworks()) == ["tiny"]
    assert qmframe_plugin_manager.is_registered(plugin)


# -- end register --


def test_installed_frameworks_include_the_example(
    qmframe_frameworks: dict[str, qmframe.Framework],
) -> None:
    assert qmframe_frameworks["example-charter"].title == "Volunteer Centre Charter (example)"
    assert all(isinstance(fw, qmframe.Framework) for fw in qmframe_frameworks.values())


def _outcomes(result: pytest.RunResult) -> dict[str, int]:
    return result.parseoutcomes()


def test_fixtures_come_from_the_entry_point_and_isolate_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_uses_fixtures=textwrap.dedent(
            """\
            import qmframe

            class Extra:
                @qmframe.hookimpl
                def qmframe_register_frameworks(self, register):
                    register(qmframe.Framework(
                        id="extra", version="1", title="Extra",
                        decision=qmframe.DecisionPolicy(rules=(
                            qmframe.Rule(id="plan", kind="action-plan"),)),
                    ))

            def test_first_registers(qmframe_register, qmframe_plugin_manager):
                registry = qmframe_register(Extra())
                assert list(registry.frameworks()) == ["extra"]

            def test_second_does_not_see_it(qmframe_plugin_manager):
                assert not qmframe.Registry(qmframe_plugin_manager).frameworks()

            def test_installed(qmframe_frameworks):
                assert "example-charter" in qmframe_frameworks
            """
        )
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    assert _outcomes(result) == {"passed": 3}


def test_the_plugin_can_be_turned_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_off="def test_needs_it(qmframe_plugin_manager):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:qmframe", "-p", "no:cacheprovider", "-q")
    assert _outcomes(result) == {"errors": 1}
    result.stdout.fnmatch_lines(["*fixture 'qmframe_plugin_manager' not found*"])


def test_register_unregisters_even_when_the_test_fails(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        textwrap.dedent(
            """\
            import pytest
            SEEN = []

            @pytest.fixture
            def watched(qmframe_plugin_manager):
                before = len(qmframe_plugin_manager.get_plugins())
                yield qmframe_plugin_manager
                SEEN.append(len(qmframe_plugin_manager.get_plugins()) - before)

            def pytest_sessionfinish(session):
                print("left behind after teardown:", SEEN)
            """
        )
    )
    pytester.makepyfile(
        test_fails=textwrap.dedent(
            """\
            def test_fails(watched, qmframe_register):
                before = len(watched.get_plugins())
                qmframe_register(object())
                assert len(watched.get_plugins()) == before + 1
                raise AssertionError("boom")
            """
        )
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", "-s")
    assert _outcomes(result) == {"failed": 1}
    # The registered object is gone once qmframe_register's teardown ran.
    result.stdout.fnmatch_lines(["*left behind after teardown: [[]0[]]*"])


# -- decision tables ---------------------------------------------------------------------------

CHARTER_TABLE = """\
framework = "example-charter"
base = "example-riverside"

[[case]]
id = "as-sent"
[case.expect]
status = "charter-awarded"
highlights = ["recruit"]

[[case]]
id = "no-plan-still-awarded"
source = "a wrong expectation, to see the failure"
drop_actions = ["*"]
[case.expect]
status = "charter-awarded"
"""


def test_each_case_of_a_decision_table_is_a_test_item(pytester: pytest.Pytester) -> None:
    pytester.makefile(".cases.toml", charter=CHARTER_TABLE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "charter.cases.toml::as-sent PASSED*",
            "charter.cases.toml::no-plan-still-awarded FAILED*",
            "*case 'no-plan-still-awarded': the decision is not what the table expects",
            "  (expected because: a wrong expectation, to see the failure)",
            "  status: expected 'charter-awarded', got 'not-yet-awarded'",
            "explanation:",
            "  FAILS  plan (action-plan, require): saw 0 action-plan item(s), 0 open;*",
        ]
    )


def test_a_table_that_cannot_be_read_is_a_collection_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(".cases.toml", broken='framework = "example-charter"\n[[case]]\nid = 3\n')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["the decision table cannot be read:", "*broken.cases.toml: case?0?.id: expected a string*"]
    )


def test_the_mutation_option_prints_the_score_and_fails_on_a_survivor(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".cases.toml", charter=CHARTER_TABLE.split('[[case]]\nid = "no-plan')[0])
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--qmframe-mutation")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*qmframe.testing: mutation scores*",
            "example-charter: * of 21 mutants killed (0 equivalent, 1 not valid, 1 table cases)",
            "  survived    drop:plan  (rule 'plan' dropped)",
        ]
    )
    # Without the option, the same table passes and no score is shown.
    quiet = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert quiet.ret == pytest.ExitCode.OK
    assert "mutation scores" not in quiet.stdout.str()


def test_the_shipped_tables_score_every_mutant_through_the_option(
    pytester: pytest.Pytester,
) -> None:
    import qmframe_example

    from qmframe.testing.tables import find_tables

    [table] = find_tables("example-charter", qmframe.Registry())
    pytester.makefile(".cases.toml", charter=Path(table.path).read_text(encoding="utf-8"))
    assert qmframe_example is not None
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--qmframe-mutation")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        ["example-charter: 21 of 21 mutants killed (0 equivalent, 1 not valid, 17 table cases)"]
    )


def test_the_properties_report_what_they_reached(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_counts="""
        from qmframe.testing import invariants

        def test_bounds():
            invariants.check_bounds("example-charter", max_examples=5)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*qmframe.testing: cases per property*",
            "bounded on example-charter: 5 cases, 5 reached it, 0 refused by the checks",
        ]
    )
