"""The stages of an opportunity and Salesforce's StageName: the one mapping, both ways.

Salesforce's standard sales process names ten stages; the product keeps six. A StageName an org
added itself is read from IsClosed/IsWon when the name is unknown (see stage_from_salesforce)."""

from __future__ import annotations

from leads.choices import OpportunityStage

# Salesforce's standard StageName values (the default sales process) -> the product's stage.
SALESFORCE_STAGE_NAMES: dict[str, str] = {
    "Prospecting": OpportunityStage.PROSPECTING,
    "Qualification": OpportunityStage.QUALIFICATION,
    "Needs Analysis": OpportunityStage.QUALIFICATION,
    "Value Proposition": OpportunityStage.PROPOSAL,
    "Id. Decision Makers": OpportunityStage.PROPOSAL,
    "Perception Analysis": OpportunityStage.PROPOSAL,
    "Proposal/Price Quote": OpportunityStage.PROPOSAL,
    "Negotiation/Review": OpportunityStage.NEGOTIATION,
    "Closed Won": OpportunityStage.CLOSED_WON,
    "Closed Lost": OpportunityStage.CLOSED_LOST,
}

# The product's stage -> the StageName pushed to Salesforce.
STAGE_TO_SALESFORCE: dict[str, str] = {
    OpportunityStage.PROSPECTING: "Prospecting",
    OpportunityStage.QUALIFICATION: "Qualification",
    OpportunityStage.PROPOSAL: "Proposal/Price Quote",
    OpportunityStage.NEGOTIATION: "Negotiation/Review",
    OpportunityStage.CLOSED_WON: "Closed Won",
    OpportunityStage.CLOSED_LOST: "Closed Lost",
}

# The default probability of each stage (Salesforce's defaults for the standard StageNames), used
# when an opportunity is given none.
DEFAULT_PROBABILITY: dict[str, int] = {
    OpportunityStage.PROSPECTING: 10,
    OpportunityStage.QUALIFICATION: 20,
    OpportunityStage.PROPOSAL: 75,
    OpportunityStage.NEGOTIATION: 90,
    OpportunityStage.CLOSED_WON: 100,
    OpportunityStage.CLOSED_LOST: 0,
}


def stage_from_salesforce(stage_name: str | None, *, is_closed: bool = False, is_won: bool = False) -> str | None:
    """The product's stage for a Salesforce StageName. A name the standard process does not have is
    read from IsClosed/IsWon when closed; an unknown open stage answers None (the caller reports it)."""
    if stage_name in SALESFORCE_STAGE_NAMES:
        return SALESFORCE_STAGE_NAMES[stage_name]
    if is_closed:
        return OpportunityStage.CLOSED_WON if is_won else OpportunityStage.CLOSED_LOST
    return None


def stage_to_salesforce(stage: str) -> str:
    return STAGE_TO_SALESFORCE[stage]
