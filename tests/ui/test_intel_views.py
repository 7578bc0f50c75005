"""The event pages: the review queue, the upload preview, the rejected-rows report, scoped counts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from intel.models import Attendee
from intel.services import attendee_import
from intel.views import import_button_label

pytestmark = pytest.mark.django_db


def test_the_review_queue_does_not_repeat_the_suggestion_under_also_considered(japan_client, world):
    # given a person suggested for Tokyo Exchange 0, with Tokyo Exchange 1 as the runner-up
    first, second = world["exchanges"][0], world["exchanges"][1]
    person = Attendee.objects.get(full_name="Unsure Person 0")
    person.match_candidates = [
        {"exchange_id": first.pk, "name": first.name, "confidence": 70},
        {"exchange_id": second.pk, "name": second.name, "confidence": 64},
    ]
    person.save()

    # when the rep opens the review queue
    response = japan_client.get(f"/events/{world['event'].slug}/review/")

    # then the suggestion appears once and only the runner-up is "also considered"
    html = response.content.decode()
    section = html[html.index(f'id="person-{person.pk}"') :]
    section = section[: section.index("</section>")]
    assert "Suggested: <a" in section
    assert "Also considered: Tokyo Exchange 1 (64%)</small>" in section
    assert section.count("Tokyo Exchange 0 (70%)") == 0
    assert section.count("Also considered") == 1


def test_a_person_whose_only_candidate_is_the_suggestion_has_no_also_considered(japan_client, world):
    response = japan_client.get(f"/events/{world['event'].slug}/review/")

    assert response.status_code == 200
    assert response.content.decode().count("Suggested: <a") == 3
    assert "Also considered" not in response.content.decode()


def preview(client, event, data: bytes, name: str = "scans.csv"):
    upload = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(f"/events/{event.slug}/upload/", {"file": upload})


def test_a_preview_with_a_rejected_row_offers_only_to_import_the_valid_rows_and_skip_it(japan_client, world):
    response = preview(japan_client, world["event"], b"Name,Email\nAnn,ann@a.example\nBob,bob@b.example\n,x\n")

    html = response.content.decode()
    assert '<button type="submit">Import 2 people and skip 1 row</button>' in html
    assert (
        '<input type="checkbox" name="keep_valid" required aria-describedby="id_keep_valid_helptext" '
        'id="id_keep_valid">' in html
    )


def test_a_clean_preview_of_one_person_says_person(japan_client, world):
    response = preview(japan_client, world["event"], b"Name,Email\nAnn,ann@a.example\n")

    html = response.content.decode()
    assert '<button type="submit">Import 1 person</button>' in html
    assert "Keep the valid rows" not in html


def test_a_preview_without_a_valid_row_disables_the_import(japan_client, world):
    response = preview(japan_client, world["event"], b"Name,Email\n,a@a.example\n,b@b.example\n")

    assert '<button type="submit" disabled>Nothing to import</button>' in response.content.decode()


@pytest.mark.parametrize(
    ("valid", "rejected", "label"),
    [
        (2, 0, "Import 2 people"),
        (1, 0, "Import 1 person"),
        (2, 1, "Import 2 people and skip 1 row"),
        (1, 3, "Import 1 person and skip 3 rows"),
        (0, 3, "Nothing to import"),
    ],
)
def test_the_import_button_is_labelled_by_mode_and_number(valid, rejected, label):
    assert import_button_label(valid_rows=valid, rejected_rows=rejected) == label


BAD_FILE = "Name,=HYPERLINK(1),会社名\n,\t=1+1,株式会社\nAnn,@x,-2\n".encode()


@pytest.fixture
def upload(world, team):
    return attendee_import(
        event=world["event"], data=BAD_FILE, filename="bad.csv", keep_valid=True, imported_by=team["japan"]
    ).batch


def test_the_uploader_downloads_the_rejected_rows_from_the_event_page(japan_client, world, upload):
    # given an upload that rejected a row
    event_page = japan_client.get(f"/events/{world['event'].slug}/").content.decode()
    link = f"/events/{world['event'].slug}/uploads/{upload.pk}/rejected-rows.csv"
    assert f'href="{link}"' in event_page

    # when the uploader follows the link
    response = japan_client.get(link)

    # then a CSV with a BOM, Japanese intact, every formula-like cell (headers too) neutralised
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response.content.decode("utf-8-sig").splitlines() == [
        "line,reason,Name,'=HYPERLINK(1),会社名",
        "2,\"line 2, column 'Name': the name is empty\",,'\t=1+1,株式会社",
    ]


def test_another_rep_can_neither_see_nor_download_someone_else_s_rejected_rows(client, team, world, upload):
    client.force_login(team["singapore"])
    link = f"/events/{world['event'].slug}/uploads/{upload.pk}/rejected-rows.csv"

    assert link not in client.get(f"/events/{world['event'].slug}/").content.decode()
    assert client.get(link).status_code == 404


def test_a_manager_downloads_any_upload_s_rejected_rows(manager_client, world, upload):
    response = manager_client.get(f"/events/{world['event'].slug}/uploads/{upload.pk}/rejected-rows.csv")

    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").splitlines()[1].endswith(",'\t=1+1,株式会社")


def test_a_tab_separated_file_is_described_as_separated_by_tabs(japan_client, world):
    response = preview(japan_client, world["event"], b"Name\tEmail\nAnn\tann@a.example\n", name="scans.tsv")

    assert "separated by <strong>tabs</strong>" in response.content.decode()


def test_event_counts_cover_only_the_people_the_viewer_may_see(client, team, world):
    # given the event's people: three matched and three in review at Japanese exchanges, one at no exchange
    event = world["event"]
    Attendee.objects.create(event=event, full_name="Nobody Known", company="Acme Consulting", dedupe_key="acme")

    def counts(who):
        client.force_login(team[who])
        detail = client.get(f"/events/{event.slug}/").context
        listed = next(e for e in client.get("/events/").context["events"] if e.pk == event.pk)
        return detail["total"], detail["review_count"], listed.attendee_count, listed.review_count

    # then the Japan rep and the manager count everyone, the Singapore rep only the person at no exchange
    assert counts("japan") == (7, 3, 7, 3)
    assert counts("manager") == (7, 3, 7, 3)
    assert counts("singapore") == (1, 0, 1, 0)


TWENTY_MB_FILE = b"Name,Email\n" + b"Ann Example,ann@a.example\n" * (20 * 1024 * 1024 // 26)


def import_counts(event) -> tuple[int, int]:
    from intel.models import AttendeeImport

    return Attendee.objects.filter(event=event).count(), AttendeeImport.objects.filter(event=event).count()


def test_a_20_mb_upload_is_refused_with_413_naming_the_limit_and_nothing_is_written_or_kept(
    japan_client, world, team, monkeypatch
):
    import hashlib

    from django.core.cache import cache

    from intel.services import attendees
    from intel.views import _upload_key

    event = world["event"]
    before = import_counts(event)
    parsed = []
    monkeypatch.setattr(attendees, "parse", lambda *args, **kwargs: parsed.append(args) or [])

    response = preview(japan_client, event, TWENTY_MB_FILE, name="big.csv")

    assert response.status_code == 413
    assert f"big.csv: The file is {len(TWENTY_MB_FILE)} bytes; the limit is 5242880 bytes." in response.content.decode()
    assert 'name="token"' not in response.content.decode()  # no commit step offered
    assert import_counts(event) == before
    assert cache.get(_upload_key(team["japan"], hashlib.sha256(TWENTY_MB_FILE).hexdigest()[:32])) is None
    assert parsed == []  # refused from its size: the file was never parsed


def test_a_file_over_the_row_limit_is_refused_with_400_naming_the_limit(japan_client, world, settings):
    settings.API_UPLOAD_MAX_ROWS = 3
    event = world["event"]
    before = import_counts(event)

    response = preview(japan_client, event, b"Name\nAnn\nBob\nCy\nDee\n", name="long.csv")
    within = preview(japan_client, event, b"Name\nAnn\nBob\nCy\n", name="short.csv")

    assert response.status_code == 400
    assert "long.csv: The file has more than 3 rows; at most 3 are accepted per upload." in response.content.decode()
    assert within.status_code == 200
    assert '<button type="submit">Import 3 people</button>' in within.content.decode()
    assert import_counts(event) == before


def test_the_preview_of_an_outage_says_which_exchanges_are_hit_and_which_possibly_affected(manager_client, world):
    from django.utils import timezone

    from tests.leads.factories import exchange_on

    # given exchanges on AWS Tokyo, AWS Singapore and AWS in a region nobody knows
    exchange_on("tokyoex", {"aws": 100}, regions={"aws": "ap-northeast-1"})
    exchange_on("bybit", {"aws": 100}, regions={"aws": "ap-southeast-1"})
    exchange_on("somewhereex", {"aws": 40})

    # when the manager previews an AWS outage in one Tokyo zone
    response = manager_client.post(
        "/signals/new/",
        {
            "kind": "outage",
            "title": "Power failure in one zone",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "severity": 5,
            "vendor": vendor_pk("aws"),
            "vendor_region": "apne1-az4",
            "source_note": "News reports",
            "preview": "1",
        },
    )

    # then Tokyo is hit, the unknown region possibly affected, Singapore not listed at all
    affected = response.context["affected"]
    assert [row["exchange"].slug for row in affected["hit"]] == ["tokyoex"]
    assert [(row["exchange"].slug, row["share"]) for row in affected["possible"]] == [("somewhereex", 40)]
    html = response.content.decode()
    assert "Region ap-northeast-1 (Tokyo): allocations there are hit" in html
    assert "<h3>Possibly affected (region unknown)</h3>" in html
    section = html[html.index('id="affected"') :]
    assert ">Tokyoex</a>" in section and ">Somewhereex</a>" in section
    assert "Bybit" not in section


def vendor_pk(slug: str) -> int:
    from tests.crm.factories import vendor

    return vendor(slug).pk
