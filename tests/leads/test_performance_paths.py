"""The fast paths of rescoring: the inputs' fingerprint that lets an unchanged exchange be skipped
without loading its facts, the factors hash that replaces decoding stored factors, and the
moment-dependent scores the daily decay run must still recompute."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Allocation, CloudVendor, Exchange, Presence
from intel.models import Signal
from leads.choices import ScoreCause
from leads.facts import load_facts
from leads.models import Score, ScoreChange
from leads.scoring import Factor, ScoreResult
from leads.sentences import factor_sentence
from leads.services import exchange_explain, scores_rescore, scores_write
from tests.crm.factories import jurisdiction
from tests.leads.factories import exchange_on, outage

pytestmark = pytest.mark.django_db

AS_OF = datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC)
HALF_LIFE = datetime.timedelta(days=180)


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]


def counts(summary) -> tuple[int, int, int, int, int]:
    return summary.examined, summary.skipped, summary.created, summary.updated, summary.refreshed


def test_a_rescore_with_nothing_changed_skips_every_exchange_and_writes_nothing(home_vendor_slug):
    # given three scored exchanges
    for slug in ("a", "b", "c"):
        exchange_on(slug, {"aws": 60})
    scores_rescore(as_of=AS_OF)

    # when they are rescored again with nothing changed
    with CaptureQueriesContext(connection) as queries:
        second = scores_rescore(as_of=AS_OF)

    # then all three are examined and skipped by their fingerprint: no facts scored, nothing written
    assert counts(second) == (3, 3, 0, 0, 0)
    assert writes(queries) == []
    assert ScoreChange.objects.count() == 3


def test_a_changed_allocation_is_detected_by_the_fingerprint_even_without_an_evidence_change(home_vendor_slug):
    # given two scored exchanges
    changed = exchange_on("changed", {"aws": 60})
    exchange_on("same", {"aws": 60})
    scores_rescore(as_of=AS_OF)

    # when one allocation's share is edited behind the account book's back (no save(), no outbox row)
    Allocation.objects.filter(exchange=changed).update(share_percent=Decimal("30"))
    summary = scores_rescore(as_of=AS_OF)

    # then only that exchange is computed again, and its new score recorded
    assert counts(summary) == (2, 1, 0, 1, 0)
    assert list(ScoreChange.objects.order_by("pk").values_list("exchange__slug", "new_score")) == [
        ("changed", 48),
        ("same", 48),
        ("changed", 29),
    ]


def test_renaming_a_vendor_changes_every_fingerprint_and_the_sentences_that_name_it(home_vendor_slug):
    # given two exchanges on Alibaba Cloud and AWS, scored
    exchange_on("alix", {"alibaba-cloud": 60})
    exchange_on("awsx", {"aws": 60})
    scores_rescore(as_of=AS_OF)

    # when Alibaba Cloud is renamed
    CloudVendor.objects.filter(slug="alibaba-cloud").update(name="Aliyun")
    summary = scores_rescore(as_of=AS_OF)

    # then both are computed again (a shared table changed): the one naming it changed, the other
    # only has its new fingerprint stored
    assert counts(summary) == (2, 0, 0, 1, 1)
    assert (
        factor_sentence(Score.objects.get(exchange__slug="alix").factors[1], "en")
        == "Aliyun holds 60% of its allocations"
    )


def test_time_dependent_scores_are_recomputed_by_the_decay_run_and_the_others_skipped(home_vendor_slug):
    # given an exchange on a vendor that had an outage (its score decays) and one that did not
    hit = exchange_on("hitex", {"alibaba-cloud": 60})
    exchange_on("calmex", {"huawei-cloud": 60})
    outage("alibaba-cloud", AS_OF, exchanges=[hit])
    scores_rescore(as_of=AS_OF)

    # when the daily decay run scores them one half-life later
    summary = scores_rescore(as_of=AS_OF + HALF_LIFE, cause=ScoreCause.DECAY)

    # then only the time-dependent one was computed, and its outage weighs half as much
    assert dict(Score.objects.values_list("exchange__slug", "is_time_dependent")) == {"hitex": True, "calmex": False}
    assert counts(summary) == (2, 1, 0, 1, 0)
    assert list(ScoreChange.objects.filter(cause="decay").values_list("exchange__slug", "old_score", "new_score")) == [
        ("hitex", 60, 54)
    ]


def test_a_time_dependent_score_rescored_at_its_own_moment_is_skipped(home_vendor_slug):
    hit = exchange_on("hitex", {"alibaba-cloud": 60})
    outage("alibaba-cloud", AS_OF, exchanges=[hit])
    scores_rescore(as_of=AS_OF)

    summary = scores_rescore(as_of=AS_OF)

    assert counts(summary) == (1, 1, 0, 0, 0)


def test_a_signal_dated_after_the_moment_counts_once_its_day_comes(home_vendor_slug):
    # given an exchange with a meeting recorded for a later day
    exchange = exchange_on("metex", {"aws": 60})
    meeting = Signal.objects.create(kind="meeting", title="Booth visit", occurred_at=AS_OF + datetime.timedelta(days=2))
    meeting.exchanges.set([exchange])

    # when it is scored before the meeting, then on its day
    scores_rescore(as_of=AS_OF)
    before = Score.objects.get().score
    summary = scores_rescore(as_of=AS_OF + datetime.timedelta(days=2))

    # then the meeting counts only from its day: the score is not kept because its inputs did not change
    assert Score.objects.get().is_time_dependent is True
    assert counts(summary) == (1, 0, 0, 1, 0)
    assert (before, Score.objects.get().score) == (48, 58)


def test_new_inputs_that_leave_the_score_as_it_was_store_only_their_fingerprint(home_vendor_slug):
    # given a scored exchange
    exchange = exchange_on("samex", {"aws": 60})
    scores_rescore(as_of=AS_OF)
    before = Score.objects.values_list("facts_fingerprint", flat=True).get()

    # when it gains a presence that no factor weighs (a minor jurisdiction, licence status unknown)
    Presence.objects.create(exchange=exchange, jurisdiction=jurisdiction("TH"), licence_status="unknown")
    refreshed = scores_rescore(as_of=AS_OF)
    again = scores_rescore(as_of=AS_OF)

    # then it is computed once, found unchanged, its new fingerprint stored without history, then skipped
    assert (counts(refreshed), counts(again)) == ((1, 0, 0, 0, 1), (1, 1, 0, 0, 0))
    assert Score.objects.values_list("facts_fingerprint", flat=True).get() != before
    assert ScoreChange.objects.count() == 1


def test_scores_stored_before_factors_were_hashed_are_compared_by_their_factors(home_vendor_slug):
    # given scores stored without a factors hash or fingerprint (written before they existed)
    exchange_on("oldex", {"aws": 60})
    scores_rescore(as_of=AS_OF)
    Score.objects.update(factors_hash="", facts_fingerprint="")

    # when they are rescored with nothing changed
    summary = scores_rescore(as_of=AS_OF)

    # then no change is recorded: the stored factors were decoded and found equal, and the hash stored
    assert counts(summary) == (1, 0, 0, 0, 1)
    assert ScoreChange.objects.count() == 1
    assert len(Score.objects.values_list("factors_hash", flat=True).get()) == 32


def test_scores_written_without_a_fingerprint_are_computed_again_by_the_next_rescore(home_vendor_slug):
    # given a scored exchange whose score is then overwritten by a direct write that knows no inputs
    exchange_on("direx", {"aws": 60})
    scores_rescore(as_of=AS_OF)
    stored = Score.objects.get()
    forced = ScoreResult(stored.exchange_id, 99, "A", (Factor("manual", 99, "Set by hand"),))
    scores_write(results=[forced], model_version=1, cause=ScoreCause.MANUAL, as_of=AS_OF)

    # when everything is rescored
    summary = scores_rescore(as_of=AS_OF)

    # then the exchange is not skipped: its computed score replaces the written one
    assert counts(summary) == (1, 0, 0, 1, 0)
    assert list(ScoreChange.objects.order_by("pk").values_list("new_score", flat=True)) == [48, 99, 48]


def test_facts_of_some_exchanges_read_as_an_id_range_leave_out_the_ones_between(home_vendor_slug):
    # given three exchanges with consecutive ids
    first, middle, last = (exchange_on(slug, {"aws": 10 * n}) for n, slug in enumerate(("a", "b", "c"), start=1))

    # when the first and the last are loaded (dense enough to be read as their id range)
    loaded = load_facts(exchange_ids=[last.pk, first.pk], as_of=AS_OF)

    # then exactly those two come back, each with its own allocation
    assert [(f.name, [a.share_percent for a in f.allocations]) for f in loaded.exchanges] == [
        ("A", [10.0]),
        ("C", [30.0]),
    ]
    assert middle.pk not in [f.exchange_id for f in loaded.exchanges]


def test_rescoring_some_exchanges_examines_and_writes_only_those(home_vendor_slug):
    for slug in ("a", "b", "c"):
        exchange_on(slug, {"aws": 60})
    wanted = list(Exchange.objects.filter(slug__in=["a", "c"]).values_list("pk", flat=True))

    summary = scores_rescore(exchange_ids=wanted, as_of=AS_OF)

    assert counts(summary) == (2, 0, 2, 0, 0)
    assert sorted(Score.objects.values_list("exchange__slug", flat=True)) == ["a", "c"]


def test_a_direct_write_of_an_unchanged_score_keeps_its_fingerprint_and_moment(home_vendor_slug):
    # given a scored exchange whose factors hash is blank (stored before hashes existed)
    exchange = exchange_on("keepex", {"aws": 60})
    scores_rescore(as_of=AS_OF)
    Score.objects.update(factors_hash="")
    fingerprint = Score.objects.values_list("facts_fingerprint", flat=True).get()
    same = exchange_explain(exchange_id=exchange.pk, as_of=AS_OF)

    # when the same score is written a day later by a caller that knows no fingerprint
    written = scores_write(
        results=[same], model_version=1, cause=ScoreCause.MANUAL, as_of=AS_OF + datetime.timedelta(days=1)
    )

    # then only the hash is stored: the fingerprint and the moment it stands for stay, and a
    # rescore at that moment still skips it
    assert (written.created, written.updated, written.refreshed) == (0, 0, 1)
    assert Score.objects.values_list("facts_fingerprint", "as_of").get() == (fingerprint, AS_OF)
    assert counts(scores_rescore(as_of=AS_OF)) == (1, 1, 0, 0, 0)
