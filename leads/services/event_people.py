"""The follow-up list keeps itself up to date: after an import or a review decision the event's
follow-ups are created, assigned and ranked (leads.services.followups), and one function says who
acts next on each person, for the upload's message, the event page and the API alike."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext, ngettext, ngettext_lazy, pgettext

from crm.access import changeable_exchange_ids
from intel.choices import MatchStatus
from intel.models import Attendee, AttendeeImport, Event
from leads.models import FollowUp, ScoringModel
from leads.services.followups import follow_ups_build_for_event, follow_ups_match_people


def follow_ups_update(*, event: Event) -> bool:
    """Bring the event's follow-up list up to date (idempotent: a second call changes nothing). Without
    an active scoring model there is nothing to rank by: the list waits (False), and the people count
    as waiting for a manager, who activates one."""
    follow_ups_match_people(event=event)
    if not ScoringModel.objects.filter(is_active=True).exists():
        return False
    follow_ups_build_for_event(event=event)
    return True


@dataclass(frozen=True)
class PeopleSummary:
    """Who acts next on the people of one upload (or of a whole event), as one user reads it.

    in_your_territory: follow-ups assigned to the user, and people in review the user may decide;
    passed_to_owners: follow-ups assigned to someone else, and people in review at an account another
    rep owns; waiting_for_manager: matched people nobody could be given (or no active scoring model),
    and people in review at an account nobody owns that the user may not change; no_exchange_found and
    not_an_exchange: the rest. The five add up to added + updated."""

    added: int = 0
    updated: int = 0
    in_your_territory: int = 0
    passed_to_owners: int = 0
    waiting_for_manager: int = 0
    no_exchange_found: int = 0
    not_an_exchange: int = 0

    @property
    def total(self) -> int:
        return self.added + self.updated

    def as_dict(self) -> dict[str, int | str]:
        return {
            "added": self.added,
            "updated": self.updated,
            "in_your_territory": self.in_your_territory,
            "passed_to_owners": self.passed_to_owners,
            "waiting_for_manager": self.waiting_for_manager,
            "no_exchange_found": self.no_exchange_found,
            "not_an_exchange": self.not_an_exchange,
            "text": self.text(),
            "next_steps": self.next_steps(),
        }

    def text(self) -> str:
        """e.g. "29 added: 18 in your territory, 11 passed to their owners, 1 waiting for a manager"."""
        head = ngettext("%(n)s added", "%(n)s added", self.added) % {"n": self.added}
        if self.updated:
            head = gettext("%(added)s, %(n)s updated") % {"added": head, "n": self.updated}
        parts = self.next_steps()
        return gettext("%(head)s: %(steps)s") % {"head": head, "steps": parts} if parts else head

    def next_steps(self) -> str:
        """Who acts next, without the head: "3 in your territory, 1 passed to their owners"."""
        parts = [
            (self.in_your_territory, ngettext_lazy("%(n)s in your territory", "%(n)s in your territory", "n")),
            (self.passed_to_owners, ngettext_lazy("%(n)s passed to their owners", "%(n)s passed to their owners", "n")),
            (
                self.waiting_for_manager,
                ngettext_lazy("%(n)s waiting for a manager", "%(n)s waiting for a manager", "n"),
            ),
            (
                self.no_exchange_found,
                ngettext_lazy("%(n)s with no exchange found", "%(n)s with no exchange found", "n"),
            ),
            (self.not_an_exchange, ngettext_lazy("%(n)s not at an exchange", "%(n)s not at an exchange", "n")),
        ]
        # The list's separator as the reader's language writes it (", ", "、", "，").
        return pgettext("list separator", ", ").join(label % {"n": count} for count, label in parts if count)


def people_summary(*, event: Event, user, batch: AttendeeImport | None = None, attendee_ids=None) -> PeopleSummary:
    """Who acts next on the people an upload last wrote (`batch`), on some people (`attendee_ids`, those
    a review decision settled), or on everyone at the event. The one owner of these counts: the
    upload's message, the event page, the review queue's answers and the import API call it."""
    people = Attendee.objects.filter(event=event)
    if batch is not None:
        people = people.filter(last_import=batch)
    if attendee_ids is not None:
        people = people.filter(pk__in=list(attendee_ids))
    rows = list(
        people.values_list(
            "pk", "match_status", "exchange_id", "exchange__owner_id", "exchange__owner__is_active", "created_at"
        )
    )
    assignees = dict(
        FollowUp.objects.filter(attendee__in=[row[0] for row in rows]).values_list("attendee_id", "assignee_id")
    )
    decidable = changeable_exchange_ids(user, (row[2] for row in rows if row[1] == MatchStatus.REVIEW))
    counts = dict.fromkeys(
        ("in_your_territory", "passed_to_owners", "waiting_for_manager", "no_exchange_found", "not_an_exchange"), 0
    )
    added = 0
    for pk, status, exchange_id, owner_id, owner_active, created_at in rows:
        added += batch is None or created_at >= batch.created_at
        if status == MatchStatus.NOT_AN_EXCHANGE:
            bucket = "not_an_exchange"
        elif status == MatchStatus.UNMATCHED or exchange_id is None:
            bucket = "no_exchange_found"
        elif status == MatchStatus.REVIEW:
            if exchange_id in decidable:
                bucket = "in_your_territory"
            elif owner_id and owner_active:
                bucket = "passed_to_owners"
            else:
                bucket = "waiting_for_manager"
        else:
            assignee_id = assignees.get(pk)
            if assignee_id is None:
                bucket = "waiting_for_manager"
            elif assignee_id == user.pk:
                bucket = "in_your_territory"
            else:
                bucket = "passed_to_owners"
        counts[bucket] += 1
    return PeopleSummary(added=added, updated=len(rows) - added, **counts)
