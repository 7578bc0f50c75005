"""What a search box compares: one normal form of a search term, so that ＯＫＸ finds OKX, ｺｲﾝﾁｪｯｸ
(half-width) and こいんちぇっく (hiragana) find コインチェック, and the conditions that look for a term
in text stored as people typed it."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.db.models import Q

# ぁ (U+3041) .. ゖ (U+3096) and their katakana, 0x60 code points on: ァ .. ヶ.
_HIRAGANA_AS_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}


def normalise_search_term(text: str) -> str:
    """The form searches compare: NFKC (full-width Latin and half-width katakana become their usual
    forms), case-folded, hiragana written as katakana, single spaces. Names stored for search (the
    exchange aliases) are kept in this form, so a term in it is compared with `contains`.

    >>> normalise_search_term("  ＯＫＸ　ｺｲﾝﾁｪｯｸ  こいん ")
    'okx コインチェック コイン'
    """
    text = unicodedata.normalize("NFKC", text or "").casefold().translate(_HIRAGANA_AS_KATAKANA)
    return " ".join(text.split())


def search_forms(text: str) -> tuple[str, ...]:
    """The forms a term is looked for in text stored as typed (names, titles, emails): as typed (when
    NFKC changes it), NFKC and case-folded, and normalised. A name typed in hiragana is still found by
    itself, and one typed in full-width by its usual form. Forms that differ only in case are given
    once: the conditions compare without case."""
    typed = " ".join((text or "").split())
    folded = " ".join(unicodedata.normalize("NFKC", typed).casefold().split())
    forms = (typed if typed.casefold() != folded else "", folded, normalise_search_term(typed))
    return tuple(dict.fromkeys(form for form in forms if form))


def text_condition(fields: Iterable[str], text: str) -> Q:
    """A condition: one of `fields` contains the term in one of its forms (case-insensitive). An empty
    term gives an empty condition, which matches everything."""
    condition = Q()
    for form in search_forms(text):
        for field in fields:
            condition |= Q(**{f"{field}__icontains": form})
    return condition
