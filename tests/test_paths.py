"""Where the seed data and the default model are found, whatever the working folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from vnstance import paths

from .conftest import ROOT, assert_user_error


def test_checkout_is_detected_from_the_package_not_the_working_folder(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(paths.ENV_MODEL, raising=False)
    assert paths.checkout_root() == ROOT
    assert paths.seeds_dir() == ROOT / "seeds"
    assert paths.default_model().path == ROOT / "artifacts" / "model.joblib"


def test_env_var_wins(monkeypatch, tmp_path):
    monkeypatch.setenv(paths.ENV_MODEL, str(tmp_path / "m.joblib"))
    chosen = paths.default_model()
    assert chosen.path == tmp_path / "m.joblib" and "VNSTANCE_MODEL" in chosen.source


def test_installed_copy_uses_the_user_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(paths.ENV_MODEL, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(paths, "checkout_root", lambda: None)
    assert paths.default_model().path == tmp_path / "xdg" / "vnstance" / "model.joblib"


def test_cli_names_the_default_model_it_used(run, monkeypatch, tmp_path):
    missing = tmp_path / "nowhere" / "model.joblib"
    monkeypatch.setenv(paths.ENV_MODEL, str(missing))
    assert_user_error(run("predict", "-", input="Nga và Mỹ\n"), f"{missing}: no such model file",
                      "[the default model: from $VNSTANCE_MODEL]")


def test_cli_names_the_default_model_once_it_is_loaded(run, monkeypatch, model_path):
    monkeypatch.setenv(paths.ENV_MODEL, str(model_path))
    r = run("predict", "-", input="Nga và Mỹ\n")
    assert r.exit_code == 0, r.output
    assert r.stderr == f"vnstance: model {model_path} (from $VNSTANCE_MODEL)\n"
    assert run("predict", "-q", "-", input="Nga và Mỹ\n").stderr == ""


def test_cli_says_nothing_when_the_model_is_named(run, tmp_path, model_path):
    missing = tmp_path / "m.joblib"
    r = run("predict", "--model", str(missing), "-", input="Nga\n")
    assert_user_error(r, str(missing))
    assert "default" not in r.stderr
    assert run("predict", "--model", str(model_path), "-", input="Nga và Mỹ\n").stderr == ""


def test_every_seed_file_is_declared_package_data():
    """New files in seeds/ (another .jsonl, another article) must reach the wheel: each one
    matches a package-data glob for vnstance.seeds in pyproject.toml."""
    import fnmatch
    import tomllib

    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["vnstance.seeds"]
    seeds = ROOT / "seeds"
    files = [p.relative_to(seeds).as_posix() for p in seeds.rglob("*") if p.is_file()]
    assert "gold.jsonl" in files and any(f.startswith("articles/") for f in files)
    unshipped = [f for f in files if not any(fnmatch.fnmatchcase(f, g) and f.count("/") == g.count("/") for g in globs)]
    assert unshipped == []


def test_seeds_path_is_a_real_folder():
    assert isinstance(paths.seeds_dir(), Path) and (paths.seeds_dir() / "gold.jsonl").is_file()


def test_the_api_default_model_follows_the_environment_at_call_time(monkeypatch, tmp_path, model_path):
    """VNSTANCE_MODEL set after import still decides which model load_model() reads."""
    import shutil

    from vnstance import load_model

    target = tmp_path / "elsewhere.joblib"
    shutil.copy(model_path, target)
    shutil.copy(f"{model_path}.sha256", f"{target}.sha256")
    monkeypatch.setenv("VNSTANCE_MODEL", str(target))
    assert load_model().sha256 == load_model(model_path).sha256
    monkeypatch.setenv("VNSTANCE_MODEL", str(tmp_path / "missing.joblib"))
    with pytest.raises(Exception, match="missing.joblib"):
        load_model()
