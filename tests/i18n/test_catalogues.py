"""Every message in Japanese and Simplified Chinese, compiled catalogues that match their sources, and no
English left untranslated in a template.

The template check reads each template with Django's own lexer: text outside {% translate %} and
{% blocktranslate %} is parsed as HTML, and every text node or user-visible attribute (title, aria-label,
alt, placeholder) that still holds a letter is an untranslated literal, unless it is on the short allow-list
below (the product's name, the sources' names, code shown as code).
"""

import gettext
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("ja", "zh_Hans")
CATALOGUES = sorted(ROOT.glob("*/locale/*/LC_MESSAGES/django.po"))
TEMPLATES = sorted(path for app in ("crm", "intel", "leads") for path in (ROOT / app).glob("**/templates/**/*.html"))

# Words a page shows as they are in every language: the product, the data sources and their licence.
ALLOWED = {
    "Exchange Intel",
    "CoinGecko",
    "DB-IP",
    "RouteViews",
    "NRO",
    "BTC",
    "CC BY 4.0",
    "AUC",
    "https://",  # a web address's start, as a placeholder shows it
}
# Attributes a reader sees or hears (a screen reader reads aria-label; title shows on hover).
VISIBLE_ATTRIBUTES = {"title", "aria-label", "alt", "placeholder"}
# Text inside these elements is code or machinery, not prose; a <kbd> names a key (j, k, /) as it is typed.
SKIPPED_ELEMENTS = {"code", "kbd", "script", "style"}
# A {% translate %} inside an attribute, a variable or a tag stands in the reconstructed HTML as this mark.
MARK = "\ue000"
# Templates not yet translated; each must still hold a literal
# (the test says when one no longer does, so the list only shrinks).
PENDING: set[str] = set()
# A string literal a template hands to a filter that shows it (|default:"nobody").
SHOWN_LITERAL = re.compile(r"\|\s*(?:default|default_if_none)\s*:\s*(\"[^\"]*[A-Za-z][^\"]*\"|'[^']*[A-Za-z][^']*')")


def html_of(source: str) -> str:
    """The template with its translated parts, comments and tags replaced by MARK, newlines kept."""
    parts = []
    skipping = []  # the end tags of the blocks whose text is not shown as written
    for token in Lexer(source).tokenize():
        newlines = "\n" * token.contents.count("\n")
        if token.token_type == TokenType.TEXT:
            parts.append(MARK + newlines if skipping else token.contents)
            continue
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if skipping and name == skipping[-1]:
                skipping.pop()
            elif name in ("blocktranslate", "blocktrans"):
                skipping.append("end" + name)
            elif name == "comment":
                skipping.append("endcomment")
        parts.append(MARK + newlines)
    return "".join(parts)


class LiteralFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open = []
        self.found = []

    def report(self, text, where=""):
        words = text.replace(MARK, " ")
        for allowed in ALLOWED:
            words = words.replace(allowed, " " * len(allowed))
        if letter := re.search(r"[^\W\d_]", words):
            line = self.getpos()[0] + text[: letter.start()].count("\n")
            self.found.append(f"line {line}{where}: {' '.join(text.replace(MARK, '…').split())!r}")

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_ELEMENTS:
            self.open.append(tag)
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self.report(value, f" ({tag} {name})")

    def handle_endtag(self, tag):
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_data(self, data):
        if not self.open:
            self.report(data)


