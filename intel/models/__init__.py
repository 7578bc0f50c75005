"""Evidence about the market: signals, regulations, registers, market figures, conference events
and their attendees."""

from .aliases import ExchangeAlias, NotAnExchangeCompany
from .events import Attendee, AttendeeImport, AttendeeToReview, Event
from .market import MarketDataImport, MarketFigure, MarketFigureToReview
from .registers import Register, RegisterEntry, RegisterEntryToReview
from .regulations import Regulation
from .signals import Signal

__all__ = [
    "Attendee",
    "AttendeeImport",
    "AttendeeToReview",
    "Event",
    "ExchangeAlias",
    "MarketDataImport",
    "MarketFigure",
    "MarketFigureToReview",
    "NotAnExchangeCompany",
    "Register",
    "RegisterEntry",
    "RegisterEntryToReview",
    "Regulation",
    "Signal",
]
