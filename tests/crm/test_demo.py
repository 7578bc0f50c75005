"""The account book's demo data: the team whose login `make demo` prints."""

import pytest

from crm import demo
from crm.models import Rep

pytestmark = pytest.mark.django_db


def test_the_printed_demo_login_works_and_a_second_load_creates_nobody(client):
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
