"""Chinese terms in dictionary order (Hanyu Pinyin), for the Chinese edition's term index
(tools/book_zh.py) and its glossary appendix (tools/book_glossary.py)."""

from __future__ import annotations

import re


def pinyin_key(term: str) -> tuple:
    """Dictionary order: syllable by syllable, each by its letters and then its tone (ü after u)."""
    from pypinyin import Style, lazy_pinyin

    key = []
    for syllable in lazy_pinyin(term, style=Style.TONE3, neutral_tone_with_five=True):
        toned = re.fullmatch(r"([a-zv]+)([1-5])", syllable)  # a Han character's syllable, e.g. "lv4"
        key.append((toned.group(1), int(toned.group(2))) if toned else (syllable.strip().lower(), 0))
    return (tuple(key), term)


def initial(term: str) -> str:
    """The letter a term is filed under: its pinyin's (or its own) first letter, else '#'."""
    from pypinyin import Style, lazy_pinyin

    first = (lazy_pinyin(term, style=Style.NORMAL) or [""])[0].strip()[:1].upper()
    return first if "A" <= first <= "Z" else "#"
