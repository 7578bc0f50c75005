"""Today, the badge-scan upload, the event pages and the review queue's answers as a Japanese or Chinese
reader sees them: the page's words, its counts in whole sentences, and the messages after an upload or a
decision in their language, with the facts (names, files, figures) as they are."""

import datetime
import hashlib
import re
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from crm.models import Exchange
from intel.choices import MatchMethod, MatchStatus
from intel.models import Attendee
from leads.models import FollowUp
from leads.pages import due_label
from leads.services.event_people import PeopleSummary
from tests.crm.factories import ExchangeFactory, jurisdiction
from tests.intel.factories import EventFactory

pytestmark = pytest.mark.django_db

JA = {"HTTP_ACCEPT_LANGUAGE": "ja"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}


def test_today_in_japanese(japan_client, team, world):
    # given Kenji's three follow-ups overdue by hours (the world's) and one forgotten for three weeks
    stale = Attendee.objects.create(
        event=world["event"],
        full_name="Forgotten Person",
        company="Tokyo Exchange 0",
        dedupe_key="forgotten",
        exchange=world["exchanges"][0],
        match_status=MatchStatus.MATCHED,
    )
    FollowUp.objects.create(
        attendee=stale,
        event=stale.event,
        assignee=team["japan"],
        due_at=timezone.now() - datetime.timedelta(days=21),
        person_score=10,
    )

    response = japan_client.get("/", **JA)

    body = response.content.decode()
    assert (response.status_code, response["Content-Language"]) == (200, "ja")
    assert re.search(r'<p class="muted">\d{4}年\d{1,2}月\d{1,2}日（[月火水木金土日]曜日）</p>', body)
    assert (
        '<p class="muted" data-testid="follow-ups-count">期限のあるもの 3 件。48 時間以内に期限が来るものを先に、'
        "有望な人から順に並べ、その後に期限超過のものを表示します。" in body
    )
    assert '<td data-label="取引所"><a href="/exchanges/tokyo-0/">Tokyo Exchange 0</a></td>' in body
    assert (
        len(re.findall(r'<span class="overdue-text">\d{1,2}月\d{1,2}日 \d\d:\d\d \S+ から期限超過</span>', body)) == 3
    )
    assert re.search(
        r'WebX 2025 の<span class="overdue-text">期限超過 1 件</span>、'
        r"最も古いものは \d{1,2}月\d{1,2}日 \d\d:\d\d \S+ から — "
        r'<a href="/events/webx-2025/follow-ups/\?mine=1&amp;overdue=1">ボードを開く</a>',
        body,
    )
    assert '<h2 id="signals-heading">あなたの顧客の新しいシグナル</h2>' in body
    # the facts stay as they are
    assert "Met Person 0" in body and "Asks about LLM hosting 0" in body
    for english in ("Overdue since", "New signals on your accounts", "open the board", " due: in the next 48 h"):
        assert english not in body


def test_today_says_when_a_follow_up_is_due_in_the_readers_language():
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    now = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=tokyo)  # a Tuesday
    later = [now.replace(hour=15, minute=30), now + datetime.timedelta(hours=14, minutes=30), now.replace(day=3)]

    with timezone.override(tokyo):
        labels = {}
        for language in ("en", "ja", "zh-hans"):
            with translation.override(language):
                labels[language] = [due_label(moment, now=now) for moment in later]

    assert labels == {
        "en": ["Today 15:30", "Tomorrow 00:30", "Thu 3 Dec 10:00"],
        "ja": ["今日 15:30", "明日 00:30", "12月3日（木） 10:00"],
        "zh-hans": ["今天 15:30", "明天 00:30", "12月3日（星期四） 10:00"],
    }


SCANS = b"Name,Email\nAnn,ann@a.example\nBob,bob@b.example\n,x\n"


def test_the_upload_preview_in_japanese(japan_client, world):
    response = japan_client.post(
        f"/events/{world['event'].slug}/upload/", {"file": SimpleUploadedFile("scans.csv", SCANS, "text/csv")}, **JA
    )

    body = response.content.decode()
    assert (response.status_code, response["Content-Language"]) == (200, "ja")
    assert "<h1>バッジスキャンをアップロード</h1>" in body
    assert '<h2 id="preview-heading">scans.csv のプレビュー</h2>' in body
    assert (
        "<p><strong>utf-8</strong> として読み込み、区切りは<strong>カンマ</strong>です。"
        '3 行のうち <strong data-testid="valid-rows">2</strong> 行が有効です\n'
        "    （新規 2 人、登録済み 0 人）。</p>" in body
    )
    assert '<th scope="col">ファイルの列</th><th scope="col">読み取り先</th>' in body
    assert "<tr><td>Name</td><td>名前</td></tr><tr><td>Email</td><td>メール</td></tr>" in body
    assert "<h3>却下される行</h3>" in body
    assert "<li>4 行目、列「Name」: 氏名が空です</li>" in body
    assert '<button type="submit">2 人を取り込む（1 行はスキップ）</button>' in body
    assert '">別のファイルを選ぶ</a>' in body


def test_the_upload_page_before_a_file_in_simplified_chinese(japan_client, world):
    response = japan_client.get(f"/events/{world['event'].slug}/upload/", **ZH)

    body = response.content.decode()
    assert (response.status_code, response["Content-Language"]) == (200, "zh-hans")
    assert '<h2 id="upload-heading">选择文件</h2>' in body
    assert "胸卡扫描器或名片应用导出的 CSV 或 TSV 文件。确认预览之前不会写入任何内容。" in body
    assert '<button type="submit">预览</button>' in body


