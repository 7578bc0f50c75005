"""factory_boy factories for the account book."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from crm.choices import EvidenceSource, LicenceStatus, RepRole, Workload
from crm.models import Activity, Allocation, CloudVendor, Contact, Exchange, Jurisdiction, Presence, Rep, Team


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ["name"]

    name = "Web3 sales"


class RepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rep
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    role = RepRole.REP
    team = factory.SubFactory(TeamFactory)

    @factory.post_generation
    def territories(self, create, extracted, **kwargs):
        if create and extracted:
            self.territories.set(extracted)


def vendor(slug: str) -> CloudVendor:
    """A seeded vendor (the seed migration creates them)."""
    return CloudVendor.objects.get(slug=slug)


def jurisdiction(code: str) -> Jurisdiction:
    return Jurisdiction.objects.get_or_create(code=code, defaults={"name": Jurisdiction.name_for(code)})[0]


class ExchangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exchange
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Exchange {n}")
    slug = factory.Sequence(lambda n: f"exchange-{n}")
    website = factory.LazyAttribute(lambda e: f"https://{e.slug}.example.com")


class PresenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Presence

    exchange = factory.SubFactory(ExchangeFactory)
    jurisdiction = factory.LazyFunction(lambda: jurisdiction("SG"))
    licence_status = LicenceStatus.LICENSED


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allocation

    exchange = factory.SubFactory(ExchangeFactory)
    vendor = factory.LazyFunction(lambda: vendor("aws"))
    workload = Workload.ALL
    share_percent = Decimal("50")
    evidence_source = EvidenceSource.NEWS
    observed_on = datetime.date(2025, 8, 25)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    exchange = factory.SubFactory(ExchangeFactory)
    full_name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.LazyAttribute(lambda c: f"{c.full_name.lower().replace(' ', '.')}@{c.exchange.domain}")


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    exchange = factory.SubFactory(ExchangeFactory)
    kind = "meeting"
    occurred_at = factory.LazyFunction(lambda: datetime.datetime(2025, 8, 25, 10, tzinfo=datetime.UTC))
    summary = "Met at the booth"
