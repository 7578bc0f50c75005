"""What scoring tells webhook subscribers: a grade changed, an exchange entered the top N, a signal was recorded."""

import datetime

import pytest

from crm.choices import RepRole
from crm.models import Allocation
from intel.services import signal_record
from leads.models import Score, WebhookDelivery, WebhookSubscription
from leads.services import evidence_changes_process, scores_rescore
from tests.crm.factories import RepFactory, jurisdiction, vendor
from tests.leads.factories import exchange_on

pytestmark = pytest.mark.django_db

AS_OF = datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC)


@pytest.fixture
def manager():
    return RepFactory(user__username="mei", role=RepRole.MANAGER).user


def subscribe(owner, *events, top_n=20, language="en"):
    return WebhookSubscription.objects.create(
        owner=owner,
        name="CRM",
        target_url="https://hooks.example.test/in",
        secret="s" * 32,
        events=list(events),
        top_n=top_n,
        language=language,
    )


def test_a_grade_change_is_announced_with_old_and_new_score(manager, home_vendor_slug):
    subscription = subscribe(manager, "score.grade_changed")
    hitex = exchange_on("hitex", {"alibaba-cloud": 80}, size_tier="small")
    scores_rescore(as_of=AS_OF)
    before = Score.objects.get(exchange=hitex)

    hitex.size_tier_by_hand = "mid"
    hitex.save()
    scores_rescore(as_of=AS_OF, cause="manual")

    after = Score.objects.get(exchange=hitex)
    assert (before.score, before.grade, after.score, after.grade) == (39, "C", 54, "B")
    assert list(WebhookDelivery.objects.values_list("subscription", "event", "payload")) == [
        (
            subscription.pk,
            "score.grade_changed",
            {
                "exchange": "hitex",
                "old_grade": "C",
                "new_grade": "B",
                "old_score": 39,
                "new_score": 54,
                "model_version": 1,
                "cause": "manual",
                "language": "en",
                "reasons": [
                    {"code": "rival_share", "points": 16, "sentence": "Alibaba Cloud holds 80% of its allocations"},
                    {
                        "code": "displacement_target",
                        "points": 10,
                        "sentence": "A rival at 60% or more: a displacement target",
                    },
                    {
                        "code": "displaceable_share",
                        "points": 8,
                        "sentence": "Rivals hold 80% of its allocations in all (1 vendor)",
                    },
                ],
            },
        )
    ]


def test_each_subscriber_reads_the_reasons_of_a_score_event_in_its_own_language(manager, home_vendor_slug):
    # given the same event subscribed in English (the default), Japanese and Simplified Chinese
    english = subscribe(manager, "score.grade_changed")
    japanese = subscribe(manager, "score.grade_changed", language="ja")
    chinese = subscribe(manager, "score.grade_changed", language="zh-hans")
    hitex = exchange_on("hitex", {"alibaba-cloud": 80}, size_tier="small")
    scores_rescore(as_of=AS_OF)

    # when its grade changes
    hitex.size_tier_by_hand = "mid"
    hitex.save()
    scores_rescore(as_of=AS_OF, cause="manual")

    # then each delivery says its language and carries the same reasons in it
    payloads = {d.subscription_id: d.payload for d in WebhookDelivery.objects.all()}
    assert {pk: (p["language"], p["reasons"][0]["sentence"]) for pk, p in payloads.items()} == {
        english.pk: ("en", "Alibaba Cloud holds 80% of its allocations"),
        japanese.pk: ("ja", "Alibaba Cloudがクラウド配分全体の80%を占める"),
        chinese.pk: ("zh-hans", "阿里云占全部云分配的80%"),
    }
    assert {pk: p["new_grade"] for pk, p in payloads.items()} == {english.pk: "B", japanese.pk: "B", chinese.pk: "B"}


def test_a_rescore_that_changes_no_grade_announces_nothing(manager, home_vendor_slug):
    subscribe(manager, "score.grade_changed")
    exchange_on("hitex", {"alibaba-cloud": 60})
    scores_rescore(as_of=AS_OF)

    scores_rescore(as_of=AS_OF + datetime.timedelta(days=1))

    assert WebhookDelivery.objects.count() == 0


