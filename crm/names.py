"""People's names as a reader expects them: the one owner of how a contact or attendee is named.

Japanese, Chinese (and Korean) names are written family name first in their own script; where the
native form is known it leads, with the Latin form beside it ("山田 太郎 (Taro Yamada)"), in every
language, with the reader's punctuation (full-width parentheses for Japanese and Chinese readers).
A name in another script keeps the Latin form first ("Ivan Petrov (Иван Петров)"); a name known in one
form only is shown as written. The raw fields are never changed: this is display only."""

from __future__ import annotations

import unicodedata

from django.utils import translation

# Scripts whose names are written family name first.
FAMILY_FIRST_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL")
FULL_WIDTH_READERS = ("ja", "zh")
# The API's display_name fields say this of themselves.
DISPLAY_NAME_HELP = (
    "The name as a reader expects it: the native form first for Japanese, Chinese and Korean names, "
    "the Latin form beside it."
)


def is_family_first_script(text: str) -> bool:
    """Whether the text is written in a family-name-first script (any Han, kana or Hangul letter)."""
    return any(char.isalpha() and unicodedata.name(char, "").startswith(FAMILY_FIRST_SCRIPTS) for char in text)


def person_name(full_name: str, native_name: str = "", *, language: str | None = None) -> str:
    """How to show a person: the native form first where it is a family-name-first script, the Latin
    (or other) form beside it; one form alone as written."""
    full_name, native_name = (full_name or "").strip(), (native_name or "").strip()
    if not native_name or native_name == full_name:
        return full_name
    if not full_name:
        return native_name
    first, second = (native_name, full_name) if is_family_first_script(native_name) else (full_name, native_name)
    language = language if language is not None else (translation.get_language() or "en")
    if language.lower().startswith(FULL_WIDTH_READERS):
        return f"{first}（{second}）"
    return f"{first} ({second})"


def person_name_of(person, *, language: str | None = None) -> str:
    """person_name of a model instance with `full_name` and, where it has one, `native_name`."""
    return person_name(getattr(person, "full_name", ""), getattr(person, "native_name", ""), language=language)
