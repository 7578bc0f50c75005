"""Enumerations of lead scores and follow-ups."""

# The labels are marked for the catalogues (gettext_noop: they stay English strings, so stored text and
# Salesforce picklists do not change); the pages translate them when shown ({% translate x.get_y_display %}).
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class Grade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class ScoreCause(models.TextChoices):
    """Why a score was (re)computed: the cause recorded with each change."""

    EVIDENCE = "evidence", gettext_noop("Evidence added or changed")
    MODEL_CHANGE = "model_change", gettext_noop("Scoring model changed")
    DECAY = "decay", gettext_noop("Daily decay")
    MANUAL = "manual", gettext_noop("Manual rescore")
    HOME_VENDOR = "home_vendor", gettext_noop("Our vendor changed (CRM_HOME_VENDOR)")


class FollowUpStatus(models.TextChoices):
    TO_DO = "to_do", gettext_noop("To do")
    CONTACTED = "contacted", gettext_noop("Contacted")
    MEETING_BOOKED = "meeting_booked", gettext_noop("Meeting booked")
    NOT_A_FIT = "not_a_fit", gettext_noop("Not a fit")


class AssignmentMethod(models.TextChoices):
    TERRITORY = "territory", gettext_noop("Territory of the matched exchange")
    ROUND_ROBIN = "round_robin", gettext_noop("Round-robin")
    MANUAL = "manual", gettext_noop("By hand")
    UNASSIGNED = "unassigned", gettext_noop("Not assigned")


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
