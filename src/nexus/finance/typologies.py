"""Typology detectors: one small named function per laundering pattern, each turning its SQL
candidates into Findings whose reasons quote the facts; and the scan that runs them all.

The SQL lives in the engine's dialect module (nexus.finance.sql); parameters in settings.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import IO, Any

from nexus.finance.evidence import EVIDENCE
from nexus.finance.findings import Finding
from nexus.finance.sql import (
    DETECTOR_NAMES,
    AccountProfile,
    Candidates,
    TransactionEngine,
    TransactionRow,
)
from nexus.settings import TypologySettings

__all__ = [
    "ALERT_COLUMNS",
    "DETECTORS",
    "alert_id",
    "reconcile",
    "scan",
    "write_alerts",
]

ALERT_COLUMNS: tuple[str, ...] = (
    "alert_id",
    "typology",
    "score",
    "transaction_ids",
    "accounts",
    "reason",
)
DAY = 86_400
# An alert mostly made of transactions a more specific alert already holds adds nothing.
COVERED = 0.8
# Most specific explanation first. Money passed through again and again describes an account
# that many paid (or that paid many) in those episodes better than a fan does; a fan of ten or
# more counterparties is a fan first, but a sleeper's burst to or from a handful is the sleeper;
# one episode of money in and out again is the loosest description of all.
WIDE_FAN = 10
SPECIFICITY = (
    "structuring",
    "hawala",
    "cycle",
    "scatter_gather",
    "pass_through",
    "fan_in_wide",
    "fan_out_wide",
    "dormant",
    "fan_in",
    "fan_out",
    "high_risk",
    "pass_through_once",
)
# Candidate columns holding account keys and moments (epoch seconds), shown readably.
ACCOUNT_KEYS = frozenset({"acc", "partner", "destination"})
MOMENT_KEYS = frozenset({"first_ts", "last_ts", "t_from", "t_to"})


@dataclass(frozen=True)
class _Context:
    """What a detector needs besides its own candidates: the transactions and account names."""

    found: Candidates
    rows: Mapping[int, TransactionRow]
    accounts: Mapping[int, str]
    settings: TypologySettings
    entity_of: Mapping[str, str]
    profiles: Mapping[int, AccountProfile]

    def members(self, row: Mapping[str, Any]) -> list[TransactionRow]:
        numbers = sorted(set(self.found.members.get(int(row["k"]), [])))
        return [self.rows[n] for n in numbers if n in self.rows]

    def account(self, key: Any) -> str:
        return self.accounts.get(int(key), str(key))

    def finding(
        self,
        kind: str,
        row: Mapping[str, Any],
        score: float,
        reasons: Sequence[str],
        core: Sequence[Any],
    ) -> Finding:
        members = self.members(row)
        accounts = [self.account(a) for a in core]
        for t in members:
            for side in (t.payer, t.beneficiary):
                if side != "CASH" and side not in accounts:
                    accounts.append(side)
        details = {k: self._detail(k, v) for k, v in row.items() if k != "k"}
        # What the alert is about, so that a later scan of more data updates it: the typology
        # and the accounts at its core (not its transactions, which grow).
        subjects = [self.entity_of.get(a, a) for a in accounts[: len(core)]]
        details["key"] = f"{kind}:{'+'.join(subjects)}"
        details["graph"] = self.neighbourhood(core)
        return Finding(
            kind=kind,
            score=round(min(max(score, 0.0), 1.0), 3),
            reasons=tuple(reasons),
            transactions=tuple(t.id for t in members),
            entities=tuple(self.entity_of.get(a, a) for a in accounts),
            details=details,
        )

    def neighbourhood(self, core: Sequence[Any]) -> dict[str, float]:
        """The core accounts' place in the whole extract, beyond the pattern's own transfers:
        the widest fan of payers and of payees, transfers and PKR each way, how evenly money
        in was matched by money out (1 = all of it left again), and the longest active span."""
        found = [self.profiles[int(a)] for a in core if int(a) in self.profiles]
        if not found:
            return {}
        received = sum(p.received for p in found)
        sent = sum(p.sent for p in found)
        return {
            "payers": max(p.payers for p in found),
            "payees": max(p.payees for p in found),
            "received_count": sum(p.received_count for p in found),
            "sent_count": sum(p.sent_count for p in found),
            "received": round(received, 2),
            "sent": round(sent, 2),
            "balance": round(min(received, sent) / max(received, sent, 1.0), 3),
            "span_days": round(max(p.span for p in found) / DAY, 2),
        }

    def _detail(self, key: str, value: Any) -> Any:
        """A figure as an analyst reads it: accounts by number, moments as dates and times."""
        if value is None:
            return None
        if key in ACCOUNT_KEYS:
            return self.account(value)
        if key in MOMENT_KEYS:
            return dt.datetime.fromtimestamp(int(value), dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return round(value, 2) if isinstance(value, float) else value


def _pkr(value: float) -> str:
    return f"PKR {value:,.0f}"


def _days(seconds: float) -> str:
    days = seconds / DAY
    return f"{days:.1f} days" if days < 10 else f"{days:.0f} days"


def _date(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d")


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def _strength(value: float, full: float) -> float:
    """0..1: how far `value` goes towards `full` (the point where it is unmistakable)."""
    return 0.0 if full <= 0 else min(max(value / full, 0.0), 1.0)


def _evidence(kind: str, row: Mapping[str, Any], threshold: float) -> tuple[float, str]:
    """An evidence-scored candidate's score and the reason that says what drove it."""
    evidence = EVIDENCE[kind]
    values = {f.name: float(row[f"f_{f.name}"]) for f in evidence.features}
    drivers = evidence.drivers(values)
    told = ", ".join(f"{f.meaning} ({values[f.name]:.2f})" for f, _ in drivers)
    score = float(row["evidence"])
    return score, (
        f"evidence {score:.2f} (alerts from {threshold:.2f})"
        + (f", driven by {told}" if told else "")
    )


