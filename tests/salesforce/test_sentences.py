"""Salesforce's top reasons and size evidence are written in the org's language (SALESFORCE_LANGUAGE)."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from crm.choices import LicenceStatus
from leads.salesforce.models import SyncRun
from leads.salesforce.services import salesforce_sync
from leads.services import scores_rescore
from tests.leads.factories import exchange_on, outage

pytestmark = pytest.mark.django_db

AS_OF = datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC)


@pytest.fixture
def hitex(home_vendor_slug):
    exchange = exchange_on("hitex", {"alibaba-cloud": 60})
    outage("alibaba-cloud", AS_OF, region="Hong Kong", exchanges=[exchange])
    scores_rescore(as_of=AS_OF)
    return exchange


def sent_account(fake, exchange) -> dict:
    return fake.org.by_key("Account", f"exchange-{exchange.pk}")[0]


def test_an_org_in_japanese_gets_the_top_reasons_and_size_evidence_in_japanese(salesforce, settings, hitex):
    settings.SALESFORCE_LANGUAGE = "ja"

    # when the sync runs from a request in English (the org's language wins over the active one)
    with translation.override("en"):
        outcome = salesforce_sync()

    assert outcome.status == "succeeded"
    account = sent_account(salesforce, hitex)
    assert account["Intel_Top_Reasons__c"] == (
        "Alibaba Cloudがクラウド配分全体の60%を占める (+12)\n"
        "2025年9月1日のAlibaba Cloud cn-hongkong (Hong Kong)の障害：取引に支障が出た (+12)\n"
        "競合が60%以上を占める：リプレース対象 (+10)"
    )
    assert account["Intel_Size_Evidence__c"] == "中規模の取引所：競争の激しい中間層"


def test_an_org_in_chinese_gets_them_in_simplified_chinese(salesforce, settings, hitex):
    settings.SALESFORCE_LANGUAGE = "zh-hans"

    salesforce_sync()

    account = sent_account(salesforce, hitex)
    assert account["Intel_Top_Reasons__c"] == (
        "阿里云占全部云分配的60% (+12)\n"
        "2025年9月1日 阿里云 cn-hongkong (Hong Kong)故障：导致其交易中断 (+12)\n"
        "竞争对手占比达60%或以上：替换目标 (+10)"
    )
    assert account["Intel_Size_Evidence__c"] == "中型交易所：竞争激烈的中间层"


def test_without_the_setting_the_org_reads_english_whatever_the_active_language(salesforce, settings, hitex):
    del settings.SALESFORCE_LANGUAGE

    with translation.override("ja"):
        salesforce_sync()

    account = sent_account(salesforce, hitex)
    assert account["Intel_Top_Reasons__c"] == (
        "Alibaba Cloud holds 60% of its allocations (+12)\n"
        "Alibaba Cloud cn-hongkong (Hong Kong) outage on 2025-09-01 disrupted its trading (+12)\n"
        "A rival at 60% or more: a displacement target (+10)"
    )


def test_a_language_the_product_does_not_speak_stops_the_sync_naming_the_setting(salesforce, settings, hitex):
    settings.SALESFORCE_LANGUAGE = "fr"

    with pytest.raises(ImproperlyConfigured, match=r"SALESFORCE_LANGUAGE must be one of en, ja, zh-hans, not 'fr'\."):
        salesforce_sync()

    assert salesforce.org.by_key("Account", f"exchange-{hitex.pk}") == []
    assert SyncRun.objects.filter(status="succeeded").count() == 0


def test_the_compliance_pressure_is_written_in_the_orgs_language_too(settings, home_vendor_slug):
    from leads.salesforce.sources import account_values
    from tests.crm.factories import PresenceFactory, jurisdiction
    from tests.leads.factories import singapore_dtsp

    # given an exchange pending in Singapore since 2025-07-10, under DTSP (in force since 2025-06-30)
    singapore_dtsp()
    arrived = exchange_on("arrivex", {"aws": 50})
    PresenceFactory(
        exchange=arrived, jurisdiction=jurisdiction("SG"), licence_status="pending", since=datetime.date(2025, 7, 10)
    )
    today = datetime.date(2025, 9, 1)

    lines = {}
    for language in ("en", "ja", "zh-hans"):
        settings.SALESFORCE_LANGUAGE = language
        lines[language] = account_values([arrived.pk], today=today)[arrived.pk]["compliance_pressure"]

    # the status is the licence status's label in that language (whatever the catalogue calls it)
    def pending(language: str) -> str:
        with translation.override(language):
            return str(LicenceStatus.PENDING.label).lower()

    assert lines == {
        "en": "SG: pending under DTSP regime (in force since 2025-06-30), here since 2025-07-10",
        "ja": f"SG：DTSP regimeのもとで{pending('ja')}（2025年6月30日施行、当地進出は2025年7月10日）",
        "zh-hans": f"SG：依据DTSP regime为{pending('zh-hans')}（自2025年6月30日起施行，自2025年7月10日进入当地）",
    }
