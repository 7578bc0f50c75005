"""Writes to the account book that carry a rule: every writer of allocations goes through here."""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from crm.catalogue import CatalogueRecord
from crm.choices import EVIDENCE_STRENGTH, ExchangeKind, FactOrigin, Language, SizeTier
from crm.models import (
    Activity,
    Allocation,
    ApiToken,
    Contact,
    EvidenceChange,
    Exchange,
    ExchangeMerge,
    Jurisdiction,
    Presence,
    Rep,
)
from crm.models.reference import validate_jurisdiction_code


def allocation_total_error(*, exchange: Exchange, workload: str, total: Decimal) -> ValidationError:
    label = dict(Allocation._meta.get_field("workload").choices).get(workload, workload)
    return ValidationError(
        {
            "share_percent": (
                gettext(
                    "%(exchange)s: the shares for workload '%(workload)s' would add up to %(total)s%%, "
                    "more than 100%%. Lower another vendor's share first."
                )
                % {"exchange": exchange.name, "workload": gettext(label), "total": f"{total.normalize():f}"}
            )
        },
        code="allocation_over_100",
    )


@transaction.atomic
def allocation_save(*, allocation: Allocation) -> Allocation:
    """Validate and save one allocation, keeping an exchange's shares per workload at or under 100%.

    The exchange row is locked so two concurrent writers cannot both pass the check."""
    Exchange.objects.select_for_update().filter(pk=allocation.exchange_id).first()
    if allocation.confidence is None:
        allocation.confidence = EVIDENCE_STRENGTH.get(allocation.evidence_source, 50)
    allocation.full_clean()
    others = Allocation.objects.filter(exchange_id=allocation.exchange_id, workload=allocation.workload).exclude(
        pk=allocation.pk
    ).aggregate(total=Sum("share_percent"))["total"] or Decimal("0")
    total = others + Decimal(allocation.share_percent)
    if total > 100:
        raise allocation_total_error(exchange=allocation.exchange, workload=allocation.workload, total=total)
    allocation.save()
    evidence_changed(exchange_ids=[allocation.exchange_id], cause="allocation", reference=f"allocation:{allocation.pk}")
    return allocation


logger = logging.getLogger(__name__)


def evidence_changed(*, exchange_ids: Iterable[int], cause: str, reference: str = "") -> int:
    """Record that evidence about these exchanges changed (an outbox row each, in the caller's
    transaction) and, once it commits, ask the worker to rescore them.

    The task is looked up by name (settings.CRM_EVIDENCE_CHANGED_TASK) so the account book does
    not import the apps downstream of it; a periodic relay re-drives rows left unprocessed."""
    rows = [EvidenceChange(exchange_id=pk, cause=cause, reference=reference) for pk in sorted(set(exchange_ids))]
    if not rows:
        return 0
    EvidenceChange.objects.bulk_create(rows)
    transaction.on_commit(evidence_changes_publish)
    return len(rows)


def evidence_changes_publish() -> None:
    """Hand pending evidence changes to the worker. Losing this message is harmless: the relay
    on beat publishes again."""
    task = current_app.tasks.get(settings.CRM_EVIDENCE_CHANGED_TASK)
    if task is None:
        logger.warning(
            "No task %s is registered; evidence changes wait for the relay.", settings.CRM_EVIDENCE_CHANGED_TASK
        )
        return
    try:
        task.delay()
    except Exception:  # the broker is down: the relay will publish again
        logger.exception("Could not publish evidence changes; the relay will retry.")


def jurisdiction_get_or_create(*, code: str) -> Jurisdiction:
    """The jurisdiction for an ISO 3166-1 alpha-2 code (or EU), created with its name on first use."""
    validate_jurisdiction_code(code)
    jurisdiction, _ = Jurisdiction.objects.get_or_create(code=code, defaults={"name": Jurisdiction.name_for(code)})
    return jurisdiction


# The fields the catalogue import owns until a person edits them.
CATALOGUE_FIELDS = ("name", "website", "kind", "headquarters_id")


@dataclass
class CatalogueImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    presences_added: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    kept_edits: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated or self.presences_added)


def unique_slug(base: str, taken: set[str]) -> str:
    """A slug for `base` not in `taken` (which it joins): okx, okx-2, ..."""
    slug = slugify(base)[:90] or "exchange"
    candidate, suffix = slug, 2
    while candidate in taken:
        candidate, suffix = f"{slug}-{suffix}", suffix + 1
    taken.add(candidate)
    return candidate


