"""Identifier entities resolved deterministically: the same IBAN, account number at one bank,
vehicle registration, wallet address or online handle is one thing, whoever recorded it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from nexus.policy import Reader
from nexus.resolve.normalise import normalise_account, normalise_iban
from nexus.store import ID_PROP, LinkRecord

__all__ = [
    "THING_KINDS",
    "Identifier",
    "ThingKind",
    "ThingRecord",
    "identifier_links",
    "identify",
    "thing_records",
]


@dataclass(frozen=True)
class ThingKind:
    """Things of one schema (descendants included) and the properties their keys come from."""

    name: str  # in reports: "bank account"
    schema: str
    props: tuple[str, ...]


THING_KINDS = (
    ThingKind("bank account", "BankAccount", ("iban", "accountNumber", "bankName", "bic")),
    ThingKind("vehicle", "Vehicle", ("registrationNumber", "imoNumber")),
    ThingKind("crypto wallet", "CryptoWallet", ("publicKey", "cryptoAddress", "currency")),
    ThingKind("online account", "UserAccount", ("service", "username")),
)


@dataclass
class ThingRecord:
    """One source entity with an identifier, its values and the markings of what was read."""

    id: str
    kind: str
    dataset: str
    values: dict[str, list[str]] = field(default_factory=dict)
    evidence: set[int] = field(default_factory=set)

    def first(self, prop: str) -> str | None:
        return next(iter(self.values.get(prop, [])), None)


@dataclass(frozen=True)
class Identifier:
    """A thing's normalised identifier: `key` is compared, `feature` and `value` explain it."""

    key: str  # "iban:PK36SCBL0000001123456702", "account:HABB:1276878719132753", …
    feature: str  # "IBAN", "Account number", "Registration number", …
    value: str  # as shown to analysts: the IBAN, "1276878719132753 at HABB"


def thing_records(reader: Reader, kinds: Sequence[ThingKind] = THING_KINDS) -> list[ThingRecord]:
    """Every identifier entity the reader may see, by kind, with its markings."""
    records: dict[str, ThingRecord] = {}
    for kind in kinds:
        for stmt in reader.iter_statements(schema=kind.schema):
            record = records.get(stmt.entity_id)
            if record is None:
                record = records[stmt.entity_id] = ThingRecord(
                    stmt.entity_id, kind.name, stmt.dataset
                )
            record.evidence.add(stmt.marking_id)
            if stmt.prop != ID_PROP and stmt.prop in kind.props:
                record.values.setdefault(stmt.prop, []).append(stmt.value)
    return [records[key] for key in sorted(records)]


# -- keys ----------------------------------------------------------------------------------------

_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")
_BANK_CODE = re.compile(r"^[A-Z]{4}$")  # the bank part of a BIC, and of many IBANs (PK, GB, …)
_HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]+$")


def _compact(text: str | None) -> str:
    return _NOT_ALNUM.sub("", text.upper()) if text else ""


def _iban_bank(iban: str) -> tuple[str, str] | None:
    """(bank code, account part) of an IBAN whose bank code is four letters (PK, GB, …)."""
    code = iban[4:8]
    return (code, iban[8:]) if _BANK_CODE.match(code) else None


def _account_iban(record: ThingRecord) -> str | None:
    for value in [*record.values.get("iban", []), *record.values.get("accountNumber", [])]:
        iban = normalise_iban(value)
        if iban is not None:
            return iban
    return None


def _bank_codes(records: Iterable[ThingRecord]) -> dict[str, str]:
    """Bank name (compacted) -> bank code, learnt from records that carry both a name and an IBAN
    or BIC: "HBL" and "Habib Bank Limited" -> HABB. A name whose records disagree (fewer than
    two in three on one code) is left out.
    """
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for record in records:
        names = {_compact(n) for n in record.values.get("bankName", [])} - {""}
        if not names:
            continue
        iban = _account_iban(record)
        parts = _iban_bank(iban) if iban else None
        code = parts[0] if parts else _compact(record.first("bic"))[:4]
        if _BANK_CODE.match(code):
            for name in names:
                seen[name][code] += 1
    codes = {}
    for name, counts in seen.items():
        code, count = counts.most_common(1)[0]
        if 3 * count >= 2 * sum(counts.values()):
            codes[name] = code
    return codes


