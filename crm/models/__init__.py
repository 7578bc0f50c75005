"""The account book: vendors, jurisdictions, exchanges and what a team knows about them."""

from .exchanges import Allocation, EvidenceChange, Exchange, ExchangeQuerySet, Presence
from .merges import ExchangeMerge
from .people import Activity, Contact, Rep, Team
from .reference import CloudVendor, Jurisdiction
from .tokens import ApiToken

__all__ = [
    "Activity",
    "Allocation",
    "ApiToken",
    "CloudVendor",
    "Contact",
    "EvidenceChange",
    "Exchange",
    "ExchangeMerge",
    "ExchangeQuerySet",
    "Jurisdiction",
    "Presence",
    "Rep",
    "Team",
]