def _score(*strengths: float) -> float:
    """Every alert has met its detector's conditions (0.5); the strengths say by how much."""
    return 0.5 + 0.5 * sum(strengths) / len(strengths)


# -- detectors -----------------------------------------------------------------------------------
def structuring(c: _Context) -> list[Finding]:
    p = c.settings.structuring
    out = []
    for row in c.found.rows:
        deposits, branches, days = int(row["deposits"]), int(row["branches"]), int(row["days"])
        reasons = [
            f"{deposits} cash deposits into {c.account(row['acc'])} of "
            f"{_pkr(row['smallest'])} to {_pkr(row['largest'])}, each just under the "
            f"{_pkr(p.threshold_pkr)} reporting threshold",
            f"made on {days} day(s) at {branches} branch(es) between {_date(row['first_ts'])} "
            f"and {_date(row['last_ts'])}, together {_pkr(row['total'])}",
            f"{deposits} of the {int(row['cash_deposits'])} cash deposits into the account in "
            "that time were just under the threshold",
        ]
        score = _score(
            _strength(deposits - 1, 8),
            _strength(branches - 1, 3),
            _strength(row["total"], 4 * p.threshold_pkr),
        )
        out.append(c.finding("structuring", row, score, reasons, [row["acc"]]))
    return out


def _fan(c: _Context, kind: str) -> list[Finding]:
    p = c.settings.fan_in if kind == "fan_in" else c.settings.fan_out
    out = []
    for row in c.found.rows:
        acc = c.account(row["acc"])
        parties, total = int(row["parties"]), float(row["total"])
        span = _days(max(row["last_ts"] - row["first_ts"], 1))
        if kind == "fan_in":
            reasons = [f"{parties} different accounts paid {acc} {_pkr(total)} within {span}"]
        else:
            reasons = [f"{acc} paid {parties} different accounts {_pkr(total)} within {span}"]
        if row["newness_known"]:
            reasons.append(
                f"{int(row['new_parties'])} of them first appear within "
                f"{p.new_account_days:.0f} days before"
            )
        reasons.append(
            f"{int(row['repeats'])} of them dealt with the account in the "
            f"{p.lookback_days:.0f} days before or after"
        )
        moved = float(row["moved"])
        if kind == "fan_in":
            reasons.append(
                f"{_pkr(moved)} ({moved / total:.0%}) left the account within "
                f"{p.onward_days:.0f} days in {int(row['moves'])} transfer(s)"
            )
        else:
            reasons.append(
                f"funded by {_pkr(moved)} received in {int(row['moves'])} transfer(s) "
                f"up to {p.onward_days:.0f} days before"
            )
        if row["oneoff"]:
            reasons.append(
                f"{int(row['oneoff'])} of them make at most three transfers in the whole extract"
            )
        score, told = _evidence(kind, row, p.min_evidence)
        reasons.append(told)
        if row["textbook"] and score < p.min_evidence:
            # The classic bounds alone decide it; its score says how the features judge it.
            score, moving = p.min_evidence, "moved on" if kind == "fan_in" else "funded"
            reasons.append(
                f"a textbook {kind.replace('_', '-')}: at least {p.textbook_counterparties} "
                f"counterparties, at most {p.textbook_repeat_share:.0%} seen before or after, "
                f"{p.textbook_onward_share:.0%} or more {moving}, at "
                f"{p.textbook_burst:.0f} times its usual pace or more, with "
                f"{p.textbook_history_days:.0f} days of its business seen before"
            )
        out.append(c.finding(kind, row, score, reasons, [row["acc"]]))
    return out


