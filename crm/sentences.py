"""Stored sentences in the reader's language: the one renderer of every sentence the product keeps as a
message id and parameters (a score's factors, a person score's, the cloud footprint's disagreements and
front doors).

A stored sentence is {"message": ..., "params": ..., "sentence": ...}: a message id (the English
template, with %(name)s placeholders, marked with gettext_noop so makemessages extracts it; a
[singular, plural] pair when it counts params["count"]), its parameters, and its English (empty in a
score's and a person's factors, whose English is rendered when shown like any other language).
`stored_sentence(item, language)` renders it when shown, so a stored item (or an old history row)
reads the same everywhere, in English, Japanese or Simplified Chinese. leads.sentences renders a score's
factors with it.

Parameters are read by their name:
- words the product translates: `workload` (a workload code), `status` (a licence status),
  `tier` (a size tier);
- names shown by their native form where one is well known (crm.place_names: 阿里云, 日本): `vendor`,
  `jurisdiction`, `city`, `place` (or a clause naming them), and each of `places`;
- names kept as written: `name`, `regulation`, `label`, `region`, `host`, `hosts`, `reason`,
  `outcome_text`, `source` (a data source's code, shown by its brand name);
- numbers: `share`, `total`, `percent`, `threshold` (percentages), `volume`, `rank`, `count`;
- dates (ISO text): `date`, `effective_on`, `arrived_on`;
- `places`: a list of names, joined in the reader's language;
- a parameter whose value is itself {"message": ..., "params": ...} is a clause rendered the same way.

English sentences keep the forms they always had (ISO dates, "9,450"); Japanese and Chinese take
their locale's date and number formats (Django's, with the product's own in crm/formats: "2023年1月7日",
"12,346"). An item stored before it had a message id (or a plain string) reads as its stored English."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext_noop

from crm.place_names import native_name

ENGLISH = "en"

WORKLOAD_WORDS = {
    "all": gettext_noop("its allocations"),
    "trading_engine": gettext_noop("its trading engine"),
    "market_data": gettext_noop("its market data"),
    "wallets": gettext_noop("its wallets"),
    "back_office": gettext_noop("its back office"),
    "ai": gettext_noop("its AI workloads"),
}
LICENCE_WORDS = {
    "licensed": gettext_noop("it is licensed"),
    "registered": gettext_noop("it is registered"),
    "pending": gettext_noop("its licence is pending"),
    "unlicensed": gettext_noop("it has no licence"),
    "exiting": gettext_noop("it is exiting"),
    "banned": gettext_noop("it is banned there"),
    "unknown": gettext_noop("its licence status is unknown"),
}
TIER_NAMES = {"mid": gettext_noop("Mid-size"), "large": gettext_noop("Large"), "small": gettext_noop("Small")}
SOURCE_NAMES = {"coingecko": "CoinGecko"}
# The joiner of a list of places ("Japan and Singapore").
AND = gettext_noop(" and ")

WORD_TABLES = {"workload": WORKLOAD_WORDS, "status": LICENCE_WORDS, "tier": TIER_NAMES}
# How a parameter is shown, by its name; any other is a name shown as written.
PARAM_KINDS = {
    **dict.fromkeys(WORD_TABLES, "word"),
    "source": "source",
    "places": "places",
    **dict.fromkeys(("vendor", "jurisdiction", "city", "place"), "native"),
    **dict.fromkeys(("share", "total", "percent", "threshold"), "percent"),
    **dict.fromkeys(("rank", "count"), "number"),
    "volume": "volume",
    **dict.fromkeys(("date", "effective_on", "arrived_on"), "date"),
}


def message(msgid: str, **params: Any) -> dict:
    """A clause to nest in a factor's parameters: its message id and its own parameters (none stored
    when it has none, to keep the stored factors small)."""
    return {"message": msgid, "params": params} if params else {"message": msgid}


def supported_language(language: str) -> str:
    """The product language a requested one maps to ('zh-CN' -> 'zh-hans', 'ja-JP' -> 'ja', 'zh_Hans' ->
    'zh-hans'); LookupError for one the product does not speak."""
    return translation.get_supported_language_variant(language.replace("_", "-").lower())


def sentence_language(language: str | None) -> str:
    """supported_language, English for none or one the product does not speak."""
    if not language:
        return ENGLISH
    try:
        return supported_language(language)
    except LookupError:
        return ENGLISH


def stored_sentence(item: Mapping[str, Any] | str, language: str | None = None) -> str:
    """The stored sentence in `language` (default: the active language). An item without a message id,
    or whose parameters no longer fit it, reads as its stored English sentence; a plain string (stored
    before sentences had message ids) as itself."""
    if isinstance(item, str):
        return item
    msgid = item.get("message")
    if not msgid:
        return str(item.get("sentence") or "")
    active = translation.get_language()
    language = sentence_language(language if language is not None else active)
    clause = {"message": msgid, "params": item.get("params") or {}}
    try:
        if language == ENGLISH:
            return render_english(clause)
        if language == active:  # a page's or response's own language: no switch needed
            return _render(clause, translated=True)
        with translation.override(language):
            return _render(clause, translated=True)
    except (KeyError, TypeError, ValueError):
        return str(item.get("sentence") or "")


def stored(msgid: str | tuple[str, str], **params: Any) -> dict:
    """A sentence to store: its message id, parameters and English (for readers of the stored JSON)."""
    clause = {"message": list(msgid) if isinstance(msgid, tuple) else msgid, "params": params}
    return {**clause, "sentence": render_english(clause)}


def render_english(clause: Mapping[str, Any]) -> str:
    """The English sentence of a clause, without the translation machinery (the scoring rules call it
    for every factor, so it stays plain string work)."""
    return _render(clause, translated=False)


def _render(clause: Mapping[str, Any], *, translated: bool) -> str:
    params = clause.get("params") or {}
    msgid = clause["message"]
    if msgid.__class__ is not str:
        # [singular, plural]: English chooses by the count; each form is its own catalogue entry, which
        # Japanese and Chinese (one plural form) translate alike.
        msgid = msgid[0] if params["count"] == 1 else msgid[1]
    text = translation.gettext(msgid) if translated else msgid
    if not params:
        return text
    return text % {name: _value(name, value, translated=translated) for name, value in params.items()}


def _value(name: str, value: Any, *, translated: bool) -> str:
    if value.__class__ is dict:
        return _render(value, translated=translated) if value.get("message") else ""
    kind = PARAM_KINDS.get(name)
    if kind is None:
        return value if value.__class__ is str else str(value)
    if kind == "percent":
        return f"{_number(value, translated=translated)}%"
    if kind == "word":
        word = WORD_TABLES[name].get(value)
        if word is None:
            return f"its {value}" if name == "workload" and not translated else str(value)
        return translation.gettext(word) if translated else word
    if kind == "date":
        return _date(value, translated=translated)
    if kind == "number":
        return _number(value, translated=translated)
    if kind == "volume":
        return _number(value, translated=translated, grouping=True)
    if kind == "native":
        return native_name(str(value)) if translated else str(value)
    if kind == "source":
        return SOURCE_NAMES.get(value, str(value))
    joiner = translation.gettext(AND) if translated else AND  # places
    return joiner.join(native_name(str(place)) if translated else str(place) for place in value)


def _number(value: Any, *, translated: bool, grouping: bool = False) -> str:
    if grouping:
        whole = round(float(value))
        return formats.number_format(whole, force_grouping=True) if translated else f"{whole:,}"
    canonical = f"{float(value):g}"  # 60.0 -> '60', 12.5 -> '12.5'
    return formats.number_format(Decimal(canonical)) if translated else canonical


def _date(value: Any, *, translated: bool) -> str:
    day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])
    return formats.date_format(day, "DATE_FORMAT") if translated else day.isoformat()
