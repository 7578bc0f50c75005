"""What each kind of signal must name (pure)."""

import pytest

from intel.choices import SignalKind
from intel.signal_rules import signal_problems

COMPLETE = {"title": "t", "has_vendor": True, "has_jurisdiction": True, "exchange_count": 1, "has_source": True}


@pytest.mark.parametrize(
    ("kind", "missing", "field", "message"),
    [
        (SignalKind.OUTAGE, {"has_vendor": False}, "vendor", "must name the cloud vendor."),
        (SignalKind.REGULATION, {"has_jurisdiction": False}, "jurisdiction", "must name the jurisdiction."),
        (SignalKind.RELOCATION, {"exchange_count": 0}, "exchanges", "must name at least one exchange."),
        (SignalKind.AI_INTEREST, {"exchange_count": 0}, "exchanges", "must name at least one exchange."),
        (SignalKind.FUNDING, {"exchange_count": 0}, "exchanges", "must name at least one exchange."),
        (
            SignalKind.EXECUTIVE_CHANGE,
            {"exchange_count": 0, "has_vendor": False},
            "exchanges",
            "must name an exchange or a cloud vendor.",
        ),
        (SignalKind.MEETING, {"exchange_count": 0}, "exchanges", "must name at least one exchange."),
        (SignalKind.CLOUD_CHANGE, {"has_vendor": False}, "vendor", "must name the cloud vendor."),
        (SignalKind.CLOUD_CHANGE, {"exchange_count": 0}, "exchanges", "must name at least one exchange."),
    ],
)
def test_each_kind_names_the_field_it_is_missing(kind, missing, field, message):
    problems = signal_problems(kind=kind, severity=3, **{**COMPLETE, **missing})

    assert problems == {field: f"A signal of kind '{SignalKind(kind).label.lower()}' {message}"}


@pytest.mark.parametrize("kind", SignalKind.values)
def test_a_signal_naming_everything_is_valid_for_every_kind(kind):
    assert signal_problems(kind=kind, severity=3, **COMPLETE) == {}


def test_news_needs_nothing_but_a_title_and_a_source():
    problems = signal_problems(
        kind=SignalKind.NEWS,
        title="Ant Digital launches its own blockchain",
        has_vendor=False,
        has_jurisdiction=False,
        exchange_count=0,
        has_source=True,
        severity=2,
    )

    assert problems == {}


def test_an_executive_change_at_a_vendor_needs_no_exchange():
    problems = signal_problems(
        kind=SignalKind.EXECUTIVE_CHANGE, severity=3, **{**COMPLETE, "exchange_count": 0, "has_vendor": True}
    )

    assert problems == {}


def test_a_meeting_is_its_own_source_but_other_kinds_need_one():
    meeting = signal_problems(kind=SignalKind.MEETING, severity=3, **{**COMPLETE, "has_source": False})
    outage = signal_problems(kind=SignalKind.OUTAGE, severity=3, **{**COMPLETE, "has_source": False})

    assert meeting == {}
    assert outage == {"source_url": "Say where this comes from: a source URL or a source note."}


def test_title_severity_and_unknown_kind_are_refused():
    assert signal_problems(kind=SignalKind.NEWS, severity=9, **{**COMPLETE, "title": "  "}) == {
        "title": "A signal needs a title.",
        "severity": "Severity is 1 (minor) to 5 (critical), not 9.",
    }
    assert list(signal_problems(kind="rumour", severity=3, **COMPLETE)) == ["kind"]
