"""Who may see and change what: the one rule for the pages, the admin and the API.

A manager (or a superuser) sees and changes every account. A rep sees the accounts of their
territories (headquarters or any presence) and those they own, and changes only those they own.
The query behind "may see" is Exchange.objects.visible_to (crm.models.exchanges); every answer here,
and every page, admin and API check, derives from these functions."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext, gettext_noop

# English here (marked for the catalogues); the refusal is raised in the reader's language.
CHANGE_REFUSED = gettext_noop("You may change only the accounts you own; {name} is not yours (a manager changes any).")
MANAGERS_ONLY = gettext_noop("Only a manager may do this.")


def is_manager(user) -> bool:
    """A manager (or a superuser): sees the whole team's accounts and changes any of them."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    rep = getattr(user, "rep", None)
    return rep is not None and rep.is_manager


def visible_exchanges(user):
    """The exchanges a user may see (a queryset)."""
    from crm.models import Exchange

    return Exchange.objects.visible_to(user)


def changeable_exchanges(user):
    """The exchanges a user may change (a queryset): a manager every one they see, a rep those they own."""
    from crm.models import Exchange

    return Exchange.objects.editable_by(user)


def may_see_exchange(user, exchange) -> bool:
    if exchange is None or user is None:
        return False
    return visible_exchanges(user).filter(pk=_pk(exchange)).exists()


def may_change_exchange(user, exchange) -> bool:
    """A rep changes only what they own (and may see); a manager changes everything."""
    if exchange is None or user is None or not user.is_authenticated:
        return False
    if is_manager(user):
        return bool(user.is_active)
    return changeable_exchanges(user).filter(pk=_pk(exchange)).exists()


def visible_exchange_ids(user, ids: Iterable[int | None]) -> set[int]:
    """Of these exchange ids, those the user may see (one query)."""
    wanted = {pk for pk in ids if pk}
    if not wanted:
        return set()
    return set(visible_exchanges(user).filter(pk__in=wanted).values_list("pk", flat=True))


def changeable_exchange_ids(user, ids: Iterable[int | None]) -> set[int]:
    """Of these exchange ids, those the user may change (one query at most)."""
    wanted = {pk for pk in ids if pk}
    if not wanted or user is None:
        return set()
    return set(changeable_exchanges(user).filter(pk__in=wanted).values_list("pk", flat=True))


def ensure_may_change_exchange(user, exchange) -> None:
    """Raise PermissionDenied (a 403 on the pages and over the API) naming the account unless the user may
    change it. No exchange (a person not yet tied to one) is nobody's account: nothing to refuse."""
    if exchange is None:
        return
    if not may_change_exchange(user, exchange):
        # An account the user may not see is not named to them.
        shown = not isinstance(exchange, int) and may_see_exchange(user, exchange)
        name = exchange.name if shown else gettext("that account")
        raise PermissionDenied(gettext(CHANGE_REFUSED).format(name=name))


def ensure_manager(user, message: str = MANAGERS_ONLY) -> None:
    if not is_manager(user):
        raise PermissionDenied(gettext(message))


def may_assign_owner(user, owner) -> bool:
    """Only a manager gives an account to someone (or to nobody); a rep may only name themselves."""
    if is_manager(user):
        return True
    return owner is not None and user is not None and owner.pk == user.pk


def _pk(exchange) -> int:
    return exchange if isinstance(exchange, int) else exchange.pk
