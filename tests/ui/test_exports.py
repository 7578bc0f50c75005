"""The CSV exports of the leads list and the follow-up board: readable in Excel, and never wider than asked."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    ["/leads/export.csv", "/leads/export-salesforce.csv", "/events/webx-2025/follow-ups/export.csv"],
)
def test_every_export_starts_with_a_byte_order_mark(japan_client, world, path):
    # given a rep's world; when they export
    response = japan_client.get(path)

    # then the file opens in Excel as UTF-8: it starts with the byte order mark, once
    assert response.status_code == 200
    assert response.content[:3] == b"\xef\xbb\xbf"
    assert response.content.count(b"\xef\xbb\xbf") == 1


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("our_share_min=abc", "Our share at least (%): Enter a number."),
        ("changed_since=garbage", "Score changed since: Enter an ISO 8601 date or date-time."),
        ("sort=bogus", "Sort by: Select a valid choice. bogus is not one of the available choices."),
    ],
)
def test_an_invalid_filter_exports_nothing_and_says_why(japan_client, world, query, error):
    for path in ("/leads/export.csv", "/leads/export-salesforce.csv"):
        # when a rep exports with an invalid filter
        response = japan_client.get(f"{path}?{query}")

        # then the answer is a 400 naming the field and the problem, with no row
        assert response.status_code == 400
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response.content.decode() == f"The filters are invalid; nothing was exported.\n{error}\n"


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("our_share_min=abc", "Our share at least (%): Enter a number."),
        ("changed_since=garbage", "Score changed since: Enter an ISO 8601 date or date-time."),
        ("sort=bogus", "Sort by: Select a valid choice. bogus is not one of the available choices."),
    ],
)
def test_an_invalid_filter_shows_the_error_and_an_empty_list(japan_client, world, query, error):
    # when a rep opens the list with an invalid filter
    response = japan_client.get(f"/leads/?{query}")

    # then the page names the problem and lists no exchange
    body = response.content.decode()
    assert response.status_code == 400
    assert response.context["filter_errors"] == [error]
    assert response.context["rows"] == []
    assert response.context["page"].paginator.count == 0
    assert f"<li>{error}</li>" in body
    assert "Tokyo Exchange 0" not in body


def test_a_valid_filter_still_lists_and_exports(japan_client, world):
    # when the share filter is a number
    response = japan_client.get("/leads/?our_share_min=20&sort=name")

    # then the three Tokyo exchanges (20% ours) are listed by name
    assert response.status_code == 200
    assert [row["exchange"].slug for row in response.context["rows"]] == ["tokyo-0", "tokyo-1", "tokyo-2"]
    assert japan_client.get("/leads/export.csv?our_share_min=20").status_code == 200


def test_the_salesforce_export_writes_reasons_sentence_first_so_none_is_neutralised(japan_client, world):
    # given tokyo-0's score factors
    import csv
    import io

    from leads.models import Score
    from leads.sentences import factor_sentence

    factors = {f["code"]: f for f in Score.objects.get(exchange__slug="tokyo-0").factors}

    # when a rep exports it for Salesforce
    response = japan_client.get("/leads/export-salesforce.csv?q=tokyo-0")

    # then each reason reads "<sentence> (+N)", with no quote prepended
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    reasons = rows[1][rows[0].index("Intel_Top_Reasons__c")]
    # in the order a rep reads them: the evidence that adds points before the size every mid-size account shares
    top = [factors[code] for code in ("rival_share", "displacement_target", "major_licence")]
    assert reasons.splitlines() == [f"{factor_sentence(f, 'en')} ({f['points']:+d})" for f in top]
    assert reasons.splitlines()[0] == "Alibaba Cloud holds 60% of its allocations (+12)"
