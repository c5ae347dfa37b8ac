"""Predictions -> per group and target: mentions, stance shares with Wilson intervals, mean
sentiment, and the most confident sentences as evidence.

One pass over the predictions file (CSV, TSV, Parquet or the JSON Lines `predict` writes),
row by row: memory grows with the number of groups, not of sentences.
"""

from __future__ import annotations

import heapq
import json
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import count
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from ..errors import DataError, VnstanceError
from ..outputs import flat_record
from ..schema import DEFAULT
from ..tables import delimited_rows, infer_format, parquet_rows
from ..textfiles import json_object, numbered_lines

STANCES = ("favor", "against", "neutral")  # the shares; `none` means the target is not mentioned
SENTIMENT_VALUE = {"positive": 1, "negative": -1, "neutral": 0}
MIN_MENTIONS = 10  # fewer mentions than this: "too few", no share
EXAMPLES = 3  # evidence sentences kept per group, target and stance
DATE_COLUMNS = ("published", "date")
NO_DATE = "(no date)"
Z95 = 1.959963984540054


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for k successes in n trials (95% by default)."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T,].*)?$")
_YM = re.compile(r"^(\d{4})-(\d{1,2})$")


def month_of(value: Any) -> str | None:
    """'YYYY-MM' of a date: a date/datetime, an ISO string (2016-09-30, 2016-09-30T08:00:00+07:00,
    2016-09) or a Vietnamese day-first one (30/9/2016, 30/09/2016 08:15). None for no value;
    ValueError when it does not parse."""
    if value is None or value != value:  # None, NaN
        return None
    if isinstance(value, (datetime, date)):
        return f"{value.year:04d}-{value.month:02d}"
    s = str(value).strip()
    if not s:
        return None
    if m := _YM.match(s):
        d = date(int(m.group(1)), int(m.group(2)), 1)
    elif m := _DMY.match(s):
        d = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    else:
        d = datetime.fromisoformat(s.replace("Z", "+00:00") if s.endswith("Z") else s)
    return f"{d.year:04d}-{d.month:02d}"


@dataclass
class Cell:
    """One group and target."""

    mentions: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STANCES, 0))
    sentiment_sum: int = 0
    # per stance, a min-heap of (confidence, tie-break, text, id): the most confident EXAMPLES
    evidence: dict[str, list[tuple[float, int, str, str]]] = field(default_factory=lambda: {s: [] for s in STANCES})

    def share(self, stance: str) -> float | None:
        return self.counts[stance] / self.mentions if self.mentions >= MIN_MENTIONS else None

    def interval(self, stance: str) -> tuple[float, float] | None:
        return wilson(self.counts[stance], self.mentions) if self.mentions >= MIN_MENTIONS else None

    @property
    def too_few(self) -> bool:
        return self.mentions < MIN_MENTIONS

    @property
    def mean_sentiment(self) -> float | None:
        return self.sentiment_sum / self.mentions if self.mentions else None

    def examples(self, stance: str) -> list[tuple[float, str, str]]:
        """(confidence, text, id), most confident first."""
        return [(c, t, i) for c, _, t, i in sorted(self.evidence[stance], reverse=True)]


@dataclass
class Summary:
    path: str
    by: list[str]
    date_column: str | None
    sentences: int = 0
    groups: dict[tuple[str, ...], dict[str, Cell]] = field(default_factory=dict)
    group_sentences: dict[tuple[str, ...], int] = field(default_factory=dict)
    targets: tuple[str, ...] = DEFAULT.targets  # read from the file's columns (the model's schema)

    def rows(self) -> Iterator[tuple[tuple[str, ...], str, Cell]]:
        """(group key, target, cell), groups sorted."""
        for key in sorted(self.groups):
            for t in self.targets:
                yield key, t, self.groups[key][t]


