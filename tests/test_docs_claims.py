"""What README.md and docs/*.md say qmframe does, checked against what it does.

Each test names the page and the claim it checks (``README.md: ...``,
``docs/cli.md: ...``) in its docstring. Claims that other test files already
check exactly are not repeated here; the list of every claim checked, with the
test behind each, is in the docs helper's note.

The install tests at the end build wheels and make new virtual environments,
as a newcomer's machine would have: they are marked ``slow`` (deselect them with
``-m "not slow"``) and need the package index only to build the wheels; every
install from those wheels runs with ``--no-index``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def _sh_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)]


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end != -1 else len(text)]


# -------------------------------------------------------------------------------------------------
# Installing from a clone and from wheels, on a new machine (slow: real pip, new virtualenvs)
# -------------------------------------------------------------------------------------------------

#: pip's words when it cannot reach a package index (offline): then the wheels cannot be built.
_OFFLINE = (
    "No matching distribution found",
    "Could not find a version that satisfies",
    "NewConnectionError",
    "Network is unreachable",
    "Temporary failure in name resolution",
    "Max retries exceeded",
)


def _clean_pip_env(**extra: str) -> dict[str, str]:
    """The environment of a new machine's pip: no configuration, no local wheel folders."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.pop("PYTHONPATH", None)
    return {**env, **extra}


def _run(argv: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(map(str, argv))} exited {done.returncode}:\n{output}"
    return output


def _new_venv(where: Path) -> Path:
    """A new virtual environment with pip (from the standard library's ensurepip: offline)."""
    venv.EnvBuilder(with_pip=True, clear=True).create(where)
    return where / ("Scripts" if os.name == "nt" else "bin")


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``dist/`` as the README's wheel command builds it, in a clone (this checkout)."""
    [build, _] = _sh_blocks(_section(README.read_text(encoding="utf-8"), "## Installing from wheels"))
    assert build == 'pip wheel ".[html]" ./plugins/nnecl -w dist'
    dist = tmp_path_factory.mktemp("wheels") / "dist"
    argv = [sys.executable, "-m", "pip", "wheel", ".[html]", "./plugins/nnecl", "-w", dist]
    done = subprocess.run(
        [str(a) for a in argv], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    output = done.stdout + done.stderr
    if done.returncode != 0 and any(word in output for word in _OFFLINE):
        pytest.skip("building the wheels fetches their dependencies from a package index, which "
                    "cannot be reached here")  # fmt: skip
    assert done.returncode == 0, output
    yield dist


def _wheel_names(dist: Path) -> set[str]:
    return {p.name.split("-")[0].lower().replace("_", "-") for p in dist.glob("*.whl")}


@pytest.mark.slow
def test_readme_wheels_install_offline_and_the_demo_runs(
    wheelhouse: Path, tmp_path: Path
) -> None:
    """README.md, "Installing from wheels": the two commands install qmframe and the NNECL
    plugin with no index, and the Quick start's `qmframe demo` then runs and writes its
    HTML report (README.md, Quick start: "It writes an HTML report ... and says where")."""
    [_, install] = _sh_blocks(
        _section(README.read_text(encoding="utf-8"), "## Installing from wheels")
    )
    assert install == 'pip install --no-index --find-links dist "qmframe[html]" qmframe-nnecl'
    assert {"qmframe", "qmframe-nnecl", "jinja2", "pluggy", "attrs", "cattrs"} <= _wheel_names(
        wheelhouse
    )
    work = tmp_path / "elsewhere"
    shutil.copytree(wheelhouse, work / "dist")
    bin_ = _new_venv(tmp_path / "venv")
    env = _clean_pip_env()
    _run(
        [bin_ / "python", "-m", "pip", "install", "-q", "--no-index", "--find-links", "dist",
         "qmframe[html]", "qmframe-nnecl"],
        work,
        env,
    )  # fmt: skip
    where = _run([bin_ / "python", "-c", "import qmframe; print(qmframe.__file__)"], work, env)
    assert Path(where.strip()).is_relative_to(tmp_path / "venv")  # not this checkout
    out = _run([bin_ / "qmframe", "demo", "--html", "demo.html"], work, env)
    assert "Demo: Brookmere College (England): a further-education college" in out
    assert "Decision:     AWARDED" in out
    assert "HTML report written to demo.html" in out
    assert (work / "demo.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    # README.md, Layout: "Each plugin's wheel carries a copy of the files it needs."
    frameworks = _run([bin_ / "qmframe", "frameworks"], work, env)
    assert "nnecl-quality-mark" in frameworks and "qmframe-nnecl 0.1.0" in frameworks


@pytest.mark.slow
def test_tutorial_installs_from_a_clone_and_its_tests_pass_on_a_new_machine(
    wheelhouse: Path, tmp_path: Path
) -> None:
    """docs/tutorial.md: qmframe installed as the page says (`pip install .` in a clone),
    then the plugin with its test extra (`pip install "./qmframe-repaircafe[test]"`, which
    brings pytest), and `pytest qmframe-repaircafe/tests` passes, in a new virtual
    environment. The packages come from local wheels (``--no-index``) instead of an index."""
    text = (DOCS / "tutorial.md").read_text(encoding="utf-8")
    blocks = _sh_blocks(text)
    assert blocks[0] == "pip install ."
    assert blocks[-1].splitlines() == [
        'pip install "./qmframe-repaircafe[test]"',
        "pytest qmframe-repaircafe/tests",
    ]
    dist = tmp_path / "dist"
    shutil.copytree(wheelhouse, dist)
    # What an index would give: the build backend, and pytest for the test extra.
    build = [sys.executable, "-m", "pip", "wheel", "-q", "hatchling>=1.19", "pytest>=8.0"]
    done = subprocess.run(
        [*map(str, build), "-w", str(dist)], capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0 and any(w in done.stdout + done.stderr for w in _OFFLINE):
        pytest.skip("fetching hatchling and pytest needs a package index, which cannot be reached")
    assert done.returncode == 0, done.stdout + done.stderr
    bin_ = _new_venv(tmp_path / "venv")
    env = _clean_pip_env(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(dist))
    pip = [bin_ / "python", "-m", "pip", "install", "-q"]
    _run([*pip, "."], ROOT, env)  # the page's first command, in the clone
    mine = tmp_path / "mine"  # the reader's own folder, holding their plugin
    shutil.copytree(
        DOCS / "tutorial" / "qmframe-repaircafe",
        mine / "qmframe-repaircafe",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"),
    )
    _run([*pip, "./qmframe-repaircafe[test]"], mine, env)
    out = _run([bin_ / "pytest", "-q", "-p", "no:cacheprovider", "qmframe-repaircafe/tests"], mine, env)
    assert re.search(r"\b4 passed\b", out), out
    listed = _run([bin_ / "qmframe", "frameworks"], mine, env)
    assert "repair-cafe" in listed and "qmframe-repaircafe 0.1.0" in listed
