"""What every record matched to an exchange by the matcher keeps: how, how sure, and who decided."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models

from intel.choices import MatchMethod, MatchStatus


class MatchedQuerySet(models.QuerySet):
    def matched(self):
        return self.filter(match_status=MatchStatus.MATCHED, exchange__isnull=False)

    def review_queue(self):
        """Records whose exchange a person must confirm or choose."""
        return self.filter(match_status=MatchStatus.REVIEW)


class MatchedToExchange(models.Model):
    """A source record (a market figure, a register entry) matched to an exchange; the record
    declares its own `exchange` key. Ambiguous matches wait for a person, never a guess."""

    match_method = models.CharField(max_length=20, choices=MatchMethod.choices, default=MatchMethod.NONE)
    match_confidence = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    match_status = models.CharField(max_length=20, choices=MatchStatus.choices, default=MatchStatus.UNMATCHED)
    match_candidates = models.JSONField(default=list, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
