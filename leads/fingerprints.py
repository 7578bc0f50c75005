"""Fingerprints of the scoring facts: has anything a score reads changed since it was stored?

Computed in the database (one statement on PostgreSQL) from the same rows load_facts reads, salted
with the code version, the model and the home vendor, so an unchanged exchange is skipped without
loading its facts."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection

from crm.models import Activity, Allocation, CloudVendor, Exchange, Jurisdiction, Presence
from intel.choices import MatchStatus, SignalKind
from intel.models import Attendee, Event, MarketFigure, Regulation, Signal
from leads.facts import ENGAGEMENT_ACTIVITY_KINDS, _where_ids, id_array
from leads.scoring import HomeVendor

# Bump when score_exchange or load_facts changes what a score says for the same evidence: every
# stored fingerprint then differs, and the next rescore recomputes everything.
SCORING_CODE_VERSION = 6  # 6: factors keep a message id and parameters (leads.sentences renders them)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """An md5 of every input of one exchange's score, and whether that score depends on the
    moment (evidence that decays or counts from a date): such a score is recomputed when as_of moves."""

    digest: str
    is_time_dependent: bool


def run_salt(*, home: HomeVendor, model_version: int, parameters: dict) -> str:
    """The inputs every exchange shares, hashed once per run: code and model version, our vendor,
    and the small tables facts take names and dates from (vendors, jurisdictions, regulations,
    outages at vendors, events). A change to any of them changes every fingerprint."""
    digest = hashlib.md5(
        repr((SCORING_CODE_VERSION, model_version, sorted(parameters.items()), home.id, home.name)).encode()
    )
    with connection.cursor() as cursor:
        for query in (
            f"SELECT id, name FROM {CloudVendor._meta.db_table} ORDER BY id",
            f"SELECT id, name, is_major, is_banned FROM {Jurisdiction._meta.db_table} ORDER BY id",
            "SELECT id, jurisdiction_id, name, short_name, effective_on, pressured_statuses, forces_relocation, "
            f"consequence FROM {Regulation._meta.db_table} ORDER BY id",
            "SELECT id, vendor_id, vendor_region, vendor_region_code, occurred_at, severity "
            f"FROM {Signal._meta.db_table} WHERE kind = 'outage' AND vendor_id IS NOT NULL ORDER BY id",
            f"SELECT id, name, ends_on FROM {Event._meta.db_table} ORDER BY id",
        ):
            cursor.execute(query)
            digest.update(repr(cursor.fetchall()).encode())
    return digest.hexdigest()


def _evidence_parts() -> list[tuple[str, str, str, str]]:
    """Per table of one exchange's evidence: (rows, text of a row, order, is the row dated). The
    rows are aliased x with an exchange_id; every column load_facts reads is in the text."""
    signal = Signal._meta.db_table
    outage_vendors = f"SELECT vendor_id FROM {signal} WHERE kind = 'outage' AND vendor_id IS NOT NULL"
    kinds = ", ".join(f"'{kind}'" for kind in (SignalKind.OUTAGE, SignalKind.AI_INTEREST, SignalKind.MEETING))
    activity_kinds = ", ".join(f"'{kind}'" for kind in ENGAGEMENT_ACTIVITY_KINDS)
    return [
        (
            f"{Allocation._meta.db_table} x WHERE 1 = 1",
            "x.id || ',' || x.vendor_id || ',' || x.workload || ',' || x.share_percent || ',' || x.region_code",
            "x.id",
            f"x.vendor_id IN ({outage_vendors})",
        ),
        (
            f"{Presence._meta.db_table} x WHERE 1 = 1",
            "x.id || ',' || x.jurisdiction_id || ',' || x.licence_status || ',' || COALESCE(CAST(x.since AS TEXT), '')",
            "x.id",
            f"x.jurisdiction_id IN (SELECT jurisdiction_id FROM {Regulation._meta.db_table})",
        ),
        (
            f"{Signal.exchanges.through._meta.db_table} x JOIN {signal} s ON s.id = x.signal_id "
            f"WHERE s.kind IN ({kinds})",
            "s.id || ',' || s.kind || ',' || s.occurred_at || ',' || s.title || ',' || COALESCE(s.vendor_id, 0) "
            "|| ',' || s.vendor_region || ',' || s.vendor_region_code || ',' || s.severity",
            "s.id",
            "1 = 1",
        ),
        (
            f"{Attendee._meta.db_table} x WHERE x.match_status = '{MatchStatus.MATCHED}' AND x.exchange_id IS NOT NULL",
            "x.id || ',' || x.event_id",
            "x.id",
            "1 = 1",
        ),
        (
            f"{Activity._meta.db_table} x WHERE x.kind IN ({activity_kinds})",
            "x.id || ',' || x.kind || ',' || x.occurred_at || ',' || x.summary",
            "x.id",
            "1 = 1",
        ),
        (
            f"{MarketFigure._meta.db_table} x WHERE x.match_status = '{MatchStatus.MATCHED}' "
            "AND x.exchange_id IS NOT NULL",
            "x.id || ',' || x.as_of || ',' || COALESCE(x.volume_24h_btc, -1) || ',' "
            "|| COALESCE(x.volume_24h_btc_normalized, -1) || ',' || COALESCE(x.trust_score_rank, 0)",
            "x.id",
            "1 = 0",
        ),
    ]


def _scope_sql(column: str, exchange_ids: Sequence[int] | None, id_range: tuple[int, int] | None) -> tuple[str, list]:
    where, params = _where_ids(column, exchange_ids, id_range, superset=True)
    return (" AND" + where.removeprefix(" WHERE")) if where else "", params


EXCHANGE_TEXT = "e.name || '|' || e.size_tier_by_hand || '|' || e.size_source || '|' || e.is_do_not_pursue"


def fingerprint_sql(
    *, salt: str, exchange_ids: Sequence[int] | None = None, id_range: tuple[int, int] | None = None
) -> tuple[str, list]:
    """PostgreSQL: one statement giving (exchange_id, fingerprint, is_time_dependent) for the
    given exchanges, computed in the database, so checking 100,000 unchanged exchanges moves no
    facts to Python. Each evidence row is hashed (64 bits, with its table's letter) and the hashes
    of one exchange combined by XOR with their count: no sort, and PostgreSQL can split the scan
    over parallel workers."""
    ids = sorted(set(exchange_ids)) if exchange_ids is not None else None
    selects, params = [], []
    for letter, (rows, text, _order, is_dated) in zip("apsevm", _evidence_parts(), strict=True):
        scope, scope_params = _scope_sql("x.exchange_id", ids, id_range)
        selects.append(
            f"SELECT x.exchange_id, hashtextextended('{letter}' || {text}, 0) AS h, ({is_dated}) AS dated "
            f"FROM {rows}{scope}"
        )
        params.extend(scope_params)
    exchanges = f"{Exchange._meta.db_table} e"
    if ids is not None:
        # Joined to the id array: `e.id = ANY` walked the whole index (8 ms for 2,000 ids).
        where, where_params = "", []
        # The range beside it lets PostgreSQL read only that part of the table's index.
        exchanges = f"unnest(%s::bigint[]) AS w(id) JOIN {exchanges} ON e.id = w.id AND e.id BETWEEN %s AND %s"
        params = [id_array(ids), min(ids, default=0), max(ids, default=0), *params]
    else:
        where, where_params = _where_ids("e.id", ids, id_range)
    sql = (
        f"SELECT e.id AS exchange_id, md5(%s || '|' || {EXCHANGE_TEXT} || '|' || COALESCE(u.h, 0) || '|' "
        "|| COALESCE(u.n, 0)) AS fingerprint, COALESCE(u.dated, false) AS is_time_dependent "
        f"FROM {exchanges} LEFT JOIN (SELECT r.exchange_id, bit_xor(r.h) AS h, count(*) AS n, "
        f"bool_or(r.dated) AS dated FROM ({' UNION ALL '.join(selects)}) r GROUP BY r.exchange_id) u "
        f"ON u.exchange_id = e.id{where}"
    )
    return sql, [salt, *params, *where_params]


def fingerprints(
    *, salt: str, exchange_ids: Sequence[int] | None = None, id_range: tuple[int, int] | None = None
) -> dict[int, Fingerprint]:
    """The fingerprint of each given exchange (ids, an inclusive id range, or all). On PostgreSQL
    computed in the database; elsewhere the same rows are hashed in Python."""
    if connection.vendor == "postgresql":
        sql, params = fingerprint_sql(salt=salt, exchange_ids=exchange_ids, id_range=id_range)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {exchange_id: Fingerprint(digest, dated) for exchange_id, digest, dated in cursor.fetchall()}
    ids = sorted(set(exchange_ids)) if exchange_ids is not None else None
    texts: dict[int, list[str]] = {}
    dated: dict[int, bool] = {}
    with connection.cursor() as cursor:
        where, params = _where_ids("e.id", ids, id_range)
        cursor.execute(f"SELECT e.id, {EXCHANGE_TEXT} FROM {Exchange._meta.db_table} e{where}", params)
        for exchange_id, text in cursor.fetchall():
            texts[exchange_id] = [salt, text]
            dated[exchange_id] = False
        for rows, text, order, is_dated in _evidence_parts():
            scope, params = _scope_sql("x.exchange_id", ids, id_range)
            cursor.execute(
                f"SELECT x.exchange_id, {text}, CASE WHEN {is_dated} THEN 1 ELSE 0 END FROM {rows}{scope} "
                f"ORDER BY x.exchange_id, {order}",
                params,
            )
            part: dict[int, list[str]] = defaultdict(list)
            for exchange_id, row_text, row_dated in cursor.fetchall():
                part[exchange_id].append(row_text)
                if row_dated and exchange_id in dated:
                    dated[exchange_id] = True
            for exchange_id, pieces in texts.items():
                pieces.append(";".join(part.get(exchange_id, ())))
    return {
        exchange_id: Fingerprint(hashlib.md5("|".join(pieces).encode()).hexdigest(), dated[exchange_id])
        for exchange_id, pieces in texts.items()
    }
