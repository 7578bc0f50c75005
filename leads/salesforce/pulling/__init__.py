"""Reading back from Salesforce (sync_salesforce --pull): Accounts, Contacts and Opportunities changed
since the last pull, by delta.

Per object, one `SELECT COUNT()` over queryAll says how many records moved after the object's
SystemModstamp cursor (deletions included: queryAll answers the recycle bin with IsDeleted true). None:
nothing more is asked. Up to SALESFORCE_PULL_BULK_THRESHOLD: REST queryAll pages (nextRecordsUrl).
Above: one Bulk API 2.0 queryAll job, its CSV results read in sets (Sforce-Locator). Records come in
SystemModstamp order (REST; a Bulk job's sets come in no order, as Bulk API 2.0 takes no ORDER BY, so its
cursor moves after its last set); each page is applied in one transaction with the cursor, so a run
that stops half-way resumes after the last page it applied. Every call goes through the push's client: the same
timeouts, retries, budget share and pause after an API limit.

Who owns what (the README's rule, applied here):
- Salesforce owns opportunities (name, stage, amount, probability, close date, won/lost, the rival,
  the reason and the owner) once they come from Salesforce: its newer record overwrites the product's
  copy; a stage the product changed meanwhile stays in the stage history, Salesforce's stage is
  recorded after it. The owner is the active product user with the Salesforce owner's email (Owner.Email,
  case-insensitively); when no one user has it (nobody, or several), the owner stays as it was (none on
  a new deal) and the report names the email. An opportunity deleted in Salesforce is deleted here.
- Salesforce owns the link between an Account and an exchange it matched, and a contact's name, title,
  email and phone; a contact deleted in Salesforce keeps living here, unlinked.
- The product owns exchanges (name, website, stage, owner), scores, grades, reasons, sizes, evidence,
  a contact's role, notes and do-not-contact flag, and an opportunity's workloads: none of them is
  read from Salesforce, whatever an org user typed into the Intel_* fields.

A record that fails validation is refused whole (listed with the Salesforce field at fault, nothing of
it applied); one whose account awaits a manager's review is held and applied when the account is decided."""

from leads.salesforce.pulling.accounts import AccountApplier
from leads.salesforce.pulling.contacts import ContactApplier
from leads.salesforce.pulling.opportunities import OpportunityApplier
from leads.salesforce.pulling.reading import Reader, page_stamps, safe_cursor, soql_datetime
from leads.salesforce.pulling.records import (
    BASE_FIELDS,
    BULK_DONE_STATES,
    CONTACT,
    CONTACT_FIELDS,
    MATCH_METHOD_EXTERNAL_ID,
    MATCH_METHOD_SALESFORCE_ID,
    OPPORTUNITY,
    OPPORTUNITY_FIELDS,
    OWNER_EMAIL,
    PULLED_OBJECTS,
    SYSTEM_FIELDS,
    Held,
    ObjectTally,
    OwnerNotFound,
    PullReport,
    Refused,
)
from leads.salesforce.pulling.review import exchange_merge_move_salesforce_accounts, pulled_account_decide
from leads.salesforce.pulling.runs import Applier, held_apply, pull_objects

__all__ = [
    "BASE_FIELDS",
    "BULK_DONE_STATES",
    "CONTACT",
    "CONTACT_FIELDS",
    "MATCH_METHOD_EXTERNAL_ID",
    "MATCH_METHOD_SALESFORCE_ID",
    "OPPORTUNITY",
    "OPPORTUNITY_FIELDS",
    "OWNER_EMAIL",
    "PULLED_OBJECTS",
    "SYSTEM_FIELDS",
    "AccountApplier",
    "Applier",
    "ContactApplier",
    "Held",
    "ObjectTally",
    "OpportunityApplier",
    "OwnerNotFound",
    "PullReport",
    "Reader",
    "Refused",
    "exchange_merge_move_salesforce_accounts",
    "held_apply",
    "page_stamps",
    "pull_objects",
    "pulled_account_decide",
    "safe_cursor",
    "soql_datetime",
]
