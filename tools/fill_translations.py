"""Fill the Japanese and Simplified Chinese catalogues from translation tables (JSON), then list what is
still untranslated. `make messages TRANSLATIONS="new-strings.json ..."` runs it between collecting and
compiling.

A table maps each msgid (as makemessages extracts it, with %(name)s placeholders) to its translations:

    {"Exact msgid": {"ja": "...", "zh_Hans": "..."},
     "One item": {"plural": "%(n)s items", "ja": ["..."], "zh_Hans": ["..."]},
     "Change": {"context": "edit", "ja": "...", "zh_Hans": "..."}}

An entry already translated (and not fuzzy) is kept unless --overwrite; a fuzzy one is replaced and its
fuzzy mark dropped. Exits 1 when a message is still untranslated or fuzzy."""

import argparse
import json
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("ja", "zh_Hans")


def load_tables(paths: list[Path]) -> dict[tuple[str | None, str], dict]:
    tables: dict[tuple[str | None, str], dict] = {}
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise SystemExit(f"{path}: not a readable JSON table ({error})") from error
        for msgid, entry in data.items():
            if not isinstance(entry, dict):
                raise SystemExit(f"{path}: {msgid!r} must map to an object with 'ja' and 'zh_Hans'")
            tables.setdefault((entry.get("context") or None, msgid), entry)
    return tables


def first(value):
    return value[0] if isinstance(value, list) else value


def fill(catalogue: polib.POFile, language: str, tables: dict, *, overwrite: bool) -> int:
    filled = 0
    for entry in catalogue:
        if entry.obsolete:
            continue
        table = tables.get((entry.msgctxt or None, entry.msgid))
        text = first(table.get(language)) if table else None
        done = entry.translated() and "fuzzy" not in entry.flags
        if not text or (done and not overwrite):
            continue
        if entry.msgid_plural:
            # Japanese and Chinese have one plural form (nplurals=1).
            entry.msgstr_plural = {0: text}
        else:
            entry.msgstr = text
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        filled += 1
    return filled


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tables", nargs="*", type=Path, help="JSON translation tables")
    parser.add_argument("--overwrite", action="store_true", help="replace translations already there")
    arguments = parser.parse_args(argv)
    tables = load_tables(arguments.tables)
    missing = 0
    for language in LANGUAGES:
        path = ROOT / "crm" / "locale" / language / "LC_MESSAGES" / "django.po"
        catalogue = polib.pofile(str(path), wrapwidth=79)
        filled = fill(catalogue, language, tables, overwrite=arguments.overwrite)
        catalogue.save(str(path))
        left = [entry for entry in catalogue.untranslated_entries() + catalogue.fuzzy_entries() if not entry.obsolete]
        missing += len(left)
        print(f"{language}: {filled} filled, {len(left)} still untranslated or fuzzy")
        for entry in left:
            context = f" (context {entry.msgctxt!r})" if entry.msgctxt else ""
            print(f"  {entry.msgid!r}{context}: {entry.occurrences[0][0] if entry.occurrences else '?'}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
