"""The cloud vendors' regions (crm/data/cloud_regions.csv) and the one reader of what people write
about them: a vendor and a text ("Tokyo", "ap-northeast-1 (apne1-az4)", "Hong Kong zone C") give
the vendor's region code, or "" when the text names no region of that vendor, or several. Pure."""

from __future__ import annotations

import functools
import re
import unicodedata

from crm.reference_data import REGIONS_SOURCE, VendorRegion, vendor_regions

__all__ = ["REGIONS_SOURCE", "VendorRegion", "vendor_regions"]  # re-exported: callers read them from here

# What may follow a region code in a zone's name: AWS and Huawei "ap-northeast-1a", Google
# "asia-northeast1-b", Alibaba "cn-hongkong-c", Tencent "ap-hongkong-2", an AWS zone id "apne1-az4".
_ZONE_SUFFIX = r"(?:[a-z]|-[a-z]|-\d{1,2}|-az\d{1,2})?"


class RegionError(ValueError):
    """A region code that is not one of the vendor's (or a vendor without a catalogue)."""


def normalise(text: str) -> str:
    """Full-width and case folded, punctuation other than '-' as spaces, spaces collapsed."""
    folded = unicodedata.normalize("NFKC", text or "").casefold().replace("_", "-")
    return " ".join(re.sub(r"[^\w-]+", " ", folded).split())


@functools.cache
def _by_vendor() -> dict[str, dict[str, VendorRegion]]:
    result: dict[str, dict[str, VendorRegion]] = {}
    for region in vendor_regions():
        result.setdefault(region.vendor, {})[region.code] = region
    return result


@functools.cache
def _patterns(vendor: str) -> tuple[tuple[re.Pattern, str], ...]:
    """(pattern, code) for every way of writing one of the vendor's regions. A name two regions
    share (Azure's "Virginia" is East US and East US 2) names neither and is left out."""
    keys: dict[str, set[str]] = {}
    identifiers: set[str] = set()
    for region in _by_vendor().get(vendor, {}).values():
        for written in (region.code, region.name, region.city, *region.aliases):
            key = normalise(written)
            if key:
                keys.setdefault(key, set()).add(region.code)
                if " " not in key and re.search(r"\d|-", key) and written != region.name:
                    identifiers.add(key)
    patterns = []
    for key, codes in sorted(keys.items(), key=lambda item: -len(item[0])):
        if len(codes) != 1:
            continue
        suffix = _ZONE_SUFFIX if key in identifiers else ""
        # Words end at a space or a sign; Chinese and Japanese write no spaces ("香港可用区C").
        before = r"(?<![\w-])" if key[0].isascii() else ""
        after = r"(?![\w-])" if key[-1].isascii() else ""
        patterns.append((re.compile(rf"{before}{re.escape(key)}{suffix}{after}"), next(iter(codes))))
    return tuple(patterns)


def vendor_has_catalogue(vendor: str) -> bool:
    return vendor in _by_vendor()


def region_get(vendor: str, code: str) -> VendorRegion | None:
    return _by_vendor().get(vendor, {}).get(code)


def region_resolve(*, vendor: str, text: str) -> str:
    """The vendor's region code that `text` names, or "" (unknown): no region of the vendor, or
    several ("Tokyo and Osaka"). A code, a name, a city, an alias or a zone of the region all count;
    where the text names one region several ways ("ap-northeast-1 (apne1-az4)") that is the one."""
    written = normalise(text)
    if not written:
        return ""
    spans: list[tuple[int, int, str]] = []
    for pattern, code in _patterns(vendor):
        spans.extend((match.start(), match.end(), code) for match in pattern.finditer(written))
    # A match inside a longer one is part of it ("east us" in "east us 2").
    kept = {
        code
        for start, end, code in spans
        if not any(s <= start and end <= e and (s, e) != (start, end) for s, e, _ in spans)
    }
    return kept.pop() if len(kept) == 1 else ""


def region_code_clean(*, vendor: str, value: str) -> str:
    """A region code someone gave as such: the vendor's code it names (a code or a recognisable
    alias), "" for blank; anything else is a RegionError saying what is accepted."""
    if not (value or "").strip():
        return ""
    if not vendor_has_catalogue(vendor):
        raise RegionError(
            f"There is no region catalogue for vendor '{vendor}': leave the region code blank and write "
            "the region as text."
        )
    code = region_resolve(vendor=vendor, text=value)
    if not code:
        known = ", ".join(sorted(_by_vendor()[vendor]))
        raise RegionError(f"'{value}' is not a region of vendor '{vendor}'; use one of: {known}.")
    return code


def region_label(vendor: str, code: str) -> str:
    """ "ap-northeast-1 (Tokyo)" for a known code, the code itself otherwise, "" for none."""
    region = region_get(vendor, code)
    return region.label if region else code
