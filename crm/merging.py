"""The hook list of an account merge: the apps downstream of the account book (intel, leads) hold
rows about an exchange that crm may not import, so each registers a mover in its AppConfig.ready()
and crm.services.exchange_merge calls them all inside its transaction."""

from collections.abc import Callable
from dataclasses import dataclass, field

from crm.models import Exchange


@dataclass(frozen=True)
class MergeContext:
    """What a mover needs: the account going away, the one keeping everything, who merges, and the
    source's contacts that duplicate one of the target's (source contact id -> target contact id),
    so a mover re-points rows at the contact that stays."""

    source: Exchange
    target: Exchange
    user: object
    replaced_contacts: dict[int, int] = field(default_factory=dict)


# A mover moves its app's rows from the source to the target and returns what it moved, as counts
# per kind ({"attendees": 3}); the counts are recorded on the merge.
Mover = Callable[[MergeContext], dict[str, int]]

_movers: list[Mover] = []


def register_mover(mover: Mover) -> Mover:
    """Add a mover (idempotent: AppConfig.ready() may run twice in tests). Usable as a decorator."""
    if mover not in _movers:
        _movers.append(mover)
    return mover


def registered_movers() -> tuple[Mover, ...]:
    return tuple(_movers)
