"""The values to send, loaded from the product for many records at once in a fixed number of queries.

Keys are the external ids: stable (primary keys, never names that a person may edit) and unique per
object: exchange-12, event-3, contact-40 or attendee-77 (a person matched to a contact is one Lead
across events), and event-3/contact-40 for a campaign member (a person is a member of a campaign once).
An Opportunity is Salesforce's own record: its key is its Salesforce id."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from crm.choices import LicenceStatus
from crm.models import Allocation, Exchange, Presence
from crm.shares import stored_shares_in_view
from intel.models import Event
from intel.queries import regulatory_pressure
from leads.choices import FollowUpStatus
from leads.models import FollowUp, Opportunity
from leads.pipeline_training import salesforce_win_likelihoods
from leads.reasons import reasons_top
from leads.salesforce.mapping import DEFAULT_FIELD_MAP, KEY, OPPORTUNITY
from leads.sentences import factor_sentence, gettext_noop, message, supported_language

CONTACT_ID_PREFIX = "003"  # Salesforce ids of Contact records start with it

# The campaign member statuses the follow-up workflow uses: label, responded?, default?
MEMBER_STATUSES: list[tuple[str, str, bool, bool]] = [
    (FollowUpStatus.TO_DO, FollowUpStatus.TO_DO.label, False, True),
    (FollowUpStatus.CONTACTED, FollowUpStatus.CONTACTED.label, True, False),
    (FollowUpStatus.MEETING_BOOKED, FollowUpStatus.MEETING_BOOKED.label, True, False),
    (FollowUpStatus.NOT_A_FIT, FollowUpStatus.NOT_A_FIT.label, True, False),
]


def exchange_key(exchange_id: int) -> str:
    return f"exchange-{exchange_id}"


def event_key(event_id: int) -> str:
    return f"event-{event_id}"


@dataclass(frozen=True)
class Person:
    """A followed-up person: the Lead key, or the Salesforce Contact the person already is."""

    follow_up_id: int
    event_id: int
    key: str
    contact_salesforce_id: str  # set when the person is already a Contact in Salesforce

    @property
    def member_key(self) -> str:
        return f"{event_key(self.event_id)}/{self.key}"


def licence_line(presence: Presence) -> str:
    """'JP: registered (関東財務局長 第00003号; Japan FSA register ..., 2026-06-30)': the status with its
    reference, source and date, as exports show it."""
    details = [part for part in (presence.licence_reference, presence.source) if part]
    if presence.source_date:
        details.append(f"{presence.source_date:%Y-%m-%d}")
    suffix = f" ({'; '.join(details)})" if details else ""
    return f"{presence.jurisdiction.code}: {presence.get_licence_status_display().lower()}{suffix}"


def org_language() -> str:
    """The language the org reads scores in: SALESFORCE_LANGUAGE (en, ja or zh-hans; default English)."""
    raw = getattr(settings, "SALESFORCE_LANGUAGE", "") or "en"
    try:
        return supported_language(raw)
    except LookupError as error:
        spoken = ", ".join(code for code, _ in settings.LANGUAGES)
        raise ImproperlyConfigured(f"SALESFORCE_LANGUAGE must be one of {spoken}, not {raw!r}.") from error


def account_values(exchange_ids: list[int], *, today: datetime.date) -> dict[int, dict[str, Any]]:
    exchanges = Exchange.objects.filter(pk__in=exchange_ids).select_related("headquarters", "score")
    allocations: dict[int, list[Allocation]] = defaultdict(list)
    for allocation in Allocation.objects.filter(exchange_id__in=exchange_ids).select_related("vendor"):
        allocations[allocation.exchange_id].append(allocation)
    # The pressures in force today, from the day each exchange arrived (intel owns the rule).
    pressure: dict[int, list[str]] = defaultdict(list)
    in_force = regulatory_pressure(as_of=today, exchanges=exchange_ids)
    language = org_language()
    for item in sorted(in_force, key=lambda x: (x.jurisdiction_code, x.effective_on, x.regulation_id)):
        with translation.override(language):
            status = str(LicenceStatus(item.licence_status).label).lower()
        params = {
            "code": item.jurisdiction_code,
            "licence_status": status,
            "regulation": item.regulation_short_name,
            "effective_on": item.effective_on.isoformat(),
        }
        if item.since != item.effective_on:
            line = message(
                gettext_noop(
                    "%(code)s: %(licence_status)s under %(regulation)s (in force since %(effective_on)s), "
                    "here since %(arrived_on)s"
                ),
                arrived_on=item.since.isoformat(),
                **params,
            )
        else:
            line = message(
                gettext_noop("%(code)s: %(licence_status)s under %(regulation)s (in force since %(effective_on)s)"),
                **params,
            )
        pressure[item.exchange_id].append(factor_sentence(line, language))
    licences: dict[int, list[str]] = defaultdict(list)
    presences = Presence.objects.filter(exchange_id__in=exchange_ids).select_related("jurisdiction")
    for presence in presences.order_by("jurisdiction__code"):
        if presence.licence_status != LicenceStatus.UNKNOWN:
            licences[presence.exchange_id].append(licence_line(presence))
    values: dict[int, dict[str, Any]] = {}
    for exchange in exchanges:
        score = getattr(exchange, "score", None)
        # The workload and shares the score speaks of (crm.shares is the one owner of the answer).
        shares = stored_shares_in_view(allocations[exchange.pk], home_slug=settings.CRM_HOME_VENDOR)
        rival = shares.largest_rival
        # In the org's language (SALESFORCE_LANGUAGE), whoever or whatever runs the sync.
        factors = reasons_top(score.factors if score else [], language=language)
        values[exchange.pk] = {
            "key": exchange_key(exchange.pk),
            "name": exchange.name,
            "website": exchange.website,
            "country": exchange.headquarters.name if exchange.headquarters else "",
            "score": score.score if score else None,
            "grade": score.grade if score else "",
            # The sentence first: a cell starting with "+10" reads as a formula and gets neutralised with a quote.
            "top_reasons": "\n".join(f"{f.get('sentence', '')} ({f.get('points', 0):+d})" for f in factors),
            "model_version": score.model_version if score else None,
            "scored_at": score.as_of if score else None,
            "our_share": shares.our_share,
            "largest_rival": rival.vendor_name if rival else "",
            "largest_rival_share": rival.share_percent if rival else None,
            "compliance_pressure": "\n".join(pressure[exchange.pk]),
            "size_tier": exchange.get_size_tier_display(),
            # The score's own size sentence: it names the figure, its rank, source and date, or the reason
            # a person gave (leads.scoring.size_in_effect is the one owner of the answer).
            "size_evidence": next(
                (factor_sentence(f, language) for f in (score.factors if score else []) if f.get("code") == "size"),
                "",
            ),
            "licences": "\n".join(licences[exchange.pk]),
        }
    return values


def campaign_values(event_ids: list[int]) -> dict[int, dict[str, Any]]:
    values: dict[int, dict[str, Any]] = {}
    for event in Event.objects.filter(pk__in=event_ids).select_related("country"):
        values[event.pk] = {
            "key": event_key(event.pk),
            "name": event.name,
            "start_date": event.starts_on,
            "end_date": event.ends_on,
            "type": "Conference",
            "is_active": True,
            "description": ", ".join(part for part in (event.venue, event.city, event.country.name) if part),
        }
    return values


def people(follow_up_ids: list[int]) -> dict[int, Person]:
    rows = FollowUp.objects.filter(pk__in=follow_up_ids).values_list(
        "pk", "attendee_id", "attendee__event_id", "attendee__contact_id", "attendee__contact__salesforce_id"
    )
    result = {}
    for pk, attendee_id, event_id, contact_id, contact_salesforce_id in rows:
        key = f"contact-{contact_id}" if contact_id else f"attendee-{attendee_id}"
        is_contact = (contact_salesforce_id or "").startswith(CONTACT_ID_PREFIX)
        result[pk] = Person(pk, event_id, key, contact_salesforce_id if is_contact else "")
    return result


def _split_name(full_name: str) -> tuple[str, str]:
    parts = full_name.strip().rsplit(" ", 1)
    return (parts[0], parts[1]) if len(parts) == 2 else ("", parts[0])


def lead_values(follow_up_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per follow-up, the Lead of its person (the matched contact's details first, then the badge's)."""
    follow_ups = FollowUp.objects.filter(pk__in=follow_up_ids).select_related("attendee__contact", "attendee__exchange")
    values: dict[int, dict[str, Any]] = {}
    for follow_up in follow_ups:
        attendee = follow_up.attendee
        contact = attendee.contact
        first_name, last_name = _split_name(contact.full_name if contact else attendee.full_name)
        exchange = attendee.exchange
        values[follow_up.pk] = {
            "key": f"contact-{contact.pk}" if contact else f"attendee-{attendee.pk}",
            "first_name": first_name,
            "last_name": last_name,
            # Company is required on a Lead: the matched exchange, else what the badge said.
            "company": exchange.name if exchange else (attendee.company or "Unknown"),
            "title": (contact.title if contact else "") or attendee.title,
            "email": (contact.email if contact else "") or attendee.email,
            "phone": (contact.phone if contact else "") or attendee.phone,
            "lead_source": "Event",
            "exchange_key": exchange_key(exchange.pk) if exchange else "",
            "person_score": follow_up.person_score,
        }
    return values


