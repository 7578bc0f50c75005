"""Pages of the evidence, one module per page family: events and uploads (events), the review queue
(review), signals (signals), and the managers' data coverage and regulatory radar (managers).

The names are re-exported here, so `from intel import views` and `intel.views.<name>` keep working."""

from intel.views.events import (
    DELIMITER_LABELS,
    UPLOAD_TTL_SECONDS,
    _progress_key,
    _upload_key,
    delimiter_label,
    event_create,
    event_detail,
    event_list,
    event_upload,
    event_upload_progress,
    import_button_label,
    import_rejected_rows,
)
from intel.views.managers import RADAR_CHANGES, data_coverage_page, regulatory_radar
from intel.views.review import (
    REVIEW_PAGE,
    REVIEW_TABS,
    not_an_exchange_forget,
    review_decide,
    review_decide_company,
    review_queue,
)
from intel.views.signals import FEED_LENGTH, signal_create, signal_list

__all__ = [
    "DELIMITER_LABELS",
    "FEED_LENGTH",
    "RADAR_CHANGES",
    "REVIEW_PAGE",
    "REVIEW_TABS",
    "UPLOAD_TTL_SECONDS",
    "_progress_key",
    "_upload_key",
    "data_coverage_page",
    "delimiter_label",
    "event_create",
    "event_detail",
    "event_list",
    "event_upload",
    "event_upload_progress",
    "import_button_label",
    "import_rejected_rows",
    "not_an_exchange_forget",
    "regulatory_radar",
    "review_decide",
    "review_decide_company",
    "review_queue",
    "signal_create",
    "signal_list",
]
