"""Unicode and Vietnamese tone-mark normalisation.

underthesea's ``text_normalize`` also re-tokenises (it puts spaces around punctuation), which
would change the text users see; here each word is normalised in place instead, with
underthesea's own per-token rules, so "Ngọai" -> "Ngoại" and "hoà" -> "hòa" while spacing and
punctuation stay as written.
"""

from __future__ import annotations

import re
import unicodedata

from underthesea.pipeline.text_normalize import token_normalize

_WORD = re.compile(r"\w+")


def nfc(text: str) -> str:
    """NFC and single spaces only: enough before ``segment``, whose tokenizer applies the same
    per-token tone-mark rules itself (checked equal on every shipped sentence).

    Any run of Unicode whitespace (and the zero-width space) becomes one space; split and join
    does that several times faster than a regular expression, which matters once per sentence.
    """
    return " ".join(unicodedata.normalize("NFC", text).replace("\u200b", " ").split())


def normalize(text: str) -> str:
    """NFC, standard tone-mark placement per word, and single spaces."""
    text = nfc(text)
    return _WORD.sub(lambda m: token_normalize(m.group(0)), text)
