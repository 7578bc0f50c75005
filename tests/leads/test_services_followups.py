"""Follow-up lists: ranked people, assignment by territory then round-robin, status, due and overdue."""

import datetime

import pytest

from intel.models import Attendee
from leads.sentences import factor_sentence
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


def test_person_scores_follow_their_exchange_in_the_same_rescore(home_vendor_slug):
    # given a follow-up list built on tokyoex's score of 68 (with the meeting at WebX)
    from decimal import Decimal

    from crm.models import Allocation
    from leads.models import FollowUp, ScoreChange
    from leads.services import scoring_model_activate, scoring_model_create_version
    from leads.services.scores import active_model

    japanese = exchange_on("tokyoex", {"alibaba-cloud": 60}, presences={"JP": "licensed"})
    as_of = datetime.datetime(2025, 8, 27, tzinfo=datetime.UTC)
    event = webx_tokyo()
    attendee(event, "Aiko CTO", "CTO", japanese, notes="wants a PoC")
    attendee(event, "Bo Sales", "Sales manager", japanese)
    scores_rescore(as_of=as_of)
    follow_ups_create_for_event(event=event)

    def ranked():
        return [(f.attendee.full_name, f.person_score) for f in FollowUp.objects.for_event(event.pk)]

    assert ranked() == [("Aiko CTO", 88), ("Bo Sales", 68)]

    # when Alibaba Cloud turns out to hold all of it and the exchange is rescored
    Allocation.objects.filter(exchange=japanese).update(share_percent=Decimal(80))
    summary = scores_rescore(exchange_ids=[japanese.pk], as_of=as_of)

    # then its people are re-ranked in the same rescore, without rebuilding the list
    assert ScoreChange.objects.filter(exchange=japanese).latest("id").new_score == 74
    assert (summary.people, ranked()) == (2, [("Aiko CTO", 94), ("Bo Sales", 74)])
    aiko = FollowUp.objects.get(attendee__full_name="Aiko CTO")
    assert factor_sentence(aiko.person_factors[0], "en") == "Works at Tokyoex, scored 74"

    # and a model that weighs infrastructure buyers more re-ranks them when it rescores
    _version, parameters = active_model()
    model = scoring_model_create_version(parameters=parameters.to_dict() | {"persona_infrastructure_points": 20})
    scoring_model_activate(scoring_model=model)
    summary = scores_rescore(as_of=as_of)
    assert (summary.people, ranked()) == (1, [("Aiko CTO", 99), ("Bo Sales", 74)])


def test_a_rescore_that_changes_nothing_leaves_person_scores_alone(home_vendor_slug):
    japanese = exchange_on("tokyoex", {"alibaba-cloud": 60}, presences={"JP": "licensed"})
    as_of = datetime.datetime(2025, 8, 27, tzinfo=datetime.UTC)
    event = webx_tokyo()
    attendee(event, "Aiko CTO", "CTO", japanese)
    scores_rescore(as_of=as_of)
    follow_ups_create_for_event(event=event)

    summary = scores_rescore(as_of=as_of)

    assert (summary.examined, summary.skipped, summary.people) == (1, 1, 0)
