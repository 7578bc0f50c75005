"""Rescore runs: the work a model activation, a changed home vendor, the daily decay or a manual
rescore-all owes, recorded as rows in the transaction that causes it (an outbox, like
crm.EvidenceChange) so that neither a lost broker message nor a killed worker loses any of it."""

from django.db import models
from django.db.models import Q

from leads.choices import ScoreCause


class RescoreRun(models.Model):
    """One rescore of every exchange, split into chunks of consecutive exchange ids."""

    cause = models.CharField(max_length=20, choices=ScoreCause.choices)
    as_of = models.DateTimeField(help_text="The moment every chunk scores for, so the whole run agrees on decay.")
    model_version = models.PositiveIntegerField(help_text="The version active when the run was recorded.")
    exchanges = models.PositiveIntegerField(default=0, help_text="Exchanges in its chunks when it was recorded.")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When its last chunk was done.")

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["finished_at", "id"], name="rescore_run_open")]

    def __str__(self) -> str:
        state = f"finished {self.finished_at:%Y-%m-%d %H:%M}" if self.finished_at else "in progress"
        return f"Rescore {self.pk} ({self.get_cause_display()}, v{self.model_version}): {state}"


class RescoreChunk(models.Model):
    """The exchanges with ids first_id..last_id (inclusive) of a run: one task, one transaction.

    Published after commit; a worker claims it (SKIP LOCKED on PostgreSQL), rescores it and sets
    done_at in the same transaction, so a second delivery finds it done and does nothing. The relay
    (leads.relay_rescore_chunks, on beat) publishes again a chunk nobody is serving."""

    run = models.ForeignKey(RescoreRun, on_delete=models.CASCADE, related_name="chunks")
    first_id = models.BigIntegerField()
    last_id = models.BigIntegerField()
    exchanges = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True, help_text="Last handed to the broker.")
    publications = models.PositiveSmallIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0, help_text="Runs that failed (not counting retries).")
    last_error = models.TextField(blank=True)
    parked_at = models.DateTimeField(
        null=True, blank=True, help_text="Given up after too many failures (a dead letter says why)."
    )

    class Meta:
        ordering = ["run_id", "first_id"]
        indexes = [
            models.Index(fields=["published_at", "id"], name="rescore_chunk_pending", condition=Q(done_at__isnull=True))
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_id__lte=models.F("last_id")),
                name="rescore_chunk_range",
                violation_error_message="A chunk's first id is at most its last id.",
            )
        ]

    def __str__(self) -> str:
        return f"Run {self.run_id}: exchanges {self.first_id}-{self.last_id}"
