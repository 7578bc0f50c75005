"""Charts drawn as inline SVG: sized by share, faint when the evidence is weak, named for screen readers."""

import datetime

from crm.charts import HOME_COLOUR, Bar, Segment, allocation_bars, evidence_opacity, score_history, vendor_colours


def test_our_vendor_is_always_blue_and_rivals_take_the_palette_in_order():
    assert vendor_colours(["AWS", "Alibaba Cloud", "Tencent Cloud"], "Tencent Cloud") == {
        "AWS": "#b45309",
        "Alibaba Cloud": "#7c3aed",
        "Tencent Cloud": HOME_COLOUR,
    }


def test_weak_evidence_is_drawn_faint_and_strong_evidence_solid():
    assert [evidence_opacity(c) for c in (0, 20, 95, 100)] == [0.35, 0.48, 0.97, 1.0]


def test_an_allocation_bar_is_as_wide_as_its_share_and_says_its_evidence():
    bars = [
        Bar("Trading engine", (Segment("Alibaba Cloud", 60.0, 65, False), Segment("Tencent Cloud", 20.0, 45, True)))
    ]

    svg = allocation_bars(bars, colours={"Alibaba Cloud": "#7c3aed", "Tencent Cloud": HOME_COLOUR}, title="OKX <cloud>")

    assert 'aria-label="OKX &lt;cloud&gt;"' in svg
    assert 'width="252.0" height="26" fill="#7c3aed" fill-opacity="0.77"' in svg
    assert 'width="84.0" height="26" fill="#1f5fbf" fill-opacity="0.64"' in svg
    assert "<title>Alibaba Cloud: 60% (evidence 65/100)</title>" in svg
    assert "80% known" in svg


def test_the_score_history_plots_each_change_on_a_fixed_scale():
    start = datetime.datetime(2025, 8, 1, tzinfo=datetime.UTC)
    points = [(start, 40), (start + datetime.timedelta(days=10), 80)]

    svg = score_history(points, title="Score history of OKX")

    assert 'points="28.0,64.4 312.0,26.8"' in svg
    assert "<title>2025-08-11 00:00: 80</title>" in svg
