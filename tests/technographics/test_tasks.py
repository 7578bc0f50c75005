"""The tasks: one exchange on demand, every exchange weekly, with the resolver settings name."""

from decimal import Decimal

import pytest

from crm.models import Allocation
from intel.technographics.models import CloudDetection
from intel.technographics.tasks import detect_clouds_task, detect_clouds_weekly_task
from tests.crm.factories import ExchangeFactory

pytestmark = pytest.mark.django_db


def test_the_task_checks_one_exchange_with_the_configured_resolver(fixture_resolver, eager_celery):
    exchange = ExchangeFactory(slug="lambda", website="https://www.lambda.example", ccxt_id=None)
    fixture_resolver({"www.lambda.example": ["13.112.0.1"]})
    detect_clouds_task.delay(exchange.pk)
    assert CloudDetection.objects.get(exchange=exchange).summary == "website on AWS Tokyo (ap-northeast-1) 100%"
    assert list(Allocation.objects.values_list("vendor__slug", "share_percent", "confidence")) == [
        ("aws", Decimal("100.00"), 40)
    ]


def test_the_task_for_a_deleted_exchange_does_nothing(fixture_resolver):
    detect_clouds_task(999_999)
    assert CloudDetection.objects.count() == 0


def test_the_weekly_task_checks_every_exchange(fixture_resolver, eager_celery):
    first = ExchangeFactory(slug="mu", website="https://mu.example", ccxt_id=None)
    second = ExchangeFactory(slug="nu", website="https://nu.example", ccxt_id=None)
    fixture_resolver({"mu.example": ["47.74.0.1"]})
    detect_clouds_weekly_task()
    summaries = dict(CloudDetection.objects.values_list("exchange__slug", "summary"))
    assert summaries == {
        first.slug: "website on Alibaba Cloud 100%",
        second.slug: "Nothing concluded: 1 of 1 hosts failed to resolve",
    }
