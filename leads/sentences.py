"""Factor sentences in the reader's language: a score's factors (and a person score's), rendered by the
product's one renderer of stored sentences, crm.sentences.

A factor keeps its code, points and references, plus a message id and its parameters (see
crm.sentences for how each parameter is shown). `factor_sentence(factor, language)` renders it when
shown: pages, the API, CSV exports, webhooks, Salesforce's top reasons and the score history all call
it, so a stored factor (or an old history row) reads the same everywhere. A factor stored before
sentences had message ids falls back to its stored English sentence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from crm.sentences import (
    ENGLISH,
    gettext_noop,
    message,
    render_english,
    sentence_language,
    stored_sentence,
    supported_language,
)

__all__ = [
    "ENGLISH",
    "factor_sentence",
    "factors_in",
    "gettext_noop",
    "message",
    "render_english",
    "sentence_language",
    "supported_language",
]


def factor_sentence(factor: Mapping[str, Any], language: str | None = None) -> str:
    """The factor's sentence in `language` (default: the active language). A factor without a message
    id, or whose parameters no longer fit it, reads as its stored English sentence."""
    return stored_sentence(factor, language)


def factors_in(factors: Sequence[Mapping[str, Any]] | None, language: str | None = None) -> list[dict]:
    """Copies of stored factors with `sentence` rendered in `language` (for pages and payloads that
    read factor.sentence)."""
    return [{**factor, "sentence": factor_sentence(factor, language)} for factor in factors or []]
