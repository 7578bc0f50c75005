"""Test data for the sync: scored exchanges (a Score and its ScoreChange, as a rescore writes them),
events, and followed-up people."""

import datetime

from django.utils import timezone

from crm.models import Contact, Exchange
from intel.models import Attendee, Event
from leads.models import FollowUp, Score, ScoreChange
from tests.crm.factories import jurisdiction

SCORED_AT = datetime.datetime(2025, 9, 1, 9, 0, tzinfo=datetime.UTC)
FACTORS = [
    {"code": "rival_share", "points": 20, "sentence": "Alibaba Cloud holds 60% of its allocations", "references": []},
    {"code": "size", "points": 20, "sentence": "Mid-size exchange", "references": []},
    {"code": "regulation", "points": 10, "sentence": "Singapore DTSP regime in force", "references": []},
    {"code": "home_share", "points": -10, "sentence": "Tencent Cloud holds 10%", "references": []},
]


def score_change(exchange: Exchange, score: int, grade: str, *, factors=None, version: int = 1) -> ScoreChange:
    """What a rescore writes: the current Score, and one ScoreChange in the history."""
    factors = FACTORS if factors is None else factors
    old = Score.objects.filter(exchange=exchange).first()
    Score.objects.update_or_create(
        exchange=exchange,
        defaults={
            "score": score,
            "grade": grade,
            "factors": factors,
            "model_version": version,
            "as_of": SCORED_AT,
            "computed_at": SCORED_AT,
        },
    )
    return ScoreChange.objects.create(
        exchange=exchange,
        old_score=old.score if old else None,
        new_score=score,
        old_grade=old.grade if old else "",
        new_grade=grade,
        new_factors=factors,
        model_version=version,
        cause="evidence",
        as_of=SCORED_AT,
        created_at=SCORED_AT,
    )


def scored_exchanges(count: int, *, score: int = 55) -> list[Exchange]:
    """Many exchanges, each with a Score and a ScoreChange, written in bulk."""
    exchanges = Exchange.objects.bulk_create(
        [
            Exchange(name=f"Exchange {n:05d}", slug=f"bulk-{n:05d}", website=f"https://x{n}.example.com")
            for n in range(count)
        ]
    )
    exchanges = list(Exchange.objects.filter(slug__startswith="bulk-").order_by("pk"))
    Score.objects.bulk_create(
        [
            Score(
                exchange=e,
                score=score,
                grade="B",
                factors=FACTORS[:1],
                model_version=1,
                as_of=SCORED_AT,
                computed_at=SCORED_AT,
            )
            for e in exchanges
        ]
    )
    ScoreChange.objects.bulk_create(
        [
            ScoreChange(
                exchange=e,
                new_score=score,
                new_grade="B",
                new_factors=FACTORS[:1],
                model_version=1,
                cause="evidence",
                as_of=SCORED_AT,
                created_at=SCORED_AT,
            )
            for e in exchanges
        ]
    )
    return exchanges


def webx() -> Event:
    return Event.objects.get_or_create(
        slug="webx-2025",
        defaults={
            "name": "WebX 2025",
            "city": "Tokyo",
            "country": jurisdiction("JP"),
            "venue": "The Prince Park Tower",
            "starts_on": datetime.date(2025, 8, 25),
            "ends_on": datetime.date(2025, 8, 25),
            "timezone": "Asia/Tokyo",
        },
    )[0]


def followed_up(
    event: Event,
    full_name: str,
    *,
    email: str = "",
    exchange: Exchange | None = None,
    contact: Contact | None = None,
    status: str = "to_do",
) -> FollowUp:
    attendee = Attendee.objects.create(
        event=event,
        full_name=full_name,
        email=email,
        company=exchange.name if exchange else "Unknown Co",
        exchange=exchange,
        contact=contact,
        dedupe_key=email or full_name,
    )
    return FollowUp.objects.create(attendee=attendee, event=attendee.event, status=status, due_at=timezone.now())


def status_change(follow_up: FollowUp, status: str) -> None:
    follow_up.status = status
    follow_up.status_changed_at = timezone.now()
    follow_up.save()
