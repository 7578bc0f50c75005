"""The rep's pages: log in, Today, the leads list and its exports, the exchange page, follow-ups, scoring model."""

import csv
import io

import pytest
from django.utils import timezone

from crm.models import Activity, Exchange
from leads.choices import FollowUpStatus
from leads.models import FollowUp, Score, ScoringModel
from tests.crm.factories import ExchangeFactory, jurisdiction
from tests.ui.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_every_page_asks_an_anonymous_visitor_to_log_in(client):
    response = client.get("/leads/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/leads/"


def test_a_rep_logs_in_lands_on_today_and_logs_out(client, team):
    response = client.post("/login/", {"username": "kenji", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"

    assert client.get("/").status_code == 200

    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_a_wrong_password_is_refused_with_a_message(client, team):
    response = client.post("/login/", {"username": "kenji", "password": "wrong"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_today_lists_my_top_prospects_with_grade_and_reason_and_my_overdue_follow_ups(japan_client, world):
    response = japan_client.get("/")

    body = response.content.decode()
    assert [row["score"].exchange.slug for row in response.context["prospects"]] == [
        "tokyo-0",
        "tokyo-1",
        "tokyo-2",
        "private-one",
    ]
    # the reason is the rival's share, not the size every mid-size account shares
    assert [row["reason"] for row in response.context["prospects"]][:1] == [
        "Alibaba Cloud holds 60% of its allocations"
    ]
    assert "Alibaba Cloud holds 60% of its allocations" in body
    assert [row["follow_up"].attendee.full_name for row in response.context["follow_ups"]] == [
        "Met Person 2",
        "Met Person 1",
        "Met Person 0",
    ]
    assert all(row["is_overdue"] for row in response.context["follow_ups"])
    # the same moment for all three: the one recorded last comes first
    assert [row["signal"].title for row in response.context["signals"]] == [
        "Asks about LLM hosting 2",
        "Asks about LLM hosting 1",
        "Asks about LLM hosting 0",
    ]


def test_a_manager_s_today_shows_the_team_and_narrows_to_one_rep(manager_client, world, team):
    team_view = manager_client.get("/")
    one_rep = manager_client.get("/?rep=priya")

    assert len(team_view.context["follow_ups"]) == 3
    assert [m.user.username for m in team_view.context["team"]] == ["kenji", "mei", "priya"]
    assert one_rep.context["focus"] == team["singapore"]
    assert one_rep.context["follow_ups"] == []
    assert one_rep.context["prospects"] == []


def test_another_rep_cannot_see_the_first_rep_s_private_account(client, world, team):
    client.force_login(team["singapore"])

    assert client.get("/exchanges/private-one/").status_code == 404
    assert "private-one" not in client.get("/leads/?sort=name").content.decode()

    client.force_login(team["japan"])
    assert client.get("/exchanges/private-one/").status_code == 200


def test_the_leads_list_filters_by_grade_and_sorts_by_name(japan_client, world):
    scored = Score.objects.get(exchange__slug="tokyo-1")
    grade = scored.grade

    response = japan_client.get(f"/leads/?grade={grade}&sort=-name")

    slugs = [row["exchange"].slug for row in response.context["rows"]]
    assert slugs == ["tokyo-2", "tokyo-1", "tokyo-0"]
    unused = sorted({"A", "B", "C", "D"} - set(Score.objects.values_list("grade", flat=True)))[0]
    response = japan_client.get(f"/leads/?grade={unused}")
    assert response.context["rows"] == []


def test_the_csv_export_neutralises_formula_cells(japan_client, world, team):
    evil = ExchangeFactory(name='=HYPERLINK("http://evil")', slug="evil", headquarters=jurisdiction("JP"))
    evil.owner = team["japan"]
    evil.save()

    response = japan_client.get("/leads/export.csv?q=evil")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Exchange", "Slug", "Grade", "Score"]
    assert rows[1][:2] == ['\'=HYPERLINK("http://evil")', "evil"]
    assert len(rows) == 2


def test_the_csv_export_drops_bidirectional_controls_that_would_disguise_a_name(japan_client, world, team):
    # given an exchange whose name hides "=cmd" behind a right-to-left override, and an isolate
    ExchangeFactory(name="\u202e=cmd|' /C calc'!A0", slug="rlo", headquarters=jurisdiction("JP"), owner=team["japan"])
    ExchangeFactory(name="Bit\u2067fly\u2069er\u200f", slug="isolated", headquarters=jurisdiction("JP"))

    rlo = japan_client.get("/leads/export.csv?q=rlo")
    isolated = japan_client.get("/leads/export.csv?q=isolated")

    assert list(csv.reader(io.StringIO(rlo.content.decode("utf-8-sig"))))[1][:2] == ["'=cmd|' /C calc'!A0", "rlo"]
    assert list(csv.reader(io.StringIO(isolated.content.decode("utf-8-sig"))))[1][:2] == ["Bitflyer", "isolated"]


def test_the_salesforce_export_has_the_sync_s_account_columns(japan_client, world):
    response = japan_client.get("/leads/export-salesforce.csv?q=tokyo-0")

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    score = Score.objects.get(exchange__slug="tokyo-0")
    assert rows[0][:6] == [
        "Exchange_Intel_Key__c",
        "Name",
        "Website",
        "BillingCountry",
        "Intel_Score__c",
        "Intel_Grade__c",
    ]
    assert rows[1][1:6] == ["Tokyo Exchange 0", "https://tokyo-0.example.com", "Japan", str(score.score), score.grade]
    assert len(rows) == 2


def test_the_exchange_page_shows_factors_with_links_to_evidence_and_the_allocation_chart(japan_client, world):
    exchange = world["exchanges"][0]
    allocation = exchange.allocations.get(vendor__slug="alibaba-cloud")

    body = japan_client.get(f"/exchanges/{exchange.slug}/").content.decode()

    assert f'href="/exchanges/{exchange.slug}/#allocation-{allocation.pk}"' in body
    assert f'id="allocation-{allocation.pk}"' in body
    assert 'aria-label="Cloud allocations of Tokyo Exchange 0 by workload and vendor"' in body
    assert "Alibaba Cloud: 60% (evidence 65/100)" in body
    assert "Intro call 0" in body


def test_logging_a_meeting_adds_it_to_the_timeline_and_raises_the_score(
    japan_client, world, team, eager_celery, django_capture_on_commit_callbacks
):
    exchange = ExchangeFactory(
        name="Quiet Exchange",
        slug="quiet",
        headquarters=jurisdiction("JP"),
        size_tier_by_hand="mid",
        owner=team["japan"],
    )
    from leads.services import scores_rescore

    scores_rescore(exchange_ids=[exchange.pk], as_of=timezone.now())
    before = Score.objects.get(exchange=exchange).score

    with django_capture_on_commit_callbacks(execute=True):
        response = japan_client.post(
            "/exchanges/quiet/activities/",
            {
                "kind": "meeting",
                "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                "summary": "Met the CTO",
            },
        )

    assert response.status_code == 302
    assert Activity.objects.filter(exchange=exchange).values_list("summary", "rep__username").get() == (
        "Met the CTO",
        "kenji",
    )
    after = Score.objects.get(exchange=exchange)
    assert after.score - before == ScoringModel.objects.get(is_active=True).get_parameters().engagement_points
    assert "Met the CTO" in japan_client.get("/exchanges/quiet/").content.decode()


def test_an_activity_without_summary_is_refused_and_nothing_is_written(japan_client, world, team):
    exchange = world["exchanges"][0]
    Exchange.objects.filter(pk=exchange.pk).update(owner=team["japan"])
    count = Activity.objects.count()

    response = japan_client.post(f"/exchanges/{exchange.slug}/activities/", {"kind": "meeting", "occurred_at": ""})

    assert response.status_code == 400
    assert Activity.objects.count() == count
    assert "This field is required." in response.content.decode()


def test_bulk_assignment_and_status_change_on_the_follow_up_board(client, world, team):
    follow_ups = list(FollowUp.objects.order_by("pk"))
    client.force_login(team["manager"])

    response = client.post(
        "/events/webx-2025/follow-ups/assign/",
        {"follow_ups": [follow_ups[0].pk, follow_ups[1].pk], "assignee": "priya"},
    )
    assert response.status_code == 302
    assert list(FollowUp.objects.order_by("pk").values_list("assignee__username", flat=True)) == [
        "priya",
        "priya",
        "kenji",
    ]

    client.force_login(team["japan"])
    client.post(f"/events/webx-2025/follow-ups/{follow_ups[2].pk}/status/", {"status": "contacted"})
    follow_ups[2].refresh_from_db()
    assert follow_ups[2].status == FollowUpStatus.CONTACTED
    assert follow_ups[2].status_changed_by == team["japan"]


def test_the_follow_up_board_marks_overdue_rows(japan_client, world):
    body = japan_client.get("/events/webx-2025/follow-ups/").content.decode()

    assert body.count('class="overdue"') == 3


def test_a_rep_cannot_open_the_scoring_model(japan_client, world):
    assert japan_client.get("/scoring-model/").status_code == 403


def test_a_manager_sees_the_impact_of_a_weight_and_activates_a_new_version(manager_client, world):
    form = manager_client.get("/scoring-model/").context["form"]
    data = {name: field.initial for name, field in form.fields.items() if name != "name"}
    data["largest_rival_points"] = 60

    preview = manager_client.post("/scoring-model/", {**data, "preview": "1"})
    assert preview.status_code == 200
    impact = preview.context["impact"]
    assert impact.exchanges == Exchange.objects.count()
    assert [move.delta for move in impact.moves] == [24, 24, 24]
    assert ScoringModel.objects.count() == 1

    response = manager_client.post("/scoring-model/", {**data, "name": "Rivals weigh more", "activate": "1"})
    assert response.status_code == 302
    active = ScoringModel.objects.get(is_active=True)
    assert (active.version, active.name, active.parameters["largest_rival_points"]) == (2, "Rivals weigh more", 60)


def test_invalid_thresholds_are_refused_and_no_version_is_created(manager_client, world):
    form = manager_client.get("/scoring-model/").context["form"]
    data = {name: field.initial for name, field in form.fields.items() if name != "name"}
    data["grade_b"] = 90

    response = manager_client.post("/scoring-model/", {**data, "activate": "1"})

    assert response.status_code == 400
    assert "grade thresholds must fall" in response.content.decode()
    assert ScoringModel.objects.count() == 1


def test_a_signal_recorded_from_the_exchange_page_comes_back_to_it_and_is_on_its_timeline(japan_client, world, team):
    exchange = world["exchanges"][0]
    Exchange.objects.filter(pk=exchange.pk).update(owner=team["japan"])
    page = japan_client.get(f"/exchanges/{exchange.slug}/").content.decode()
    assert f'href="/signals/new/?exchange={exchange.slug}&amp;next=/exchanges/{exchange.slug}/"' in page

    response = japan_client.post(
        "/signals/new/",
        {
            "kind": "relocation",
            "title": "Moving its matching engine out of Singapore",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "severity": 4,
            "exchanges": [exchange.slug],
            "source_note": "Met at WebX",
            "next": f"/exchanges/{exchange.slug}/",
            "save": "1",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"/exchanges/{exchange.slug}/"
    assert "Moving its matching engine out of Singapore" in japan_client.get(response["Location"]).content.decode()


def test_choosing_another_exchange_in_the_review_queue_matches_the_person_to_it(japan_client, world, team):
    from intel.models import Attendee

    person = Attendee.objects.get(full_name="Unsure Person 0")
    Exchange.objects.filter(slug__in=["tokyo-0", "tokyo-2"]).update(owner=team["japan"])

    response = japan_client.post(
        f"/events/webx-2025/review/{person.pk}/", {"decision": "choose", "exchange": "tokyo-2"}
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.exchange.slug, person.match_status, person.match_method) == ("tokyo-2", "matched", "manual")


def test_the_exchange_page_shows_where_a_licence_status_and_a_share_come_from(japan_client, world):
    # given a presence the demo made up and an allocation with a source note
    exchange = world["exchanges"][0]
    presence = exchange.presences.get()
    presence.source = "GENERATED for the demo: not a reported licence status"
    presence.save()
    allocation = exchange.allocations.get(vendor__slug="alibaba-cloud")
    allocation.source_note = "the share as of the outage"
    allocation.save()

    # when the rep opens the exchange page
    body = japan_client.get(f"/exchanges/{exchange.slug}/").content.decode()

    # then the licence status carries a 'generated' badge and its source; the share, its note
    assert '<span class="badge badge-warn">generated</span>' in body
    assert "Source: GENERATED for the demo: not a reported licence status" in body
    assert "<small>(the share as of the outage)</small>" in body
    assert body.count('<span class="badge badge-warn">generated</span>') == 1


def test_a_manager_moves_the_mid_size_threshold_and_the_preview_shows_the_exchanges_it_moves(manager_client, world):
    import datetime
    from decimal import Decimal

    from intel.models import MarketDataImport, MarketFigure
    from leads.services import scores_rescore

    # given an exchange nobody sized by hand, mid-size on CoinGecko (1,500 BTC), scored
    exchange = world["exchanges"][0]
    Exchange.objects.filter(pk=exchange.pk).update(size_tier_by_hand="unknown")
    reading = MarketDataImport.objects.create(source="coingecko", as_of=datetime.date(2023, 1, 7), content_sha256="x")
    MarketFigure.objects.create(
        market_import=reading,
        source="coingecko",
        as_of=datetime.date(2023, 1, 7),
        source_exchange_id="tokyo",
        source_name=exchange.name,
        exchange=exchange,
        match_status="matched",
        volume_24h_btc=Decimal("1500"),
    )
    scores_rescore()
    form = manager_client.get("/scoring-model/").context["form"]
    data = {name: field.initial for name, field in form.fields.items() if name != "name"}
    assert (data["size_mid_volume_btc"], data["size_large_volume_btc"]) == (1_000, 10_000)

    # when the manager raises the mid-size threshold to 2,000 BTC and previews it
    preview = manager_client.post("/scoring-model/", {**data, "size_mid_volume_btc": 2_000, "preview": "1"})

    # then only that exchange moves: small now, 5 points instead of 20
    assert [(move.name, move.delta) for move in preview.context["impact"].moves] == [(exchange.name, -15)]

    # and activating it keeps the threshold in the new version
    manager_client.post("/scoring-model/", {**data, "size_mid_volume_btc": 2_000, "activate": "1"})
    assert ScoringModel.objects.get(is_active=True).parameters["size_mid_volume_btc"] == 2_000


def test_a_manager_sets_the_weight_of_an_outage_whose_region_is_unknown_and_previews_it(manager_client, world):
    import datetime

    from leads.services import scores_rescore
    from tests.leads.factories import exchange_on, outage

    # given an exchange on AWS in a region nobody knows, after an AWS Tokyo outage, scored
    exchange_on("somewhereex", {"aws": 100})
    outage("aws", timezone.now() - datetime.timedelta(hours=1), region="ap-northeast-1")
    scores_rescore()
    form = manager_client.get("/scoring-model/").context["form"]
    data = {name: field.initial for name, field in form.fields.items() if name != "name"}
    assert data["incident_unknown_region_percent"] == 50

    # when the manager counts a possible hit fully and previews it
    preview = manager_client.post("/scoring-model/", {**data, "incident_unknown_region_percent": 100, "preview": "1"})

    # then that exchange gains the other half of the outage's 20 points
    assert [(move.name, move.delta) for move in preview.context["impact"].moves] == [("Somewhereex", 10)]

    # and activating it keeps the weight in the new version
    manager_client.post("/scoring-model/", {**data, "incident_unknown_region_percent": 100, "activate": "1"})
    assert ScoringModel.objects.get(is_active=True).parameters["incident_unknown_region_percent"] == 100


def test_an_exchange_page_shows_the_outages_that_reach_it_and_not_those_in_another_region(manager_client, world):
    import datetime

    from tests.leads.factories import exchange_on, outage

    # given an AWS outage in Tokyo, an exchange on AWS Tokyo, Bybit on AWS Singapore, one in an unknown region
    exchange_on("tokyoex", {"aws": 100}, regions={"aws": "Tokyo"})
    exchange_on("bybit", {"aws": 100}, regions={"aws": "ap-southeast-1"})
    exchange_on("somewhereex", {"aws": 100})
    outage("aws", timezone.now() - datetime.timedelta(days=1), region="apne1-az4")

    pages = {
        slug: manager_client.get(f"/exchanges/{slug}/").content.decode() for slug in ("tokyoex", "bybit", "somewhereex")
    }

    # then each page says how the outage reached it, and Bybit's does not list it
    assert "Outage at a cloud vendor · AWS ap-northeast-1 · hit · severity 5" in pages["tokyoex"]
    assert (
        "Outage at a cloud vendor · AWS ap-northeast-1 · possibly affected (region unknown) · severity 5"
        in pages["somewhereex"]
    )
    assert "aws outage" not in pages["bybit"]
    assert "aws outage" in pages["tokyoex"]


def test_accounts_to_defend_have_their_own_tab_and_leave_the_prospect_list(japan_client, world):
    # given tokyo-1 where our vendor holds 85%: a customer to defend
    from crm.models import Allocation
    from leads.services import scores_rescore

    Allocation.objects.filter(exchange__slug="tokyo-1", vendor__slug="alibaba-cloud").delete()
    Allocation.objects.filter(exchange__slug="tokyo-1", vendor__slug="tencent-cloud").update(share_percent=85)
    scores_rescore()

    prospects = japan_client.get("/leads/")
    defend = japan_client.get("/leads/defend/")
    filtered = japan_client.get("/leads/defend/?grade=A")

    assert [row["exchange"].slug for row in prospects.context["rows"]] == ["tokyo-0", "tokyo-2", "private-one"]
    assert [row["exchange"].slug for row in defend.context["rows"]] == ["tokyo-1"]
    assert "Accounts to defend" in defend.content.decode()
    assert [row["exchange"].slug for row in filtered.context["rows"]] == []
