"""load_demo in production (DEBUG off): no published password ever logs in."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from crm import demo

pytestmark = pytest.mark.django_db

DEMO_USERNAMES = ["manager", "rep.japan", "rep.singapore", "rep.west"]


def log_in(client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


def test_with_debug_off_load_demo_creates_no_user_and_with_users_prints_random_passwords_once(client, settings):
    settings.DEBUG = False
    out = io.StringIO()

    call_command("load_demo", stdout=out)

    assert get_user_model().objects.count() == 0
    assert "  demo team: no users created (DEBUG is off; --with-users creates them)" in out.getvalue().splitlines()
    assert demo.DEMO_PASSWORD not in out.getvalue()

    out = io.StringIO()
    call_command("load_demo", "--with-users", stdout=out)

    printed = dict(re.findall(r"^    (\S+) / (\S+)$", out.getvalue(), flags=re.MULTILINE))
    assert sorted(printed) == DEMO_USERNAMES
    assert demo.DEMO_PASSWORD not in out.getvalue()
    assert get_user_model().objects.filter(is_superuser=True).count() == 0
    for username in DEMO_USERNAMES:
        refused = log_in(client, username, demo.DEMO_PASSWORD)
        assert refused.status_code == 200
        assert "_auth_user_id" not in client.session
    signed_in = log_in(client, "manager", printed["manager"])
    assert (signed_in.status_code, signed_in["Location"]) == (302, "/")

    # a third run sets no password and prints none
    out = io.StringIO()
    call_command("load_demo", "--with-users", stdout=out)
    assert "  demo team: 0 passwords set" in out.getvalue().splitlines()
    assert re.findall(r"^    (\S+) / (\S+)$", out.getvalue(), flags=re.MULTILINE) == []
