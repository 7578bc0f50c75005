"""The review queue: a rep confirms a suggested match, chooses another exchange, or marks the
person as not working for an exchange, one person or everyone at a company at once; and the people
no exchange was found for are matched, or their exchange is created. Decisions are kept by later
re-imports; a company set aside as not an exchange is set aside by later imports too. After every
decision the event's follow-up list is brought up to date (intel.downstream)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.access import ensure_manager, ensure_may_change_exchange, is_manager
from crm.models import Contact, Exchange, Jurisdiction
from crm.services import evidence_changed, unique_slug
from intel.choices import AliasKind, MatchMethod, MatchStatus
from intel.downstream import people_changed
from intel.matching import normalise_company, normalise_domain
from intel.models import Attendee, ExchangeAlias, NotAnExchangeCompany
from intel.services.attendees import contact_fields


def _check_may_decide(*, attendee: Attendee, exchange: Exchange | None, user) -> None:
    """A decision changes the account the person was tied to and the one they are matched to (it may
    create a contact there): the user must be allowed to change both (crm.access). No user: the
    system decides (an import, a merge)."""
    if user is None:
        return
    ensure_may_change_exchange(user, attendee.exchange)
    if exchange is not None and exchange.pk != attendee.exchange_id:
        ensure_may_change_exchange(user, exchange)


def _decide(*, attendee: Attendee, exchange_id: int | None, method: str, status: str, user) -> Attendee:
    attendee = Attendee.objects.select_for_update().get(pk=attendee.pk)
    before = attendee.exchange_id if attendee.match_status == MatchStatus.MATCHED else None
    attendee.exchange_id = exchange_id
    attendee.match_method = method
    attendee.match_confidence = 100
    attendee.match_status = status
    attendee.reviewed_by = user
    attendee.reviewed_at = timezone.now()
    attendee.contact = None
    if exchange_id is not None and attendee.email:
        fields = contact_fields(attendee)
        contact = Contact.objects.filter(exchange_id=exchange_id, email__iexact=attendee.email).first()
        attendee.contact = contact or Contact.objects.create(exchange_id=exchange_id, **fields)
    attendee.save()
    evidence_changed(
        exchange_ids=[pk for pk in {before, exchange_id} if pk],
        cause="attendee",
        reference=f"attendee:{attendee.pk}",
    )
    return attendee


@transaction.atomic
def attendee_match_confirm(*, attendee: Attendee, user) -> Attendee:
    """Accept the exchange the matching suggested (its method is kept)."""
    if attendee.exchange_id is None:
        raise ValidationError(
            {
                "exchange": _("%(name)s has no suggested exchange to confirm; choose one instead.")
                % {"name": attendee.full_name}
            }
        )
    _check_may_decide(attendee=attendee, exchange=attendee.exchange, user=user)
    decided = _decide(
        attendee=attendee,
        exchange_id=attendee.exchange_id,
        method=attendee.match_method,
        status=MatchStatus.MATCHED,
        user=user,
    )
    people_changed(event=decided.event)
    return decided


@transaction.atomic
def attendee_match_choose(*, attendee: Attendee, exchange: Exchange, user, remember_alias: bool = False) -> Attendee:
    """Match to another exchange. With `remember_alias`, the attendee's company becomes an alias of
    that exchange, so the next import matches it without review."""
    _check_may_decide(attendee=attendee, exchange=exchange, user=user)
    if remember_alias and attendee.company.strip():
        exchange_alias_add(exchange=exchange, alias=attendee.company, kind=AliasKind.NAME, created_by=user)
    decided = _decide(
        attendee=attendee, exchange_id=exchange.pk, method=MatchMethod.MANUAL, status=MatchStatus.MATCHED, user=user
    )
    people_changed(event=decided.event)
    return decided


@transaction.atomic
def attendee_mark_not_exchange(*, attendee: Attendee, user) -> Attendee:
    """The person does not work for an exchange: off the queue, no contact, no exchange."""
    _check_may_decide(attendee=attendee, exchange=None, user=user)
    decided = _decide(
        attendee=attendee, exchange_id=None, method=MatchMethod.MANUAL, status=MatchStatus.NOT_AN_EXCHANGE, user=user
    )
    people_changed(event=decided.event)
    return decided


@transaction.atomic
def exchange_alias_add(
    *, exchange: Exchange, alias: str, kind: str = AliasKind.NAME, created_by=None, source: str = ""
) -> ExchangeAlias:
    """Teach the matching another name or domain of an exchange (validated: an alias points at one
    exchange only). Without a `source`, it is "added by a rep" when a person adds it, else "built-in"."""
    source = source or ("added by a rep" if created_by is not None else "built-in")
    record = ExchangeAlias(exchange=exchange, alias=alias.strip(), kind=kind, created_by=created_by, source=source)
    taken = (
        ExchangeAlias.objects.filter(kind=kind, normalised=ExchangeAlias.normalise(kind, record.alias))
        .select_related("exchange")
        .first()
    )
    if taken is not None:
        raise ValidationError(
            {
                "alias": _("%(alias)s is already an alias of %(exchange)s (as %(taken)s).")
                % {"alias": repr(record.alias), "exchange": taken.exchange.name, "taken": repr(taken.alias)}
            },
            code="alias_taken",
        )
    record.full_clean()
    record.save()
    return record


# ---------------------------------------------------------------- everyone at a company at once


def company_key(company: str) -> str:
    """The form companies are grouped and remembered by: the name as matching compares it."""
    return normalise_company(company)


@dataclass
class CompanyGroup:
    """The people at one company as scanned ("CoinDesk Japan" 65 times is one card)."""

    key: str
    company: str
    people: list[Attendee] = field(default_factory=list)

    @property
    def exchange(self) -> Exchange | None:
        """The exchange most of them are suggested for (None when none is)."""
        counts: dict[int, int] = {}
        for person in self.people:
            if person.exchange_id:
                counts[person.exchange_id] = counts.get(person.exchange_id, 0) + 1
        if not counts:
            return None
        best = max(counts, key=lambda pk: (counts[pk], -pk))
        return next(person.exchange for person in self.people if person.exchange_id == best)


def company_groups(attendees: Iterable[Attendee]) -> list[CompanyGroup]:
    """The people grouped by company (in the order first met), the largest company first. A person with
    no company on the badge is a card of their own."""
    groups: dict[str, CompanyGroup] = {}
    for attendee in attendees:
        key = company_key(attendee.company) or f"#{attendee.pk}"
        group = groups.get(key)
        if group is None:
            group = groups[key] = CompanyGroup(key=key, company=attendee.company)
        group.people.append(attendee)
    return sorted(groups.values(), key=lambda group: -len(group.people))


DECISIONS = ("confirm", "choose", "not_exchange")


@transaction.atomic
def attendees_decide(
    *, attendees: list[Attendee], decision: str, user, exchange: Exchange | None = None, remember: bool = False
) -> int:
    """One decision for several people (everyone at a company): confirm each one's suggestion, match them
    all to `exchange` ("choose"), or set them aside as not at an exchange. All or nothing: when the user
    may not decide one of them (crm.access), PermissionDenied and nothing is written. With `remember`,
    "choose" teaches the matching the company's name as an alias, and "not_exchange" sets the company
    aside for later imports. Returns how many people were decided."""
    if decision not in DECISIONS:
        raise ValidationError({"decision": _("Choose confirm, another exchange, or not an exchange.")})
    if decision == "choose" and exchange is None:
        raise ValidationError({"exchange": _("Pick an exchange from the list.")})
    for attendee in attendees:
        target = attendee.exchange if decision == "confirm" else exchange
        _check_may_decide(attendee=attendee, exchange=target, user=user)
        if decision == "confirm" and attendee.exchange_id is None:
            raise ValidationError(
                {
                    "exchange": _("%(name)s has no suggested exchange to confirm; choose one instead.")
                    % {"name": attendee.full_name}
                }
            )
    companies: dict[str, str] = {}  # normalised -> the first spelling met
    for attendee in attendees:
        if company_key(attendee.company):
            companies.setdefault(company_key(attendee.company), attendee.company.strip())
    if remember and decision == "choose":
        for normalised, company in companies.items():
            known = ExchangeAlias.objects.filter(kind=AliasKind.NAME, normalised=normalised).first()
            if (known is not None and known.exchange_id == exchange.pk) or normalised == normalise_company(
                exchange.name
            ):
                continue
            # An alias another exchange already has is refused, naming that exchange.
            exchange_alias_add(exchange=exchange, alias=company, kind=AliasKind.NAME, created_by=user)
    if remember and decision == "not_exchange":
        for normalised, company in companies.items():
            if not NotAnExchangeCompany.objects.filter(normalised=normalised).exists():
                NotAnExchangeCompany(company=company[:200], decided_by=user).save()
    events = {}
    for attendee in attendees:
        if decision == "confirm":
            exchange_id, method, status = attendee.exchange_id, attendee.match_method, MatchStatus.MATCHED
        elif decision == "choose":
            exchange_id, method, status = exchange.pk, MatchMethod.MANUAL, MatchStatus.MATCHED
        else:
            exchange_id, method, status = None, MatchMethod.MANUAL, MatchStatus.NOT_AN_EXCHANGE
        _decide(attendee=attendee, exchange_id=exchange_id, method=method, status=status, user=user)
        events[attendee.event_id] = attendee.event
    for event in events.values():
        people_changed(event=event)
    return len(attendees)


@transaction.atomic
def not_an_exchange_company_forget(*, company: NotAnExchangeCompany, user) -> None:
    """Undo "not an exchange" for a company (a manager's call): later imports match its people again.
    People already set aside keep that decision; a rep may reopen them one by one."""
    ensure_manager(user, gettext_noop("Only a manager undoes a company set aside as not an exchange."))
    company.delete()


@transaction.atomic
def exchange_create_for_people(
    *, name: str, attendees: list[Attendee], user, website: str = "", headquarters: Jurisdiction | None = None
) -> Exchange:
    """Create the exchange the people work at (none was found) and match them to it. A rep's new
    exchange is theirs, a manager's is nobody's until a manager gives it (crm.access). The companies'
    names, as scanned, become its aliases, so the next import matches them. Nothing is written when
    a field is refused (ValidationError naming it)."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the exchange a name.")})
    for attendee in attendees:
        _check_may_decide(attendee=attendee, exchange=None, user=user)
    same = Exchange.objects.filter(name__iexact=name).first()
    if same is not None:
        raise ValidationError(
            {
                "name": _("An exchange named %(name)s already exists: match the people to it instead.")
                % {"name": same.name}
            }
        )
    base = name if slugify(name) else normalise_domain(website).split(".")[0]
    slug = unique_slug(base, set(Exchange.objects.values_list("slug", flat=True)))
    exchange = Exchange(
        name=name[:200],
        slug=slug,
        website=website.strip(),
        headquarters=headquarters,
        owner=None if is_manager(user) else user,
    )
    exchange.full_clean()
    exchange.save()
    for company in {a.company.strip() for a in attendees if company_key(a.company)}:
        normalised = company_key(company)
        taken = ExchangeAlias.objects.filter(kind=AliasKind.NAME, normalised=normalised).exists()
        if normalised != normalise_company(name) and not taken:
            exchange_alias_add(exchange=exchange, alias=company, kind=AliasKind.NAME, created_by=user)
    events = {}
    for attendee in attendees:
        _decide(
            attendee=attendee, exchange_id=exchange.pk, method=MatchMethod.MANUAL, status=MatchStatus.MATCHED, user=user
        )
        events[attendee.event_id] = attendee.event
    for event in events.values():
        people_changed(event=event)
    return exchange