SUMMARY_FILE = (
    b"Name,Company,Email\n"
    b"Ann,Kenji Exchange,ann@kenji-ex.example\n"
    b"Bea,Kenji Exchange,bea@kenji-ex.example\n"
    b"Cal,Priya Exchange,cal@priya-ex.example\n"
    b"Dee,Unowned Tokyo,dee@unowned-tokyo.example\n"
    b"Eve,Mystery Corp,eve@mystery.example\n"
    b"Fay,Amazon Web Services,fay@amazon.com\n"
)


def test_the_upload_message_and_the_event_page_count_in_japanese(japan_client, team):
    tokyo = jurisdiction("JP")
    for name, slug, owner in [
        ("Kenji Exchange", "kenji-ex", team["japan"]),
        ("Priya Exchange", "priya-ex", team["singapore"]),
        ("Unowned Tokyo", "unowned-tokyo", None),
    ]:
        ExchangeFactory(name=name, slug=slug, website=f"https://{slug}.example", owner=owner, headquarters=tokyo)
    event = EventFactory(country=tokyo)
    japan_client.post(
        f"/events/{event.slug}/upload/", {"file": SimpleUploadedFile("scans.csv", SUMMARY_FILE, "text/csv")}, **JA
    )

    response = japan_client.post(
        f"/events/{event.slug}/upload/", {"token": hashlib.sha256(SUMMARY_FILE).hexdigest()[:32]}, follow=True, **JA
    )

    counted = (
        "6 人を追加（2 人はあなたの担当地域、1 人は各担当者へ、1 人はマネージャーの判断待ち、"
        "1 人は取引所が見つからない、1 人は取引所の人ではない）"
    )
    body = response.content.decode()
    assert f"scans.csv: {counted}。" in body  # the message
    assert f'<span data-testid="upload-summary">{counted}</span>' in body  # the event page's upload line
    assert '<h2 id="people-heading">会った人</h2>' in body
    assert "<dt>合計</dt><dd><strong>6</strong></dd>" in body
    assert Attendee.objects.filter(event=event).count() == 6


def test_the_count_of_who_acts_next_joins_its_parts_as_each_language_writes_a_list():
    summary = PeopleSummary(added=3, in_your_territory=2, passed_to_owners=1)

    texts = {}
    for language in ("en", "ja", "zh-hans"):
        with translation.override(language):
            texts[language] = summary.text()

    assert texts == {
        "en": "3 added: 2 in your territory, 1 passed to their owners",
        "ja": "3 人を追加（2 人はあなたの担当地域、1 人は各担当者へ）",
        "zh-hans": "新增 3 人：2 人在您的负责区域，1 人已转交其负责人",
    }


def test_a_review_decision_answers_in_japanese(japan_client, team, world):
    Exchange.objects.filter(pk=world["exchanges"][0].pk).update(owner=team["japan"])
    people = [
        Attendee.objects.create(
            event=world["event"],
            full_name=name,
            company="CoinDesk Japan",
            dedupe_key=name,
            exchange=world["exchanges"][0],
            match_status=MatchStatus.REVIEW,
            match_method=MatchMethod.FUZZY_NAME,
            match_confidence=72,
        )
        for name in ("Aki Mori", "Ben Ito")
    ]

    response = japan_client.post(
        f"/events/{world['event'].slug}/review/company/",
        {"company": "coindesk japan", "decision": "confirm"},
        HTTP_ACCEPT="application/json",
        **JA,
    )

    assert response.status_code == 200
    assert response.json()["message"] == (
        "CoinDesk Japan: 2 人を Tokyo Exchange 0 に紐づけました。 フォローアップ: 2 人はあなたの担当地域。"
    )
    assert set(Attendee.objects.filter(pk__in=[p.pk for p in people]).values_list("match_status", flat=True)) == {
        MatchStatus.MATCHED
    }


def test_a_refused_review_choice_answers_in_japanese_and_changes_nothing(japan_client, world):
    dai = Attendee.objects.create(
        event=world["event"],
        full_name="Dai Ueda",
        company="バイビット株式会社",
        dedupe_key="dai",
        match_status=MatchStatus.UNMATCHED,
        match_method=MatchMethod.NONE,
    )

    response = japan_client.post(
        f"/events/{world['event'].slug}/review/company/",
        {"tab": "unmatched", "company": "バイビット", "decision": "choose", "exchange": ""},
        HTTP_ACCEPT="application/json",
        **JA,
    )

    assert response.status_code == 400
    assert response.json()["message"] == "バイビット株式会社: 一覧から取引所を選んでください。"
    dai.refresh_from_db()
    assert (dai.match_status, dai.exchange_id) == (MatchStatus.UNMATCHED, None)


def test_the_review_queue_gives_its_script_the_texts_in_the_readers_language(japan_client, world):
    response = japan_client.get(f"/events/{world['event'].slug}/review/", **JA)

    body = response.content.decode()
    assert 'data-text-failed="接続に失敗しました。もう一度お試しください。"' in body
    assert (
        'data-text-expired="セッションの有効期限が切れました。もう一度ログインしてから、改めて判断してください。"'
        in body
    )
    assert "<kbd>j</kbd> / <kbd>k</kbd>" in body  # the keys stay the keys


def test_the_event_edit_page_in_japanese(manager_client, world):
    response = manager_client.get(f"/events/{world['event'].slug}/edit/", **JA)

    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>イベントを編集</h1>" in body
    assert '<button type="submit">イベントを保存</button>' in body
    assert "<title>WebX 2025 を編集" in body
