"""The main pages are valid HTML and accessible: labels, alt text, chart names, heading order."""

import pytest

from tests.ui.html_check import problems

pytestmark = pytest.mark.django_db


def test_the_checker_reports_a_field_without_label_a_missing_alt_and_a_skipped_heading():
    # given a page with three mistakes
    page = (
        "<!DOCTYPE html><html lang=en><head><title>x</title></head><body>"
        "<h1>Title</h1><h3>Skipped</h3><input name=q><img src=a.png></body></html>"
    )

    # then each is named
    assert problems(page) == [
        "<input name='q'> has no label",
        "<img src='a.png'> has no alt text",
        "heading level skips from h1 to h3",
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/leads/",
        "/exchanges/tokyo-0/",
        "/events/",
        "/events/webx-2025/",
        "/events/webx-2025/upload/",
        "/events/webx-2025/review/",
        "/events/webx-2025/follow-ups/",
        "/signals/",
        "/signals/new/",
    ],
)
def test_a_rep_s_main_pages_pass_the_html_and_accessibility_check(japan_client, world, path):
    response = japan_client.get(path)

    assert response.status_code == 200
    assert problems(response.content.decode()) == []


def test_the_manager_s_pages_pass_the_check(manager_client, world):
    for path in ("/", "/scoring-model/", "/radar/", "/data-coverage/", "/events/new/"):
        response = manager_client.get(path)
        assert response.status_code == 200
        assert problems(response.content.decode()) == []


def test_the_login_page_passes_the_check(client, db):
    response = client.get("/login/")

    assert response.status_code == 200
    assert problems(response.content.decode()) == []
