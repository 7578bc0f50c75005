"""An import shows how far it has got: the upload page's status (polled while the import runs) and the
command's progress line, then its summary."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

import intel.views
import intel.views.events
from intel.models import Attendee
from intel.services import attendee_import

pytestmark = pytest.mark.django_db


def people_file(rows: int) -> bytes:
    lines = ["Name,Company,Email", *(f"Person {n},Acme,person{n}@acme.example" for n in range(rows))]
    return ("\n".join(lines) + "\n").encode()


def previewed_token(client, event, data: bytes) -> str:
    response = client.post(f"/events/{event.slug}/upload/", {"file": SimpleUploadedFile("scans.csv", data)})
    return re.search(r'name="token" value="([0-9a-f]+)"', response.content.decode()).group(1)


def test_the_page_polls_the_import_s_counts_while_it_runs_then_shows_the_summary(
    japan_client, client, world, team, monkeypatch
):
    # given a previewed file of 1,200 people
    event = world["event"]
    token = previewed_token(japan_client, event, people_file(1200))
    progress_url = f"/events/{event.slug}/upload/progress/?token={token}"
    seen = []

    def import_and_poll(**kwargs):
        recorded = kwargs["progress"]

        def progress(done, total):
            recorded(done, total)
            seen.append(japan_client.get(progress_url).json())  # what the page's status line reads now

        return attendee_import(**{**kwargs, "progress": progress})

    monkeypatch.setattr(intel.views.events, "attendee_import", import_and_poll)

    # when the rep imports it
    response = japan_client.post(f"/events/{event.slug}/upload/", {"token": token}, follow=True)

    # then the status said how far it had got, every 500 rows and at the end
    assert [state["text"] for state in seen] == [
        "Matched 500 of 1,200 rows",
        "Matched 1,000 of 1,200 rows",
        "Matched all 1,200 rows; saving the people and the follow-up list",
    ]
    assert seen[-1]["done"] == seen[-1]["total"] == 1200
    # and the import ended with its summary, and its progress is gone
    assert "scans.csv: 1200 added" in response.content.decode()
    assert Attendee.objects.filter(event=event, company="Acme").count() == 1200
    assert japan_client.get(progress_url).json() == {}


def test_another_user_does_not_see_someone_else_s_import_progress(japan_client, client, world, team):
    event = world["event"]
    token = previewed_token(japan_client, event, people_file(3))
    from django.core.cache import cache

    cache.set(intel.views._progress_key(team["japan"], token), {"done": 2, "total": 3})
    client.force_login(team["singapore"])

    assert client.get(f"/events/{event.slug}/upload/progress/?token={token}").json() == {}


def test_the_command_prints_a_progress_line_then_the_summary(world, tmp_path):
    path = tmp_path / "scans.csv"
    path.write_bytes(people_file(1200))
    out = io.StringIO()

    call_command("import_attendees", world["event"].slug, str(path), stdout=out, stderr=io.StringIO())

    assert out.getvalue().split("\n")[0].split("\r") == [
        "  Matched 500 of 1,200 rows",
        "  Matched 1,000 of 1,200 rows",
        "  Matched all 1,200 rows; saving the people and the follow-up list",
    ]
    assert (
        out.getvalue()
        .splitlines()[-2]
        .endswith("1200 people added, 0 updated, 0 unchanged, 0 duplicate lines merged, 0 rejected.")
    )
