"""factory_boy factories for the evidence."""

import datetime

import factory

from intel.choices import AliasKind
from intel.models import Event, ExchangeAlias
from intel.services import exchange_alias_add
from tests.crm.factories import jurisdiction


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event
        django_get_or_create = ["slug"]

    name = "WebX 2025"
    slug = "webx-2025"
    city = "Tokyo"
    country = factory.LazyFunction(lambda: jurisdiction("JP"))
    starts_on = datetime.date(2025, 8, 25)
    ends_on = datetime.date(2025, 8, 25)
    timezone = "Asia/Tokyo"


def alias(exchange, name: str, kind: str = AliasKind.NAME) -> ExchangeAlias:
    """Another name of an exchange, added as the built-in aliases are."""
    return exchange_alias_add(exchange=exchange, alias=name, kind=kind)
