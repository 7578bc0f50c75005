"""Tasks: a real Celery worker rescoring after a signal, and reruns after a crash mid-way."""

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from crm.models import EvidenceChange
from intel.services import signal_record
from leads.models import Score, ScoreChange
from leads.services import evidence_changes_process, rescore_runs, scores_rescore
from leads.services import scores as score_services
from tests.crm.factories import vendor
from tests.leads.factories import exchange_on

ROOT = Path(__file__).resolve().parents[2]
AS_OF = datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC)


def database_url() -> str:
    settings = connection.settings_dict
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


def start_worker(redis_url: str, *, home_vendor: str) -> subprocess.Popen:
    """A real Celery worker on an emptied queue of this Redis and this test's database."""
    import redis

    redis.Redis.from_url(redis_url).delete("celery", "unacked", "unacked_index")
    environment = os.environ | {
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CRM_HOME_VENDOR": home_vendor,
        "CRM_IGNORE_DOTENV": "1",
    }
    command = [sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool=solo", "--loglevel=INFO"]
    return subprocess.Popen(
        [*command, "--without-heartbeat"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.services
def test_a_recorded_signal_is_rescored_by_a_real_worker(transactional_db, postgresql, redis_url, home_vendor_slug):
    # given a scored exchange with Alibaba Cloud at 60%, and a worker on Redis and this database

    exchange = exchange_on("hitex", {"alibaba-cloud": 60})
    scores_rescore()
    worker = start_worker(redis_url, home_vendor="tencent-cloud")
    try:
        # when an outage at Alibaba Cloud that named it is recorded (committed, then published)
        signal = signal_record(
            kind="outage",
            title="Alibaba Cloud Hong Kong zone C outage",
            occurred_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1),
            exchanges=[exchange],
            vendor=vendor("alibaba-cloud"),
            vendor_region="Hong Kong",
            severity=5,
            source_note="News reports",
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not ScoreChange.objects.filter(cause="evidence").exists():
            time.sleep(0.2)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]

    # then the worker rescored it: 48 -> 60 with the outage as a factor, and the outbox row is served
    change = ScoreChange.objects.filter(cause="evidence").get()
    assert (change.old_score, change.new_score) == (48, 60), output[-3000:]
    assert Score.objects.get(exchange=exchange).factors[-1]["references"] == [f"signal:{signal.pk}"]
    assert EvidenceChange.objects.filter(processed_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_a_rescore_killed_half_way_and_rerun_loses_nothing_and_duplicates_nothing(monkeypatch, home_vendor_slug):
    # given five exchanges, rescored in chunks of two, and a crash while writing the second chunk
    for n in range(5):
        exchange_on(f"x{n}", {"aws": 20 * n})
    real_write = score_services.scores_write
    calls = []

    def crash_on_second_chunk(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return real_write(**kwargs)

    monkeypatch.setattr(score_services, "scores_write", crash_on_second_chunk)
    with pytest.raises(SystemExit):
        scores_rescore(as_of=AS_OF, chunk_size=2)
    assert ScoreChange.objects.count() == 2  # the first chunk is committed, the second rolled back

    # when the run is started again
    monkeypatch.setattr(score_services, "scores_write", real_write)
    summary = scores_rescore(as_of=AS_OF, chunk_size=2)

    # then every exchange has exactly one history row and one score
    assert (summary.created, summary.unchanged) == (3, 2)
    assert sorted(ScoreChange.objects.values_list("exchange__slug", flat=True)) == ["x0", "x1", "x2", "x3", "x4"]
    assert Score.objects.count() == 5


@pytest.mark.django_db
def test_an_evidence_batch_killed_before_it_is_marked_is_served_once_on_redelivery(monkeypatch, home_vendor_slug):
    # given a scored exchange whose allocation changed (an outbox row waits)
    exchange = exchange_on("movex", {"aws": 60})
    scores_rescore(as_of=AS_OF)
    exchange.allocations.update(share_percent=30)
    EvidenceChange.objects.create(exchange=exchange, cause="allocation", reference="allocation:1")
    real_chunk = score_services._rescore_chunk

    def rescore_then_die(*args, **kwargs):
        real_chunk(*args, **kwargs)
        raise SystemExit("worker killed after writing, before marking")

    monkeypatch.setattr(score_services, "_rescore_chunk", rescore_then_die)
    with pytest.raises(SystemExit):
        evidence_changes_process(as_of=AS_OF)
    assert (ScoreChange.objects.count(), EvidenceChange.objects.filter(processed_at=None).count()) == (1, 1)

    # when the message comes back and the consumer runs again
    monkeypatch.setattr(score_services, "_rescore_chunk", real_chunk)
    served = evidence_changes_process(as_of=AS_OF)

    # then the change is served once: one new history row, nothing pending
    assert served.changes == 1
    assert list(ScoreChange.objects.order_by("pk").values_list("cause", "new_score")) == [
        ("manual", 48),
        ("evidence", 29),
    ]
    assert EvidenceChange.objects.filter(processed_at=None).count() == 0


def _defend_and_cause(exchange):
    score = Score.objects.get(exchange=exchange)
    return score.is_defend, ScoreChange.objects.filter(exchange=exchange).latest("id").cause


@pytest.mark.django_db
def test_a_changed_home_vendor_rescores_everything_once_and_says_so(
    settings, eager_celery, django_capture_on_commit_callbacks, caplog
):
    # given scores computed for Tencent Cloud: Alibaba Cloud's 85% customer is a displacement target
    from leads.services import scoring_model_create_version
    from leads.services.scores import active_model
    from leads.services.scoring_models import home_vendor_rescore_if_changed

    settings.CRM_HOME_VENDOR = "tencent-cloud"
    _version, parameters = active_model()
    with django_capture_on_commit_callbacks(execute=True):
        scoring_model_create_version(parameters=parameters.to_dict(), activate=True)
    customer = exchange_on("alibabas-own", {"alibaba-cloud": 85})
    scores_rescore(as_of=AS_OF)
    assert _defend_and_cause(customer) == (False, "manual")
    with django_capture_on_commit_callbacks(execute=True):
        assert home_vendor_rescore_if_changed() is None  # unchanged: nothing queued

    # when the team's vendor is set to Alibaba Cloud and the beat (or a starting worker) checks
    settings.CRM_HOME_VENDOR = "alibaba-cloud"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        change = home_vendor_rescore_if_changed()

    # then every exchange is rescored for the new vendor, the history says why, and the log says so
    assert len(callbacks) == 1
    assert str(change) == (
        "CRM_HOME_VENDOR is now 'alibaba-cloud'; the stored scores were computed for tencent-cloud: "
        "rescoring every exchange."
    )
    assert _defend_and_cause(customer) == (True, "home_vendor")
    assert str(change) in caplog.text
    # and a second check finds nothing to do
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert home_vendor_rescore_if_changed() is None
    assert callbacks == []


@pytest.mark.services
def test_a_worker_started_with_another_home_vendor_rescores_everything(
    transactional_db, postgresql, redis_url, settings
):
    # given scores computed for Tencent Cloud, recorded on the active model

    from leads.models import ScoringModel

    settings.CRM_HOME_VENDOR = "tencent-cloud"
    ScoringModel.objects.filter(is_active=True).update(scored_for_home_vendor="tencent-cloud")
    customer = exchange_on("alibabas-own", {"alibaba-cloud": 85})
    scores_rescore()
    # when a worker starts with CRM_HOME_VENDOR=alibaba-cloud
    worker = start_worker(redis_url, home_vendor="alibaba-cloud")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not ScoreChange.objects.filter(cause="home_vendor").exists():
            time.sleep(0.2)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]

    # then it rescored the book for Alibaba Cloud without anyone asking, and said so in its log
    assert _defend_and_cause(customer) == (True, "home_vendor"), output[-3000:]
    assert ScoringModel.objects.get(is_active=True).scored_for_home_vendor == "alibaba-cloud"
    assert "CRM_HOME_VENDOR is now 'alibaba-cloud'" in output


@pytest.mark.django_db
def test_a_dropped_database_connection_is_retried_and_the_chunk_is_served_once(
    monkeypatch, home_vendor_slug, eager_celery
):
    # given a recorded rescore chunk of one exchange, and a database that drops the first attempt
    from django.db import OperationalError

    from leads.models import RescoreChunk
    from leads.services import rescore_run_record
    from leads.tasks import rescore_chunk_task

    exchange_on("x0", {"aws": 60})
    monkeypatch.setattr(rescore_runs, "rescore_chunks_publish", lambda **kwargs: 0)
    rescore_run_record(cause="manual", as_of=AS_OF)
    chunk = RescoreChunk.objects.get()
    real_serve = rescore_runs.rescore_chunk_serve
    attempts = []

    def drop_once(**kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError("terminating connection due to administrator command")
        return real_serve(**kwargs)

    monkeypatch.setattr("leads.tasks.rescore_chunk_serve", drop_once)

    # when the worker runs the chunk
    rescore_chunk_task.apply(args=[chunk.pk], throw=False)

    # then it ran twice, scored the exchange once and marked the chunk done
    assert len(attempts) == 2
    assert list(ScoreChange.objects.values_list("exchange__slug", "cause")) == [("x0", "manual")]
    chunk.refresh_from_db()
    assert chunk.done_at is not None


@pytest.mark.django_db
def test_a_database_that_stays_down_is_retried_five_times_then_the_chunk_waits_for_the_relay(
    monkeypatch, home_vendor_slug, eager_celery
):
    from django.db import InterfaceError

    from leads.models import RescoreChunk
    from leads.services import rescore_run_record
    from leads.tasks import rescore_chunk_task

    exchange_on("x0", {"aws": 60})
    monkeypatch.setattr(rescore_runs, "rescore_chunks_publish", lambda **kwargs: 0)
    rescore_run_record(cause="manual", as_of=AS_OF)
    attempts = []

    def always_down(**kwargs):
        attempts.append(1)
        raise InterfaceError("connection already closed")

    monkeypatch.setattr("leads.tasks.rescore_chunk_serve", always_down)
    monkeypatch.setitem(eager_celery.conf, "task_eager_propagates", False)  # each retry runs nested

    result = rescore_chunk_task.apply(args=[RescoreChunk.objects.get().pk], throw=False)

    assert (len(attempts), type(result.result).__name__) == (6, "InterfaceError")
    assert RescoreChunk.objects.get().done_at is None
    assert ScoreChange.objects.count() == 0