def fan_in(c: _Context) -> list[Finding]:
    return _fan(c, "fan_in")


def fan_out(c: _Context) -> list[Finding]:
    return _fan(c, "fan_out")


def cycle(c: _Context) -> list[Finding]:
    p = c.settings.cycle
    out = []
    for row in c.found.rows:
        members = sorted(c.members(row), key=lambda t: t.ts)
        path = [members[0].payer, *(t.beneficiary for t in members)] if members else []
        sent, returned = float(row["sent"]), float(row["returned"])
        worst = max(
            (1 - b.pkr / a.pkr for a, b in itertools.pairwise(members) if a.pkr),
            default=0.0,
        )
        reasons = [
            f"{_pkr(sent)} left {c.account(row['acc'])} and {_pkr(returned)} came back to it "
            f"through {int(row['intermediaries'])} other accounts: {' → '.join(path)}",
            f"round trip of {_days(row['last_ts'] - row['first_ts'])}; each hop kept at least "
            f"{1 - worst:.1%} of the amount",
        ]
        score = _score(
            _strength(int(row["intermediaries"]), 4),
            1 - _strength(worst, p.max_decay),
            _strength(sent, 10 * p.min_amount_pkr),
        )
        out.append(c.finding("cycle", row, score, reasons, [row["acc"]]))
    return out


def scatter_gather(c: _Context) -> list[Finding]:
    p = c.settings.scatter_gather
    out = []
    for row in c.found.rows:
        middle = int(row["intermediaries"])
        scattered, gathered = float(row["scattered"]), float(row["gathered"])
        reasons = [
            f"{c.account(row['acc'])} paid {middle} accounts {_pkr(scattered)} and each passed "
            f"it on to {c.account(row['destination'])} ({_pkr(gathered)} in all)",
            f"from first payment to last onward transfer: "
            f"{_days(row['last_ts'] - row['first_ts'])}; the intermediaries kept "
            f"{1 - gathered / scattered:.1%}",
        ]
        score = _score(
            _strength(middle, 2 * p.min_intermediaries),
            _strength(gathered, scattered),
            _strength(scattered, 20 * p.min_amount_pkr),
        )
        out.append(
            c.finding("scatter_gather", row, score, reasons, [row["acc"], row["destination"]])
        )
    return out


def pass_through(c: _Context) -> list[Finding]:
    p = c.settings.pass_through
    out = []
    for row in c.found.rows:
        episodes = int(row["episodes"])
        money_in, money_out = float(row["money_in"]), float(row["money_out"])
        when = (
            f"{episodes} times between {_date(row['first_ts'])} and {_date(row['last_ts'])}"
            if episodes > 1
            else f"on {_date(row['first_ts'])}"
        )
        reasons = [
            f"{when} money reached {c.account(row['acc'])} and left again within days "
            f"(longest stay {_days(row['longest'])})",
            f"{_pkr(money_in)} in, {_pkr(money_out)} out: "
            f"{1 - money_out / money_in:.1%} stayed in the account",
        ]
        if row["oneoff"]:
            reasons.append(
                f"{int(row['oneoff'])} of its {int(row['parties'])} counterparties in them make "
                "at most three transfers in the whole extract"
            )
        score, told = _evidence("pass_through", row, p.min_evidence)
        reasons.append(told)
        out.append(c.finding("pass_through", row, score, reasons, [row["acc"]]))
    return out


