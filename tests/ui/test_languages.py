"""The pages in English, Japanese and Simplified Chinese: the profile's language, else the browser's."""

import pytest

from crm.models import Rep
from tests.crm.factories import UserFactory

pytestmark = pytest.mark.django_db


def nav(response) -> str:
    body = response.content.decode()
    return body[body.index('<ul class="nav">') : body.index("</ul>", body.index('<ul class="nav">'))]


def test_a_browser_asking_for_japanese_gets_japanese_pages(japan_client):
    response = japan_client.get("/", HTTP_ACCEPT_LANGUAGE="ja,en;q=0.5")

    assert response["Content-Language"] == "ja"
    assert '<html lang="ja">' in response.content.decode()
    assert ">今日</a>" in nav(response) and ">リード</a>" in nav(response)


def test_a_browser_asking_for_chinese_in_china_gets_simplified_chinese(japan_client):
    response = japan_client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")

    assert response["Content-Language"] == "zh-hans"
    assert ">线索</a>" in nav(response)


def test_english_when_the_browser_asks_for_a_language_the_pages_do_not_speak(japan_client):
    response = japan_client.get("/", HTTP_ACCEPT_LANGUAGE="ko-KR")

    assert response["Content-Language"] == "en"
    assert ">Leads</a>" in nav(response)


def test_the_language_saved_on_the_profile_wins_over_the_browser(japan_client, team):
    Rep.objects.filter(user=team["japan"]).update(language="zh-hans")

    response = japan_client.get("/", HTTP_ACCEPT_LANGUAGE="ja")

    assert response["Content-Language"] == "zh-hans"
    assert ">今日</a>" in nav(response) and ">线索</a>" in nav(response)


def test_a_rep_saves_language_and_time_zone_on_the_preferences_page(japan_client, team):
    response = japan_client.post("/preferences/", {"language": "ja", "time_zone": "Asia/Tokyo"}, follow=True)

    rep = Rep.objects.get(user=team["japan"])
    assert (rep.language, rep.time_zone) == ("ja", "Asia/Tokyo")
    assert "設定を保存しました。" in response.content.decode()
    # and choosing "as my browser asks" clears it
    japan_client.post("/preferences/", {"language": "", "time_zone": "Asia/Tokyo"})
    assert Rep.objects.get(user=team["japan"]).language == ""


def test_a_time_zone_that_does_not_exist_is_refused_and_nothing_changes(japan_client, team):
    before = Rep.objects.values_list("language", "time_zone").get(user=team["japan"])

    response = japan_client.post("/preferences/", {"language": "ja", "time_zone": "Asia/Tokio"})

    assert response.status_code == 200
    assert "Select a valid choice. Asia/Tokio is not one of the available choices." in response.content.decode()
    assert Rep.objects.values_list("language", "time_zone").get(user=team["japan"]) == before


def test_the_switcher_remembers_the_language_on_the_profile_and_in_a_cookie(japan_client, team):
    response = japan_client.post("/language/", {"language": "ja", "next": "/leads/?grade=A"})

    assert (response.status_code, response["Location"]) == (302, "/leads/?grade=A")
    assert response.cookies["django_language"].value == "ja"
    assert Rep.objects.get(user=team["japan"]).language == "ja"


def test_the_switcher_never_redirects_off_site_and_ignores_unknown_languages(japan_client, team):
    response = japan_client.post("/language/", {"language": "ko", "next": "https://evil.example/"})

    assert (response.status_code, response["Location"]) == (302, "/")
    assert "django_language" not in response.cookies
    assert Rep.objects.get(user=team["japan"]).language == ""


def test_the_login_page_follows_the_switchers_cookie(client):
    client.post("/language/", {"language": "zh-hans", "next": "/login/"})

    response = client.get("/login/")

    assert '<html lang="zh-hans">' in response.content.decode()


def test_a_user_without_a_rep_profile_keeps_the_browsers_language(client):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)

    response = client.post("/preferences/", {"language": "ja", "time_zone": "Asia/Tokyo"})

    assert "This account has no rep profile" in response.content.decode()
    assert not Rep.objects.filter(user=admin).exists()


def test_today_and_the_leads_list_speak_the_reps_language(japan_client, world, team):
    Rep.objects.filter(user=team["japan"]).update(language="ja")
    today = japan_client.get("/").content.decode()
    Rep.objects.filter(user=team["japan"]).update(language="zh-hans")
    leads = japan_client.get("/leads/").content.decode()

    assert '<h2 id="prospects-heading">有望な見込み客</h2>' in today
    assert '<h2 id="changes-heading">昨日からの変化</h2>' in today
    assert '<h2 id="filters-heading">筛选</h2>' in leads
    assert '<th scope="col">原因</th>' in leads
