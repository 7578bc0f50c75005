"""The SOQL subset the fake org answers, as the product sends it:

    SELECT f1, Rel.f2, ... | COUNT() FROM Object
        [WHERE cond [AND cond ...]] [ORDER BY f [ASC|DESC][, ...]] [LIMIT n]

where a condition is `field op value`, op one of = != > >= < <=, and value null, true, false, a
number, a 'quoted string' or a datetime literal (2026-12-01T09:30:00Z, with optional milliseconds
and an offset such as +00:00 or +0000), compared as Salesforce does: datetimes as instants.
A selected field may walk a child-to-parent relationship (Owner.Email: the Email of the User the
Opportunity's OwnerId points to), answered nested (REST) or as a dotted column (Bulk CSV).
Anything else is MALFORMED_QUERY, as the org would refuse it."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass

QUERY = re.compile(
    r"SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<object>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+ORDER\s+BY\s+(?P<order>.+?))?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?",
    re.IGNORECASE | re.DOTALL,
)
CONDITION = re.compile(r"(\w+)\s*(!=|>=|<=|=|>|<)\s*(null|true|false|'(?:[^'\\]|\\.)*'|[\w:.+\-]+)", re.IGNORECASE)
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})$")


class SoqlError(ValueError):
    pass


@dataclass(frozen=True)
class Query:
    object_name: str
    fields: tuple[str, ...]  # empty for COUNT()
    conditions: tuple[tuple[str, str, object], ...]
    order: tuple[tuple[str, bool], ...]  # (field, descending)
    limit: int | None

    @property
    def is_count(self) -> bool:
        return not self.fields


def to_instant(text: str) -> datetime.datetime | None:
    """A datetime as Salesforce writes it (REST +0000, CSV Z, SOQL literal) as an aware instant."""
    if not isinstance(text, str) or not DATETIME.match(text.replace("+0000", "+00:00")):
        return None
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace("+0000", "+00:00"))


def _value(token: str) -> object:
    lowered = token.lower()
    if lowered == "null":
        return None
    if lowered in ("true", "false"):
        return lowered == "true"
    if token.startswith("'"):
        return token[1:-1].replace("\\'", "'")
    instant = to_instant(token)
    if instant is not None:
        return instant
    try:
        return float(token)
    except ValueError:
        raise SoqlError(f"unexpected token: {token}") from None


def parse(soql: str) -> Query:
    match = QUERY.fullmatch(soql.strip())
    if not match:
        raise SoqlError(soql)
    fields_text = match.group("fields").strip()
    fields = () if fields_text.upper() == "COUNT()" else tuple(f.strip() for f in fields_text.split(","))
    conditions = []
    if match.group("where"):
        for part in re.split(r"\s+AND\s+", match.group("where").strip(), flags=re.IGNORECASE):
            condition = CONDITION.fullmatch(part.strip())
            if not condition:
                raise SoqlError(f"unexpected condition: {part}")
            conditions.append((condition.group(1), condition.group(2), _value(condition.group(3))))
    order = []
    if match.group("order"):
        for part in match.group("order").split(","):
            words = part.split()
            order.append((words[0], len(words) > 1 and words[1].upper() == "DESC"))
    limit = int(match.group("limit")) if match.group("limit") else None
    return Query(match.group("object"), fields, tuple(conditions), tuple(order), limit)


def _comparable(value: object) -> object:
    instant = to_instant(value) if isinstance(value, str) else None
    if instant is not None:
        return instant
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _holds(record: dict, field: str, op: str, wanted: object) -> bool:
    value = record.get(field)
    if wanted is None:
        return (value is None) if op == "=" else (value is not None) if op == "!=" else False
    if value is None:
        return op == "!="
    have = _comparable(value)
    if isinstance(wanted, float) and isinstance(have, int | float | bool):
        have = float(have)
    try:
        return {
            "=": have == wanted,
            "!=": have != wanted,
            ">": have > wanted,
            ">=": have >= wanted,
            "<": have < wanted,
            "<=": have <= wanted,
        }[op]
    except TypeError:
        return False


# (object, record, relationship name) -> (the parent's object, the parent record), or None.
Parent = Callable[[str, dict, str], tuple[str, dict] | None]


def run(query: Query, records: list[dict], *, parent: Parent | None = None, nested: bool = False) -> list[dict]:
    """The records the query selects, in its order, with only the fields it names. A relationship
    field ("Owner.Email") is read through `parent`: as REST answers it when `nested` (the parent as an
    object with its attributes and the fields asked, or null when there is none), else as a Bulk
    query's CSV names it (one "Owner.Email" column, empty when there is no parent)."""
    chosen = [r for r in records if all(_holds(r, f, op, v) for f, op, v in query.conditions)]
    for field, descending in reversed(query.order):
        chosen.sort(
            key=lambda r, f=field: (r.get(f) is None, "" if r.get(f) is None else _comparable(r.get(f))),
            reverse=descending,
        )
    if query.limit is not None:
        chosen = chosen[: query.limit]
    if nested:
        return [_nested(query.object_name, r, query.fields, parent) for r in chosen]
    return [{f: _walk(query.object_name, r, f, parent) for f in query.fields} for r in chosen]


def _walk(object_name: str, record: dict, path: str, parent: Parent | None) -> object:
    """A field's value; "Rel.Field" through the record the relationship points to (None if none)."""
    relationship, _, rest = path.partition(".")
    if not rest:
        return record.get(path)
    found = parent(object_name, record, relationship) if parent else None
    return None if found is None else _walk(*found, rest, parent)


def _nested(object_name: str, record: dict, paths: tuple[str, ...], parent: Parent | None) -> dict:
    """A record as REST answers it: a relationship's fields inside the parent's own object, e.g.
    "Owner": {"attributes": {"type": "User", "url": ...}, "Email": ...}, or "Owner": null."""
    out: dict = {}
    through: dict[str, list[str]] = {}  # relationship -> the paths asked through it, in the query's order
    for path in paths:
        relationship, _, rest = path.partition(".")
        if rest:
            through.setdefault(relationship, []).append(rest)
            out.setdefault(relationship, None)  # its place among the fields
        else:
            out[path] = record.get(path)
    for relationship, rests in through.items():
        found = parent(object_name, record, relationship) if parent else None
        if found is not None:
            to, parent_record = found
            attributes = {"type": to, "url": f"/services/data/v62.0/sobjects/{to}/{parent_record['Id']}"}
            out[relationship] = {"attributes": attributes, **_nested(to, parent_record, tuple(rests), parent)}
    return out
