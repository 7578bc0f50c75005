"""Evidence about the market: signals, regulations, conference events and their attendees."""

from .aliases import ExchangeAlias
from .events import Attendee, AttendeeImport, Event
from .regulations import Regulation
from .signals import Signal

__all__ = ["Attendee", "AttendeeImport", "Event", "ExchangeAlias", "Regulation", "Signal"]