@transaction.atomic
def exchange_catalogue_import(
    *, records: list[CatalogueRecord], progress: Callable[[int, int], None] | None = None
) -> CatalogueImportSummary:
    """Create or update one Exchange per catalogue record, all or nothing.

    Idempotent: a second run with the same records changes nothing. A field whose value
    differs from what the import last wrote was edited by a person and is kept. New and changed exchanges
    are recorded as evidence changes, so the worker scores them once the import commits."""
    summary = CatalogueImportSummary()
    seen: set[str] = set()
    valid: list[CatalogueRecord] = []
    for record in records:
        if not record.ccxt_id or not record.name.strip():
            summary.skipped.append((record.ccxt_id or "?", "no id or no name"))
        elif record.ccxt_id in seen:
            summary.skipped.append((record.ccxt_id, "listed twice in the catalogue"))
        else:
            seen.add(record.ccxt_id)
            valid.append(record)
    # Families before their variants, so a variant can point at its family.
    valid.sort(key=lambda r: (r.family is not None, r.ccxt_id))

    existing = {e.ccxt_id: e for e in Exchange.objects.filter(ccxt_id__in=[r.ccxt_id for r in valid])}
    # An account merged into another stays merged: its catalogue record is not recreated, and its
    # variants join the account it was merged into.
    merged = {
        m.source_ccxt_id: m.target
        for m in ExchangeMerge.objects.filter(source_ccxt_id__in=seen).select_related("target").order_by("merged_at")
        if m.source_ccxt_id not in existing
    }
    taken_slugs = set(Exchange.objects.values_list("slug", flat=True))
    jurisdictions = {j.code: j for j in Jurisdiction.objects.all()}
    present = set(
        Presence.objects.filter(exchange__ccxt_id__in=seen).values_list("exchange__ccxt_id", "jurisdiction__code")
    )
    by_ccxt_id: dict[str, Exchange] = {**merged, **existing}
    to_score: list[int] = []

    for done, record in enumerate(valid, start=1):
        if record.ccxt_id in merged:
            summary.skipped.append((record.ccxt_id, f"merged into {merged[record.ccxt_id].name}"))
            continue
        codes = []
        for code in record.countries:
            if code not in jurisdictions:
                try:
                    jurisdictions[code] = jurisdiction_get_or_create(code=code)
                except ValidationError:
                    summary.skipped.append((record.ccxt_id, f"country code {code!r} is not a known jurisdiction"))
                    continue
            codes.append(code)
        family = by_ccxt_id.get(record.family) if record.family else None
        if record.family and family is None:
            summary.skipped.append((record.ccxt_id, f"its family {record.family!r} is not in the catalogue"))
            continue
        wanted = {
            "name": record.name.strip(),
            "website": record.website,
            "kind": ExchangeKind.DECENTRALISED if record.is_dex else ExchangeKind.CENTRALISED,
            "headquarters_id": jurisdictions[codes[0]].pk if codes else None,
        }
        exchange = existing.get(record.ccxt_id)
        changed = False
        if exchange is None:
            exchange = Exchange(ccxt_id=record.ccxt_id, slug=unique_slug(record.ccxt_id, taken_slugs), **wanted)
            exchange.family = family
            exchange.imported_values = wanted
            exchange.full_clean(exclude=["slug"], validate_unique=False)
            exchange.save()
            summary.created += 1
        else:
            imported = dict(exchange.imported_values)
            for name, value in wanted.items():
                current = getattr(exchange, name)
                if name in imported and current != imported[name]:
                    summary.kept_edits.append((exchange.slug, name.removesuffix("_id")))
                    continue
                if current != value:
                    setattr(exchange, name, value)
                    changed = True
                imported[name] = value
            # The catalogue groups only the variants ccxt derives from a family; a family set by a
            # person (or crm.demo.load_families) for an account the catalogue leaves alone is kept.
            if family is not None and exchange.family_id != family.pk:
                exchange.family = family
                changed = True
            if changed or imported != exchange.imported_values:
                exchange.imported_values = imported
                exchange.full_clean(validate_unique=False)
                exchange.save()
        by_ccxt_id[record.ccxt_id] = exchange
        added = 0
        for code in codes:
            if (record.ccxt_id, code) not in present:
                Presence.objects.create(
                    exchange=exchange, jurisdiction=jurisdictions[code], source="ccxt exchange catalogue"
                )
                present.add((record.ccxt_id, code))
                added += 1
        summary.presences_added += added
        if record.ccxt_id not in existing or changed or added:
            to_score.append(exchange.pk)
        if record.ccxt_id in existing:
            if changed or added:
                summary.updated += 1
            else:
                summary.unchanged += 1
        if progress:
            progress(done, len(valid))
    # New exchanges get a score, changed ones a new one: an outbox row each, in this transaction.
    evidence_changed(exchange_ids=to_score, cause="import", reference="catalogue")
    return summary


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown to the user once; only its hash is stored


@transaction.atomic
def api_token_create(*, user, name: str, access: str) -> IssuedToken:
    """Issue a named token for a user. The returned key is the only time it is ever visible."""
    key, prefix, key_hash = ApiToken.generate_key()
    token = ApiToken(user=user, name=name, access=access, key_prefix=prefix, key_hash=key_hash)
    token.full_clean()
    token.save()
    return IssuedToken(token=token, key=key)


