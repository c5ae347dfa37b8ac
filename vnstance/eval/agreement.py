"""Agreement between two annotators' label files on the ids they share.

Cohen's kappa per field (scikit-learn's ``cohen_kappa_score``, over the schema's labels),
the share of identical labels, f_avg of one file scored against the other (symmetric, so
which file is "gold" does not matter), and every sentence where the two differ, so a team
can settle them.

f_avg here is the mean F1 of favor and against over the (target, label) classes that at
least one of the two files uses. ``metrics.f_avg`` (eval's, SemEval's) counts an unused
class as F1 0, which scores two identical files that never say ``favor`` at 0.5 or less; for
agreement an unused class is undefined (null in the JSON), and f_avg is undefined when no
class is used.

The schema is the files' own (the target fields their rows carry: ``russia, us, china`` for
a three-target team), or the one the caller states; both files must have its heads.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

from ..dataset import labelled_targets, load_labelled
from ..errors import VnstanceError
from ..schema import Schema
from .metrics import STANCE_POLES, prf

SCHEMA = "vnstance-agree/1"


def kappa(a: list[str], b: list[str], labels: tuple[str, ...]) -> float | None:
    """Cohen's kappa; None where it is undefined (both annotators gave one and the same label throughout)."""
    from sklearn.exceptions import UndefinedMetricWarning
    from sklearn.metrics import cohen_kappa_score

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        value = float(cohen_kappa_score(a, b, labels=list(labels), replace_undefined_by=math.nan))
    return None if math.isnan(value) else value


def class_f1(a: dict[str, list[str]], b: dict[str, list[str]], schema: Schema) -> dict[str, dict[str, float | None]]:
    """{target: {pole: F1 of b against a}} for favor and against; None where neither file uses the pole."""
    return {t: {pole: prf(a[t], b[t], pole)[2] if pole in a[t] or pole in b[t] else None for pole in STANCE_POLES}
            for t in schema.targets}


def mean_defined(classes: dict[str, dict[str, float | None]]) -> float | None:
    values = [v for per in classes.values() for v in per.values() if v is not None]
    return sum(values) / len(values) if values else None


def files_schema(path_a: str | Path, path_b: str | Path) -> Schema:
    """The schema two label files share: the targets their rows carry, which must be the same."""
    ta, tb = labelled_targets(path_a), labelled_targets(path_b)
    if ta and tb and set(ta) != set(tb):
        shared = [t for t in ta if t in tb]
        hint = f"give --targets {','.join(shared)} to compare the shared ones" if shared else "they share no target"
        raise VnstanceError(f"{path_a} labels targets {', '.join(ta)} but {path_b} labels {', '.join(tb)}: {hint}")
    return Schema(ta or tb) if ta or tb else Schema()


def agreement(path_a: str | Path, path_b: str | Path, schema: Schema | None = None) -> dict[str, Any]:
    """The agreement report for two labelled JSONL files (ids unique within each), per head of
    ``schema`` (default: the files' own, see ``files_schema``)."""
    if schema is None:
        schema = files_schema(path_a, path_b)
    heads, labels = schema.heads, schema.labels
    a, b = load_labelled(path_a, schema), load_labelled(path_b, schema)
    by_id_b = {e.id: e for e in b.examples}
    pairs = [(e, by_id_b[e.id]) for e in a.examples if e.id in by_id_b]
    if not pairs:
        raise VnstanceError(f"no shared ids: {path_a} and {path_b} label different sentences")
    fields = {}
    for h in heads:
        ya, yb = [x.label(h) for x, _ in pairs], [y.label(h) for _, y in pairs]
        fields[h] = {"kappa": kappa(ya, yb, labels[h]),
                     "agreement": sum(p == q for p, q in zip(ya, yb)) / len(pairs)}
    gold = {h: [x.label(h) for x, _ in pairs] for h in heads}
    other = {h: [y.label(h) for _, y in pairs] for h in heads}
    classes = class_f1(gold, other, schema)
    disagreements = [
        {"id": x.id, "doc": x.doc, "text": x.text,
         **{h: {"a": x.label(h), "b": y.label(h)} for h in heads if x.label(h) != y.label(h)}}
        for x, y in pairs if any(x.label(h) != y.label(h) for h in heads)
    ]
    return {"schema": SCHEMA, "targets": list(schema.targets), "a": {"path": str(path_a), "sentences": len(a)},
            "b": {"path": str(path_b), "sentences": len(b)}, "shared": len(pairs),
            "fields": fields, "f_avg": mean_defined(classes), "f_avg_classes": classes,
            "disagreements": disagreements}


def summary(report: dict[str, Any]) -> str:
    """The report for a terminal: figures first, then each disagreement on one line."""
    lines = [f"shared ids: {report['shared']} (A: {report['a']['path']}, {report['a']['sentences']} sentences; "
             f"B: {report['b']['path']}, {report['b']['sentences']} sentences)"]
    for h, m in report["fields"].items():
        k = "undefined (one label throughout)" if m["kappa"] is None else f"{m['kappa']:.3f}"
        lines.append(f"  {h:<9} kappa {k}  same label {m['agreement']:.1%}")
    unused = [f"{t} {pole}" for t, per in report["f_avg_classes"].items() for pole, v in per.items() if v is None]
    if report["f_avg"] is None:
        lines.append("  f_avg of B against A: undefined (neither file uses favor or against)")
    else:
        lines.append(f"  f_avg of B against A: {report['f_avg']:.3f} (mean F1 over the favor/against classes "
                     f"either file uses" + (f"; neither file uses {', '.join(unused)})" if unused else ")"))
    lines.append(f"disagreements: {len(report['disagreements'])}")
    for d in report["disagreements"]:
        diffs = "  ".join(f"{h} {d[h]['a']}/{d[h]['b']}" for h in report["fields"] if h in d)
        lines.append(f"  {d['id']}  {diffs}  {d['text']}")
    return "\n".join(lines)