def _account_keys(records: Sequence[ThingRecord]) -> dict[str, Identifier]:
    """IBAN when there is one; else the account number at its bank (the bank's code from the
    BIC or from the name, else the name), which joins the IBAN whose bank code and account part
    it is (goAML writes the local number beside the IBAN, some extracts the local number only).
    """
    codes = _bank_codes(records)
    keys: dict[str, Identifier] = {}
    by_local: dict[str, set[str]] = defaultdict(set)  # "account:HABB:123…" -> IBANs
    for record in records:
        iban = _account_iban(record)
        if iban is not None:
            keys[record.id] = Identifier(f"iban:{iban}", "IBAN", iban)
            parts = _iban_bank(iban)
            if parts is not None:
                by_local[f"account:{parts[0]}:{parts[1]}"].add(iban)
    for record in records:
        if record.id in keys:
            continue
        number = normalise_account(record.first("accountNumber"))
        bic = _compact(record.first("bic"))
        name = _compact(record.first("bankName"))
        bank = bic[:4] if _BANK_CODE.match(bic[:4]) else codes.get(name, name)
        if not number or not bank:
            continue  # a number without its bank identifies nothing
        local = f"account:{bank}:{number}"
        ibans = by_local.get(local, set())
        if len(ibans) == 1:
            iban = next(iter(ibans))
            keys[record.id] = Identifier(f"iban:{iban}", "Account number", f"{number} = {iban}")
        else:
            keys[record.id] = Identifier(local, "Account number", f"{number} at {bank}")
    return keys


def _vehicle_key(record: ThingRecord) -> Identifier | None:
    imo = _compact(record.first("imoNumber")).removeprefix("IMO")
    if imo:
        return Identifier(f"imo:{imo}", "IMO number", f"IMO{imo}")
    registration = _compact(record.first("registrationNumber"))
    if not registration:
        return None
    return Identifier(f"vehicle:{registration}", "Registration number", registration)


def _wallet_key(record: ThingRecord) -> Identifier | None:
    address = (record.first("publicKey") or record.first("cryptoAddress") or "").strip()
    if not address:
        return None
    # Hexadecimal addresses (Ethereum and its kin) are case-insensitive; base58 ones are not.
    if _HEX_ADDRESS.match(address):
        address = address.lower()
    return Identifier(f"wallet:{address}", "Wallet address", address)


def _handle_key(record: ThingRecord) -> Identifier | None:
    service = (record.first("service") or "").strip().casefold()
    username = (record.first("username") or "").strip().casefold().removeprefix("@")
    if not service or not username:
        return None
    return Identifier(f"user:{service}:{username}", "Username", f"{username} on {service}")


_SINGLE: Mapping[str, Callable[[ThingRecord], Identifier | None]] = {
    "vehicle": _vehicle_key,
    "crypto wallet": _wallet_key,
    "online account": _handle_key,
}


def identify(records: Sequence[ThingRecord]) -> dict[str, Identifier]:
    """Record id -> its normalised identifier (records without one are left out)."""
    keys = _account_keys([r for r in records if r.kind == "bank account"])
    for record in records:
        function = _SINGLE.get(record.kind)
        if function is not None and (key := function(record)) is not None:
            keys[record.id] = key
    return keys


def identifier_links(
    records: Sequence[ThingRecord],
    keys: Mapping[str, Identifier],
    run: str,
    new: set[str] | None = None,
) -> list[LinkRecord]:
    """Matches (probability 1.0) joining the records that share an identifier: each to the
    first of its group, the evidence being both records' markings. With `new`, only groups
    holding a new record are linked (the others were linked by an earlier run).
    """
    groups: dict[str, list[ThingRecord]] = defaultdict(list)
    for record in records:
        if record.id in keys:
            groups[keys[record.id].key].append(record)
    links = []
    for members in groups.values():
        if len(members) < 2 or (new is not None and not any(m.id in new for m in members)):
            continue
        first, *others = sorted(members, key=lambda r: r.id)
        for other in others:
            left, right = keys[first.id], keys[other.id]
            explanation = {  # the fields of nexus.resolve.pairs.FeatureExplanation
                "feature": right.feature if right.feature != "IBAN" else left.feature,
                "level": "exact match",
                "weight": None,
                "left": left.value,
                "right": right.value,
            }
            links.append(
                LinkRecord(
                    first.id,
                    other.id,
                    1.0,
                    "match",
                    frozenset(first.evidence | other.evidence),
                    (explanation,),
                    run,
                )
            )
    return links
