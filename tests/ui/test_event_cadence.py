"""The cadence page and API: a manager sets what each grade's follow-ups do next and when; a rep reads it;
a bad plan names the grade, step and field and saves nothing; logging a step's call moves it on."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from leads.cadences import DEFAULT_PLAN, MAX_STEPS, plan_to_json
from leads.models import Cadence, FollowUp
from tests.leads.factories import graded_webx

pytestmark = pytest.mark.django_db

PAGE = "/events/webx-2025/cadence/"
API = "/api/v1/events/webx-2025/cadence/"
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


@pytest.fixture
def webx(team):
    return graded_webx(rep=team["japan"])


def form_data(plan: dict) -> dict:
    data = {}
    for grade, steps in plan.items():
        for number in range(1, MAX_STEPS + 1):
            step = steps[number - 1] if number <= len(steps) else {"kind": "", "hours": None}
            data[f"{grade}_{number}_kind"] = step["kind"]
            data[f"{grade}_{number}_hours"] = "" if step["hours"] is None else str(step["hours"])
    return data


def dues():
    return {
        f.attendee.company: (f.next_step, timezone.localtime(f.due_at, TOKYO).strftime("%d %b %H:%M"))
        for f in FollowUp.objects.select_related("attendee")
    }


DEFAULT_DUES = {
    "Exchange A": ("call", "27 Aug 00:00"),
    "Exchange B": ("email", "28 Aug 00:00"),
    "Exchange C": ("nurture", "09 Sep 00:00"),
    "Exchange ungraded": ("email", "28 Aug 00:00"),
}


def test_a_manager_changes_grade_b_to_a_call_within_12_hours_and_its_follow_up_moves(manager_client, webx):
    page = manager_client.get(PAGE)
    assert page.status_code == 200
    assert "This event follows the default cadence." in page.content.decode()
    plan = plan_to_json(DEFAULT_PLAN)
    plan["B"] = [{"kind": "call", "hours": 12}, {"kind": "email", "hours": 96}]

    response = manager_client.post(PAGE, form_data(plan), follow=True)

    assert response.redirect_chain == [(PAGE, 302)]
    assert "The cadence of WebX 2025 saved. 1 follow-up moved to its new due time." in response.content.decode()
    assert Cadence.objects.get().steps["B"] == [{"kind": "call", "hours": 12}, {"kind": "email", "hours": 96}]
    assert dues() == {**DEFAULT_DUES, "Exchange B": ("call", "26 Aug 12:00")}


def test_a_step_due_before_the_one_ahead_of_it_is_refused_naming_the_grade_step_and_field(manager_client, webx):
    plan = plan_to_json(DEFAULT_PLAN)
    plan["A"] = [{"kind": "call", "hours": 24}, {"kind": "email", "hours": 10}]

    response = manager_client.post(PAGE, form_data(plan))

    assert response.status_code == 400
    assert "Grade A, step 2, hours: 10 h is not after step 1 (24 h)." in response.content.decode()
    assert not Cadence.objects.exists()
    assert dues() == DEFAULT_DUES


def test_a_rep_reads_the_cadence_but_may_not_change_it(client, team, webx):
    client.force_login(team["japan"])
    plan = plan_to_json(DEFAULT_PLAN)
    plan["B"] = [{"kind": "call", "hours": 12}]

    page = client.get(PAGE)
    refused = client.post(PAGE, form_data(plan))

    assert page.status_code == 200
    assert "Save the cadence" not in page.content.decode()
    assert refused.status_code == 403
    assert not Cadence.objects.exists()
    assert dues() == DEFAULT_DUES


def test_logging_the_call_on_the_exchange_page_moves_the_follow_up_to_its_email(client, team, webx):
    client.force_login(team["japan"])
    exchange = webx["people"]["A"].exchange
    today = timezone.localdate()

    response = client.post(
        f"/exchanges/{exchange.slug}/activities/",
        {"kind": "call", "occurred_at": f"{today:%Y-%m-%d} 09:00", "summary": "Called about the Tokyo region"},
    )

    assert response.status_code == 302
    follow_up = FollowUp.objects.get(attendee=webx["people"]["A"])
    assert (follow_up.step_index, follow_up.next_step, follow_up.status) == (1, "email", "contacted")
    assert timezone.localtime(follow_up.due_at, TOKYO) == datetime.datetime(2025, 8, 29, tzinfo=TOKYO)


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_the_api_reads_and_a_manager_replaces_the_cadence(team, webx):
    plan = plan_to_json(DEFAULT_PLAN)
    plan["C"] = [{"kind": "email", "hours": 168}]

    read = api(team["japan"]).get(API)
    refused = api(team["japan"]).put(API, {"steps": plan}, format="json")
    bad = api(team["manager"]).put(API, {"steps": {**plan, "D": [{"kind": "fax", "hours": 24}]}}, format="json")
    unchanged = dues()
    saved = api(team["manager"]).put(API, {"steps": plan}, format="json")

    assert read.status_code == 200
    assert read.json() == {
        "event": "webx-2025",
        "is_default": True,
        "follow_up_sla_hours": 48,
        "steps": plan_to_json(DEFAULT_PLAN),
    }
    assert refused.status_code == 403
    assert bad.status_code == 400
    assert bad.json() == {
        "steps": {"D.1.kind": ["Grade D, step 1, kind: 'fax' is not one of call, email, meeting, nurture."]}
    }
    assert unchanged == DEFAULT_DUES
    assert saved.status_code == 200
    assert saved.json()["is_default"] is False
    assert saved.json()["steps"]["C"] == [{"kind": "email", "hours": 168}]
    assert dues() == {**DEFAULT_DUES, "Exchange C": ("email", "02 Sep 00:00")}


def test_a_plan_that_is_not_steps_by_grade_is_refused_with_the_field_named(team, webx):
    refused = api(team["manager"]).put(API, {"steps": [{"kind": "call"}]}, format="json")
    missing = api(team["manager"]).put(API, {"steps": {"A": [{"kind": "call"}]}}, format="json")

    assert refused.status_code == 400
    assert refused.json() == {"steps": ['Expected a dictionary of items but got type "list".']}
    assert missing.status_code == 400
    assert missing.json() == {"steps": {"A": {"0": {"hours": ["This field is required."]}}}}
    assert not Cadence.objects.exists()
    assert dues() == DEFAULT_DUES


def test_a_rep_reads_each_grade_s_steps_in_words(client, team, webx):
    client.force_login(team["japan"])

    page = client.get(PAGE).content.decode()

    assert (
        '<ol class="plain" data-testid="cadence-A"><li>Call, due 24 h after the event ends</li>'
        "<li>Email, due 72 h after the event ends</li></ol>"
    ) in page
    assert (
        '<ol class="plain" data-testid="cadence-B"><li>Email, due at the event&#x27;s follow-up time</li></ol>' in page
    )


def test_the_board_and_its_export_show_each_person_s_next_step(client, team, webx):
    import csv
    import io

    client.force_login(team["japan"])

    board = client.get("/events/webx-2025/follow-ups/").content.decode()
    export = client.get("/events/webx-2025/follow-ups/export.csv")

    assert board.count('data-testid="next-step">Call</td>') == 1
    assert board.count('data-testid="next-step">Email</td>') == 2
    assert board.count('data-testid="next-step">Nurture</td>') == 1
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert {row["Company"]: (row["Next step"], row["Due"]) for row in rows} == {
        "Exchange A": ("Call", "2025-08-26T15:00:00+00:00"),
        "Exchange B": ("Email", "2025-08-27T15:00:00+00:00"),
        "Exchange C": ("Nurture", "2025-09-08T15:00:00+00:00"),
        "Exchange ungraded": ("Email", "2025-08-27T15:00:00+00:00"),
    }
