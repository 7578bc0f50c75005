"""The pages the pages benchmark measures take the same number of SQL queries whatever the size of
the people axis: measured after its set-up at one size and at twice that size, as a manager and as
a rep. A page that queried per row (per attendee, contact or follow-up) would fail here."""

import pytest

from bench import bench_pages


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("who", ["bench.pages.manager", "bench.pages.rep"])
def test_every_page_takes_the_same_queries_at_twice_the_size(who, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    small = bench_pages.setup(4)
    at_small = bench_pages.query_counts(who)
    large = bench_pages.setup(8)
    at_large = bench_pages.query_counts(who)

    assert (small["attendees"], large["attendees"]) == (400, 800)
    assert (small["follow_ups"], large["follow_ups"]) == (40, 80)
    assert at_large == at_small
    assert bench_pages.statuses(who) == dict.fromkeys(at_small, 200)
    assert all(count > 0 for name, count in at_small.items() if not name.startswith("/healthz"))
