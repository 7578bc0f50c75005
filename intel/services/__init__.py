"""Writes to the evidence that carry a rule or a side effect (rescoring)."""

from .attendees import (
    ImportOutcome,
    ImportPreview,
    UploadLimits,
    attendee_import,
    attendee_import_preview,
    attendee_upload_check,
    upload_limits,
)
from .register_loading import registers_load_shipped, regulations_load
from .registers import RegisterImportOutcome, register_entry_match_confirm, register_import
from .review import (
    CompanyGroup,
    attendee_mark_not_exchange,
    attendee_match_choose,
    attendee_match_confirm,
    attendees_decide,
    company_groups,
    company_key,
    exchange_alias_add,
    exchange_create_for_people,
    not_an_exchange_company_forget,
)
from .signals import (
    regulation_delete,
    regulation_exchange_ids,
    regulation_save,
    regulation_update,
    signal_concerned_before,
    signal_concerned_exchange_ids,
    signal_delete,
    signal_evidence_changed,
    signal_record,
    signal_update,
)

__all__ = [
    "CompanyGroup",
    "ImportOutcome",
    "ImportPreview",
    "RegisterImportOutcome",
    "UploadLimits",
    "attendee_import",
    "attendee_import_preview",
    "attendee_mark_not_exchange",
    "attendee_match_choose",
    "attendee_match_confirm",
    "attendee_upload_check",
    "attendees_decide",
    "company_groups",
    "company_key",
    "exchange_alias_add",
    "exchange_create_for_people",
    "not_an_exchange_company_forget",
    "register_entry_match_confirm",
    "register_import",
    "registers_load_shipped",
    "regulation_delete",
    "regulation_exchange_ids",
    "regulation_save",
    "regulation_update",
    "regulations_load",
    "signal_concerned_before",
    "signal_concerned_exchange_ids",
    "signal_delete",
    "signal_evidence_changed",
    "signal_record",
    "signal_update",
    "upload_limits",
]

# Market data (CoinGecko readings) and their review queue.
from .market import MarketImportOutcome, market_aliases_ensure, market_data_import, market_data_load_shipped
from .market_review import market_figure_mark_unmatched, market_figure_match_choose, market_figure_match_confirm

__all__ += [
    "MarketImportOutcome",
    "market_aliases_ensure",
    "market_data_import",
    "market_data_load_shipped",
    "market_figure_mark_unmatched",
    "market_figure_match_choose",
    "market_figure_match_confirm",
]
