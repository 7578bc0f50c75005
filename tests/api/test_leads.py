"""The ranked leads list, explanations, follow-ups and attendee uploads over the API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.models import Allocation
from intel.models import Attendee
from leads.models import FollowUp, Score
from tests.api.conftest import client_for
from tests.crm.factories import AllocationFactory, vendor

pytestmark = pytest.mark.django_db


def slugs(response):
    assert response.status_code == 200, response.json()
    return [row["slug"] for row in response.json()["results"]]


def set_score(exchange, score, grade, *, is_defend=False):
    Score.objects.filter(exchange=exchange).update(score=score, grade=grade, is_defend=is_defend)


def test_the_leads_list_ranks_by_score_and_leaves_out_accounts_to_defend_unless_asked(world, cast):
    set_score(cast["bitflyer"], 80, "A")
    set_score(cast["bybit"], 40, "C")
    set_score(cast["coinhako"], 90, "A", is_defend=True)
    set_score(cast["kraken"], 60, "B")
    client = client_for(cast["manager"])

    assert slugs(client.get("/api/v1/leads/")) == ["bitflyer", "kraken", "bybit"]
    assert slugs(client.get("/api/v1/leads/", {"include_defend": "true"})) == [
        "coinhako",
        "bitflyer",
        "kraken",
        "bybit",
    ]
    assert slugs(client.get("/api/v1/leads/", {"grade": ["A", "B"]})) == ["bitflyer", "kraken"]
    assert slugs(client.get("/api/v1/leads/", {"min_score": 50})) == ["bitflyer", "kraken"]
    assert slugs(client.get("/api/v1/leads/", {"jurisdiction": "jp"})) == ["bitflyer", "bybit"]
    assert slugs(client.get("/api/v1/leads/", {"owner": "rep.japan"})) == ["bitflyer"]
    assert slugs(client.get("/api/v1/leads/", {"rival": "aws"})) == ["bitflyer", "kraken", "bybit"]


def test_the_leads_list_filters_by_our_share_and_pages_without_counting(world, cast, home_vendor_slug):
    Allocation.objects.all().delete()
    AllocationFactory(exchange=cast["kraken"], vendor=vendor(home_vendor_slug), share_percent=30)
    set_score(cast["bitflyer"], 80, "A")
    set_score(cast["bybit"], 40, "C")
    set_score(cast["kraken"], 60, "B")
    set_score(cast["coinhako"], 50, "C")  # not left to the world's pk-dependent score
    client = client_for(cast["manager"])

    first = client.get("/api/v1/leads/", {"page_size": 2})

    assert slugs(client.get("/api/v1/leads/", {"our_share_min": 20})) == ["kraken"]
    assert slugs(client.get("/api/v1/leads/", {"our_share_max": 10})) == ["bitflyer", "coinhako", "bybit"]
    assert slugs(first) == slugs(client.get("/api/v1/leads/"))[:2]
    assert first.json()["next"] == "http://testserver/api/v1/leads/?page=2&page_size=2"
    assert first.json()["previous"] is None


def test_the_leads_list_rejects_a_bad_filter_with_the_field_named(world, cast):
    response = client_for(cast["manager"]).get("/api/v1/leads/", {"grade": "Z", "page_size": 0})

    assert response.status_code == 400
    assert response.json() == {"page_size": ["Must be between 1 and 1000, not 0."]}


def test_explain_gives_the_factors_with_their_evidence(world, cast):
    response = client_for(cast["japan"]).get("/api/v1/exchanges/bitflyer/explain/")

    body = response.json()
    assert response.status_code == 200
    assert body["exchange"] == "bitflyer"
    assert body["stored_score"] == Score.objects.get(exchange=cast["bitflyer"]).score
    allocation = Allocation.objects.get(exchange=cast["bitflyer"])
    evidence = [item for factor in body["factors"] for item in factor["evidence"]]
    assert {
        "reference": f"allocation:{allocation.pk}",
        "kind": "allocation",
        "label": "AWS holds 60% (All workloads)",
        "source_url": "",
        "occurred_on": "2025-08-25",
    } in evidence


def test_explain_of_an_exchange_the_rep_cannot_see_answers_404(world, cast):
    assert client_for(cast["japan"]).get("/api/v1/exchanges/coinhako/explain/").status_code == 404


def test_exchanges_carry_their_current_score(world, cast):
    row = client_for(cast["japan"]).get("/api/v1/exchanges/bitflyer/").json()

    score = Score.objects.get(exchange=cast["bitflyer"])
    assert row["score"]["score"] == score.score
    assert row["score"]["grade"] == "B"
    assert row["score"]["model_version"] == 1


def test_only_a_manager_assigns_follow_ups(world, cast):
    follow_up = world["bitflyer"]["follow-ups"]

    refused = client_for(cast["japan"]).post(f"/api/v1/follow-ups/{follow_up}/assign/", {"assignee": "rep.japan"})
    assigned = client_for(cast["manager"]).post(f"/api/v1/follow-ups/{follow_up}/assign/", {"assignee": "rep.japan"})

    assert refused.status_code == 403
    assert assigned.status_code == 200
    assert assigned.json()["assignee"] == "rep.japan"
    assert FollowUp.objects.get(pk=follow_up).assignee == cast["japan"]


def test_the_follow_ups_list_pages_by_person_score_without_counting(world, cast):
    for n, slug in enumerate(("bitflyer", "bybit", "coinhako", "kraken")):
        FollowUp.objects.filter(pk=world[slug]["follow-ups"]).update(person_score=10 * n)
    client = client_for(cast["manager"])

    first = client.get("/api/v1/follow-ups/", {"page_size": 3}).json()
    second = client.get("/api/v1/follow-ups/", {"page_size": 3, "page": 2}).json()
    beyond = client.get("/api/v1/follow-ups/", {"page_size": 3, "page": 3})
    # A page number past what a database offset holds is past the end too, not a server error.
    far_beyond = client.get("/api/v1/follow-ups/", {"page_size": 1000, "page": 2157121019610188544})

    assert set(first) == {"next", "previous", "results"}
    assert [row["id"] for row in first["results"]] == [
        world[slug]["follow-ups"] for slug in ("kraken", "coinhako", "bybit")
    ]
    assert first["next"] == "http://testserver/api/v1/follow-ups/?page=2&page_size=3"
    assert first["previous"] is None
    assert [row["id"] for row in second["results"]] == [world["bitflyer"]["follow-ups"]]
    assert second["next"] is None
    assert second["previous"] == "http://testserver/api/v1/follow-ups/?page_size=3"
    assert beyond.status_code == 404
    assert (far_beyond.status_code, far_beyond.json()) == (404, {"detail": "Invalid page."})


def test_the_assignee_moves_a_follow_up_on_and_a_rep_who_only_sees_it_cannot(world, cast):
    follow_up = FollowUp.objects.get(pk=world["bybit"]["follow-ups"])
    follow_up.assignee = cast["japan"]
    follow_up.save()

    moved = client_for(cast["japan"]).post(f"/api/v1/follow-ups/{follow_up.pk}/status/", {"status": "contacted"})
    other = FollowUp.objects.get(pk=world["bybit"]["follow-ups"])
    other.assignee = None
    other.save()
    refused = client_for(cast["japan"]).post(f"/api/v1/follow-ups/{follow_up.pk}/status/", {"status": "not_a_fit"})

    assert moved.status_code == 200
    assert moved.json()["status_changed_by"] == "rep.japan"
    assert refused.status_code == 403
    assert FollowUp.objects.get(pk=follow_up.pk).status == "contacted"


CSV = (
    "name,company,email\n"
    "Ada Lovelace,bitFlyer,ada@bitflyer.example.com\n"
    "Grace Hopper,Coinhako,grace@coinhako.example.com\n"
)


def upload(client, event_slug, step, content, **extra):
    return client.post(
        f"/api/v1/events/{event_slug}/attendees/{step}/",
        {"file": SimpleUploadedFile("scans.csv", content, content_type="text/csv"), **extra},
        format="multipart",
    )


def test_a_rep_previews_then_imports_badge_scans(world, cast):
    client = client_for(cast["japan"])
    before = Attendee.objects.count()

    preview = upload(client, "webx-2025", "preview", CSV.encode())
    after_preview = Attendee.objects.count()
    imported = upload(client, "webx-2025", "import", CSV.encode())

    assert preview.status_code == 200, preview.json()
    assert (preview.json()["rows_read"], preview.json()["new_people"], preview.json()["problems"]) == (2, 2, [])
    assert after_preview == before
    assert imported.status_code == 201, imported.json()
    body = imported.json()
    # Grace works at Coinhako, the Singapore rep's account: recorded, but passed to its owner
    assert (body["is_committed"], body["created"], body["matched"], body["passed_to_owners"]) == (True, 1, 1, 1)
    assert body["contacts_created"] == 1
    assert Attendee.objects.count() == before + 2
    grace = Attendee.objects.get(email="grace@coinhako.example.com")
    assert (grace.exchange.slug, grace.match_status, grace.contact) == ("coinhako", "review", None)
    assert not cast["coinhako"].contacts.filter(email="grace@coinhako.example.com").exists()


def test_a_file_with_a_bad_row_writes_nothing_and_names_the_line(world, cast):
    bad = CSV + "Alan Turing,Bybit,not-an-email\n"
    before = Attendee.objects.count()

    response = upload(client_for(cast["japan"]), "webx-2025", "import", bad.encode())

    assert response.status_code == 400
    assert response.json()["is_committed"] is False
    assert [(p["line"], p["column"]) for p in response.json()["problems"]] == [(4, "email")]
    assert Attendee.objects.count() == before


def test_an_upload_over_the_size_limit_answers_413_and_over_the_row_limit_400(world, cast, settings):
    settings.API_UPLOAD_MAX_BYTES = 150
    settings.API_UPLOAD_MAX_ROWS = 1
    client = client_for(cast["japan"])

    too_large = upload(client, "webx-2025", "preview", b"name\n" + b"x" * 200)
    too_long = upload(client, "webx-2025", "preview", CSV.encode())

    assert too_large.status_code == 413
    assert too_large.json() == {"detail": "The file is 205 bytes; the limit is 150 bytes."}
    assert too_long.status_code == 400
    assert too_long.json() == {"file": ["The file has more than 1 rows; at most 1 are accepted per upload."]}


def test_a_20_mb_upload_answers_413_naming_the_limit_and_writes_nothing(world, cast, monkeypatch):
    from intel.models import AttendeeImport
    from intel.services import attendees

    content = b"Name,Email\n" + b"Ann Example,ann@a.example\n" * (20 * 1024 * 1024 // 26)
    before = (Attendee.objects.count(), AttendeeImport.objects.count())
    parsed = []
    monkeypatch.setattr(attendees, "parse", lambda *args, **kwargs: parsed.append(args) or [])

    preview = upload(client_for(cast["japan"]), "webx-2025", "preview", content)
    imported = upload(client_for(cast["japan"]), "webx-2025", "import", content)

    expected = {"detail": f"The file is {len(content)} bytes; the limit is 5242880 bytes."}
    assert (preview.status_code, preview.json()) == (413, expected)
    assert (imported.status_code, imported.json()) == (413, expected)
    assert (Attendee.objects.count(), AttendeeImport.objects.count()) == before
    assert parsed == []  # refused from its size: the file was never parsed


def test_an_import_over_the_row_limit_answers_400_naming_the_limit_and_writes_nothing(world, cast, settings):
    from intel.models import AttendeeImport

    settings.API_UPLOAD_MAX_ROWS = 2
    before = (Attendee.objects.count(), AttendeeImport.objects.count())

    response = upload(client_for(cast["japan"]), "webx-2025", "import", (CSV + "Cy,Bybit,cy@bybit.example\n").encode())

    assert response.status_code == 400
    assert response.json() == {"file": ["The file has more than 2 rows; at most 2 are accepted per upload."]}
    assert (Attendee.objects.count(), AttendeeImport.objects.count()) == before


def test_an_exchange_shows_its_market_figure_with_source_date_and_attribution_and_explain_links_it(world, cast):
    import datetime
    from decimal import Decimal

    from intel.models import MarketDataImport, MarketFigure
    from leads.services import scores_rescore

    # given a CoinGecko reading of bitFlyer (nobody sized it by hand)
    reading = MarketDataImport.objects.create(source="coingecko", as_of=datetime.date(2023, 1, 7), content_sha256="x")
    figure = MarketFigure.objects.create(
        market_import=reading,
        source="coingecko",
        as_of=datetime.date(2023, 1, 7),
        source_exchange_id="bitflyer",
        source_name="bitFlyer",
        exchange=cast["bitflyer"],
        match_status="matched",
        volume_24h_btc=Decimal("393.1"),
        volume_24h_btc_normalized=Decimal("393.1"),
        trust_score=8,
        trust_score_rank=30,
    )
    scores_rescore()
    client = client_for(cast["japan"])

    # when a tool reads the exchange and its explanation
    detail = client.get("/api/v1/exchanges/bitflyer/").json()
    explained = client.get("/api/v1/exchanges/bitflyer/explain/").json()

    # then the figure comes with its source, date and attribution, and the size factor links to it
    assert detail["size_tier"] == "small"
    assert detail["market_figure"] == {
        "source": "coingecko",
        "as_of": "2023-01-07",
        "source_exchange_id": "bitflyer",
        "volume_24h_btc": "393.1000",
        "volume_24h_btc_normalized": "393.1000",
        "trust_score": 8,
        "trust_score_rank": 30,
        "year_established": None,
        "country": "",
        "attribution": "Data provided by CoinGecko (2023-01-07)",
    }
    size = explained["factors"][0]
    assert (size["code"], size["sentence"]) == ("size", "Small: 24h volume 393 BTC, rank 30 on CoinGecko (2023-01-07)")
    assert size["evidence"] == [
        {
            "reference": f"market_figure:{figure.pk}",
            "kind": "market_figure",
            "label": "CoinGecko: 24h volume 393 BTC, trust rank 30 (Data provided by CoinGecko)",
            "source_url": "https://www.coingecko.com/en/exchanges/bitflyer",
            "occurred_on": "2023-01-07",
        }
    ]


def test_explain_explains_the_stored_score_at_its_moment_and_any_moment_asked(cast, home_vendor_slug):
    import datetime

    from leads.services import scores_rescore
    from tests.leads.factories import exchange_on, outage

    # given an exchange scored right after its rival's outage (which then decays)
    as_of = datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC)
    hitex = exchange_on("hitex", {"alibaba-cloud": 60})
    outage("alibaba-cloud", as_of, region="Hong Kong", exchanges=[hitex])
    scores_rescore(as_of=as_of)
    stored = Score.objects.get(exchange=hitex)
    client = client_for(cast["manager"])

    # when the explanation is asked without a moment, and for one half-life later
    default = client.get("/api/v1/exchanges/hitex/explain/").json()
    later = client.get("/api/v1/exchanges/hitex/explain/", {"as_of": "2026-02-28T00:00:00Z"}).json()
    refused = client.get("/api/v1/exchanges/hitex/explain/", {"as_of": "yesterday"})

    # then the default explains exactly the stored score; the later one the decayed outage
    assert (default["score"], default["as_of"], default["model_version"]) == (
        stored.score,
        "2025-09-01T00:00:00+00:00",
        stored.model_version,
    )
    assert [f["points"] for f in default["factors"]] == [f["points"] for f in stored.factors]
    outage_points = {f["code"]: f["points"] for f in later["factors"]}["rival_incident"]
    assert (stored.score, later["score"], outage_points) == (60, 54, 6)  # 12 points halved after 180 days
    assert (refused.status_code, refused.json()) == (400, {"as_of": ["'yesterday' is not an ISO 8601 date or moment."]})


def test_a_manager_creates_an_active_version_and_activating_another_answers_202_with_the_rescore_queued(
    cast, home_vendor_slug, settings
):
    # given a manager's write token, three exchanges and chunks of two
    from leads.models import RescoreChunk, ScoringModel
    from tests.api.conftest import WRITE

    settings.RESCORE_CHUNK_SIZE = 2
    client = client_for(cast["manager"], token_access=WRITE)
    parameters = ScoringModel.objects.get(version=1).parameters

    # when a version is created with activate: true
    created = client.post("/api/v1/scoring-models/", {"parameters": parameters, "activate": True}, format="json")

    # then the answer says it is active, as it is
    assert created.status_code == 201, created.json()
    assert (created.json()["version"], created.json()["is_active"]) == (2, True)

    # when version 1 is activated again
    activated = client.post(f"/api/v1/scoring-models/{ScoringModel.objects.get(version=1).pk}/activate/")

    # then 202: it is active, and the rescore it queued is there to follow (4 exchanges, 2 chunks, none done)
    assert activated.status_code == 202, activated.json()
    body = activated.json()
    assert (body["version"], body["is_active"]) == (1, True)
    rescore = body["rescore"]
    assert {key: rescore[key] for key in ("cause", "model_version", "exchanges", "chunks", "chunks_done")} == {
        "cause": "model_change",
        "model_version": 1,
        "exchanges": 4,
        "chunks": 2,
        "chunks_done": 0,
    }
    assert rescore["finished_at"] is None
    assert RescoreChunk.objects.filter(run_id=rescore["id"]).count() == 2

    # and activating it again changes nothing: 200, nothing more queued
    again = client.post(f"/api/v1/scoring-models/{ScoringModel.objects.get(version=1).pk}/activate/")
    assert (again.status_code, "rescore" in again.json()) == (200, False)
    assert RescoreChunk.objects.count() == 4
