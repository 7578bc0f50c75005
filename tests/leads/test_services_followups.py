"""Follow-up lists: ranked people, assignment by territory then round-robin, status, due and overdue."""

import datetime

import pytest

from intel.models import Attendee
from leads.services import follow_up_set_status, follow_ups_create_for_event, follow_ups_progress, scores_rescore
from tests.crm.factories import RepFactory, UserFactory, jurisdiction
from tests.leads.factories import exchange_on, webx_tokyo

pytestmark = pytest.mark.django_db


def attendee(event, name, title, exchange=None, notes=""):
    return Attendee.objects.create(
        event=event,
        full_name=name,
        title=title,
        notes=notes,
        exchange=exchange,
        match_status="matched" if exchange else "unmatched",
        dedupe_key=name.lower(),
    )


def test_an_events_people_are_ranked_assigned_and_tracked(home_vendor_slug):
    # given a scored exchange in Japan, a rep covering Japan and one covering Singapore
    japanese = exchange_on("tokyoex", {"alibaba-cloud": 60}, presences={"JP": "licensed"})
    scores_rescore(as_of=datetime.datetime(2025, 8, 27, tzinfo=datetime.UTC))
    japan = RepFactory(user=UserFactory(username="rep.japan"), territories=[jurisdiction("JP")])
    RepFactory(user=UserFactory(username="rep.singapore"), territories=[jurisdiction("SG")])
    event = webx_tokyo()
    attendee(event, "Aiko CTO", "CTO", japanese, notes="wants a PoC")
    attendee(event, "Bo Sales", "Sales manager", japanese)
    attendee(event, "Chen Unknown", "Founder")

    # when the follow-up list is built
    follow_ups = follow_ups_create_for_event(event=event)

    # then the people at the matched exchange are ranked by person score and given to the rep covering it;
    # the person matched to no exchange is nobody's follow-up
    assert [(f.attendee.full_name, f.person_score, f.assignee.username, f.assignment_method) for f in follow_ups] == [
        ("Aiko CTO", 78, "rep.japan", "territory"),
        ("Bo Sales", 58, "rep.japan", "territory"),
    ]
    # due 48 h after the end of 2025-08-26 in Tokyo
    assert follow_ups[0].due_at == datetime.datetime(2025, 8, 28, 15, 0, tzinfo=datetime.UTC)

    # and a status change records who and when; the manager sees progress and what is overdue
    follow_up_set_status(
        follow_up=follow_ups[0],
        status="meeting_booked",
        user=japan.user,
        now=datetime.datetime(2025, 8, 27, tzinfo=datetime.UTC),
    )
    progress = follow_ups_progress(event=event, now=datetime.datetime(2025, 8, 29, tzinfo=datetime.UTC))
    assert (progress.total, progress.overdue, progress.by_status["meeting_booked"], progress.by_status["to_do"]) == (
        2,
        1,
        1,
        1,
    )
    assert [(r.username, r.total, r.overdue) for r in progress.reps] == [("rep.japan", 2, 1)]
    follow_ups[0].refresh_from_db()
    assert (follow_ups[0].status_changed_by, follow_ups[0].status_changed_at) == (
        japan.user,
        datetime.datetime(2025, 8, 27, tzinfo=datetime.UTC),
    )
