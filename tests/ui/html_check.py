"""A small HTML validity and accessibility checker for the page tests: parse errors (html5lib, the
WHATWG algorithm browsers use), a label for every field, alt text on images, a name on every chart,
one h1 and no skipped heading level."""

import itertools

import html5lib

FIELD_TAGS = ("input", "select", "textarea")
UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}
NS = "{http://www.w3.org/1999/xhtml}"


def _tag(element) -> str:
    return element.tag.removeprefix(NS)


def problems(markup: str) -> list[str]:
    """Every problem found, as a sentence naming the element; empty when the page passes."""
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"))
    document = parser.parse(markup)
    found = [f"parse error {code} at line {line}" for (line, _), code, _ in parser.errors]
    elements = list(document.iter())
    ids = [e.get("id") for e in elements if e.get("id")]
    found += [f"duplicate id {i!r}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    label_targets = {e.get("for") for e in elements if _tag(e) == "label"}
    wrapped = {id(child) for e in elements if _tag(e) == "label" for child in e.iter()}
    for element in elements:
        tag = _tag(element)
        if tag in FIELD_TAGS and element.get("type", "text") not in UNLABELLED_INPUT_TYPES:
            named = (
                element.get("id") in label_targets
                or id(element) in wrapped
                or element.get("aria-label")
                or element.get("aria-labelledby")
            )
            if not named:
                found.append(f"<{tag} name={element.get('name')!r}> has no label")
        if tag == "img" and element.get("alt") is None:
            found.append(f"<img src={element.get('src')!r}> has no alt text")
        if tag == "svg" and element.get("role") == "img" and not element.get("aria-label"):
            found.append("a chart (<svg role=img>) has no aria-label")
        if tag == "a" and not "".join(element.itertext()).strip() and not element.get("aria-label"):
            found.append(f"<a href={element.get('href')!r}> has no text")
    levels = [int(_tag(e)[1]) for e in elements if _tag(e) in ("h1", "h2", "h3", "h4", "h5", "h6")]
    if levels.count(1) != 1:
        found.append(f"{levels.count(1)} <h1> elements (one expected)")
    for before, after in itertools.pairwise(levels):
        if after > before + 1:
            found.append(f"heading level skips from h{before} to h{after}")
    if levels and levels[0] != 1:
        found.append(f"the first heading is h{levels[0]}, not h1")
    return found
