"""Pages of the verdict, one module a page family; urls.py reads them from here."""

from .exchanges import (
    exchange_activity_create,
    exchange_allocation_save,
    exchange_contact_create,
    exchange_detail,
    exchange_footprint_detect,
    exchange_merge_view,
    exchange_presence_save,
    exchange_size_set_view,
)
from .follow_ups import (
    event_cadence,
    event_edit,
    follow_up_board,
    follow_up_status,
    follow_ups_assign,
    follow_ups_export,
    team_view,
)
from .lists import (
    defend_list,
    lead_export,
    lead_export_salesforce,
    lead_list,
    scoring_model,
    today,
)

__all__ = [
    "defend_list",
    "event_cadence",
    "event_edit",
    "exchange_activity_create",
    "exchange_allocation_save",
    "exchange_contact_create",
    "exchange_detail",
    "exchange_footprint_detect",
    "exchange_merge_view",
    "exchange_presence_save",
    "exchange_size_set_view",
    "follow_up_board",
    "follow_up_status",
    "follow_ups_assign",
    "follow_ups_export",
    "lead_export",
    "lead_export_salesforce",
    "lead_list",
    "scoring_model",
    "team_view",
    "today",
]
