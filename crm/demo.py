"""The account book's part of the demo data: the real exchange catalogue and a small sales team.

Idempotent: running it again changes nothing and duplicates nothing."""

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from crm.catalogue import read_snapshot
from crm.choices import RepRole
from crm.models import Exchange, Jurisdiction, Rep, Team
from crm.services import CatalogueImportSummary, exchange_catalogue_import

# The published demo login, for a local demo only (DEBUG on, `make demo`). With DEBUG off, load_demo
# creates users only when asked to, and then each gets a random password printed once.
DEMO_PASSWORD = "webx-tokyo-2025"
# The admin rights of a demo manager: every model of the product's apps, through a group (no superuser).
MANAGERS_GROUP = "Managers"
PRODUCT_APP_LABELS = ("crm", "intel", "technographics", "leads", "salesforce")
# Made-up accounts (the GENERATED demo deal history, leads.pipeline_demo) have slugs starting so:
# the coverage of the real exchanges leaves them out and counts them apart.
GENERATED_ACCOUNT_SLUG_PREFIX = "generated-"


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


def random_password() -> str:
    return secrets.token_urlsafe(18)


def managers_group() -> Group:
    """The group that gives a manager the admin of the product's apps (and nothing of auth's)."""
    group, _ = Group.objects.get_or_create(name=MANAGERS_GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label__in=PRODUCT_APP_LABELS))
    return group


@transaction.atomic
def load_team(*, random_passwords: bool = False) -> dict[str, str]:
    """Create the demo team and its users; returns the password set on this run for each user it set one for.

    A new user gets the published DEMO_PASSWORD, or with `random_passwords` (production) a random one; with
    `random_passwords` an existing demo user still on the published password gets a random one too. No
    demo user is a superuser: the manager is staff in the Managers group."""
    User = get_user_model()
    team, _ = Team.objects.get_or_create(name=DEMO_TEAM)
    group = managers_group()
    passwords: dict[str, str] = {}
    for demo in DEMO_USERS:
        is_manager = demo.role == RepRole.MANAGER
        user, is_new = User.objects.get_or_create(
            username=demo.username,
            defaults={
                "first_name": demo.first_name,
                "last_name": demo.last_name,
                "email": f"{demo.username}@example.com",
                "is_staff": is_manager,
            },
        )
        if is_new or (random_passwords and user.check_password(DEMO_PASSWORD)):
            passwords[demo.username] = random_password() if random_passwords else DEMO_PASSWORD
            user.set_password(passwords[demo.username])
            user.save(update_fields=["password"])
        if is_manager:
            user.groups.add(group)
        rep, _ = Rep.objects.get_or_create(
            user=user, defaults={"role": demo.role, "team": team, "time_zone": demo.time_zone}
        )
        if not rep.territories.exists() and demo.territories:
            rep.territories.set(Jurisdiction.objects.filter(code__in=demo.territories))
        Exchange.objects.filter(ccxt_id__in=DEMO_OWNERS.get(demo.username, ()), owner__isnull=True).update(owner=user)
    return passwords


def users_with_published_password() -> list[str]:
    """The demo users that still log in with the published password (none should, in production)."""
    users = get_user_model().objects.filter(username__in=[demo.username for demo in DEMO_USERS], is_active=True)
    return [user.username for user in users.order_by("username") if user.check_password(DEMO_PASSWORD)]


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
