"""Build examples/demo-archive.csv: a DEMO archive for `vnstance predict --article` and
`vnstance summarize`.

The article bodies are real (seeds/articles/*.txt) or authored (seeds/authored.jsonl,
grouped by its "doc" field, one sentence a line); the outlet, published and url columns are
MADE UP, assigned round-robin, so the archive has the shape of an analyst's export (url,
outlet, published, title, body). Its figures say nothing about any real outlet.

    python3 examples/make_demo_archive.py   # rewrites examples/demo-archive.csv
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "examples" / "demo-archive.csv"
OUTLETS = ("Demo Outlet A", "Demo Outlet B", "Demo Outlet C")
MONTHS = ("2016-07", "2016-08", "2016-09", "2016-10", "2016-11", "2016-12")


def articles() -> list[tuple[str, str, str]]:
    """(id, title, body) of every seed article, then every authored doc, in a fixed order."""
    out = []
    for p in sorted((ROOT / "seeds" / "articles").glob("*.txt")):
        text = p.read_text(encoding="utf-8")
        out.append((p.stem, text.splitlines()[0].strip(), text))
    docs: dict[str, list[str]] = {}
    for line in (ROOT / "seeds" / "authored.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        docs.setdefault(row["doc"], []).append(row["text"])
    for doc, sentences in docs.items():
        out.append((doc, sentences[0][:80], "\n".join(sentences)))
    return out


def main() -> None:
    rows = []
    for i, (ident, title, body) in enumerate(articles()):
        outlet = OUTLETS[i % len(OUTLETS)]
        day = 1 + (7 * i) % 28
        published = f"{MONTHS[(i // len(OUTLETS)) % len(MONTHS)]}-{day:02d}"
        rows.append({"id": ident, "url": f"https://demo.invalid/{ident}", "outlet": outlet, "published": published,
                     "title": title, "body": body, "note": "DEMO: outlet and date are made up"})
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"{OUT.relative_to(ROOT)}: {len(rows)} articles")


if __name__ == "__main__":
    main()
