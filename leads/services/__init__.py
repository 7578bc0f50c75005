"""Writes of the leads app: rescoring and its runs, scoring model versions, evidence-change processing,
follow-ups."""

from .cadences import cadence_save, follow_ups_reschedule, follow_ups_step_log
from .event_people import PeopleSummary, follow_ups_update, people_summary
from .followups import (
    FollowUpProgress,
    RepProgress,
    follow_up_assign,
    follow_up_set_status,
    follow_ups_create_for_event,
    follow_ups_progress,
)
from .rescore_runs import rescore_chunk_serve, rescore_chunks_publish, rescore_chunks_relay, rescore_run_record
from .scores import (
    RESCORE_CHUNK_SIZE,
    EvidenceSummary,
    RescoreSummary,
    evidence_changes_process,
    exchange_explain,
    scores_rescore,
    scores_write,
)
from .scoring_models import scoring_model_activate, scoring_model_create_version

__all__ = [
    "RESCORE_CHUNK_SIZE",
    "EvidenceSummary",
    "FollowUpProgress",
    "PeopleSummary",
    "RepProgress",
    "RescoreSummary",
    "cadence_save",
    "evidence_changes_process",
    "exchange_explain",
    "follow_up_assign",
    "follow_up_set_status",
    "follow_ups_create_for_event",
    "follow_ups_progress",
    "follow_ups_reschedule",
    "follow_ups_step_log",
    "follow_ups_update",
    "people_summary",
    "rescore_chunk_serve",
    "rescore_chunks_publish",
    "rescore_chunks_relay",
    "rescore_run_record",
    "scores_rescore",
    "scores_write",
    "scoring_model_activate",
    "scoring_model_create_version",
]