def targets_of(header: Sequence[str]) -> tuple[str, ...]:
    """The targets of the model that wrote a predictions file: each ``T`` with a ``T_mentions``
    and a ``T`` column (``predict`` writes both for every target of the model's schema); the
    default schema's when there are none (the missing columns are then the error)."""
    names = set(header)
    found = tuple(c[: -len("_mentions")] for c in header
                  if c.endswith("_mentions") and c[: -len("_mentions")] in names)
    return found or DEFAULT.targets


def _prediction_rows(path: str, columns: Callable[[list[str]], Sequence[str]]
                     ) -> Iterator[tuple[int | None, int, dict[str, Any]]]:
    """(line, row, flat row) of a predictions file; a header without ``columns(header)`` is an error."""
    def check(name: str, line: int | None, header: list[str]) -> None:
        missing = [c for c in columns(header) if c not in header]
        if missing:
            raise DataError(name, line, f"no column \"{missing[0]}\" (columns: {', '.join(header[:14])}); "
                                        "is this a file `vnstance predict` wrote?")

    fmt = infer_format(path)
    if fmt in ("csv", "tsv"):
        yield from delimited_rows(path, "\t" if fmt == "tsv" else ",", check)
    elif fmt == "parquet":
        yield from parquet_rows(path, check)
    elif fmt == "folder":  # a Parquet dataset, as `predict --engine dask -o DIR` writes it
        parts = sorted(p for p in Path(path).glob("*.parquet") if p.is_file())
        if not parts:
            raise DataError(path, None, "folder has no .parquet files: give the predictions file `vnstance predict` "
                                        "wrote, or the folder `predict --engine dask` wrote")
        for part in parts:
            yield from parquet_rows(str(part), check)
    else:  # JSON Lines, as `predict` writes by default
        row_no = 0
        for no, line in numbered_lines(path):
            if not line.strip():
                continue
            obj = json_object(path, no, line)
            row_no += 1
            if "scores" in obj and "mentions" in obj:
                obj = flat_record(obj)
            if row_no == 1:
                check(path, no, list(obj))
            yield no, row_no, obj


def _pick_date_column(path: str, date_column: str | None, header: list[str]) -> str:
    if date_column:
        return date_column
    for c in DATE_COLUMNS:
        if c in header:
            return c
    raise DataError(path, None, f"--by month needs a date column: none of {', '.join(DATE_COLUMNS)} is there; "
                                "name one with --date-column")


def summarize(path: str | Path, by: Sequence[str] = (), date_column: str | None = None) -> Summary:
    """Aggregate a predictions file by the ``by`` columns (``month``: the month of the date column)."""
    path = str(path)
    by = list(by)
    plain_by = [b for b in by if b != "month"]
    summary = Summary(path, by, None)

    def required(header: list[str]) -> list[str]:
        summary.targets = targets = targets_of(header)
        return [*targets, "sentiment", "text", *(f"{t}_{s}" for t in targets for s in STANCES), *plain_by]

    seq = count()
    for line, row_no, row in _prediction_rows(path, required):
        TARGETS = summary.targets
        if row_no == 1 and "month" in by:
            summary.date_column = date_column = _pick_date_column(path, date_column, list(row))
            if date_column not in row:
                raise DataError(path, line, f"no date column \"{date_column}\" (columns: {', '.join(list(row)[:14])})")
        key = []
        for b in by:
            if b == "month":
                try:
                    key.append(month_of(row[date_column]) or NO_DATE)
                except (ValueError, TypeError):
                    raise DataError(path, line, f"row {row_no}, column \"{date_column}\": cannot read "
                                                f"{str(row[date_column])[:40]!r} as a date (use YYYY-MM-DD or "
                                                "DD/MM/YYYY)") from None
            else:
                v = row[b]
                key.append("" if v is None else str(v))
        k = tuple(key)
        cells = summary.groups.get(k)
        if cells is None:
            cells = summary.groups[k] = {t: Cell() for t in TARGETS}
        summary.sentences += 1
        summary.group_sentences[k] = summary.group_sentences.get(k, 0) + 1
        sentiment = SENTIMENT_VALUE.get(row["sentiment"])
        for t in TARGETS:
            stance = row[t]
            if stance not in STANCES:
                if stance not in ("none", None, ""):
                    raise DataError(path, line, f"row {row_no}, column \"{t}\": unknown stance {stance!r}")
                continue
            cell = cells[t]
            cell.mentions += 1
            cell.counts[stance] += 1
            cell.sentiment_sum += sentiment or 0
            try:
                conf = float(row[f"{t}_{stance}"])
            except (TypeError, ValueError):
                raise DataError(path, line, f"row {row_no}, column \"{t}_{stance}\": not a number") from None
            heap = cell.evidence[stance]
            entry = (conf, -next(seq), str(row["text"]), str(row.get("id") or row_no))
            if len(heap) < EXAMPLES:
                heapq.heappush(heap, entry)
            elif entry > heap[0]:
                heapq.heapreplace(heap, entry)
    if summary.sentences == 0:
        raise VnstanceError(f"{path}: no predictions to summarize")
    return summary


