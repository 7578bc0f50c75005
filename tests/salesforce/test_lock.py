"""The run lock on PostgreSQL: two workers racing for it, only one wins."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from leads.salesforce.lock import sync_lock_acquire, sync_lock_release
from leads.salesforce.models import SyncState


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_racing_for_the_lock_only_one_wins(postgresql):
    # given the state row, and eight workers starting at the same moment
    SyncState.objects.create(pk=1)
    start = threading.Barrier(8)
    won: list[bool] = []

    def worker(n: int) -> None:
        start.wait()
        try:
            won.append(sync_lock_acquire(holder=f"worker-{n}", now=timezone.now(), seconds=900))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then exactly one holds it, until it releases it
    assert sorted(won) == [False] * 7 + [True]
    holder = SyncState.objects.get().lock_holder
    assert not sync_lock_acquire(holder="late", now=timezone.now(), seconds=900)
    sync_lock_release(holder=holder)
    assert sync_lock_acquire(holder="late", now=timezone.now(), seconds=900)


@pytest.mark.django_db
def test_an_expired_lease_can_be_taken_over():
    assert sync_lock_acquire(holder="dead", now=timezone.now() - datetime.timedelta(hours=1), seconds=60)
    assert sync_lock_acquire(holder="alive", now=timezone.now(), seconds=60)
    assert SyncState.objects.get().lock_holder == "alive"
