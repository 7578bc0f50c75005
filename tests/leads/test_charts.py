"""The team view's chart: a bar per rep, as long as their follow-ups against the busiest rep's, split by
status, with overdue and SLA after it, named for screen readers."""

import pytest

from leads.charts import follow_up_status_bars
from leads.services import RepProgress


def test_each_rep_s_bar_is_as_long_as_their_follow_ups_and_split_by_status():
    reps = [
        RepProgress("kenji", 4, {"to_do": 1, "contacted": 2, "meeting_booked": 1, "not_a_fit": 0}, 1, 3, 2),
        RepProgress("priya", 2, {"to_do": 2, "contacted": 0, "meeting_booked": 0, "not_a_fit": 0}, 0, 0, 0),
    ]

    svg = follow_up_status_bars(reps, title="Follow-ups <WebX>")

    assert 'aria-label="Follow-ups &lt;WebX&gt;"' in svg
    # kenji: 4 of 4 fill the 300 px bar: 75 + 150 + 75
    assert '<rect x="110.0" y="26" width="75.0" height="22" fill="#b45309"><title>kenji: 1 To do</title></rect>' in svg
    assert '<rect x="185.0" y="26" width="150.0" height="22" fill="#1f5fbf"><title>kenji: 2 Contacted</title>' in svg
    assert (
        '<rect x="335.0" y="26" width="75.0" height="22" fill="#0f766e"><title>kenji: 1 Meeting booked</title>' in svg
    )
    assert ">1 overdue · SLA 67%</text>" in svg
    # priya: 2 of 4, half the bar; nothing due yet, so no SLA
    assert '<rect x="110.0" y="58" width="150.0" height="22" fill="#b45309"><title>priya: 2 To do</title></rect>' in svg
    assert ">0 overdue · SLA —</text>" in svg
    assert "Not a fit</title>" not in svg


@pytest.mark.django_db
def test_the_team_view_draws_the_chart_of_the_figures_it_lists(client):
    from crm.choices import RepRole
    from tests.crm.factories import RepFactory, UserFactory
    from tests.leads.factories import graded_webx

    manager = RepFactory(user=UserFactory(username="mei"), role=RepRole.MANAGER).user
    graded_webx()
    client.force_login(manager)

    response = client.get("/team/", {"event": "webx-2025"})

    body = response.content.decode()
    assert 'aria-label="Follow-ups by status and rep of WebX 2025"' in body
    assert (
        '<rect x="110.0" y="26" width="300.0" height="22" fill="#b45309"><title>kenji: 4 To do</title></rect>' in body
    )
    assert ">0 overdue · SLA —</text>" not in body
    assert ">4 overdue · SLA 0%</text>" in body
