"""Start-up stays light: the command line and the package import no heavy library until a
command needs one (the time itself is a bench figure: `vnstance bench`)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("sklearn", "underthesea", "scipy", "numpy", "joblib", "pandas", "pyarrow", "dask", "distributed", "fastapi")


def _imported_after(code: str) -> set[str]:
    probe = f"{code}; import sys, json; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return {m.split(".")[0] for m in json.loads(out.splitlines()[-1])}


@pytest.mark.parametrize("code", ["import vnstance.cli", "import vnstance",
                                  "from vnstance.cli import main; main(['--help'])",
                                  "from vnstance.cli import main; main(['predict', '--help'])"])
def test_start_up_imports_no_heavy_library(code):
    code = f"import contextlib\nwith contextlib.suppress(SystemExit): {code}"
    assert _imported_after(code).isdisjoint(HEAVY)


def test_lazy_api_still_works():
    assert "sklearn" in _imported_after("from vnstance import load_model, Model")
    import vnstance

    assert vnstance.Model.__name__ == "Model" and callable(vnstance.load_model)
    with pytest.raises(AttributeError):
        vnstance.nope  # noqa: B018
