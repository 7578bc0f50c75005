"""People's names in native order (crm.names): the native form of a Japanese or Chinese name first,
the Latin form beside it; on the exchange page and in the API's display_name, the raw fields untouched."""

import pytest
from django.test import Client

from crm.choices import RepRole
from crm.names import person_name
from tests.api.conftest import client_for
from tests.crm.factories import ContactFactory, ExchangeFactory, RepFactory


@pytest.mark.parametrize(
    ("full_name", "native_name", "language", "shown"),
    [
        ("Taro Yamada", "山田 太郎", "en", "山田 太郎 (Taro Yamada)"),
        ("Taro Yamada", "山田 太郎", "ja", "山田 太郎（Taro Yamada）"),
        ("Wang Fang", "王芳", "zh-hans", "王芳（Wang Fang）"),
        ("Sato Hanako", "さとう はなこ", "en", "さとう はなこ (Sato Hanako)"),
        ("Kim Minjun", "김민준", "en", "김민준 (Kim Minjun)"),
        ("Ivan Petrov", "Иван Петров", "en", "Ivan Petrov (Иван Петров)"),
        ("Taro Yamada", "", "ja", "Taro Yamada"),
        ("山田太郎", "", "en", "山田太郎"),
        ("", "王芳", "en", "王芳"),
        ("Li Wei", "Li Wei", "zh-hans", "Li Wei"),
    ],
)
def test_a_name_is_shown_in_its_native_order_with_the_latin_form_beside_it(full_name, native_name, language, shown):
    assert person_name(full_name, native_name, language=language) == shown


@pytest.mark.django_db
def test_the_exchange_page_and_the_api_show_the_native_name_first_and_keep_the_raw_fields():
    # given a contact known in both forms at an exchange a manager sees
    exchange = ExchangeFactory(slug="bitflyer", name="bitFlyer")
    ContactFactory(exchange=exchange, full_name="Taro Yamada", native_name="山田 太郎", title="CTO", email="t@bf.test")
    manager = RepFactory(role=RepRole.MANAGER).user
    page_client = Client()
    page_client.force_login(manager)

    # when the page is read in English and the API in Japanese
    page = page_client.get("/exchanges/bitflyer/")
    contact = client_for(manager).get("/api/v1/contacts/", HTTP_ACCEPT_LANGUAGE="ja").json()["results"][0]

    assert page.status_code == 200
    assert "<strong>山田 太郎 (Taro Yamada)</strong>, CTO" in page.content.decode()
    assert (contact["full_name"], contact["native_name"], contact["display_name"]) == (
        "Taro Yamada",
        "山田 太郎",
        "山田 太郎（Taro Yamada）",
    )
