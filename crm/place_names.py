"""Vendor, jurisdiction and city names as a Japanese or Chinese reader knows them: 阿里云 for Alibaba
Cloud, 日本 for Japan, 新加坡 / シンガポール for Singapore. The one table of them; the stored names stay
English (the account book, the API's fields, imports and Salesforce keep them), and pages and sentences
show `native_name(name)` in the reader's language. A name without a well-known native form (AWS,
Cloudflare, an exchange's own region code) is shown as written."""

from __future__ import annotations

from django.utils import translation

# English name -> (Japanese, Simplified Chinese); None keeps the name as written in that language
# (Japanese writes the Chinese clouds by their Latin brands, as their Japanese sites do).
NATIVE_NAMES: dict[str, tuple[str | None, str | None]] = {
    # cloud vendors
    "Alibaba Cloud": (None, "阿里云"),
    "Tencent Cloud": (None, "腾讯云"),
    "Huawei Cloud": (None, "华为云"),
    "China Telecom Cloud (Tianyi)": (None, "天翼云"),
    "China Mobile Ecloud": (None, "移动云"),
    "Baidu AI Cloud": (None, "百度智能云"),
    "Kingsoft Cloud": (None, "金山云"),
    "Volcano Engine (ByteDance)": (None, "火山引擎"),
    "Self-hosted / colocation": ("自社運用／コロケーション", "自建／托管机房"),
    # jurisdictions (their names as the account book stores them, from pycountry's common names)
    "Japan": ("日本", "日本"),
    "Hong Kong": ("香港", "香港"),
    "Singapore": ("シンガポール", "新加坡"),
    "China": ("中国", "中国"),
    "Taiwan": ("台湾", "台湾"),
    "South Korea": ("韓国", "韩国"),
    "United States": ("米国", "美国"),
    "United Kingdom": ("英国", "英国"),
    "European Union": ("欧州連合", "欧盟"),
    "United Arab Emirates": ("アラブ首長国連邦", "阿联酋"),
    "Australia": ("オーストラリア", "澳大利亚"),
    "Switzerland": ("スイス", "瑞士"),
    "Cayman Islands": ("ケイマン諸島", "开曼群岛"),
    "Virgin Islands, British": ("英領ヴァージン諸島", "英属维尔京群岛"),
    "Seychelles": ("セーシェル", "塞舌尔"),
    "Malta": ("マルタ", "马耳他"),
    "Thailand": ("タイ", "泰国"),
    "Indonesia": ("インドネシア", "印度尼西亚"),
    "India": ("インド", "印度"),
    "Türkiye": ("トルコ", "土耳其"),
    "Brazil": ("ブラジル", "巴西"),
    "Canada": ("カナダ", "加拿大"),
    "Lithuania": ("リトアニア", "立陶宛"),
    "Estonia": ("エストニア", "爱沙尼亚"),
    "Philippines": ("フィリピン", "菲律宾"),
    # cities of the cloud regions
    "Tokyo": ("東京", "东京"),
    "Osaka": ("大阪", "大阪"),
    "Seoul": ("ソウル", "首尔"),
    "Beijing": ("北京", "北京"),
    "Shanghai": ("上海", "上海"),
    "Shenzhen": ("深セン", "深圳"),
    "Hangzhou": ("杭州", "杭州"),
    "Guangzhou": ("広州", "广州"),
    "Chengdu": ("成都", "成都"),
    "Qingdao": ("青島", "青岛"),
    "Zhangjiakou": ("張家口", "张家口"),
    "Sydney": ("シドニー", "悉尼"),
    "Mumbai": ("ムンバイ", "孟买"),
    "Jakarta": ("ジャカルタ", "雅加达"),
    "Bangkok": ("バンコク", "曼谷"),
    "Kuala Lumpur": ("クアラルンプール", "吉隆坡"),
    "Manila": ("マニラ", "马尼拉"),
    "Dubai": ("ドバイ", "迪拜"),
    "UAE": ("アラブ首長国連邦", "阿联酋"),
    "Frankfurt": ("フランクフルト", "法兰克福"),
    "London": ("ロンドン", "伦敦"),
}
# The spellings pycountry gives besides its common names.
_ALIASES = {
    "Korea, Republic of": "South Korea",
    "Taiwan, Province of China": "Taiwan",
    "British Virgin Islands": "Virgin Islands, British",
    "Turkey": "Türkiye",
}
_COLUMNS = {"ja": 0, "zh-hans": 1}


def native_name(name: str, language: str | None = None) -> str:
    """`name` as a reader of `language` (default: the active language) knows it; as written in English,
    in a language the table has no form for, or for a name it does not hold.

    >>> native_name("Alibaba Cloud", "zh-hans"), native_name("Singapore", "ja"), native_name("AWS", "zh-hans")
    ('阿里云', 'シンガポール', 'AWS')
    """
    column = _COLUMNS.get(_language(language))
    if column is None or not name:
        return name
    forms = NATIVE_NAMES.get(name) or NATIVE_NAMES.get(_ALIASES.get(name, ""))
    return (forms[column] or name) if forms else name


def _language(language: str | None) -> str:
    code = (language or translation.get_language() or "en").replace("_", "-").lower()
    if code.startswith("zh"):
        return "zh-hans"
    return code.split("-")[0]
