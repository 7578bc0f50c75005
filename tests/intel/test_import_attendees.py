"""The import_attendees command."""

import io

import pytest
from django.core.management import CommandError, call_command

from intel.models import Attendee
from tests.crm.factories import ExchangeFactory
from tests.intel.factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def badge_file(tmp_path):
    ExchangeFactory(name="OKX", slug="okx", website="https://www.okx.com")
    EventFactory()
    path = tmp_path / "scans.csv"
    path.write_bytes("氏名,会社名,メール\n山田 太郎,OKX,taro@okx.com\n鈴木,OKX,bad\n".encode("cp932"))
    return path


def test_a_file_with_a_bad_row_is_refused_and_the_report_written(badge_file):
    with pytest.raises(CommandError) as refused:
        call_command("import_attendees", "webx-2025", str(badge_file), stdout=io.StringIO(), stderr=io.StringIO())

    assert str(refused.value) == (
        "1 of 2 rows are invalid, so nothing was imported. "
        "Fix them, or run again with --keep-valid to import the valid rows."
    )
    assert Attendee.objects.count() == 0
    report = (badge_file.parent / "scans.rejected.csv").read_bytes().decode("utf-8-sig")
    assert report.splitlines()[1] == "3,\"line 3, column 'メール': 'bad' is not an email address\",鈴木,OKX,bad"


def test_keep_valid_imports_the_rest_and_prints_a_summary(badge_file):
    out = io.StringIO()

    call_command("import_attendees", "webx-2025", str(badge_file), "--keep-valid", stdout=out, stderr=io.StringIO())

    assert out.getvalue().splitlines()[-2:] == [
        "WebX 2025: 2 rows read; 1 people added, 0 updated, 0 unchanged, 0 duplicate lines merged, 1 rejected.",
        "  matching: 1 matched to an exchange, 0 to review, 0 with no exchange; contacts: 1 created, 0 updated.",
    ]
    assert list(Attendee.objects.values_list("full_name", "exchange__slug")) == [("山田 太郎", "okx")]


def test_preview_writes_nothing(badge_file):
    out = io.StringIO()

    call_command("import_attendees", "webx-2025", str(badge_file), "--preview", stdout=out)

    assert out.getvalue().splitlines()[-3:] == [
        "2 rows: 1 valid (1 new people, 0 already listed), 0 duplicate lines, 1 to reject.",
        "  reject line 3, column 'メール': 'bad' is not an email address",
        "Nothing was written (preview).",
    ]
    assert Attendee.objects.count() == 0


def test_an_unknown_event_is_refused(badge_file):
    with pytest.raises(CommandError) as refused:
        call_command("import_attendees", "token2049", str(badge_file))

    assert str(refused.value) == "No event with slug 'token2049'."
