"""The one rule of who may see and change an account (crm.access)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from crm.access import (
    changeable_exchange_ids,
    ensure_may_change_exchange,
    is_manager,
    may_assign_owner,
    may_change_exchange,
    may_see_exchange,
    visible_exchange_ids,
)
from crm.choices import RepRole
from tests.crm.factories import ExchangeFactory, PresenceFactory, RepFactory, UserFactory, jurisdiction

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def book():
    rep = RepFactory(user__username="rep.japan", territories=[jurisdiction("JP")]).user
    other = RepFactory(user__username="rep.singapore", territories=[jurisdiction("SG")]).user
    manager = RepFactory(user__username="manager", role=RepRole.MANAGER).user
    owned = ExchangeFactory(name="bitFlyer", slug="bitflyer", headquarters=jurisdiction("JP"), owner=rep)
    seen = ExchangeFactory(name="Bybit", slug="bybit", headquarters=jurisdiction("AE"))
    PresenceFactory(exchange=seen, jurisdiction=jurisdiction("JP"))
    hidden = ExchangeFactory(name="Coinhako", slug="coinhako", headquarters=jurisdiction("SG"), owner=other)
    return {"rep": rep, "other": other, "manager": manager, "owned": owned, "seen": seen, "hidden": hidden}


@pytest.mark.parametrize(
    ("who", "expected"),
    [("rep", False), ("manager", True), ("superuser", True), ("anonymous", False), ("no rep", False)],
)
def test_who_is_a_manager(book, who, expected):
    users = {
        "superuser": UserFactory(username="root", is_superuser=True),
        "anonymous": AnonymousUser(),
        "no rep": UserFactory(username="plain"),
    }
    assert is_manager(users.get(who) or book[who]) is expected


@pytest.mark.parametrize(
    ("account", "sees", "changes"), [("owned", True, True), ("seen", True, False), ("hidden", False, False)]
)
def test_a_rep_sees_their_territory_and_changes_only_what_they_own(book, account, sees, changes):
    assert may_see_exchange(book["rep"], book[account]) is sees
    assert may_change_exchange(book["rep"], book[account]) is changes
    assert may_change_exchange(book["manager"], book[account]) is True
    assert may_change_exchange(AnonymousUser(), book[account]) is False


def test_the_id_sets_agree_with_the_single_answers(book):
    ids = [book[name].pk for name in ("owned", "seen", "hidden")] + [None]

    assert visible_exchange_ids(book["rep"], ids) == {book["owned"].pk, book["seen"].pk}
    assert changeable_exchange_ids(book["rep"], ids) == {book["owned"].pk}
    assert changeable_exchange_ids(book["manager"], ids) == set(ids) - {None}


def test_a_refusal_names_an_account_the_user_sees_and_never_one_they_cannot(book):
    with pytest.raises(PermissionDenied) as seen:
        ensure_may_change_exchange(book["rep"], book["seen"])
    with pytest.raises(PermissionDenied) as hidden:
        ensure_may_change_exchange(book["rep"], book["hidden"])

    assert str(seen.value) == "You may change only the accounts you own; Bybit is not yours (a manager changes any)."
    assert str(hidden.value) == (
        "You may change only the accounts you own; that account is not yours (a manager changes any)."
    )
    ensure_may_change_exchange(book["rep"], None)  # a person tied to no account: nothing to refuse


def test_only_a_manager_gives_an_account_to_someone_else_or_to_nobody(book):
    assert may_assign_owner(book["rep"], book["rep"]) is True
    assert may_assign_owner(book["rep"], book["other"]) is False
    assert may_assign_owner(book["rep"], None) is False
    assert may_assign_owner(book["manager"], book["other"]) is True
    assert may_assign_owner(book["manager"], None) is True