def summary_records(summary: Summary) -> list[dict[str, Any]]:
    """One flat record per group and target (the CSV summary)."""
    out = []
    for key, t, cell in summary.rows():
        rec: dict[str, Any] = dict(zip(summary.by, key))
        rec.update(target=t, sentences=summary.group_sentences[key], mentions=cell.mentions,
                   too_few=cell.too_few)
        for s in STANCES:
            share, ci = cell.share(s), cell.interval(s)
            rec[f"{s}_n"] = cell.counts[s]
            rec[f"{s}_share"] = None if share is None else round(share, 4)
            rec[f"{s}_low"] = None if ci is None else round(ci[0], 4)
            rec[f"{s}_high"] = None if ci is None else round(ci[1], 4)
        ms = cell.mean_sentiment
        rec["mean_sentiment"] = None if ms is None or cell.too_few else round(ms, 4)
        for s in ("favor", "against"):
            ex = cell.examples(s)
            rec[f"{s}_example"] = ex[0][1] if ex else None
        out.append(rec)
    return out


def accuracy_note(model_meta: dict[str, Any] | None = None, eval_report: dict[str, Any] | None = None,
                  source: str = "") -> str | None:
    """The measured quality to quote beside the estimates: an eval report's figures (or the
    same block if a model's metadata carries one); None when nothing measured is at hand."""
    report = eval_report
    if report is None and model_meta:
        report = model_meta.get("eval") or model_meta.get("evaluation")
    if not report or "metrics" not in report:
        return None
    try:
        m = report["metrics"]
        how = "cross-validated, leave one article out" if report.get("mode") == "cv" else "a held-out scoring"
        data = report.get("data", {})
        targets = ((report.get("model") or {}).get("schema") or DEFAULT.to_dict())["targets"]
        both = "both targets" if len(targets) == 2 else f"the {len(targets)} targets"
        parts = [f"f_avg {m['f_avg']:.2f} (95% CI {m['f_avg_ci'][0]:.2f}–{m['f_avg_ci'][1]:.2f}; the mean F1 of "
                 f"favor and against over {both})"]
        # macro F1, not accuracy: a stance head's accuracy is mostly the easy `none` (no mention)
        names = {"russia": "Russia stance", "us": "US stance"}
        parts.append("macro F1 " + ", ".join(f"{name} {m[h]['macro_f1']:.2f}" for h, name in (
            *((t, names.get(t, f"{t} stance")) for t in targets), ("sentiment", "sentiment"))))
        where = f"{data.get('sentences', '?')} hand-labelled news sentences ({how})"
        return f"Measured on {where}: " + "; ".join(parts) + (f" (from {source})." if source else ".")
    except (KeyError, TypeError, IndexError):
        raise VnstanceError(f"{source or 'eval report'}: not an eval report written by `vnstance eval --report`") from None


def load_eval_report(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise DataError(path, None, "no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DataError(path, None, f"not a JSON eval report ({e})") from None
