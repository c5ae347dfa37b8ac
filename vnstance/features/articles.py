"""Raw article text -> the list of its sentences.

Paragraphs first (one per line), then sentences. Scraper debris is dropped: share prompts,
"Tin liên quan" and similar section headers, time stamps, bylines, image markers and
credits; datelines ("VOV.VN -", "(Baonghean.vn)-") are cut from the front of a paragraph;
titles a scraper doubled ("...tuổi 88Australia: ...tuổi 88") are undoubled; a sentence that
repeats within the article (teasers are often printed twice) is kept once.

Each sentence also gets the section it came from (``article_sections``): ``headline`` (the
article's first paragraph, or an unpunctuated title right after a source line, where an
aggregator reprints a second article), ``caption`` (a paragraph that carried a photo credit
or followed an image marker), ``related`` (everything after a related-news header such as
"Tin liên quan", "Tiêu điểm", "Tin mới nhất", "Có thể bạn quan tâm": the sites' teasers,
sidebars and aggregator headlines), else ``body``. A related-news header ends the article:
what follows it is never ``body``.
"""

from __future__ import annotations

import re

SECTIONS = ("headline", "body", "caption", "related")

_DATELINE = re.compile(r"^\(?[A-Za-z][\w-]*(?:\.[A-Za-z]+)+\)?\s*[-–—]+\s*")
_CREDIT = re.compile(r"\s*(?:[-–—]\s*)?\(?\b(?:Ảnh|Nguồn ảnh|Photo)\s*:\s*[^()]{1,40}\)?\s*$")
_IMAGE_MARKER = re.compile(r"\s[-–—]\s*Hình\s+\d+\s*$")
_TIMESTAMP = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?(?:\s+\d{1,2}/\d{1,2}/\d{2,4})?$")
_SOURCE = re.compile(r"^\(?\s*(?:Theo|Nguồn)\s+[^.]{1,40}\)?$", re.IGNORECASE)
_BOILERPLATE = re.compile(
    r"^(?:Mời (?:quý|bạn) độc giả.*|Theo dõi \S+ trên.*|Bạn thấy bài viết này có hữu ích không\??"
    r"|Có thể bạn quan tâm|Tin (?:liên quan|mới|mới nhất|đang nóng|nổi bật|cùng chuyên mục)"
    r"|Video đang HOT|Tiêu điểm|Chia sẻ.*|Bình luận.*)$",
    re.IGNORECASE,
)
# headers that open a block of other articles' headlines and teasers (a subset of _BOILERPLATE;
# "Video đang HOT" is left out: sites put it in the middle of the body)
_RELATED = re.compile(
    r"^(?:Tin (?:liên quan|mới|mới nhất|đang nóng|nổi bật|cùng chuyên mục)|Có thể bạn quan tâm|Tiêu điểm"
    r"|Bài (?:viết )?liên quan|Xem thêm|Đọc thêm)\s*:?$",
    re.IGNORECASE,
)
_ENDS_SENTENCE = re.compile(r"[.!?…:;\"”'’)]$")
_TRAILER = re.compile(r"\s*\./\.\s*$|\s*/\.\s*$")
MIN_WORDS = 4  # shorter paragraphs are bylines, section names, "Có;"/"Không" poll buttons

# A sentence ends at . ! ? or an ellipsis, followed by space and an upper-case letter or
# an opening quote. Not after a lone capital initial ("John F. Kennedy") or a known abbreviation.
_BOUNDARY = re.compile(r"(?<=[.!?…])\s+(?=[\"“'‘(]?[A-ZÀ-Ỹ])")
_ABBREV = re.compile(r"(?:\b[A-ZĐ]|\bTP|\bTp|\bThS|\bTS|\bPGS|\bGS|\bBS|\bMr|\bMrs|\bMs|\bDr|\bSt|\bNo)\.$")


def normalize(text: str) -> str:
    """features.normalize, imported on first use: it loads underthesea, and the command line
    imports SECTIONS from here at start-up."""
    from .normalize import normalize as _normalize

    return _normalize(text)


def undouble(line: str) -> str:
    """'AB' where A == B -> 'A' (a title the scraper printed twice without a break)."""
    n = len(line)
    if n % 2 == 0 and n >= 20 and line[: n // 2] == line[n // 2 :]:
        return line[: n // 2]
    return line


def clean_paragraph(line: str) -> str:
    """One paragraph with debris removed; '' when the whole paragraph is debris."""
    line = undouble(normalize(line))
    if not line or _TIMESTAMP.match(line) or _BOILERPLATE.match(line) or _SOURCE.match(line):
        return ""
    if _IMAGE_MARKER.search(line):
        return ""
    line = _DATELINE.sub("", line)
    line = _CREDIT.sub("", line)
    line = _TRAILER.sub(".", line).strip()
    if len(line.split()) < MIN_WORDS:
        return ""
    return line


def split_sentences(paragraph: str) -> list[str]:
    """Split one paragraph into sentences."""
    parts: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(paragraph):
        head = paragraph[start : m.start()]
        if _ABBREV.search(head):
            continue
        parts.append(head)
        start = m.end()
    parts.append(paragraph[start:])
    return [p.strip() for p in parts if p.strip()]


def article_sections(text: str) -> list[tuple[str, str]]:
    """The sentences of a raw article, in order, each once, with the section each came from."""
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    related = False
    previous = ""  # the previous non-blank raw line, normalised
    for raw in text.splitlines():
        line = undouble(normalize(raw))
        if not line:
            continue
        if _RELATED.match(line):
            related = True
        paragraph = clean_paragraph(raw)
        if paragraph:
            if related:
                section = "related"
            elif not out or (_SOURCE.match(previous) and not _ENDS_SENTENCE.search(paragraph)):
                section = "headline"
            elif _CREDIT.search(line) or _IMAGE_MARKER.search(previous):
                section = "caption"
            else:
                section = "body"
            for sentence in split_sentences(paragraph):
                if sentence not in seen and len(sentence.split()) >= 2:
                    seen.add(sentence)
                    out.append((sentence, section))
        previous = line
    return out


def article_sentences(text: str) -> list[str]:
    """The sentences of a raw article, in order, each once."""
    return [sentence for sentence, _ in article_sections(text)]
