"""Figures in each language as its reader writes them (the product's own format modules: Chinese groups by
thousands, "12,346"), and vendor, jurisdiction and city names by their native forms in Japanese and Chinese
while the stored names stay English."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import formats, translation

from crm.models import CloudVendor, Jurisdiction
from crm.place_names import native_name
from crm.sentences import stored_sentence

LANGUAGES = ("en", "ja", "zh-hans")


def in_three(render) -> dict[str, str]:
    result = {}
    for language in LANGUAGES:
        with translation.override(language):
            result[language] = render()
    return result


def test_a_grouped_figure_and_a_date_in_each_language():
    assert in_three(lambda: formats.number_format(12345678, force_grouping=True)) == {
        "en": "12,345,678",
        "ja": "12,345,678",
        "zh-hans": "12,345,678",
    }
    assert in_three(lambda: formats.date_format(datetime.date(2023, 1, 7), "DATE_FORMAT")) == {
        "en": "Jan. 7, 2023",
        "ja": "2023年1月7日",
        "zh-hans": "2023年1月7日",
    }


def test_a_volume_in_a_stored_sentence_is_grouped_in_each_language():
    item = {"message": "24h volume %(volume)s BTC", "params": {"volume": 1234567.4}}
    assert {language: stored_sentence(item, language) for language in LANGUAGES} == {
        "en": "24h volume 1,234,567 BTC",
        "ja": "24h volume 1,234,567 BTC",
        "zh-hans": "24h volume 1,234,567 BTC",
    }


@pytest.mark.parametrize(
    ("name", "japanese", "chinese"),
    [
        ("Alibaba Cloud", "Alibaba Cloud", "阿里云"),
        ("Tencent Cloud", "Tencent Cloud", "腾讯云"),
        ("Huawei Cloud", "Huawei Cloud", "华为云"),
        ("Japan", "日本", "日本"),
        ("Hong Kong", "香港", "香港"),
        ("Singapore", "シンガポール", "新加坡"),
        ("Korea, Republic of", "韓国", "韩国"),
        ("Tokyo", "東京", "东京"),
        ("AWS", "AWS", "AWS"),
        ("Kappa Exchange", "Kappa Exchange", "Kappa Exchange"),
    ],
)
def test_native_names_in_each_language(name, japanese, chinese):
    assert (native_name(name, "en"), native_name(name, "ja"), native_name(name, "zh-CN")) == (name, japanese, chinese)


def test_vendor_jurisdiction_and_places_in_a_sentence_take_their_native_names():
    item = {
        "message": "%(vendor)s in %(jurisdiction)s, also %(places)s",
        "params": {"vendor": "Huawei Cloud", "jurisdiction": "Hong Kong", "places": ["Singapore"]},
    }
    assert {language: stored_sentence(item, language) for language in LANGUAGES} == {
        "en": "Huawei Cloud in Hong Kong, also Singapore",
        "ja": "Huawei Cloud in 香港, also シンガポール",
        "zh-hans": "华为云 in 香港, also 新加坡",
    }


@pytest.mark.django_db
def test_the_template_filter_shows_the_native_name_and_the_stored_names_stay_english():
    vendor = CloudVendor.objects.get(slug="alibaba-cloud")
    japan = Jurisdiction.objects.get(code="JP")
    template = Template("{% load sentences %}{{ vendor.name|native_name }} / {{ japan.name|native_name }}")
    shown = in_three(lambda: template.render(Context({"vendor": vendor, "japan": japan})))
    assert shown == {"en": "Alibaba Cloud / Japan", "ja": "Alibaba Cloud / 日本", "zh-hans": "阿里云 / 日本"}
    vendor.refresh_from_db()
    japan.refresh_from_db()
    assert (vendor.name, japan.name) == ("Alibaba Cloud", "Japan")
