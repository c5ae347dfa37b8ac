"""Rendering an eval report: a terminal summary, Markdown for GitHub, JSON, confusion plots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import VnstanceError
from ..model.artifact import write_atomic
from ..schema import Schema
from .evaluate import ERRORS_IN_MARKDOWN


def _ci(v: list[float]) -> str:
    return f"[{v[0]:.3f}, {v[1]:.3f}]"


def report_schema(report: dict[str, Any]) -> Schema:
    """The schema of the scored model (recorded in the report; older reports: the default)."""
    return Schema.from_dict((report.get("model") or {}).get("schema"))


def summary(report: dict[str, Any]) -> str:
    """Compact: per-label precision and recall per head, macro F1, and f_avg with its interval."""
    m = report["metrics"]
    schema = report_schema(report)
    HEADS = schema.heads
    how = ("cross-validated, leave one doc group out" if report["mode"] == "cv"
           else f"model {report['model'].get('path')}")
    lines = [f"{report['data']['sentences']} sentences from {', '.join(report['data']['paths'])} ({how})",
             f"{'head':<10}{'label':<10}{'prec':>7}{'recall':>8}{'f1':>7}{'n':>6}"]
    for h in HEADS:
        for lab, v in m[h]["labels"].items():
            lines.append(f"{h:<10}{lab:<10}{v['precision']:>7.3f}{v['recall']:>8.3f}{v['f1']:>7.3f}{v['support']:>6}")
        lines.append(f"{h:<10}{'macro':<10}{m[h]['macro_precision']:>7.3f}{m[h]['macro_recall']:>8.3f}"
                     f"{m[h]['macro_f1']:>7.3f}  95% CI {_ci(m[h]['macro_f1_ci'])}")
    b = report["baselines"]
    lines.append(f"false alarms (neutral/none slots given favor/against): {m['false_alarm']:.3f} pooled, "
                 + ", ".join(f"{t} {m[t]['false_alarm']:.3f}" for t in schema.targets))
    lines.append(f"f_avg {m['f_avg']:.3f}  95% CI {_ci(m['f_avg_ci'])}   "
                 f"keyword rule {b['keyword']['f_avg']:.3f} (margin {report['margins']['keyword']['f_avg']:+.3f}), "
                 f"majority {b['majority']['f_avg']:.3f}")
    if report["margins"]["keyword"]["f_avg"] <= 0:
        lines.append("WARNING: the model does not beat the keyword rule on f_avg")
    return "\n".join(lines)


def markdown(report: dict[str, Any]) -> str:
    m = report["metrics"]
    schema = report_schema(report)
    targets, HEADS = schema.targets, schema.heads
    both = "both targets" if len(targets) == 2 else f"the {len(targets)} targets"
    mode = "cross-validated (leave one doc group out)" if report["mode"] == "cv" else "saved model"
    out = [f"# vnstance evaluation ({mode})", "",
           f"- Data: {', '.join(report['data']['paths'])} ({report['data']['sentences']} sentences, "
           f"sha256 `{report['data']['sha256'][:16]}…`)"]
    if report["train_extra"]:
        out.append(f"- Training-only data (never scored): {', '.join(report['train_extra']['paths'])} "
                   f"({report['train_extra']['sentences']} sentences)")
    if report["mode"] == "model":
        out.append(f"- Model: `{report['model'].get('path')}` (sha256 `{str(report['model'].get('sha256'))[:16]}…`)")
    out += [f"- Created: {report['created_at']}", "", "## Headline", ""]
    overlap = report.get("training_overlap")
    if overlap and overlap.get("in_training"):
        out += [f"> **Optimistic:** {overlap['in_training']} of {overlap['scored']} scored sentences were in the "
                f"model's training data, so these figures overstate what it does on new text; "
                f"`vnstance eval --cv` gives the honest ones.", ""]
    out += [
            f"**f_avg = {m['f_avg']:.3f}** (95% bootstrap CI {_ci(m['f_avg_ci'])}): the mean F1 of `favor` and "
            f"`against` over {both} (SemEval-2016 Task 6).", "",
            f"**False alarms = {m['false_alarm']:.3f}** ("
            + ", ".join(f"{t} {m[t]['false_alarm']:.3f}" for t in targets)
            + "): the share of target slots whose gold is `neutral` or `none` that get "
            "`favor` or `against` (lower is better).", "",
            "| system | f_avg | false alarms | " + " | ".join(f"{h} macro F1" for h in HEADS) + " |",
            "|---|---:|---:|" + "---:|" * len(HEADS),
            f"| model | {m['f_avg']:.3f} | {m['false_alarm']:.3f} | "
            + " | ".join(f"{m[h]['macro_f1']:.3f}" for h in HEADS) + " |"]
    for name, b in report["baselines"].items():
        out.append(f"| {name} baseline | {b['f_avg']:.3f} | {b['false_alarm']:.3f} | "
                   + " | ".join(f"{b[h]['macro_f1']:.3f}" for h in HEADS) + " |")
    for name, mg in report["margins"].items():
        verdict = "beats" if mg["f_avg"] > 0 else "**does not beat**"
        out.append("")
        out.append(f"The model {verdict} the {name} baseline on f_avg (margin {mg['f_avg']:+.3f}).")
    for h in HEADS:
        hm = m[h]
        out += ["", f"## {h}", "",
                f"Macro F1 {hm['macro_f1']:.3f} (95% CI {_ci(hm['macro_f1_ci'])}), accuracy {hm['accuracy']:.3f}.", "",
                "| label | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
        for lab, v in hm["labels"].items():
            out.append(f"| {lab} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |")
        labels = hm["confusion"]["labels"]
        out += ["", "Confusion (rows gold, columns predicted):", "",
                "| gold \\ pred | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(labels)]
        for lab, row in zip(labels, hm["confusion"]["matrix"]):
            out.append(f"| {lab} | " + " | ".join(str(x) for x in row) + " |")
    mm = m["mentions"]
    out += ["", "## Mention detection (target referred to or not)", "",
            "| target | precision | recall | F1 |", "|---|---:|---:|---:|"]
    for t, v in mm.items():
        out.append(f"| {t} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} |")
    errors = report["errors"]
    out += ["", f"## Errors, most confident first ({min(len(errors), ERRORS_IN_MARKDOWN)} of {len(errors)}; "
            "all are in the JSON report)", "",
            "| id | head | gold | predicted | p | text |", "|---|---|---|---|---:|---|"]
    for e in errors[:ERRORS_IN_MARKDOWN]:
        text = e["text"].replace("|", "\\|")
        out.append(f"| {e['id']} | {e['head']} | {e['gold']} | {e['pred']} | {e['probability']:.2f} | {text} |")
    return "\n".join(out) + "\n"


def write_markdown(report: dict[str, Any], path: str | Path) -> None:
    write_atomic(path, markdown(report).encode("utf-8"))


def write_plots(report: dict[str, Any], folder: str | Path) -> list[Path]:
    """One PNG confusion matrix per head (needs matplotlib: pip install 'vnstance[plots]')."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise VnstanceError("--plots needs matplotlib: pip install 'vnstance[plots]'") from None
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for h in report_schema(report).heads:
        conf = report["metrics"][h]["confusion"]
        labels, matrix = conf["labels"], conf["matrix"]
        fig, ax = plt.subplots(figsize=(4.5, 4))
        ax.imshow(matrix, cmap="Blues")
        ax.set_xticks(range(len(labels)), labels, rotation=30)
        ax.set_yticks(range(len(labels)), labels)
        ax.set_xlabel("predicted")
        ax.set_ylabel("gold")
        ax.set_title(f"{h} ({report['mode']})")
        for i, row in enumerate(matrix):
            for j, v in enumerate(row):
                ax.text(j, i, str(v), ha="center", va="center")
        fig.tight_layout()
        path = folder / f"confusion-{h}.png"
        tmp = folder / f".confusion-{h}.png.tmp"
        fig.savefig(tmp, format="png", dpi=110)
        plt.close(fig)
        tmp.replace(path)
        paths.append(path)
    return paths