def hawala(c: _Context) -> list[Finding]:
    p = c.settings.hawala
    out = []
    for row in c.found.rows:
        members = c.members(row)
        partner = c.account(row["partner"])
        country = next(
            (
                t.payer_country if t.payer == partner else t.beneficiary_country
                for t in members
                if partner in (t.payer, t.beneficiary)
            ),
            "abroad",
        )
        collected, paid = float(row["collected"]), float(row["paid"])
        settled, net = float(row["settled_net"]), collected - float(row["reversed"])
        reasons = [
            f"{c.account(row['acc'])} took {int(row['collections'])} small payments "
            f"({_pkr(collected)}) while {partner} ({country.upper()}) paid "
            f"{int(row['payouts'])} beneficiaries {_pkr(paid)}",
            f"{int(row['settlements'])} transfers between the two (net {_pkr(settled)} from "
            f"home to abroad) settle the difference of the two books ({_pkr(net)})",
        ]
        if row["reverse"]:
            reasons.append(
                f"{int(row['reverse'])} small payments from {c.account(row['acc'])} at home "
                f"({_pkr(float(row['reversed']))}): the reverse leg"
            )
        mismatch = max(abs(paid / collected - 1), abs(settled - net) / collected)
        score = _score(
            _strength(int(row["collections"]), 3 * p.min_collections),
            _strength(int(row["settlements"]), 4),
            1 - _strength(mismatch, p.max_mismatch),
        )
        out.append(c.finding("hawala", row, score, reasons, [row["acc"], row["partner"]]))
    return out


def dormant(c: _Context) -> list[Finding]:
    p = c.settings.dormant
    out = []
    for row in c.found.rows:
        money_in, money_out = float(row["money_in"]), float(row["money_out"])
        reasons = [
            f"{c.account(row['acc'])} had no transaction for {_days(row['silent'])} before "
            f"{_date(row['first_ts'])} (or none since the data begin)",
            f"then within {_days(max(row['last_ts'] - row['first_ts'], 1))} it received "
            f"{_pkr(money_in)} and sent {_pkr(money_out)} on in {int(row['transfers'])} transfers",
        ]
        score = _score(
            _strength(row["silent"], 2 * p.dormant_days * DAY),
            _strength(money_in, 5 * p.min_amount_pkr),
            _strength(money_out, money_in),
        )
        out.append(c.finding("dormant", row, score, reasons, [row["acc"]]))
    return out


def high_risk(c: _Context) -> list[Finding]:
    p = c.settings.high_risk
    out = []
    for row in c.found.rows:
        members = c.members(row)
        countries = sorted(
            {t.payer_country for t in members} | {t.beneficiary_country for t in members}
        )
        risky = [x.upper() for x in countries if x in {j.lower() for j in p.jurisdictions}]
        reasons = [
            f"{int(row['transfers'])} transfers ({_pkr(row['total'])}) between "
            f"{c.account(row['acc'])} and {int(row['counterparties'])} account(s) in "
            f"{', '.join(risky)} ({_plural(len(risky), 'a high-risk jurisdiction', 'high-risk')})",
            f"from {_date(row['first_ts'])} to {_date(row['last_ts'])}",
        ]
        score = _score(
            _strength(row["total"], 10 * p.min_total_pkr), _strength(int(row["transfers"]), 5)
        )
        out.append(c.finding("high_risk", row, score, reasons, [row["acc"]]))
    return out


DETECTORS: dict[str, Callable[[_Context], list[Finding]]] = {
    "structuring": structuring,
    "hawala": hawala,
    "cycle": cycle,
    "scatter_gather": scatter_gather,
    "fan_in": fan_in,
    "fan_out": fan_out,
    "high_risk": high_risk,
    "pass_through": pass_through,
    "dormant": dormant,
}
assert tuple(DETECTORS) == DETECTOR_NAMES


# -- the scan ------------------------------------------------------------------------------------
def _contexts(
    engine: TransactionEngine,
    found: Mapping[str, Candidates],
    settings: TypologySettings,
    entity_of: Mapping[str, str],
) -> dict[str, _Context]:
    """One look-up of every transaction and account the candidates name, shared by all."""
    numbers = [n for c in found.values() for ns in c.members.values() for n in ns]
    rows = engine.transactions(numbers)
    accounts: dict[int, str] = {}
    for t in rows.values():
        for key, account in ((t.payer_key, t.payer), (t.beneficiary_key, t.beneficiary)):
            if key is not None:
                accounts[key] = account
    keys = {
        int(row[col])
        for c in found.values()
        for row in c.rows
        for col in ("acc", "partner", "destination")
        if row.get(col) is not None
    }
    missing = sorted(keys - accounts.keys())
    if missing:
        accounts.update(engine.accounts(missing))
    profiles = engine.account_profiles(sorted(keys))
    return {
        name: _Context(c, rows, accounts, settings, entity_of, profiles)
        for name, c in found.items()
    }


