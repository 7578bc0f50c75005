"""Cadences: an event's follow-up plan by grade, the due time of each follow-up's next step, and the
step moved on when its activity is logged."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.models import Activity
from leads.cadences import DEFAULT_PLAN, CadenceError, Step, plan_from_json, plan_to_json, schedule
from leads.choices import FollowUpStatus
from leads.models import Cadence, FollowUp
from leads.services import cadence_save, follow_ups_reschedule, follow_ups_step_log
from tests.leads.factories import graded_webx

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
# WebX 2025 ends on 25 Aug in Tokyo: its follow-ups count from midnight, 26 Aug 00:00 JST.
ENDS_AT = datetime.datetime(2025, 8, 26, tzinfo=TOKYO)


def jst(day: int, month: int = 8, hour: int = 0) -> datetime.datetime:
    return datetime.datetime(2025, month, day, hour, tzinfo=TOKYO)


# ---------------------------------------------------------------- the plan and its check (no database)


def test_the_default_plan_calls_an_a_within_24_hours_then_emails_on_day_3():
    assert plan_to_json(DEFAULT_PLAN) == {
        "A": [{"kind": "call", "hours": 24}, {"kind": "email", "hours": 72}],
        "B": [{"kind": "email", "hours": None}],
        "C": [{"kind": "nurture", "hours": 336}],
        "D": [{"kind": "nurture", "hours": 336}],
    }


def test_a_schedule_gives_the_next_step_and_its_due_time_and_keeps_the_first_for_the_sla():
    steps = (Step("call", 24), Step("email", 72))

    first = schedule(steps, step_index=0, ends_at=ENDS_AT, sla_hours=48)
    second = schedule(steps, step_index=1, ends_at=ENDS_AT, sla_hours=48)
    done = schedule(steps, step_index=2, ends_at=ENDS_AT, sla_hours=48)

    assert (first.next_step, first.due_at, first.first_due_at) == (Step("call", 24), jst(27), jst(27))
    assert (second.next_step, second.due_at, second.first_due_at) == (Step("email", 72), jst(29), jst(27))
    assert (done.next_step, done.due_at, done.first_due_at) == (None, jst(29), jst(27))


def test_a_first_step_without_hours_is_due_at_the_event_s_sla():
    result = schedule((Step("email", None),), step_index=0, ends_at=ENDS_AT, sla_hours=36)

    assert result.due_at == jst(27, hour=12)


def test_a_plan_with_problems_names_the_grade_the_step_and_the_field_of_each():
    plan = plan_to_json(DEFAULT_PLAN)
    plan["A"] = [{"kind": "call", "hours": 24}, {"kind": "email", "hours": 10}]
    plan["B"] = [{"kind": "fax", "hours": 48}]
    plan["C"] = [{"kind": "email", "hours": "soon"}]
    plan["D"] = []

    with pytest.raises(CadenceError) as raised:
        plan_from_json(plan)

    assert raised.value.errors == {
        "A.2.hours": "Grade A, step 2, hours: 10 h is not after step 1 (24 h).",
        "B.1.kind": "Grade B, step 1, kind: 'fax' is not one of call, email, meeting, nurture.",
        "C.1.hours": "Grade C, step 1, hours: give a whole number of hours after the event ends.",
        "D": "Grade D: give at least one step.",
    }


def test_hours_beyond_ninety_days_are_refused():
    plan = plan_to_json(DEFAULT_PLAN)
    plan["B"] = [{"kind": "email", "hours": 2161}]

    with pytest.raises(CadenceError) as raised:
        plan_from_json(plan)

    assert raised.value.errors == {"B.1.hours": "Grade B, step 1, hours: 2161 is not between 1 and 2160."}


# ---------------------------------------------------------------- follow-ups on their cadence


@pytest.fixture
def webx(db):
    return graded_webx()


def plan_of(event):
    return {
        f.attendee.company: (f.cadence_grade, f.step_index, f.next_step, timezone.localtime(f.due_at, TOKYO))
        for f in FollowUp.objects.filter(attendee__event=event).select_related("attendee")
    }


def test_the_list_s_build_gives_each_person_the_first_step_of_their_grade(webx):
    assert plan_of(webx["event"]) == {
        "Exchange A": ("A", 0, "call", jst(27)),
        "Exchange B": ("B", 0, "email", jst(28)),
        "Exchange C": ("C", 0, "nurture", jst(9, 9)),
        "Exchange ungraded": ("", 0, "email", jst(28)),
    }


def log(webx, grade: str, kind: str, at: datetime.datetime) -> Activity:
    exchange = webx["people"][grade].exchange
    return Activity.objects.create(exchange=exchange, rep=webx["rep"], kind=kind, occurred_at=at, summary="Logged")


def test_logging_the_step_s_call_moves_the_follow_up_to_its_email_on_day_3(webx):
    call = log(webx, "A", "call", jst(26, hour=10))

    moved = follow_ups_step_log(activity=call, now=jst(26, hour=11))

    follow_up = FollowUp.objects.get(attendee=webx["people"]["A"])
    assert [f.pk for f in moved] == [follow_up.pk]
    assert (follow_up.step_index, follow_up.next_step, timezone.localtime(follow_up.due_at, TOKYO)) == (
        1,
        "email",
        jst(29),
    )
    assert (follow_up.status, follow_up.status_changed_by, follow_up.status_changed_at) == (
        FollowUpStatus.CONTACTED,
        webx["rep"],
        jst(26, hour=10),
    )
    assert follow_up.first_due_at == jst(27)


def test_the_last_step_logged_leaves_nothing_pending(webx):
    follow_ups_step_log(activity=log(webx, "A", "call", jst(26, hour=10)), now=jst(26, hour=11))
    follow_ups_step_log(activity=log(webx, "A", "email", jst(28, hour=9)), now=jst(28, hour=9))

    follow_up = FollowUp.objects.get(attendee=webx["people"]["A"])
    assert (follow_up.step_index, follow_up.next_step, follow_up.status) == (2, "", FollowUpStatus.CONTACTED)
    assert list(FollowUp.objects.filter(pk=follow_up.pk).steps_pending()) == []


def test_an_activity_that_is_not_the_step_s_moves_no_step_but_the_person_is_contacted(webx):
    before = plan_of(webx["event"])

    moved = follow_ups_step_log(activity=log(webx, "A", "email", jst(26, hour=10)), now=jst(26, hour=11))

    assert moved == []
    assert plan_of(webx["event"]) == before
    follow_up = FollowUp.objects.get(attendee=webx["people"]["A"])
    assert (follow_up.status, follow_up.status_changed_at) == (FollowUpStatus.CONTACTED, jst(26, hour=10))


def test_a_note_is_no_contact_and_moves_nothing(webx):
    before = plan_of(webx["event"])

    moved = follow_ups_step_log(activity=log(webx, "A", "note", jst(26, hour=10)), now=jst(26, hour=11))

    assert moved == []
    assert plan_of(webx["event"]) == before
    assert FollowUp.objects.get(attendee=webx["people"]["A"]).status == FollowUpStatus.TO_DO


def test_a_note_does_the_nurture_step(webx):
    moved = follow_ups_step_log(activity=log(webx, "C", "note", jst(30, hour=10)), now=jst(30, hour=11))

    assert [f.attendee.company for f in moved] == ["Exchange C"]
    assert plan_of(webx["event"])["Exchange C"] == ("C", 1, "", jst(9, 9))


def test_a_saved_cadence_moves_the_due_times_and_a_bad_one_saves_nothing(webx):
    event = webx["event"]
    plan = plan_to_json(DEFAULT_PLAN)
    plan["B"] = [{"kind": "call", "hours": 12}, {"kind": "email", "hours": 96}]

    _cadence, moved = cadence_save(event=event, steps=plan, user=webx["rep"])

    assert moved == 1
    assert plan_of(event)["Exchange B"] == ("B", 0, "call", jst(26, hour=12))

    bad = plan_to_json(DEFAULT_PLAN)
    bad["A"] = [{"kind": "call", "hours": 0}]
    with pytest.raises(ValidationError) as raised:
        cadence_save(event=event, steps=bad, user=webx["rep"])
    assert raised.value.message_dict == {"A.1.hours": ["Grade A, step 1, hours: 0 is not between 1 and 2160."]}
    assert Cadence.objects.get(event=event).steps["B"] == [
        {"kind": "call", "hours": 12},
        {"kind": "email", "hours": 96},
    ]
    assert plan_of(event)["Exchange B"] == ("B", 0, "call", jst(26, hour=12))


def test_new_dates_and_sla_move_every_step_and_keep_the_steps_done(webx):
    event = webx["event"]
    follow_ups_step_log(activity=log(webx, "A", "call", jst(26, hour=10)), now=jst(26, hour=11))
    event.ends_on = datetime.date(2025, 8, 26)
    event.follow_up_sla_hours = 24
    event.save()

    moved = follow_ups_reschedule(event=event)

    # A day later and a day shorter: the SLA steps (B, ungraded) stay where they were.
    assert moved == 2
    assert plan_of(event) == {
        "Exchange A": ("A", 1, "email", jst(30)),
        "Exchange B": ("B", 0, "email", jst(28)),
        "Exchange C": ("C", 0, "nurture", jst(10, 9)),
        "Exchange ungraded": ("", 0, "email", jst(28)),
    }


def test_an_activity_does_a_step_once_however_often_it_is_handed_over(webx):
    call = log(webx, "A", "call", jst(26, hour=10))

    first = follow_ups_step_log(activity=call, now=jst(26, hour=11))
    again = follow_ups_step_log(activity=call, now=jst(26, hour=12))

    assert (len(first), again) == (1, [])
    assert plan_of(webx["event"])["Exchange A"] == ("A", 1, "email", jst(29))


def test_a_call_logged_through_the_api_does_the_step_when_the_evidence_is_processed(webx):
    from rest_framework.test import APIClient

    from leads.services import evidence_changes_process

    client = APIClient()
    client.force_login(webx["rep"])
    exchange = webx["people"]["A"].exchange

    response = client.post(
        "/api/v1/activities/",
        {"exchange": exchange.slug, "kind": "call", "occurred_at": "2025-08-26T10:00:00+09:00", "summary": "Called"},
        format="json",
    )
    evidence_changes_process()
    evidence_changes_process()  # a second delivery of the same work changes nothing

    assert response.status_code == 201
    follow_up = FollowUp.objects.get(attendee=webx["people"]["A"])
    assert (follow_up.step_index, follow_up.next_step, follow_up.status, follow_up.step_activity_id) == (
        1,
        "email",
        FollowUpStatus.CONTACTED,
        response.json()["id"],
    )


def test_a_follow_up_nobody_has_worked_takes_its_new_grade_s_cadence_and_a_worked_one_keeps_its_own(webx):
    from leads.parameters import ScoringParameters
    from leads.services.followups import follow_ups_rescore_people

    follow_ups_step_log(activity=log(webx, "A", "call", jst(26, hour=10)), now=jst(26, hour=11))
    a, b = webx["people"]["A"].exchange, webx["people"]["B"].exchange

    # B's exchange rises to an A (85), A's falls to a C (40)
    follow_ups_rescore_people(exchange_scores={a.pk: 40, b.pk: 85}, parameters=ScoringParameters())

    plans = plan_of(webx["event"])
    assert plans["Exchange B"] == ("A", 0, "call", jst(27))
    assert plans["Exchange A"] == ("A", 1, "email", jst(29))


def test_the_last_30_days_of_the_team_view_go_by_the_first_step_s_due_time(webx):
    from leads.services import follow_ups_progress

    follow_ups_step_log(activity=log(webx, "A", "call", jst(26, hour=10)), now=jst(26, hour=11))

    # since 28 Aug: A's call was due on 27 Aug, so A is left out though its email is due on 29 Aug
    progress = follow_ups_progress(since=jst(28), now=jst(28, 9))

    assert (progress.total, progress.by_status["contacted"], progress.by_status["to_do"]) == (3, 0, 3)