def member_values(follow_up_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per follow-up, its campaign member: the campaign and person keys (ids are filled in at send
    time, once Salesforce has confirmed the campaign and the lead) and the status label."""
    statuses = dict(FollowUpStatus.choices)
    found = people(follow_up_ids)
    values: dict[int, dict[str, Any]] = {}
    for pk, status in FollowUp.objects.filter(pk__in=follow_up_ids).values_list("pk", "status"):
        person = found[pk]
        values[pk] = {
            "key": person.member_key,
            "campaign_key": event_key(person.event_id),
            "person_key": person.key,
            "contact_id": person.contact_salesforce_id or None,
            "status": statuses[status],
        }
    return values


def opportunities_from_salesforce(opportunity_ids) -> dict[str, int]:
    """Of these opportunities (ids, or a subquery of them), those that came from Salesforce, by their
    Salesforce id: the only ones the push writes to (one created in the product has no Opportunity there)."""
    rows = Opportunity.objects.filter(pk__in=opportunity_ids).exclude(salesforce_id__isnull=True)
    return dict(rows.exclude(salesforce_id="").values_list("salesforce_id", "pk"))


def opportunity_values(opportunity_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per opportunity from Salesforce, the win likelihood of its current prediction, its model version
    and its reasons in the org's language (SALESFORCE_LANGUAGE); nothing Salesforce owns."""
    by_salesforce_id = opportunities_from_salesforce(opportunity_ids)
    with translation.override(org_language()):
        fields = salesforce_win_likelihoods(sorted(by_salesforce_id.values()))
    # The values are named after the default fields leads.pipeline_training names them by.
    default_fields = {source: name for source, name in DEFAULT_FIELD_MAP[OPPORTUNITY].items() if source != KEY}
    return {
        pk: {KEY: salesforce_id, **{source: fields[pk][name] for source, name in default_fields.items()}}
        for salesforce_id, pk in by_salesforce_id.items()
    }
