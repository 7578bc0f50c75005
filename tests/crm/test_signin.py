"""Sign-in throttling (crm.signin): wrong passwords lock a username out from an address, on the login
page and the admin; the right password is then refused too, with the reason and when to try again."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model

from crm.choices import TokenAccess
from crm.services import api_token_create
from tests.crm.factories import RepFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
MESSAGE = "Too many failed attempts: try again in 15 minutes."


def log_in(client, username: str, password: str, path: str = "/login/"):
    return client.post(path, {"username": username, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_five_wrong_passwords_lock_the_username_out_and_the_right_one_is_then_refused(client):
    UserFactory(username="kenji")

    wrong = [log_in(client, "kenji", f"guess-{n}").status_code for n in range(5)]
    right = log_in(client, "kenji", PASSWORD)

    assert wrong == [200, 200, 200, 200, 429]
    assert right.status_code == 429
    assert MESSAGE in right.content.decode()
    assert 'value="kenji"' in right.content.decode()
    assert signed_in(client) is False
    assert AccessAttempt.objects.get(username="kenji").failures_since_start == 6


def test_a_success_before_the_limit_clears_the_count_and_others_at_the_same_address_are_not_locked(client):
    UserFactory(username="kenji")
    UserFactory(username="priya")
    for n in range(4):
        log_in(client, "kenji", f"guess-{n}")

    assert log_in(client, "kenji", PASSWORD).status_code == 302
    client.logout()
    after_success = [log_in(client, "kenji", f"again-{n}").status_code for n in range(4)]
    for n in range(5):
        log_in(client, "mallory", f"guess-{n}")
    priya = log_in(client, "priya", PASSWORD)

    assert after_success == [200, 200, 200, 200]
    assert AccessAttempt.objects.get(username="kenji").failures_since_start == 4
    assert (priya.status_code, priya["Location"]) == (302, "/")


def test_the_admin_login_is_throttled_too_with_the_same_message(client):
    UserFactory(username="keeper", is_staff=True, is_superuser=True)

    wrong = [log_in(client, "keeper", f"guess-{n}", "/admin/login/").status_code for n in range(5)]
    right = log_in(client, "keeper", PASSWORD, "/admin/login/")

    assert wrong == [200, 200, 200, 200, 429]
    assert right.status_code == 429
    assert MESSAGE in right.content.decode()
    assert signed_in(client) is False
    assert client.get("/admin/").status_code == 302  # still asked to log in


def test_a_locked_out_user_s_api_token_and_the_test_client_logins_still_work(client):
    rep = RepFactory(user__username="kenji")
    key = api_token_create(user=rep.user, name="tool", access=TokenAccess.READ).key
    for n in range(6):
        log_in(client, "kenji", f"guess-{n}")

    assert client.login(username="kenji", password=PASSWORD) is True
    client.logout()
    client.force_login(get_user_model().objects.get(username="kenji"))
    assert client.get("/").status_code == 200
    client.logout()
    assert client.get("/api/v1/exchanges/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
