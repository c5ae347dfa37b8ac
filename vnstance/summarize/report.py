"""The summary as one self-contained HTML file (charts as PNG data URIs, no network), as CSV,
and as a terminal table."""

from __future__ import annotations

import base64
import csv
import io
import time
from html import escape
from pathlib import Path
from typing import Any

from ..errors import VnstanceError
from ..textfiles import atomic_file
from .aggregate import MIN_MENTIONS, NO_DATE, STANCES, Cell, Summary, summary_records

TARGET_NAMES = {"russia": "Russia", "us": "the US", "china": "China"}


def target_name(t: str) -> str:
    return TARGET_NAMES.get(t, t.replace("_", " ").title())
COLOURS = {"favor": "#1a9850", "against": "#d73027", "neutral": "#7f7f7f"}
MAX_PANELS = 8  # series (e.g. outlets) charted per target; the table has them all


def _pct(cell: Cell, s: str) -> str:
    share, ci = cell.share(s), cell.interval(s)
    if share is None or ci is None:
        return "too few"
    return f"{100 * share:.0f}% [{100 * ci[0]:.0f}–{100 * ci[1]:.0f}]"


def _label(summary: Summary, key: tuple[str, ...]) -> str:
    return " · ".join(key) if key else "all"


def table(summary: Summary) -> str:
    """Plain text for the terminal."""
    width = max([len(_label(summary, k)) for k in summary.groups] + [5])
    lines = [f"{'group':<{width}}  {'target':<7}{'mentions':>9}  {'favor':<15}{'against':<15}{'neutral':<15}{'sentiment':>9}"]
    for key, t, cell in summary.rows():
        ms = cell.mean_sentiment
        lines.append(f"{_label(summary, key):<{width}}  {t:<7}{cell.mentions:>9}  "
                     + "".join(f"{_pct(cell, s):<15}" for s in STANCES)
                     + (f"{ms:>+9.2f}" if ms is not None and not cell.too_few else f"{'-':>9}"))
    lines.append(f"shares of sentences mentioning the target, 95% Wilson intervals; fewer than {MIN_MENTIONS} "
                 "mentions: too few")
    return "\n".join(lines)


