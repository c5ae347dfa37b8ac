"""Behavioural tests in the spirit of CheckList: a hand-written contrast set of minimal pairs
and templates that pin the guideline's decisions (seeds/contrast.jsonl).

These are tests of behaviour, not an accuracy figure: the set is never trained on (it is not
in the default training data, and nothing reads it but this module), and it must not be
tuned into the training data.

Each line is a JSON object with ``id`` and ``test_type`` and one of two shapes:

- a labelled case: ``text`` and ``expect``, a map from head to the label it must get, or to
  a list of labels any of which passes ({"russia": ["neutral", "favor"]}: "not against");
- an invariance case: ``texts`` (two or more), ``same`` (the heads whose label must not
  change across them) and optionally ``expect`` for those texts as well.

A case passes when every condition holds. ``check`` reports the pass rate per test type and
over all cases.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from ..dataset import SEEDS_DIR
from ..errors import DataError, VnstanceError
from ..features.normalize import normalize
from ..schema import DEFAULT, Schema
from ..textfiles import json_object, numbered_lines

CASES_PATH = SEEDS_DIR / "contrast.jsonl"
SCHEMA = "vnstance-check/1"


@dataclass(frozen=True)
class Case:
    id: str
    test_type: str
    texts: tuple[str, ...]
    expect: dict[str, tuple[str, ...]]  # head -> allowed labels (for every text)
    same: tuple[str, ...]  # heads that must agree across texts


def _labels(path, no: int, expect: Any, schema: Schema = DEFAULT) -> dict[str, tuple[str, ...]]:
    HEADS, LABELS = schema.heads, schema.labels
    if not isinstance(expect, dict) or not expect:
        raise DataError(path, no, "'expect' must be a non-empty object of head -> label(s)")
    out = {}
    for head, want in expect.items():
        if head not in HEADS:
            raise DataError(path, no, f"unknown head {head!r} in 'expect' (allowed: {', '.join(HEADS)})")
        allowed = (want,) if isinstance(want, str) else tuple(want) if isinstance(want, list) else ()
        bad = [w for w in allowed if w not in LABELS[head]] if allowed else [want]
        if bad:
            raise DataError(path, no, f"unknown {head} label {bad[0]!r} (allowed: {', '.join(LABELS[head])})")
        out[head] = allowed
    return out


def load_cases(path: str | Path = CASES_PATH, schema: Schema = DEFAULT) -> list[Case]:
    """Read and validate a contrast set against ``schema`` (the tested model's); errors name the file and line."""
    HEADS = schema.heads
    cases: list[Case] = []
    seen: set[str] = set()
    for no, line in numbered_lines(path):
        if not line.strip():
            continue
        obj = json_object(path, no, line)
        for key in ("id", "test_type"):
            if not isinstance(obj.get(key), str) or not obj[key].strip():
                raise DataError(path, no, f"missing or empty field {key!r}")
        if obj["id"] in seen:
            raise DataError(path, no, f"duplicate id {obj['id']!r}")
        seen.add(obj["id"])
        if "text" in obj:
            if not isinstance(obj["text"], str) or not obj["text"].strip():
                raise DataError(path, no, "'text' must be a non-empty string")
            texts, same = (obj["text"],), ()
            expect = _labels(path, no, obj.get("expect"), schema)
        elif "texts" in obj:
            texts = obj["texts"]
            if not isinstance(texts, list) or len(texts) < 2 or not all(isinstance(t, str) and t.strip() for t in texts):
                raise DataError(path, no, "'texts' must be a list of two or more non-empty strings")
            same = obj.get("same")
            if not isinstance(same, list) or not same or any(h not in HEADS for h in same):
                raise DataError(path, no, f"'same' must list heads among {', '.join(HEADS)}")
            expect = _labels(path, no, obj["expect"], schema) if "expect" in obj else {}
        else:
            raise DataError(path, no, "a case needs 'text' and 'expect', or 'texts' and 'same'")
        cases.append(Case(obj["id"], obj["test_type"], tuple(normalize(t) for t in texts), expect, tuple(same)))
    if not cases:
        raise VnstanceError(f"empty contrast set: no cases in {path}")
    return cases


def run_cases(cases: Sequence[Case], predict: Callable[[list[str]], list[dict[str, Any]]],
              heads: Sequence[str] = DEFAULT.heads) -> dict[str, Any]:
    """Score cases with ``predict`` (sentences -> rows with one label per head of ``heads``)."""
    HEADS = heads
    texts = sorted({t for c in cases for t in c.texts})
    rows = dict(zip(texts, predict(texts)))
    by_type: dict[str, dict[str, int]] = {}
    results = []
    for c in cases:
        got = [{h: rows[t][h] for h in HEADS} for t in c.texts]
        problems = [f"{h}: {g[h]} (expected {'/'.join(allowed)})"
                    for g in got for h, allowed in c.expect.items() if g[h] not in allowed]
        problems += [f"{h} changes across texts: {', '.join(g[h] for g in got)}"
                     for h in c.same if len({g[h] for g in got}) > 1]
        passed = not problems
        t = by_type.setdefault(c.test_type, {"passed": 0, "cases": 0})
        t["cases"] += 1
        t["passed"] += passed
        results.append({"id": c.id, "test_type": c.test_type, "passed": passed, "texts": list(c.texts),
                        "predicted": got, "problems": problems})
    for t in by_type.values():
        t["rate"] = t["passed"] / t["cases"]
    passed = sum(r["passed"] for r in results)
    return {"pass_rate": passed / len(results), "passed": passed, "cases": len(results),
            "by_type": dict(sorted(by_type.items())), "results": results}


def check(model_path: str | Path, cases_path: str | Path = CASES_PATH) -> dict[str, Any]:
    """Run the contrast set through a saved model: the report of ``vnstance check``."""
    from ..model.api import load_model

    model = load_model(model_path)
    cases = load_cases(cases_path, model.schema)  # heads and labels: the model's
    report = run_cases(cases, model.predict, model.schema.heads)
    return {"schema": SCHEMA, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "model": {"path": str(model_path), "sha256": model.sha256}, "cases_path": str(cases_path), **report}


def summary(report: dict[str, Any]) -> str:
    lines = [f"{'test type':<34}{'passed':>8}{'cases':>7}{'rate':>8}"]
    for name, t in report["by_type"].items():
        lines.append(f"{name:<34}{t['passed']:>8}{t['cases']:>7}{t['rate']:>8.1%}")
    lines.append(f"{'all':<34}{report['passed']:>8}{report['cases']:>7}{report['pass_rate']:>8.1%}")
    for r in report["results"]:
        if not r["passed"]:
            lines.append(f"FAIL {r['id']} [{r['test_type']}] {r['texts'][0]}: {'; '.join(r['problems'])}")
    return "\n".join(lines)
