"""The account book's part of the demo data: the real exchange catalogue and a small sales team.

Idempotent: running it again changes nothing and duplicates nothing."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from crm.catalogue import read_snapshot
from crm.choices import RepRole
from crm.models import Exchange, Jurisdiction, Rep, Team
from crm.services import CatalogueImportSummary, exchange_catalogue_import

DEMO_PASSWORD = "webx-tokyo-2025"  # demo login only, printed by `make demo`; never used outside the demo


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    territories: tuple[str, ...]
    time_zone: str


DEMO_TEAM = "Web3 sales, Asia-Pacific (Singapore office)"
DEMO_USERS = (
    DemoUser("manager", "Mei", "Lin", RepRole.MANAGER, (), "Asia/Singapore"),
    DemoUser("rep.japan", "Kenji", "Sato", RepRole.REP, ("JP", "KR"), "Asia/Tokyo"),
    DemoUser("rep.singapore", "Priya", "Nair", RepRole.REP, ("SG", "HK", "ID", "TH"), "Asia/Singapore"),
    DemoUser("rep.west", "Tom", "Becker", RepRole.REP, ("US", "GB", "EU", "MT", "KY", "SC", "VG"), "Europe/London"),
)


# Accounts each demo rep owns (a rep sees their territories plus what they own). Applied only
# to exchanges without an owner, so a reassignment made in the product is kept.
DEMO_OWNERS = {
    "rep.singapore": ("okx", "bybit", "gate", "kucoin", "htx"),
    "rep.japan": ("bitflyer", "coincheck", "bitbank", "zaif", "binance"),
    "rep.west": ("coinbase", "coinbaseinternational", "kraken", "cryptocom"),
}


def load_accounts(*, progress=None) -> CatalogueImportSummary:
    return exchange_catalogue_import(records=read_snapshot(), progress=progress)


@transaction.atomic
def load_team() -> list[str]:
    """Create the demo team and its users; returns the usernames created on this run."""
    User = get_user_model()
    team, _ = Team.objects.get_or_create(name=DEMO_TEAM)
    created = []
    for demo in DEMO_USERS:
        user, is_new = User.objects.get_or_create(
            username=demo.username,
            defaults={
                "first_name": demo.first_name,
                "last_name": demo.last_name,
                "email": f"{demo.username}@example.com",
                "is_staff": demo.role == RepRole.MANAGER,
                "is_superuser": demo.role == RepRole.MANAGER,
            },
        )
        if is_new:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            created.append(demo.username)
        rep, _ = Rep.objects.get_or_create(
            user=user, defaults={"role": demo.role, "team": team, "time_zone": demo.time_zone}
        )
        if not rep.territories.exists() and demo.territories:
            rep.territories.set(Jurisdiction.objects.filter(code__in=demo.territories))
        Exchange.objects.filter(ccxt_id__in=DEMO_OWNERS.get(demo.username, ()), owner__isnull=True).update(owner=user)
    return created


@dataclass(frozen=True)
class DemoFamily:
    """A parent company's venues: the primary account (the one matching and the lead list fold the
    others into) and the venues that are variants of it."""

    company: str
    primary: str  # ccxt id
    venues: tuple[str, ...]  # ccxt ids
    source: str


# Families the catalogue does not group (ccxt groups a variant only when its class inherits from
# its family's: binanceusdm -> binance). Sources: the companies' own pages.
KNOWN_FAMILIES = (
    DemoFamily(
        company="Coinbase Global, Inc.",
        # ccxt's "coinbase" is Coinbase Advanced (www.coinbase.com), the retail and advanced-trade
        # venue most people mean by Coinbase; Coinbase Exchange is the institutional venue (the former
        # GDAX/Pro API) and Coinbase International the Bermuda-licensed derivatives venue.
        primary="coinbase",
        venues=("coinbaseexchange", "coinbaseinternational"),
        source="https://www.coinbase.com/about and https://international.coinbase.com (Coinbase's own pages)",
    ),
    DemoFamily(
        company="Payward, Inc. (Kraken)",
        primary="kraken",
        venues=("krakenfutures",),
        source="https://www.kraken.com/features/futures (Kraken's own page)",
    ),
)


@transaction.atomic
def load_families() -> int:
    """Link each known family's venues to its primary account; returns how many links changed.

    Idempotent; a venue a person already put in another family is left alone, and a family whose
    primary is not in the book (catalogue not loaded) is skipped."""
    changed = 0
    for family in KNOWN_FAMILIES:
        primary = Exchange.objects.filter(ccxt_id=family.primary).first()
        if primary is None:
            continue
        if primary.family_id is not None:  # a family is one level deep: its primary is top-level
            primary.family = None
            primary.save(update_fields=["family", "updated_at"])
            changed += 1
        changed += (
            Exchange.objects.filter(ccxt_id__in=family.venues, family__isnull=True)
            .exclude(pk=primary.pk)
            .update(family=primary)
        )
    return changed
