"""The exchange page shows a person's licence status and the register's side by side when they differ."""

import pytest

from crm.models import Presence
from intel.services import register_import
from tests.crm.factories import ExchangeFactory, jurisdiction

pytestmark = pytest.mark.django_db

FSA_FILE = (
    "register_number,legal_name,other_names,brand,website,status,licensed_on,ended_on,source_url,notes\n"
    "関東財務局長 第00003号,株式会社bitFlyer,bitFlyer Inc.,bitFlyer,https://bitflyer.com,registered,2017-09-29,,"
    "https://www.fsa.go.jp/menkyo/menkyoj/kasoutuka.xlsx,\n"
).encode()


def test_a_typed_status_the_register_contradicts_is_kept_and_both_are_shown(client, team):
    # given a rep who typed "pending" for bitFlyer in Japan
    bitflyer = ExchangeFactory(name="bitFlyer", slug="bitflyer", website="https://bitflyer.com", owner=team["japan"])
    Presence.objects.create(
        exchange=bitflyer, jurisdiction=jurisdiction("JP"), licence_status="pending", source="Rep note", origin="person"
    )

    # when the FSA register, which lists it as registered, is imported
    register_import(kind="jp-fsa", data=FSA_FILE, filename="register_jp-fsa_2026-06-30.csv")

    # then the typed status stays, and the page shows the register's reading beside it
    presence = Presence.objects.get(exchange=bitflyer)
    assert (presence.licence_status, presence.origin) == ("pending", "person")
    client.force_login(team["japan"])
    page = client.get("/exchanges/bitflyer/").content.decode()
    assert "Entered by a person: pending. The register says registered (関東財務局長 第00003号)" in page