def run_detector(
    engine: TransactionEngine,
    name: str,
    settings: TypologySettings,
    entity_of: Mapping[str, str] | None = None,
) -> list[Finding]:
    """One detector over the engine's transactions."""
    found = {name: engine.detect(name, settings)}
    return DETECTORS[name](_contexts(engine, found, settings, entity_of or {})[name])


def scan(
    engine: TransactionEngine,
    settings: TypologySettings,
    entity_of: Mapping[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Finding]:
    """Every enabled detector over the engine's transactions, reconciled."""
    chosen = [n for n in DETECTOR_NAMES if not settings.detectors or n in settings.detectors]
    found: dict[str, Candidates] = {}
    for name in chosen:
        if progress:
            progress(name)
        found[name] = engine.detect(name, settings)
    if progress:
        progress("explaining")
    contexts = _contexts(engine, found, settings, entity_of or {})
    findings = [f for name in chosen for f in DETECTORS[name](contexts[name])]
    return _with_other_alerts(reconcile(findings))


def _with_other_alerts(findings: Sequence[Finding]) -> list[Finding]:
    """Each alert's count of the other alerts that name one of its accounts (the graph figure
    that tells a lone look-alike from one piece of a laundering network), in `graph`."""
    naming: dict[str, set[int]] = {}
    for index, finding in enumerate(findings):
        for entity in finding.entities:
            naming.setdefault(entity, set()).add(index)
    out = []
    for index, finding in enumerate(findings):
        others = set().union(*(naming[e] for e in finding.entities)) - {index}
        graph = {**finding.details.get("graph", {}), "other_alerts": len(others)}
        out.append(replace(finding, details={**finding.details, "graph": graph}))
    return out


def reconcile(findings: Iterable[Finding]) -> list[Finding]:
    """Keep the most specific explanation of each set of transactions: in SPECIFICITY order, an
    alert whose transactions are mostly held by one alert already kept is dropped, and that
    alert notes the other typology it also fits. Then strongest first."""

    def specificity(f: Finding) -> int:
        if f.kind == "pass_through" and int(f.details.get("episodes", 1)) < 2:
            return SPECIFICITY.index("pass_through_once")
        if f.kind in ("fan_in", "fan_out") and int(f.details.get("parties", 0)) >= WIDE_FAN:
            return SPECIFICITY.index(f"{f.kind}_wide")
        return SPECIFICITY.index(f.kind) if f.kind in SPECIFICITY else len(SPECIFICITY)

    ranked = sorted(findings, key=lambda f: (specificity(f), -f.score))
    kept: list[Finding] = []
    held: dict[str, int] = {}
    also: dict[int, set[str]] = {}
    for finding in ranked:
        owners = Counter(held[t] for t in finding.transactions if t in held)
        if owners:
            owner, shared = owners.most_common(1)[0]
            if shared >= COVERED * len(finding.transactions):
                also.setdefault(owner, set()).add(finding.kind)
                continue
        index = len(kept)
        kept.append(finding)
        for t in finding.transactions:
            held.setdefault(t, index)
    result = []
    for index, finding in enumerate(kept):
        if index in also:
            kinds = sorted(also[index] - {finding.kind})
            if kinds:
                details = {**finding.details, "also_matches": kinds}
                reasons = (*finding.reasons, f"also fits: {', '.join(kinds)}")
                finding = replace(finding, details=details, reasons=reasons)
        result.append(finding)
    result.sort(key=lambda f: (-f.score, f.kind, f.transactions[:1]))
    return result


def alert_id(finding: Finding) -> str:
    """Stable: the typology and a hash of the sorted transaction ids."""
    digest = hashlib.sha1(";".join(sorted(finding.transactions)).encode()).hexdigest()[:12]
    return f"{finding.kind}-{digest}"


def alert_row(finding: Finding) -> dict[str, str]:
    return {
        "alert_id": alert_id(finding),
        "typology": finding.kind,
        "score": f"{finding.score:.3f}",
        "transaction_ids": ";".join(finding.transactions),
        "accounts": ";".join(finding.entities),
        "reason": "; ".join(finding.reasons),
    }


def write_alerts(findings: Iterable[Finding], fh: IO[str]) -> int:
    """The alerts CSV: alert_id,typology,score,transaction_ids,accounts,reason."""
    writer = csv.DictWriter(fh, fieldnames=list(ALERT_COLUMNS), lineterminator="\n")
    writer.writeheader()
    count = 0
    for finding in findings:
        writer.writerow(alert_row(finding))
        count += 1
    return count
