"""Rescoring through the service path: the issue's acceptance scenarios, history, idempotence."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Allocation, EvidenceChange
from crm.services import allocation_save
from leads.choices import ScoreCause
from leads.facts import load_facts
from leads.models import Score, ScoreChange, ScoringModel
from leads.sentences import factor_sentence
from leads.services import (
    evidence_changes_process,
    scores_rescore,
    scoring_model_create_version,
)
from tests.crm.factories import vendor
from tests.leads.factories import exchange_on, outage, singapore_dtsp

pytestmark = pytest.mark.django_db

AS_OF = datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC)
HALF_LIFE = datetime.timedelta(days=180)


def scores() -> dict[str, int]:
    return dict(Score.objects.values_list("exchange__slug", "score"))


def test_a_recent_rival_outage_ranks_an_exchange_higher_and_fades_by_the_half_life(home_vendor_slug):
    # given two mid-size exchanges with a rival at 60%, one of whose rival just had an outage
    hit = exchange_on("hitex", {"alibaba-cloud": 60})
    exchange_on("calmex", {"huawei-cloud": 60})
    outage("alibaba-cloud", AS_OF, region="Hong Kong", exchanges=[hit])

    # when both are scored now, and again one half-life later
    scores_rescore(as_of=AS_OF)
    fresh = scores()
    scores_rescore(as_of=AS_OF + HALF_LIFE, cause=ScoreCause.DECAY)
    aged = scores()

    # then the outage puts it on top, by 12 points, then by 6
    assert list(Score.objects.prospects().values_list("exchange__slug", flat=True)) == ["hitex", "calmex"]
    assert (fresh["hitex"] - fresh["calmex"], aged["hitex"] - aged["calmex"]) == (12, 6)
    factor = Score.objects.get(exchange=hit).factors[-1]
    assert factor == {
        "code": "rival_incident",
        "points": 6,
        "sentence": "",
        "references": [f"signal:{hit.signals.get().pk}"],
        # The sentence's message and parameters: leads.sentences renders them in any language.
        "message": "%(vendor)s %(region)s outage on %(date)s %(effect)s%(decayed)s",
        "params": {
            "vendor": "Alibaba Cloud",
            "region": "cn-hongkong (Hong Kong)",
            "date": "2025-09-01",
            "effect": {"message": "disrupted its trading"},
            "decayed": {"message": " (decayed to %(percent)s)", "params": {"percent": 50}},
        },
    }
    assert factor_sentence(factor, "en") == (
        "Alibaba Cloud cn-hongkong (Hong Kong) outage on 2025-09-01 disrupted its trading (decayed to 50%)"
    )


def test_an_exchange_80_percent_on_our_vendor_is_defended_not_prospected(home_vendor_slug):
    exchange_on("loyalex", {"tencent-cloud": 80})
    exchange_on("rivalex", {"aws": 60})

    scores_rescore(as_of=AS_OF)

    assert list(Score.objects.prospects().values_list("exchange__slug", flat=True)) == ["rivalex"]
    assert list(Score.objects.defend().values_list("exchange__slug", flat=True)) == ["loyalex"]


def test_singapore_regulation_counts_for_a_pending_licence_only_from_2025_06_30(home_vendor_slug):
    exchange = exchange_on("movex", {"aws": 50}, presences={"SG": "pending"})
    singapore_dtsp()

    scores_rescore(as_of=datetime.datetime(2025, 6, 29, tzinfo=datetime.UTC))
    before = Score.objects.get(exchange=exchange)
    scores_rescore(as_of=datetime.datetime(2025, 6, 30, tzinfo=datetime.UTC))
    after = Score.objects.get(exchange=exchange)

    assert "relocation" not in [f["code"] for f in before.factors]
    assert factor_sentence(after.factors[-1], "en") == (
        "Singapore's DTSP regime since 2025-06-30 and its licence is pending: it must relocate"
    )
    assert after.score - before.score == 20


def test_with_alibaba_as_our_vendor_the_rival_inverts(settings):
    settings.CRM_HOME_VENDOR = "alibaba-cloud"
    exchange_on("okx-like", {"alibaba-cloud": 60, "tencent-cloud": 40})

    scores_rescore(as_of=AS_OF)

    factors = Score.objects.get().factors
    assert [(f["code"], f["points"], factor_sentence(f, "en")) for f in factors] == [
        ("size", 20, "A mid-size exchange: the contested middle"),
        ("rival_share", 8, "Tencent Cloud holds 40% of its allocations"),
        ("displaceable_share", 4, "Rivals hold 40% of its allocations in all (1 vendor)"),
        ("home_share", -6, "Alibaba Cloud (our vendor) holds 60% of its allocations"),
    ]


def test_every_score_is_the_sum_of_its_factors_points(home_vendor_slug):
    hit = exchange_on("hitex", {"alibaba-cloud": 60, "aws": 30}, presences={"SG": "pending", "JP": "licensed"})
    exchange_on("smallex", {"tencent-cloud": 20}, size_tier="small")
    singapore_dtsp()
    outage("aws", AS_OF - datetime.timedelta(days=30), exchanges=[hit])

    scores_rescore(as_of=AS_OF)

    assert {s.exchange.slug: (s.score, sum(f["points"] for f in s.factors)) for s in Score.objects.all()} == {
        "hitex": (86, 86),  # 20 size + 12 + 10 + 9 rivals + 5 outage + 20 relocation + 10 licence
        "smallex": (3, 3),
    }


def test_a_rescore_with_nothing_changed_writes_nothing(home_vendor_slug):
    exchange_on("a", {"aws": 60})
    exchange_on("b", {"tencent-cloud": 90})
    first = scores_rescore(as_of=AS_OF)

    with CaptureQueriesContext(connection) as queries:
        second = scores_rescore(as_of=AS_OF)

    assert (first.created, second.created, second.updated, ScoreChange.objects.count()) == (2, 0, 0, 2)
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert writes == []


def test_facts_load_in_the_same_number_of_queries_for_5_and_50_exchanges(home_vendor_slug):
    ids = [exchange_on(f"x{n}", {"aws": 50, "alibaba-cloud": 20}, presences={"SG": "licensed"}).pk for n in range(50)]

    with CaptureQueriesContext(connection) as five:
        five_facts = load_facts(exchange_ids=ids[:5], as_of=AS_OF)
    with CaptureQueriesContext(connection) as fifty:
        fifty_facts = load_facts(exchange_ids=ids, as_of=AS_OF)

    assert (len(five_facts.exchanges), len(fifty_facts.exchanges)) == (5, 50)
    # exchanges, allocations, presences, market figures, regulations, outages, named signals, attendees,
    # activities, home vendor
    assert (len(five), len(fifty)) == (10, 10)


def test_history_records_old_and_new_with_cause_and_model_version(home_vendor_slug):
    exchange = exchange_on("movex", {"aws": 60})
    scores_rescore(as_of=AS_OF)
    allocation = Allocation.objects.get(exchange=exchange)
    allocation.share_percent = Decimal("30")
    allocation.save()

    scores_rescore(as_of=AS_OF, cause=ScoreCause.EVIDENCE)

    change = ScoreChange.objects.order_by("pk").last()
    assert (
        change.old_score,
        change.new_score,
        change.old_grade,
        change.new_grade,
        change.cause,
        change.model_version,
    ) == (
        48,
        29,
        "C",
        "D",
        "evidence",
        1,
    )
    assert [f["code"] for f in change.old_factors] == [
        "size",
        "rival_share",
        "displacement_target",
        "displaceable_share",
    ]


def test_evidence_changes_rescore_exactly_their_exchanges_once(
    home_vendor_slug, eager_celery, django_capture_on_commit_callbacks
):
    # given two scored exchanges
    changed = exchange_on("changed", {"aws": 40})
    exchange_on("untouched", {"aws": 40})
    scores_rescore(as_of=AS_OF)

    # when an allocation of one is saved through the account book (outbox row, task after commit)
    with django_capture_on_commit_callbacks(execute=True):
        allocation_save(
            allocation=Allocation(
                exchange=changed,
                vendor=vendor("alibaba-cloud"),
                share_percent=Decimal("60"),
                evidence_source="news",
                observed_on=datetime.date(2025, 8, 1),
            )
        )

    # then only that exchange got a new score, recorded once with the cause "evidence"
    history = list(ScoreChange.objects.order_by("pk").values_list("exchange__slug", "cause"))
    assert history == [("changed", "manual"), ("untouched", "manual"), ("changed", "evidence")]
    assert EvidenceChange.objects.filter(processed_at__isnull=True).count() == 0
    # and consuming again (a redelivered message) changes nothing
    assert evidence_changes_process().changes == 0
    assert ScoreChange.objects.count() == 3


def test_activating_a_new_model_rescores_everything_and_keeps_history(
    home_vendor_slug, eager_celery, django_capture_on_commit_callbacks
):
    exchange_on("midex", {"aws": 60})
    scores_rescore(as_of=AS_OF)
    parameters = ScoringModel.objects.get(version=1).get_parameters().to_dict() | {"largest_rival_points": 30}

    with django_capture_on_commit_callbacks(execute=True):
        model = scoring_model_create_version(parameters=parameters, name="rivals count more", activate=True)

    assert list(ScoringModel.objects.filter(is_active=True).values_list("version", flat=True)) == [2]
    assert list(ScoreChange.objects.order_by("pk").values_list("model_version", "cause", "old_score", "new_score")) == [
        (1, "manual", None, 48),
        (2, "model_change", 48, 54),
    ]
    assert Score.objects.get().model_version == model.version == 2


def test_invalid_parameters_are_refused_and_no_version_is_created(home_vendor_slug):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        scoring_model_create_version(parameters={"grade_a": "high", "bonus": 3})

    assert refused.value.message_dict == {
        "parameters": ["bonus: is not a parameter of a scoring model", "grade_a: must be a whole number, not 'high'"]
    }
    assert list(ScoringModel.objects.values_list("version", flat=True)) == [1]


def _coingecko_figure(exchange, *, as_of: datetime.date, normalized: str, rank: int):
    from intel.models import MarketDataImport, MarketFigure

    reading = MarketDataImport.objects.create(source="coingecko", as_of=as_of, content_sha256=f"{as_of}{rank}")
    return MarketFigure.objects.create(
        market_import=reading,
        source="coingecko",
        as_of=as_of,
        source_exchange_id=exchange.slug,
        source_name=exchange.name,
        exchange=exchange,
        match_status="matched",
        volume_24h_btc=Decimal(normalized) * 2,
        volume_24h_btc_normalized=Decimal(normalized),
        trust_score_rank=rank,
    )


def test_the_tier_a_score_used_is_stored_on_the_exchange_and_follows_a_newer_figure(home_vendor_slug):
    # given an exchange sized by nobody, with a CoinGecko figure that makes it mid-size
    bitget = exchange_on("bitget", {"alibaba-cloud": 60}, size_tier="unknown")
    _coingecko_figure(bitget, as_of=datetime.date(2023, 1, 7), normalized="9450.2", rank=21)

    # when it is scored
    scores_rescore(as_of=AS_OF)

    # then the exchange carries the tier the score used, and the factor names the figure
    bitget.refresh_from_db()
    size = Score.objects.get(exchange=bitget).factors[0]
    assert (bitget.size_tier, size["points"], factor_sentence(size, "en")) == (
        "mid",
        20,
        "Mid-size: 24h volume 9,450 BTC, rank 21 on CoinGecko (2023-01-07)",
    )

    # and when a newer reading puts it over the large threshold, the next rescore follows it
    _coingecko_figure(bitget, as_of=datetime.date(2025, 8, 1), normalized="15000", rank=7)
    scores_rescore(as_of=AS_OF)

    bitget.refresh_from_db()
    assert (bitget.size_tier, factor_sentence(Score.objects.get(exchange=bitget).factors[0], "en")) == (
        "large",
        "Large: 24h volume 15,000 BTC, rank 7 on CoinGecko (2025-08-01)",
    )


def test_an_aws_tokyo_outage_scores_the_exchanges_in_tokyo_not_bybit_in_aws_singapore(home_vendor_slug):
    # given Bybit on AWS Singapore (its published hosting), an exchange on AWS Tokyo, one on AWS in
    # an unknown region and one on AWS in Virginia, all alike otherwise
    exchange_on("bybit", {"aws": 100}, regions={"aws": "ap-southeast-1 (apse1-az2, apse1-az3)"})
    exchange_on("tokyoex", {"aws": 100}, regions={"aws": "Tokyo"})
    exchange_on("somewhereex", {"aws": 100})
    exchange_on("virginiaex", {"aws": 100}, regions={"aws": "us-east-1"})
    signal = outage("aws", AS_OF, region="ap-northeast-1 (apne1-az4)")

    # when they are scored
    scores_rescore(as_of=AS_OF)

    # then the Tokyo outage hits the Tokyo exchange fully, the unknown region at half, the others not at all
    assert dict(Allocation.objects.values_list("exchange__slug", "region_code")) == {
        "bybit": "ap-southeast-1",
        "tokyoex": "ap-northeast-1",
        "somewhereex": "",
        "virginiaex": "us-east-1",
    }
    assert signal.vendor_region_code == "ap-northeast-1"
    incidents = {
        slug: [(f["points"], factor_sentence(f, "en")) for f in factors if f["code"] == "rival_incident"]
        for slug, factors in Score.objects.values_list("exchange__slug", "factors")
    }
    assert incidents == {
        "bybit": [],
        "virginiaex": [],
        "tokyoex": [
            (
                20,
                "AWS ap-northeast-1 (Tokyo) outage on 2025-09-01 hit the vendor holding 100% of its allocations "
                "in that region",
            )
        ],
        "somewhereex": [
            (
                10,
                "AWS ap-northeast-1 (Tokyo) outage on 2025-09-01 possibly affected (region unknown) the vendor "
                "holding 100% of its allocations, counted at 50%",
            )
        ],
    }
    assert scores()["bybit"] == scores()["virginiaex"]
    assert (scores()["tokyoex"] - scores()["bybit"], scores()["somewhereex"] - scores()["bybit"]) == (20, 10)


def _new_version(points: int = 30) -> ScoringModel:
    parameters = ScoringModel.objects.get(version=1).get_parameters().to_dict() | {"largest_rival_points": points}
    return scoring_model_create_version(parameters=parameters, name="rivals count more")


def test_an_activation_is_a_recorded_run_of_chunks_and_a_chunk_delivered_twice_scores_once(home_vendor_slug, settings):
    # given five scored exchanges and chunks of two
    from leads.models import RescoreChunk, RescoreRun
    from leads.services import rescore_chunk_serve, scoring_model_activate

    settings.RESCORE_CHUNK_SIZE = 2
    for n in range(5):
        exchange_on(f"x{n}", {"aws": 60})
    scores_rescore(as_of=AS_OF)
    model = _new_version()

    # when version 2 is activated (its publication after commit not run: the broker is away)
    scoring_model_activate(scoring_model=model)

    # then the rescore it owes is recorded with it: one run of three chunks, nothing scored yet
    run = RescoreRun.objects.get()
    assert (run.cause, run.model_version, run.exchanges, run.finished_at) == ("model_change", 2, 5, None)
    chunks = list(RescoreChunk.objects.order_by("first_id"))
    assert [chunk.exchanges for chunk in chunks] == [2, 2, 1]
    assert set(Score.objects.values_list("model_version", flat=True)) == {1}

    # and when each chunk is served, the first one twice (a redelivered message)
    served = [rescore_chunk_serve(chunk_id=chunk.pk) for chunk in [chunks[0], chunks[0], chunks[1], chunks[2]]]

    # then every exchange moved to version 2 once, the repeat did nothing, and the run is finished
    assert [summary and summary.updated for summary in served] == [2, None, 2, 1]
    assert ScoreChange.objects.filter(cause="model_change", model_version=2).count() == 5
    assert set(Score.objects.values_list("model_version", flat=True)) == {2}
    run.refresh_from_db()
    assert run.finished_at is not None
    assert RescoreChunk.objects.filter(done_at__isnull=True).count() == 0


def test_an_activation_with_the_broker_down_commits_and_the_relay_finishes_it(
    home_vendor_slug, settings, eager_celery, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    # given two scored exchanges, and a broker that refuses connections
    from kombu.exceptions import OperationalError as BrokerError

    from leads.models import RescoreChunk, RescoreRun
    from leads.services import rescore_chunks_relay, scoring_model_activate
    from leads.tasks import rescore_chunk_task

    settings.RESCORE_CHUNK_SIZE = 1
    exchange_on("x0", {"aws": 60})
    exchange_on("x1", {"aws": 60})
    scores_rescore(as_of=AS_OF)
    model = _new_version()

    def refuse(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    monkeypatch.setattr(rescore_chunk_task, "delay", refuse)

    # when version 2 is activated
    with django_capture_on_commit_callbacks(execute=True):
        scoring_model_activate(scoring_model=model)

    # then the activation stands, its two chunks wait unpublished, and the log says the relay will retry
    assert ScoringModel.objects.get(is_active=True).version == 2
    assert list(RescoreChunk.objects.values_list("publications", "done_at")) == [(0, None), (0, None)]
    assert "Could not publish 2 of 2 rescore chunks; the relay will retry." in caplog.text

    # and when the broker is back and the relay runs on beat
    monkeypatch.undo()
    relayed = rescore_chunks_relay()

    # then both chunks are published and served: every exchange on version 2, once
    assert (relayed.published, relayed.finished_runs) == (2, 0)
    assert ScoreChange.objects.filter(cause="model_change").count() == 2
    assert RescoreRun.objects.get().finished_at is not None
    assert list(RescoreChunk.objects.values_list("publications", flat=True)) == [1, 1]


def test_the_relay_leaves_alone_chunks_in_a_busy_queue_and_republishes_them_once_the_workers_are_idle(
    home_vendor_slug, settings, monkeypatch
):
    # given a run of three chunks: one done 10 s ago, two published 2 minutes ago and not served
    import datetime as dt

    from django.utils import timezone

    from leads.models import RescoreChunk
    from leads.services import rescore_chunks_relay, rescore_run_record
    from leads.services import rescore_runs as services

    settings.RESCORE_CHUNK_SIZE = 1
    settings.RESCORE_RELAY_AFTER_SECONDS = 60
    for n in range(3):
        exchange_on(f"x{n}", {"aws": 60})
    published = []
    monkeypatch.setattr(services, "rescore_chunks_publish", lambda *, chunk_ids: published.append(chunk_ids) or 0)
    rescore_run_record(cause=ScoreCause.DECAY)
    now = timezone.now()
    first, *waiting = RescoreChunk.objects.order_by("first_id")
    RescoreChunk.objects.filter(pk=first.pk).update(done_at=now - dt.timedelta(seconds=10))
    RescoreChunk.objects.filter(pk__in=[c.pk for c in waiting]).update(
        published_at=now - dt.timedelta(minutes=2), publications=1
    )

    # when the relay runs while a chunk was done within the last minute (the queue is moving)
    rescore_chunks_relay(now=now)
    # and again once nothing was done for over a minute
    rescore_chunks_relay(now=now + dt.timedelta(seconds=61))

    # then it published nothing the first time, and the two waiting chunks the second
    assert published == [[c.pk for c in waiting]]


def test_a_chunk_that_failed_five_times_is_parked_in_a_dead_letter_and_its_run_closed(
    home_vendor_slug, monkeypatch, eager_celery
):
    # given a chunk whose every run fails with a bug, not a transient database error
    import datetime as dt

    from django.utils import timezone

    from leads.models import DeadLetter, RescoreChunk, RescoreRun
    from leads.services import rescore_chunks_relay, rescore_run_record
    from leads.services import rescore_runs as services
    from leads.tasks import rescore_chunk_task

    exchange_on("poison", {"aws": 60})
    monkeypatch.setattr(services, "rescore_chunks_publish", lambda *, chunk_ids: 0)
    run = rescore_run_record(cause=ScoreCause.DECAY)
    chunk = RescoreChunk.objects.get()

    def broken(**kwargs):
        raise KeyError("size_tier")

    monkeypatch.setattr("leads.tasks.rescore_chunk_serve", broken)
    for _ in range(5):
        rescore_chunk_task.apply(args=[chunk.pk], throw=False)
    RescoreChunk.objects.update(published_at=timezone.now() - dt.timedelta(hours=3), publications=5)

    # when the relay runs
    summary = rescore_chunks_relay()

    # then it parks the chunk with its error rather than publishing it again, and the run is closed
    assert (summary.published, summary.parked, summary.finished_runs) == (0, 1, 1)
    letter = DeadLetter.objects.get()
    assert (letter.task_name, letter.payload["chunk_id"], letter.attempts) == ("leads.rescore_chunk", chunk.pk, 5)
    assert letter.error == "KeyError: 'size_tier'"
    chunk.refresh_from_db()
    assert chunk.parked_at is not None and chunk.done_at is None
    assert RescoreRun.objects.get(pk=run.pk).finished_at is not None


def test_each_further_publication_of_an_unserved_chunk_waits_twice_as_long(home_vendor_slug, settings, monkeypatch):
    # given a chunk published three times, the last 3 minutes ago, with the workers idle
    import datetime as dt

    from django.utils import timezone

    from leads.models import RescoreChunk
    from leads.services import rescore_chunks_relay, rescore_run_record
    from leads.services import rescore_runs as services

    settings.RESCORE_RELAY_AFTER_SECONDS = 60
    exchange_on("x0", {"aws": 60})
    published = []
    monkeypatch.setattr(services, "rescore_chunks_publish", lambda *, chunk_ids: published.append(chunk_ids) or 0)
    rescore_run_record(cause=ScoreCause.DECAY)
    now = timezone.now()
    RescoreChunk.objects.update(published_at=now - dt.timedelta(minutes=3), publications=3)

    # when the relay runs now, and 2 minutes later (4 minutes after the last publication)
    rescore_chunks_relay(now=now)
    rescore_chunks_relay(now=now + dt.timedelta(minutes=1, seconds=1))

    # then it waited 4 minutes (60 s x 2 x 2) before publishing it a fourth time
    assert published == [[RescoreChunk.objects.get().pk]]
