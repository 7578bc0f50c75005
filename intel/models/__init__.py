"""Evidence about the market: signals, regulations, conference events and their attendees."""

from .aliases import ExchangeAlias
from .events import Attendee, AttendeeImport, AttendeeToReview, Event
from .regulations import Regulation
from .signals import Signal

__all__ = ["Attendee", "AttendeeImport", "AttendeeToReview", "Event", "ExchangeAlias", "Regulation", "Signal"]
