"""The non-editable install: the wheel carries the package and its seed data, and the
installed copy runs from any folder with its defaults.

The full check (fresh venv, `vnstance train` with defaults, predict, eval) is `.ci/install-check`,
run by CI: training again here would double the suite's time. This test builds the real
wheel, installs it (without dependencies, which the test environment has) in a temp folder,
and runs the installed copy from another temp folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    # built from a copy: an in-tree build leaves build/ behind, whose stale files a later wheel would carry
    src = work / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv", "build", "dist", "artifacts", "*.egg-info",
                                                             "__pycache__", ".pytest_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work / "dist"), str(src)],
                   check=True, capture_output=True, cwd=work)
    (wheel,) = (work / "dist").glob("vnstance-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(work / "site"),
                    str(wheel)], check=True, capture_output=True, cwd=work)
    return work


def _run(installed: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(installed / "site"), "XDG_DATA_HOME": str(installed / "xdg")}
    env.pop("VNSTANCE_MODEL", None)
    elsewhere = installed / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    return subprocess.run([sys.executable, *args], input=stdin, capture_output=True, text=True, env=env,
                          cwd=elsewhere)


def test_wheel_carries_every_seed_file(installed):
    (wheel,) = (installed / "dist").glob("vnstance-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    seeds = ROOT / "seeds"
    expected = {f"vnstance/seeds/{p.relative_to(seeds).as_posix()}" for p in seeds.rglob("*") if p.is_file()}
    assert expected and expected <= names
    modules = {f"vnstance/{p.relative_to(ROOT / 'vnstance').as_posix()}" for p in (ROOT / "vnstance").rglob("*.py")}
    assert modules <= names


def test_installed_copy_finds_its_data_and_user_model_folder(installed):
    code = ("import json, vnstance, vnstance.paths as p, vnstance.dataset as d; "
            "print(json.dumps([vnstance.__file__, str(p.seeds_dir()), str(p.default_model().path), "
            "len(d.load_labelled(d.DEFAULT_TRAIN))]))")
    r = _run(installed, "-c", code)
    assert r.returncode == 0, r.stderr
    module, seeds, model, n = json.loads(r.stdout)
    site = installed / "site"
    assert Path(module).is_relative_to(site) and Path(seeds) == site / "vnstance" / "seeds"
    assert Path(model) == installed / "xdg" / "vnstance" / "model.joblib"
    assert n > 0


def test_installed_cli_predicts_and_evaluates_from_another_folder(installed, model_path):
    r = _run(installed, "-m", "vnstance.cli", "predict", "--model", str(model_path), "-", stdin="Nga và Mỹ nhất trí\n")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["mentions"]["russia"]
    r = _run(installed, "-m", "vnstance.cli", "eval", "--model", str(model_path), "--report", "e.json")
    assert r.returncode == 0, r.stderr
    report = json.loads((installed / "elsewhere" / "e.json").read_text())
    assert Path(report["data"]["paths"][0]).is_relative_to(installed / "site")


def test_installed_cli_without_a_model_points_at_the_user_folder(installed):
    r = _run(installed, "-m", "vnstance.cli", "predict", "-", stdin="Nga\n")
    assert r.returncode == 2
    assert f"{installed / 'xdg' / 'vnstance' / 'model.joblib'}: no such model file" in r.stderr
    assert "[the default model: the per-user data folder" in r.stderr
