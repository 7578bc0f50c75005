"""Model invariants of the account book."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from crm.models import CloudVendor, Jurisdiction
from tests.crm.factories import ExchangeFactory, PresenceFactory, jurisdiction

pytestmark = pytest.mark.django_db


def test_the_seeded_vendors_include_the_chinese_clouds_and_the_hyperscalers():
    assert sorted(CloudVendor.objects.values_list("slug", flat=True)) == [
        "alibaba-cloud",
        "aws",
        "china-mobile-ecloud",
        "china-telecom-cloud",
        "google-cloud",
        "huawei-cloud",
        "microsoft-azure",
        "oracle-cloud",
        "self-hosted",
        "tencent-cloud",
    ]


def test_the_home_vendor_follows_the_setting_and_every_other_vendor_is_a_rival(settings):
    settings.CRM_HOME_VENDOR = "alibaba-cloud"

    assert CloudVendor.objects.home().name == "Alibaba Cloud"
    assert "alibaba-cloud" not in CloudVendor.objects.rivals().values_list("slug", flat=True)
    assert CloudVendor.objects.rivals().count() == 9


@pytest.mark.parametrize("code", ["ZZ", "uk", "GBR", "UK"])
def test_a_jurisdiction_code_must_be_iso_or_a_known_pseudo_region(code):
    with pytest.raises(ValidationError) as error:
        Jurisdiction(code=code, name="X").full_clean()

    assert list(error.value.message_dict) == ["code"]


def test_eu_is_a_valid_pseudo_region():
    Jurisdiction(code="EU", name="European Union 2").full_clean(validate_unique=False)


def test_an_exchange_has_one_presence_per_jurisdiction():
    okx = ExchangeFactory(slug="okx")
    PresenceFactory(exchange=okx, jurisdiction=jurisdiction("SG"))

    with pytest.raises(IntegrityError):
        PresenceFactory(exchange=okx, jurisdiction=jurisdiction("SG"))
