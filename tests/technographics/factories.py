"""Factories of the cloud footprint."""

import factory

from intel.technographics.choices import EndpointRole, EndpointSource
from intel.technographics.models import Endpoint
from tests.crm.factories import ExchangeFactory


class EndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Endpoint

    exchange = factory.SubFactory(ExchangeFactory)
    host = factory.Sequence(lambda n: f"api{n}.example.com")
    role = EndpointRole.API
    source = EndpointSource.REP
