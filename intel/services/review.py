"""The review queue: a rep confirms a suggested match, chooses another exchange, or marks the
person as not working for an exchange. Decisions are kept by later re-imports."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from crm.models import Contact, Exchange
from crm.services import evidence_changed
from intel.choices import AliasKind, MatchMethod, MatchStatus
from intel.models import Attendee, ExchangeAlias
from intel.services.attendees import contact_fields


def _check_visible(*, exchange_id: int, user) -> None:
    if user is not None and not Exchange.objects.visible_to(user).filter(pk=exchange_id).exists():
        raise PermissionDenied(f"You may not see exchange #{exchange_id}, so you cannot match people to it.")


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
            {"exchange": f"{attendee.full_name} has no suggested exchange to confirm; choose one instead."}
        )
    _check_visible(exchange_id=attendee.exchange_id, user=user)
    return _decide(
        attendee=attendee,
        exchange_id=attendee.exchange_id,
        method=attendee.match_method,
        status=MatchStatus.MATCHED,
        user=user,
    )


@transaction.atomic
def attendee_match_choose(*, attendee: Attendee, exchange: Exchange, user, remember_alias: bool = False) -> Attendee:
    """Match to another exchange. With `remember_alias`, the attendee's company becomes an alias of
    that exchange, so the next import matches it without review."""
    _check_visible(exchange_id=exchange.pk, user=user)
    if remember_alias and attendee.company.strip():
        exchange_alias_add(exchange=exchange, alias=attendee.company, kind=AliasKind.NAME, created_by=user)
    return _decide(
        attendee=attendee, exchange_id=exchange.pk, method=MatchMethod.MANUAL, status=MatchStatus.MATCHED, user=user
    )


@transaction.atomic
def attendee_mark_not_exchange(*, attendee: Attendee, user) -> Attendee:
    """The person does not work for an exchange: off the queue, no contact, no exchange."""
    return _decide(
        attendee=attendee, exchange_id=None, method=MatchMethod.MANUAL, status=MatchStatus.NOT_AN_EXCHANGE, user=user
    )


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
            {"alias": f"{record.alias!r} is already an alias of {taken.exchange.name} (as {taken.alias!r})."},
            code="alias_taken",
        )
    record.full_clean()
    record.save()
    return record
