"""The account book's demo data: the team whose login `make demo` prints."""

import pytest
from django.contrib.auth import get_user_model

from crm import demo
from crm.models import Exchange, Rep

pytestmark = pytest.mark.django_db


def test_the_printed_demo_login_works_and_a_second_load_creates_nobody(client):
    demo.load_accounts()
    created = demo.load_team()

    assert created == dict.fromkeys(("manager", "rep.japan", "rep.singapore", "rep.west"), demo.DEMO_PASSWORD)
    assert client.login(username="manager", password=demo.DEMO_PASSWORD) is True
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/crm/exchange/").status_code == 200
    assert sorted(Rep.objects.get(user__username="rep.japan").territories.values_list("code", flat=True)) == [
        "JP",
        "KR",
    ]
    assert demo.load_team() == {}
    assert Rep.objects.count() == 4


def test_no_demo_user_is_a_superuser_and_the_manager_administers_through_the_managers_group(client):
    demo.load_team()
    manager = get_user_model().objects.get(username="manager")

    assert get_user_model().objects.filter(is_superuser=True).count() == 0
    assert (manager.is_staff, list(manager.groups.values_list("name", flat=True))) == (True, ["Managers"])
    assert manager.has_perm("crm.delete_exchange") is True
    assert manager.has_perm("auth.change_user") is False
    client.force_login(manager)
    assert client.get("/admin/auth/user/").status_code == 403


def test_random_passwords_replace_the_published_one_on_users_still_holding_it():
    demo.load_team()  # a database first loaded as a local demo
    rep = get_user_model().objects.get(username="rep.west")
    rep.set_password("a password the rep chose")
    rep.save()

    passwords = demo.load_team(random_passwords=True)

    assert sorted(passwords) == ["manager", "rep.japan", "rep.singapore"]
    assert len(set(passwords.values())) == 3
    assert demo.DEMO_PASSWORD not in passwords.values()
    assert demo.users_with_published_password() == []
    assert get_user_model().objects.get(username="rep.west").check_password("a password the rep chose") is True


def test_demo_reps_own_key_accounts_and_a_reassignment_survives_a_reload():
    demo.load_accounts()
    demo.load_team()
    okx = Exchange.objects.get(ccxt_id="okx")
    assert okx.owner.username == "rep.singapore"
    assert Exchange.objects.visible_to(okx.owner).filter(pk=okx.pk).exists()

    Exchange.objects.filter(pk=okx.pk).update(owner=Rep.objects.get(user__username="rep.west").user)
    demo.load_team()

    assert Exchange.objects.get(pk=okx.pk).owner.username == "rep.west"
