"""What happens downstream when the people met at an event change (an import, a review decision):
the follow-up list is brought up to date, and who acts next on each person is counted.

The layers go crm <- intel <- leads, so the evidence never imports the follow-ups: leads registers
both answers here when it starts (leads.apps), and intel calls them through these two functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PeopleChanged = Callable[..., Any]
PeopleSummary = Callable[..., Any]

_on_people_changed: list[PeopleChanged] = []
_summaries: list[PeopleSummary] = []


def register_people_changed(handler: PeopleChanged) -> PeopleChanged:
    """Add what runs after the people at an event change: handler(event=...). Idempotent."""
    if handler not in _on_people_changed:
        _on_people_changed.append(handler)
    return handler


def register_people_summary(summary: PeopleSummary) -> PeopleSummary:
    """Set the one function that says who acts next: summary(event=..., user=..., batch=None, attendee_ids=None)."""
    _summaries[:] = [summary]
    return summary


def people_changed(*, event) -> None:
    """Run in the caller's transaction: the list changes exactly when the people do."""
    for handler in _on_people_changed:
        handler(event=event)


def people_summary(*, event, user, batch=None, attendee_ids=None):
    """Who acts next on the people of an upload (or some people, or the whole event), as `user` reads
    it; None when nothing is registered."""
    if not _summaries:
        return None
    return _summaries[0](event=event, user=user, batch=batch, attendee_ids=attendee_ids)