def test_an_exchange_entering_the_top_is_announced_to_subscribers_whose_top_it_entered(manager, home_vendor_slug):
    top_one = subscribe(manager, "exchange.entered_top_n", top_n=1)
    top_five = subscribe(manager, "exchange.entered_top_n", top_n=5)
    exchange_on("leader", {"alibaba-cloud": 60}, size_tier="mid")
    climber = exchange_on("climber", {"alibaba-cloud": 30}, size_tier="small")
    scores_rescore(as_of=AS_OF)
    WebhookDelivery.objects.all().delete()  # the first scoring put both in the top five

    climber.size_tier_by_hand = "mid"
    climber.save()
    Allocation.objects.filter(exchange=climber).update(share_percent=90)
    scores_rescore(as_of=AS_OF)

    assert list(WebhookDelivery.objects.values_list("subscription", "payload__exchange", "payload__rank")) == [
        (top_one.pk, "climber", 1)
    ]
    assert top_five.deliveries.count() == 0


def test_a_recorded_signal_is_announced_once_naming_only_the_exchanges_the_subscriber_sees(manager, home_vendor_slug):
    japan_rep = RepFactory(user__username="kenji", territories=[jurisdiction("JP")]).user
    for_manager = subscribe(manager, "signal.recorded")
    for_rep = subscribe(japan_rep, "signal.recorded")
    tokyo = exchange_on("tokyo-x", {"alibaba-cloud": 60}, presences={"JP": "licensed"})
    exchange_on("berlin-x", {"alibaba-cloud": 40}, presences={"DE": "licensed"})
    scores_rescore(as_of=AS_OF)

    signal = signal_record(
        kind="outage",
        title="Alibaba Cloud Hong Kong zone C outage",
        occurred_at=AS_OF - datetime.timedelta(days=1),
        vendor=vendor("alibaba-cloud"),
        vendor_region="Hong Kong zone C",
        severity=5,
        exchanges=[tokyo],
        source_note="News reports",
    )
    evidence_changes_process(as_of=AS_OF)
    evidence_changes_process(as_of=AS_OF)

    deliveries = {d.subscription_id: d.payload for d in WebhookDelivery.objects.filter(event="signal.recorded")}
    assert sorted(deliveries) == [for_manager.pk, for_rep.pk]
    assert deliveries[for_rep.pk] == {
        "signal_id": signal.pk,
        "kind": "outage",
        "title": "Alibaba Cloud Hong Kong zone C outage",
        "occurred_at": "2025-08-31T00:00:00+00:00",
        "severity": 5,
        "source_url": "",
        "vendor": "alibaba-cloud",
        "jurisdiction": None,
        "exchanges": ["tokyo-x"],
    }
    assert deliveries[for_manager.pk]["exchanges"] == ["tokyo-x"]


def test_a_register_s_licence_change_is_announced_to_subscribers_who_see_the_exchange(manager, home_vendor_slug):
    japan_rep = RepFactory(user__username="kenji", territories=[jurisdiction("JP")]).user
    singapore_rep = RepFactory(user__username="priya", territories=[jurisdiction("SG")]).user
    for_japan = subscribe(japan_rep, "licence.changed")
    for_singapore = subscribe(singapore_rep, "licence.changed")
    kraken = exchange_on("kraken", {"aws": 60}, presences={"JP": "registered"})
    scores_rescore(as_of=AS_OF)

    # when a newer FSA reading ends Kraken Japan's registration (a licence-change signal)
    signal = signal_record(
        kind="licence_change",
        title="Payward Asia (Kraken) leaves the Japan FSA register",
        occurred_at=AS_OF - datetime.timedelta(days=2),
        jurisdiction=jurisdiction("JP"),
        exchanges=[kraken],
        details="withdrawn: business abolished 2023-01-31",
        source_url="https://www.fsa.go.jp/menkyo/menkyoj/kasoutuka.xlsx",
        source_note="Japan FSA register, 2026-06-30",
    )
    evidence_changes_process(as_of=AS_OF)

    # then the Japan rep's subscription is told, with the register as source; the Singapore rep's is not
    deliveries = list(WebhookDelivery.objects.filter(event="licence.changed").values_list("subscription", "payload"))
    assert deliveries == [
        (
            for_japan.pk,
            {
                "signal_id": signal.pk,
                "kind": "licence_change",
                "title": "Payward Asia (Kraken) leaves the Japan FSA register",
                "occurred_at": "2025-08-30T00:00:00+00:00",
                "severity": 3,
                "source_url": "https://www.fsa.go.jp/menkyo/menkyoj/kasoutuka.xlsx",
                "vendor": None,
                "jurisdiction": "JP",
                "details": "withdrawn: business abolished 2023-01-31",
                "source_note": "Japan FSA register, 2026-06-30",
                "exchanges": ["kraken"],
            },
        )
    ]
    assert for_singapore.deliveries.count() == 0