def literals_in(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    finder = LiteralFinder()
    finder.feed(html_of(source))
    finder.close()
    for token in Lexer(source).tokenize():
        if token.token_type in (TokenType.VAR, TokenType.BLOCK):
            for literal in SHOWN_LITERAL.findall(token.contents):
                finder.found.append(f"line {token.lineno}: {literal} in {{{{ {token.contents} }}}}")
    return finder.found


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_catalogues_are_there_in_both_languages():
    assert sorted(relative(path) for path in CATALOGUES) == [
        "crm/locale/ja/LC_MESSAGES/django.po",
        "crm/locale/zh_Hans/LC_MESSAGES/django.po",
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    catalogue = polib.pofile(str(ROOT / "crm" / "locale" / language / "LC_MESSAGES" / "django.po"))

    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]

    assert (missing, fuzzy) == ([], []), "translate them: `make messages TRANSLATIONS=<tables>.json` (docs/glossary.md)"
    assert len(catalogue.translated_entries()) > 50


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_translations_keep_the_placeholders_of_their_message(language):
    catalogue = polib.pofile(str(ROOT / "crm" / "locale" / language / "LC_MESSAGES" / "django.po"))
    placeholder = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]*\}")

    wrong = []
    for entry in catalogue.translated_entries():
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        expected = sorted(placeholder.findall(entry.msgid_plural or entry.msgid))
        wrong += [(entry.msgid, text) for text in translations if sorted(placeholder.findall(text)) != expected]

    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_file_is_the_compiled_po_file(language, tmp_path):
    if not shutil.which("msgfmt"):
        pytest.fail("msgfmt (GNU gettext) is needed to compile the catalogues: apt-get install gettext")
    folder = ROOT / "crm" / "locale" / language / "LC_MESSAGES"
    compiled = tmp_path / "django.mo"

    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(compiled), str(folder / "django.po")],
        check=True,
        capture_output=True,
        timeout=60,
    )

    with compiled.open("rb") as fresh, (folder / "django.mo").open("rb") as committed:
        assert gettext.GNUTranslations(committed)._catalog == gettext.GNUTranslations(fresh)._catalog, (
            f"{folder / 'django.mo'} is not the compiled {folder / 'django.po'}: run `make messages`"
        )


def test_no_template_has_an_untranslated_literal():
    untranslated = {}
    for path in TEMPLATES:
        if relative(path) not in PENDING and (found := literals_in(path)):
            untranslated[relative(path)] = found

    assert untranslated == {}, "wrap these in {% translate %} / {% blocktranslate %}, then run `make messages`"


def test_the_templates_still_pending_still_hold_literals():
    """When a pending template is translated, it leaves the list and is checked as all others."""
    translated_since = sorted(name for name in PENDING if (ROOT / name).exists() and not literals_in(ROOT / name))

    assert translated_since == [], f"translated now: remove {translated_since} from PENDING in {__file__}"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('<p>{% translate "Hello" %}</p>', []),
        ("<p>Hello</p>", ["line 1: 'Hello'"]),
        ('<a title="Grade {{ g }}">{{ g }}</a>', ["line 1 (a title): 'Grade …'"]),
        ('<a title="{% translate "Grade" %} {{ g }}">{{ g }}</a>', []),
        ("{% blocktranslate %}Hi {{ name }}{% endblocktranslate %}", []),
        ("{% comment %}a note{% endcomment %}<b>Exchange Intel</b> · {{ x }}: 12%", []),
        ("<code>python manage.py migrate</code>", []),
        ('<dt><kbd>j</kbd> / <kbd>k</kbd></dt><dd>{% translate "next" %}</dd>', []),
        ("<kbd>j</kbd> next", ["line 1: 'next'"]),
        ('{{ owner|default:"nobody" }}', ['line 1: "nobody" in {{ owner|default:"nobody" }}']),
        ("<p>\n\n  Nobody yet</p>", ["line 3: 'Nobody yet'"]),
    ],
)
def test_the_literal_finder_finds_what_a_reader_would_see_in_english(template, expected, tmp_path):
    path = tmp_path / "page.html"
    path.write_text(template, encoding="utf-8")

    assert literals_in(path) == expected


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_choice_label_the_pages_show_is_in_the_catalogue(language):
    """The choices' labels stay English in the code (gettext_noop) and are translated when shown."""
    from django.db.models import TextChoices

    import crm.choices
    import intel.choices
    import leads.choices

    untranslatable = {"Grade", "Language", "MarketSource"}  # letters, languages' own names, a source's name
    labels = {
        label
        for module in (crm.choices, intel.choices, leads.choices)
        for choices in vars(module).values()
        if isinstance(choices, type) and issubclass(choices, TextChoices) and choices.__name__ not in untranslatable
        for label in choices.labels
    }
    catalogue = polib.pofile(str(ROOT / "crm" / "locale" / language / "LC_MESSAGES" / "django.po"))
    translated = {entry.msgid for entry in catalogue.translated_entries() if not entry.msgctxt}

    assert sorted(labels - translated) == []
    assert len(labels) > 80