def write_csv(summary: Summary, path: str | Path) -> None:
    records = summary_records(summary)
    with atomic_file(path) as f:
        w = csv.DictWriter(f, fieldnames=list(records[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(records)


# --- charts -------------------------------------------------------------------------------------------

def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise VnstanceError("the HTML report needs matplotlib: pip install 'vnstance[plots]'") from None
    return plt


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    _pyplot().close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _series(summary: Summary) -> tuple[list[str], dict[tuple[str, ...], dict[str, Any]]]:
    """x values (months, or 'all') and, per series (the other --by columns), x -> cells."""
    by = summary.by
    mi = by.index("month") if "month" in by else None
    xs: set[str] = set()
    series: dict[tuple[str, ...], dict[str, Any]] = {}
    for key, cells in summary.groups.items():
        x = key[mi] if mi is not None else "all"
        rest = tuple(v for i, v in enumerate(key) if i != mi)
        xs.add(x)
        series.setdefault(rest, {})[x] = cells
    order = sorted(xs, key=lambda m: (m == NO_DATE, m))
    return order, series


def charts(summary: Summary) -> list[tuple[str, str]]:
    """(caption, data URI) per target: stance shares over time (or per group), one panel per series."""
    plt = _pyplot()
    xs, series = _series(summary)
    ranked = sorted(series, key=lambda k: -sum(c[t].mentions for c in series[k].values() for t in summary.targets))
    shown = sorted(ranked[:MAX_PANELS])
    out = []
    over_time = "month" in summary.by
    for t in summary.targets:
        n = len(shown)
        cols = min(n, 3)
        rows = (n + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), sharey=True, squeeze=False)
        for ax in axes.flat[n:]:
            ax.set_visible(False)
        for ax, skey in zip(axes.flat, shown):
            cells = series[skey]
            pos = list(range(len(xs)))
            for s in STANCES:
                ys, lo, hi = [], [], []
                for x in xs:
                    cell = cells.get(x, {}).get(t) if x in cells else None
                    share = cell.share(s) if cell else None
                    ci = cell.interval(s) if cell else None
                    ys.append(share if share is not None else float("nan"))
                    lo.append(ci[0] if ci else float("nan"))
                    hi.append(ci[1] if ci else float("nan"))
                if over_time:
                    ax.plot(pos, ys, marker="o", ms=4, color=COLOURS[s], label=s)
                    ax.fill_between(pos, lo, hi, color=COLOURS[s], alpha=0.15, linewidth=0)
                else:
                    off = (STANCES.index(s) - 1) * 0.25
                    err = [[y - l for y, l in zip(ys, lo)], [h - y for y, h in zip(ys, hi)]]
                    ax.bar([p + off for p in pos], ys, 0.25, yerr=err, color=COLOURS[s], label=s, capsize=2)
            for i, x in enumerate(xs):
                cell = cells.get(x, {}).get(t) if x in cells else None
                if cell is None or cell.too_few:
                    ax.axvspan(i - 0.4, i + 0.4, color="#000", alpha=0.05, linewidth=0)
                    ax.text(i, 0.97, f"too\nfew\n({cell.mentions if cell else 0})", ha="center", va="top",
                            fontsize=7, color="#555")
            ax.set_xticks(pos, xs, rotation=45 if len(xs) > 4 else 0, fontsize=8)
            ax.set_ylim(0, 1)
            ax.yaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f}%")
            ax.set_title(" · ".join(skey) if skey else "all", fontsize=10)
            ax.grid(axis="y", alpha=0.3)
        axes.flat[0].legend(fontsize=8, loc="upper right")
        what = "by month" if over_time else "by group"
        fig.suptitle(f"Stance toward {target_name(t)}, {what} (share of sentences mentioning it, 95% interval)",
                     fontsize=11)
        fig.tight_layout()
        more = f" ({len(series) - n} more series in the table)" if len(series) > n else ""
        out.append((f"Stance toward {target_name(t)} {what}{more}", _png(fig)))
    return out


# --- HTML ---------------------------------------------------------------------------------------------

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1100px;
padding:0 1rem;color:#222}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.caveat{background:#fff6e0;border-left:4px solid #e0a800;padding:.7rem 1rem;margin:1rem 0}
.meta{color:#555;font-size:.9rem}
figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#555;font-size:.9rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border-bottom:1px solid #eee;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#f6f6f6}td.num{text-align:right;white-space:nowrap}
td.few{color:#999;font-style:italic}
.favor{color:#1a7f44}.against{color:#c0392b}.neutral{color:#555}
details{margin:.4rem 0}summary{cursor:pointer;font-weight:600}
blockquote{margin:.3rem 0 .3rem 1rem;padding-left:.6rem;border-left:3px solid #ddd}
blockquote small{color:#777}
"""


def _cell_td(cell: Cell, s: str) -> str:
    text = _pct(cell, s)
    return f'<td class="num{" few" if cell.too_few else ""}">{escape(text)}</td>'


def html(summary: Summary, accuracy: str | None, title: str = "vnstance summary") -> str:
    by = summary.by
    head = "".join(f"<th>{escape(b)}</th>" for b in by)
    body = []
    for key, t, cell in summary.rows():
        ms = cell.mean_sentiment
        body.append("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in key) + f"<td>{escape(target_name(t))}</td>"
                    f'<td class="num">{cell.mentions}</td>' + "".join(_cell_td(cell, s) for s in STANCES)
                    + ('<td class="num few">too few</td></tr>' if cell.too_few else f'<td class="num">{ms:+.2f}</td></tr>'))
    evidence = []
    for key in sorted(summary.groups):
        parts = []
        for t in summary.targets:
            cell = summary.groups[key][t]
            for s in ("favor", "against"):
                for conf, text, ident in cell.examples(s):
                    parts.append(f'<blockquote><span class="{s}">{escape(target_name(t))}: {s}</span> '
                                 f"{escape(text)} <small>({escape(ident)}, confidence {conf:.2f})</small></blockquote>")
        if parts:
            evidence.append(f"<details{' open' if not evidence else ''}><summary>{escape(_label(summary, key))}</summary>{''.join(parts)}</details>")
    figures = "".join(f'<figure><img src="{uri}" alt="{escape(cap)}"><figcaption>{escape(cap)}</figcaption></figure>'
                      for cap, uri in charts(summary))
    measured = escape(accuracy) if accuracy else (
        "No measured accuracy was given (pass <code>--eval-report</code> from <code>vnstance eval --report</code>): "
        "nothing here says how often the model is right on this kind of text.")
    grouping = ", ".join(by) if by else "nothing (one group)"
    date_note = f"; month from column <code>{escape(summary.date_column)}</code>" if summary.date_column else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{_CSS}</style></head><body>
<h1>{escape(title)}</h1>
<p class="meta">{summary.sentences} sentences from <code>{escape(summary.path)}</code>, grouped by {escape(grouping)}{date_note}.
Generated {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())} by vnstance.</p>
<div class="caveat"><strong>These are model estimates, not ground truth.</strong> Every label below was assigned by
a statistical model, sentence by sentence, and the model makes mistakes. {measured}
Shares are of the sentences that mention the target; the brackets are 95% Wilson intervals for sampling
error only (they do not include the model's errors). Groups with fewer than {MIN_MENTIONS} mentions are shown as
"too few". Read the evidence sentences before quoting a figure.</div>
<h2>Stance over time</h2>
{figures}
<h2>Table</h2>
<table><thead><tr>{head}<th>target</th><th>mentions</th><th>favor</th><th>against</th><th>neutral</th>
<th>mean sentiment</th></tr></thead><tbody>
{"".join(body)}
</tbody></table>
<p class="meta">mean sentiment: positive = +1, neutral = 0, negative = −1, over the sentences mentioning the target.</p>
<h2>Evidence</h2>
<p class="meta">The sentences the model was most confident about, per group, target and stance.</p>
{"".join(evidence)}
</body></html>
"""


def write_html(summary: Summary, accuracy: str | None, path: str | Path) -> None:
    page = html(summary, accuracy)
    with atomic_file(path) as f:
        f.write(page)