@transaction.atomic
def service_account_create(*, username: str, role: str, territory_codes: Iterable[str] = ()):
    """A user for an integration: no usable password (so no UI login), a Rep marked as a service
    account with a role and territories, which the visibility rule applies to like any rep."""
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise ValidationError({"username": f"A user named {username!r} already exists."})
    user = user_model(username=username)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    rep = Rep.objects.create(user=user, role=role, is_service_account=True)
    rep.territories.set([jurisdiction_get_or_create(code=code) for code in territory_codes])
    return user


@transaction.atomic
def presence_save(*, presence: Presence, origin: str = FactOrigin.PERSON) -> Presence:
    """Save where an exchange operates (and under what licence): evidence for its score. What a
    person saves is theirs (origin 'person'): a later register import keeps it and shows the
    disagreement instead of overwriting it."""
    presence.origin = origin
    presence.full_clean()
    presence.save()
    evidence_changed(exchange_ids=[presence.exchange_id], cause="presence", reference=f"presence:{presence.pk}")
    return presence


@transaction.atomic
def exchange_evidence_delete(*, instance: Allocation | Presence | Activity) -> None:
    """Delete a piece of evidence (an allocation, a presence, an activity), and have its exchange rescored.

    The exchange is locked first, so a delete of the exchange at the same moment goes wholly before or
    after; when it went before (the exchange and its evidence are gone), this raises the evidence model's
    DoesNotExist (the API answers 404) and records nothing."""
    model = type(instance)
    cause = instance._meta.model_name
    reference = f"{cause}:{instance.pk}"
    exchange_id = instance.exchange_id
    gone = model.DoesNotExist(f"No such {instance._meta.verbose_name}: it was deleted meanwhile (or its exchange was).")
    if not Exchange.objects.select_for_update().filter(pk=exchange_id).exists():
        raise gone
    deleted, _ = model.objects.filter(pk=instance.pk).delete()
    if not deleted:
        raise gone
    evidence_changed(exchange_ids=[exchange_id], cause=cause, reference=reference)


@transaction.atomic
def activity_save(*, activity: Activity) -> Activity:
    """Record a call, meeting or note: recent contact is evidence for the score."""
    activity.full_clean()
    activity.save()
    evidence_changed(exchange_ids=[activity.exchange_id], cause="activity", reference=f"activity:{activity.pk}")
    return activity


@transaction.atomic
def contact_save(*, contact: Contact) -> Contact:
    """Save a person at an exchange, checked like every other write (one contact per email and exchange).

    Contacts are not evidence for the score, so nothing is rescored."""
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def exchange_size_set(*, exchange: Exchange, size_tier: str, reason: str, user) -> Exchange:
    """Set an exchange's size tier by hand, with the reason (the figure, its source and date), or
    clear it (SizeTier.UNKNOWN) so the market figures decide again. Scoring owns the tier in
    effect, so the exchange is rescored after commit."""
    reason = (reason or "").strip()
    if size_tier not in SizeTier.values:
        raise ValidationError({"size_tier_by_hand": f"{size_tier!r} is not a size tier."})
    if size_tier != SizeTier.UNKNOWN and not reason:
        raise ValidationError(
            {
                "size_source": gettext(
                    "Say why: the figure, its source and its date "
                    "(e.g. '24h volume 52,000 BTC, CoinGecko, 2025-08-01')."
                )
            }
        )
    exchange = Exchange.objects.select_for_update().get(pk=exchange.pk)
    if size_tier == SizeTier.UNKNOWN:
        exchange.size_tier_by_hand, exchange.size_source = SizeTier.UNKNOWN, ""
        exchange.size_set_by, exchange.size_set_on = None, None
    else:
        exchange.size_tier_by_hand, exchange.size_source = size_tier, reason
        exchange.size_set_by, exchange.size_set_on = user, timezone.localdate()
    exchange.full_clean()
    exchange.save(update_fields=["size_tier_by_hand", "size_source", "size_set_by", "size_set_on", "updated_at"])
    evidence_changed(exchange_ids=[exchange.pk], cause="size", reference=f"exchange:{exchange.pk}")
    return exchange


# Merging two accounts (crm.services.merges), exported here with the other writes.
from .merges import exchange_merge as exchange_merge  # noqa: E402
from .merges import exchange_merge_refusal as exchange_merge_refusal  # noqa: E402


@transaction.atomic
def rep_preferences_set(*, rep: Rep, language: str, time_zone: str) -> Rep:
    """A rep's own language (empty: the browser's) and time zone, both checked."""
    errors = {}
    if language and language not in Language.values:
        errors["language"] = f"{language!r} is not one of {', '.join(Language.values)}"
    rep.language, rep.time_zone = language, time_zone
    try:
        rep.full_clean(exclude=[f.name for f in Rep._meta.fields if f.name not in ("language", "time_zone")])
    except ValidationError as error:
        errors.update({name: " ".join(messages) for name, messages in error.message_dict.items()})
    if errors:
        rep.refresh_from_db(fields=["language", "time_zone"])
        raise ValidationError(errors)
    rep.save(update_fields=["language", "time_zone"])
    return rep
