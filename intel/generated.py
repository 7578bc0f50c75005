"""GENERATED badge-scan files for the demo and the benchmark: realistic in shape (Japanese and Latin
names, people from exchanges written many ways, people from elsewhere, duplicate scans, a few
malformed rows), invented in content. Deterministic for a seed. Every row says it is generated."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import random
from dataclasses import dataclass

HEADERS = ("氏名", "会社名", "役職", "Email", "電話番号", "Scanned by", "Scanned at", "備考")
GENERATED_NOTE = "[GENERATED demo row]"

JAPANESE_SURNAMES = [
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "山口",
    "松本",
    "井上",
    "木村",
    "林",
    "斎藤",
    "清水",
    "山崎",
    "森",
    "池田",
    "橋本",
    "阿部",
    "石川",
    "山下",
    "中島",
    "石井",
    "小川",
    "前田",
    "岡田",
    "長谷川",
    "藤田",
    "後藤",
    "近藤",
    "村上",
    "遠藤",
    "青木",
    "坂本",
]
JAPANESE_GIVEN = [
    "太郎",
    "健",
    "翔太",
    "大輔",
    "拓也",
    "直樹",
    "誠",
    "亮",
    "陽子",
    "美咲",
    "愛",
    "さくら",
    "結衣",
    "花子",
    "恵",
    "裕子",
    "和也",
    "剛",
    "修",
    "智子",
    "真由美",
    "彩",
    "翼",
    "蓮",
    "陽翔",
    "悠真",
    "湊",
    "葵",
    "陽菜",
    "凛",
]
ROMAJI_SURNAMES = [
    "Sato",
    "Suzuki",
    "Takahashi",
    "Tanaka",
    "Ito",
    "Watanabe",
    "Yamamoto",
    "Nakamura",
    "Kobayashi",
    "Kato",
    "Yoshida",
    "Yamada",
]
ROMAJI_GIVEN = [
    "Taro",
    "Ken",
    "Shota",
    "Daisuke",
    "Takuya",
    "Naoki",
    "Makoto",
    "Ryo",
    "Yoko",
    "Misaki",
    "Ai",
    "Sakura",
    "Yui",
    "Hanako",
    "Kazuya",
]
LATIN_GIVEN = [
    "Alice",
    "Ben",
    "Chloe",
    "David",
    "Emma",
    "Felix",
    "Grace",
    "Hugo",
    "Iris",
    "Jack",
    "Kate",
    "Liam",
    "Mia",
    "Noah",
    "Olivia",
    "Paul",
    "Ruby",
    "Sam",
]
LATIN_SURNAMES = [
    "Smith",
    "Chen",
    "Wong",
    "Lee",
    "Garcia",
    "Müller",
    "Dubois",
    "Rossi",
    "Kim",
    "Park",
    "Nguyen",
    "Tan",
    "Lim",
    "Singh",
    "Novak",
    "Brown",
]
CHINESE_NAMES = ["王伟", "李娜", "张敏", "刘洋", "陈静", "杨帆", "黄磊", "赵丽", "周杰", "吴强"]

OTHER_COMPANIES = (
    "ソニー株式会社",
    "株式会社三菱UFJ銀行",
    "みずほ証券",
    "野村ホールディングス",
    "SBI ホールディングス",
    "楽天グループ株式会社",
    "株式会社メルカリ",
    "LINE ヤフー",
    "日本経済新聞社",
    "CoinDesk Japan",
    "Tokyo Web3 Labs",
    "Sakura Ventures",
    "Shibuya Token Partners",
    "Alibaba Cloud",
    "Tencent Cloud",
    "Huawei Cloud",
    "Amazon Web Services",
    "Google Cloud Japan",
    "Deloitte Tohmatsu",
    "PwC Japan",
    "Chainalysis",
    "Fireblocks",
    "Ledger",
    "Ant Digital Technologies",
    "JD Technology",
    "Freelance",
    "",
)
OTHER_DOMAINS = ("sony.co.jp", "mufg.jp", "nomura.com", "rakuten.com", "mercari.com", "example.org", "gmail.com")
TITLES = (
    "CEO",
    "CTO",
    "VP Engineering",
    "Head of Infrastructure",
    "SRE",
    "Business Development",
    "マネージャー",
    "部長",
    "エンジニア",
    "代表取締役",
    "",
)
REPS = ("Kenji Sato", "Priya Nair", "Mei Lin")
NOTES = ("Asked about GPU capacity", "Moving out of Singapore?", "LLM API pricing", "Call next week", "名刺交換", "")


@dataclass(frozen=True)
class ExchangeSample:
    """An exchange as people might write it on a badge."""

    name: str
    domain: str
    aliases: tuple[str, ...] = ()


def _company_spelling(rng: random.Random, exchange: ExchangeSample) -> str:
    roll = rng.random()
    if roll < 0.35:
        return exchange.name
    if roll < 0.5 and exchange.aliases:
        return rng.choice(exchange.aliases)
    if roll < 0.6:
        return f"{exchange.name} Japan"
    if roll < 0.7:
        return f"株式会社{exchange.name}"
    if roll < 0.8:
        # Full-width letters, as a Japanese input method types them.
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in exchange.name)
    if roll < 0.9 and len(exchange.name) > 4:
        position = rng.randrange(1, len(exchange.name) - 1)
        return exchange.name[:position] + exchange.name[position + 1 :]  # a typo
    return f"{exchange.name} Exchange Ltd."


def _person(rng: random.Random) -> tuple[str, str]:
    """A display name and an ASCII handle for an email address."""
    roll = rng.random()
    if roll < 0.55:
        surname, given = rng.randrange(len(JAPANESE_SURNAMES)), rng.randrange(len(JAPANESE_GIVEN))
        romaji = f"{ROMAJI_GIVEN[given % len(ROMAJI_GIVEN)]}.{ROMAJI_SURNAMES[surname % len(ROMAJI_SURNAMES)]}"
        return f"{JAPANESE_SURNAMES[surname]} {JAPANESE_GIVEN[given]}", romaji.lower()
    if roll < 0.65:
        name = rng.choice(CHINESE_NAMES)
        return name, f"user{rng.randrange(10_000)}"
    given, surname = rng.choice(LATIN_GIVEN), rng.choice(LATIN_SURNAMES)
    return f"{given} {surname}", f"{given}.{surname}".lower().replace("ü", "u")


def badge_scan_rows(
    *,
    rows: int,
    exchanges: list[ExchangeSample],
    seed: int = 2025,
    day: datetime.date = datetime.date(2025, 8, 25),
    exchange_share: float = 0.35,
    duplicate_share: float = 0.03,
    malformed_share: float = 0.015,
) -> list[tuple[str, ...]]:
    """`rows` data rows (duplicates and malformed ones included in the count)."""
    rng = random.Random(seed)
    result: list[tuple[str, ...]] = []
    while len(result) < rows:
        roll = rng.random()
        if result and roll < duplicate_share:
            original = list(rng.choice(result))
            original[3] = original[3].upper()  # the same person scanned twice, email typed differently
            result.append(tuple(original))
            continue
        name, handle = _person(rng)
        if rng.random() < exchange_share and exchanges:
            exchange = rng.choice(exchanges)
            company = _company_spelling(rng, exchange)
            mail_roll = rng.random()
            if mail_roll < 0.6:
                email = f"{handle}{rng.randrange(1_000)}@{exchange.domain}"
            elif mail_roll < 0.85:
                email = f"{handle}{rng.randrange(10_000)}@gmail.com"
            else:
                email = ""
        else:
            company = rng.choice(OTHER_COMPANIES)
            # Lead-retrieval apps capture an email for most badges.
            email = f"{handle}{rng.randrange(10_000)}@{rng.choice(OTHER_DOMAINS)}" if rng.random() < 0.85 else ""
        scanned = datetime.datetime.combine(day, datetime.time(9)) + datetime.timedelta(minutes=rng.randrange(600))
        phone = f"+81-90-{rng.randrange(10_000):04d}-{rng.randrange(10_000):04d}" if rng.random() < 0.4 else ""
        note = f"{GENERATED_NOTE} {rng.choice(NOTES)}".strip()
        row = [name, company, rng.choice(TITLES), email, phone, rng.choice(REPS), f"{scanned:%Y-%m-%d %H:%M}", note]
        if rng.random() < malformed_share:
            defect = rng.randrange(3)
            if defect == 0:
                row[0] = ""  # no name
            elif defect == 1:
                row[3] = f"{handle}(at){exchange_domain_or(rng, exchanges)}"  # not an email address
            else:
                row[6] = "25/08/2025 午後"  # not a date
        result.append(tuple(row))
    return result


def exchange_domain_or(rng: random.Random, exchanges: list[ExchangeSample]) -> str:
    return rng.choice(exchanges).domain if exchanges else "example.com"


def badge_scan_csv(**options) -> bytes:
    """A generated badge-scan file (UTF-8 with BOM, as Excel writes it); see badge_scan_rows()."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(badge_scan_rows(**options))
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def generated_exchanges(count: int, *, seed: int = 7) -> list[ExchangeSample]:
    """`count` invented exchanges with distinct names and domains (for the benchmark)."""
    rng = random.Random(seed)
    syllables = [
        "ka",
        "ri",
        "to",
        "bi",
        "co",
        "in",
        "ex",
        "zen",
        "nova",
        "ar",
        "qu",
        "ly",
        "mex",
        "tra",
        "de",
        "fi",
        "lux",
        "or",
        "sol",
        "vex",
        "ion",
        "ta",
        "mo",
        "ra",
    ]
    names: set[str] = set()
    result = []
    while len(result) < count:
        stem = "".join(rng.choice(syllables) for _ in range(rng.randrange(2, 4)))
        name = f"{stem.capitalize()}{rng.choice(('', ' Pro', ' X', 'Bit', ' Markets'))}"
        if name in names:
            continue
        names.add(name)
        result.append(ExchangeSample(name=name, domain=f"{name.lower().replace(' ', '')}.example"))
    return result
