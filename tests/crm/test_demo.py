"""The account book's demo data: the team whose login `make demo` prints."""

import pytest

from crm import demo
from crm.models import Exchange, Rep

pytestmark = pytest.mark.django_db


def test_the_printed_demo_login_works_and_a_second_load_creates_nobody(client):
    demo.load_accounts()
    created = demo.load_team()

    assert created == ["manager", "rep.japan", "rep.singapore", "rep.west"]
    assert client.login(username="manager", password=demo.DEMO_PASSWORD) is True
    assert client.get("/admin/").status_code == 200
    assert sorted(Rep.objects.get(user__username="rep.japan").territories.values_list("code", flat=True)) == [
        "JP",
        "KR",
    ]
    assert demo.load_team() == []
    assert Rep.objects.count() == 4


def test_demo_reps_own_key_accounts_and_a_reassignment_survives_a_reload():
    demo.load_accounts()
    demo.load_team()
    okx = Exchange.objects.get(ccxt_id="okx")
    assert okx.owner.username == "rep.singapore"
    assert Exchange.objects.visible_to(okx.owner).filter(pk=okx.pk).exists()

    Exchange.objects.filter(pk=okx.pk).update(owner=Rep.objects.get(user__username="rep.west").user)
    demo.load_team()

    assert Exchange.objects.get(pk=okx.pk).owner.username == "rep.west"
