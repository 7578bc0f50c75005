"""Enumerations of lead scores and follow-ups."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Grade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class ScoreCause(models.TextChoices):
    """Why a score was (re)computed: the cause recorded with each change."""

    EVIDENCE = "evidence", "Evidence added or changed"
    MODEL_CHANGE = "model_change", "Scoring model changed"
    DECAY = "decay", "Daily decay"
    MANUAL = "manual", "Manual rescore"
    HOME_VENDOR = "home_vendor", "Our vendor changed (CRM_HOME_VENDOR)"


class FollowUpStatus(models.TextChoices):
    TO_DO = "to_do", _("To do")
    CONTACTED = "contacted", _("Contacted")
    MEETING_BOOKED = "meeting_booked", _("Meeting booked")
    NOT_A_FIT = "not_a_fit", _("Not a fit")


class AssignmentMethod(models.TextChoices):
    TERRITORY = "territory", "Territory of the matched exchange"
    ROUND_ROBIN = "round_robin", "Round-robin"
    MANUAL = "manual", "By hand"
    UNASSIGNED = "unassigned", "Not assigned"


class OpportunityStage(models.TextChoices):
    """The stages of an opportunity, Salesforce-compatible (leads.pipeline_stages maps StageName)."""

    PROSPECTING = "prospecting", _("Prospecting")
    QUALIFICATION = "qualification", _("Qualification")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    CLOSED_WON = "closed_won", _("Closed won")
    CLOSED_LOST = "closed_lost", _("Closed lost")

    @classmethod
    def closed(cls) -> tuple[str, str]:
        return (cls.CLOSED_WON.value, cls.CLOSED_LOST.value)

    @classmethod
    def open_stages(cls) -> tuple[str, ...]:
        return tuple(s for s in cls.values if s not in cls.closed())


class OpportunitySource(models.TextChoices):
    """Where a change of an opportunity was made."""

    PRODUCT = "product", _("In the product")
    SALESFORCE = "salesforce", _("Salesforce")
