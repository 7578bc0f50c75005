"""Column guessing: the attendee fields a file can fill, their labels, and which header names which
field (English or Japanese spellings, compared after normalise_header())."""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext_lazy, pgettext_lazy

# The attendee fields a file can fill, with the header spellings seen in lead-retrieval apps,
# spreadsheets and Japanese card scanners. Headers are compared after normalise_header().
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "full_name": (
        "name",
        "full name",
        "fullname",
        "attendee",
        "attendee name",
        "contact",
        "contact name",
        "person",
        "氏名",
        "名前",
        "お名前",
        "姓名",
        "フルネーム",
    ),
    "first_name": ("first name", "firstname", "given name", "forename", "名"),
    "last_name": ("last name", "lastname", "surname", "family name", "姓"),
    "company": (
        "company",
        "company name",
        "organisation",
        "organization",
        "org",
        "employer",
        "account",
        "会社名",
        "会社",
        "企業名",
        "所属",
        "勤務先",
        "社名",
    ),
    "title": ("title", "job title", "position", "role", "designation", "役職", "役職名", "肩書", "肩書き"),
    "email": ("email", "e mail", "email address", "mail", "mail address", "メール", "メールアドレス", "eメール"),
    "phone": (
        "phone",
        "telephone",
        "tel",
        "mobile",
        "phone number",
        "mobile phone",
        "電話",
        "電話番号",
        "携帯",
        "携帯電話",
    ),
    "notes": ("notes", "note", "comments", "comment", "remarks", "memo", "メモ", "備考", "コメント"),
    "scanned_by": (
        "scanned by",
        "scanner",
        "captured by",
        "collected by",
        "rep",
        "owner",
        "担当",
        "担当者",
        "スキャン担当者",
    ),
    "scanned_at": (
        "scanned at",
        "scan time",
        "scan date",
        "scanned on",
        "timestamp",
        "date",
        "captured at",
        "日時",
        "スキャン日時",
        "取得日時",
        "日付",
    ),
}
FIELD_LABELS: dict[str, str] = {
    "full_name": gettext_lazy("Name"),
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "company": gettext_lazy("Company"),
    "title": pgettext_lazy("job", "Title"),
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone"),
    "notes": gettext_lazy("Notes"),
    "scanned_by": gettext_lazy("Scanned by"),
    "scanned_at": gettext_lazy("Scanned at"),
}


def normalise_header(header: str) -> str:
    text = unicodedata.normalize("NFKC", header or "").casefold().strip()
    return " ".join(re.sub(r"[\s_\-.:：/()（）*]+", " ", text).split())


_SYNONYM_TO_FIELD = {normalise_header(s): name for name, synonyms in HEADER_SYNONYMS.items() for s in synonyms}


def guess_mapping(headers: list[str]) -> dict[str, str | None]:
    """File header -> attendee field (None: ignored). The first header claiming a field wins."""
    mapping: dict[str, str | None] = {}
    taken: set[str] = set()
    for header in headers:
        name = _SYNONYM_TO_FIELD.get(normalise_header(header))
        if name is not None and name not in taken:
            taken.add(name)
            mapping[header] = name
        else:
            mapping[header] = None
    return mapping
