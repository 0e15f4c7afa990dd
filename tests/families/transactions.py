"""An independent family of bank transaction extracts with planted laundering patterns.

Built apart from `nexus.scenario` (no shared code or parameter): every seed draws each pattern's
shape from wide ranges taken from the typology literature, not from one generator's habits —

* FATF, "Money Laundering through the Physical Transportation of Cash" (2015) and FATF/Egmont
  "Trade-based Money Laundering" (2020): funnel accounts paid by 4 to several dozen depositors
  within hours to weeks, money moved on quickly; structuring below the reporting threshold
  (Pakistan's FMU: cash of PKR 2 million or more is reported) in 3 to 15 deposits over days at
  one or several branches;
* FATF, "The Role of Hawala and Other Similar Service Providers in ML/TF" (2013): a collector
  at home takes many small payments, a partner abroad pays as many beneficiaries there, the two
  books settled by one or a few transfers (or not across the border at all for a while);
* Altman et al., "Realistic Synthetic Financial Transactions for Anti-Money Laundering Models"
  (AMLworld, NeurIPS 2023): fan-in, fan-out, cycles (2 to about 10 hops), scatter-gather,
  gather-scatter, stacks; laundering accounts that also do ordinary business.

Background traffic of several kinds, in shares drawn per seed: person-to-person payments (most to
a few habitual contacts), merchants' takings from many (returning) payers swept on to suppliers,
payrolls to many payees funded by clients' invoices, cash shops banking their takings daily,
remittances from abroad and to it, cash withdrawals and deposits.

`draw(seed, transactions)` returns the rows (numpy) and the truth; `generate(…, outdir)` writes
`transactions.csv` in the scan layout (`id,timestamp,payer_account,beneficiary_account,amount,
currency,channel,payer_country,beneficiary_country,branch`) and `patterns.json` (pattern id,
typology, transaction ids). `evaluate(findings, family)` scores alerts against the truth the way
tests/finance/test_typologies.py does.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pacsv

from nexus.finance.findings import Finding

THRESHOLD_PKR = 2_000_000  # FMU currency transaction report threshold (cash)
DAYS = 30  # one month; an extract spans one or several
HOUR = 3_600
DAY = 86_400
T0 = 1_709_251_200  # 2024-03-01T00:00:00Z
HOME = "pk"
# Remittance corridors into Pakistan (State Bank figures: Gulf, UK, US, Malaysia).
ABROAD = (("ae", "AED", 76.2), ("sa", "SAR", 74.6), ("gb", "GBP", 355.0), ("us", "USD", 280.0))
CHANNELS = ("cash_deposit", "cash_withdrawal", "wire", "mobile_wallet", "hawala", "other")
CASH = -1
TYPOLOGIES = (
    "structuring",
    "fan_in",
    "fan_out",
    "cycle",
    "scatter_gather",
    "pass_through",
    "hawala",
)
Json = dict[str, Any]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass
class _Rows:
    """Transactions as parallel lists of arrays; `pattern` is -1 for background rows."""

    ts: list[IntArray] = field(default_factory=list)
    payer: list[IntArray] = field(default_factory=list)
    payee: list[IntArray] = field(default_factory=list)
    pkr: list[FloatArray] = field(default_factory=list)
    channel: list[IntArray] = field(default_factory=list)
    branch: list[IntArray] = field(default_factory=list)
    pattern: list[IntArray] = field(default_factory=list)

    def add(
        self,
        ts: Any,
        payer: Any,
        payee: Any,
        pkr: Any,
        channel: Any,
        branch: Any = -1,
        pattern: int = -1,
    ) -> None:
        ts = np.atleast_1d(np.asarray(ts, dtype=np.int64))
        n = len(ts)

        def arr(x: Any, dtype: Any) -> Any:
            return np.broadcast_to(np.asarray(x, dtype=dtype), (n,)).copy()

        self.ts.append(ts)
        self.payer.append(arr(payer, np.int64))
        self.payee.append(arr(payee, np.int64))
        self.pkr.append(arr(pkr, np.float64))
        self.channel.append(arr(channel, np.int64))
        self.branch.append(arr(branch, np.int64))
        self.pattern.append(arr(pattern, np.int64))


@dataclass
class Family:
    """One drawn extract: rows sorted by time, account countries, the planted patterns."""

    seed: int
    ts: IntArray
    payer: IntArray
    payee: IntArray
    pkr: FloatArray
    channel: IntArray
    branch: IntArray
    pattern: IntArray
    country: npt.NDArray[np.int64]  # per account: 0 home, 1.. index into ABROAD + 1
    patterns: list[Json]
    csv: Path | None = None

    @property
    def ids(self) -> list[str]:
        return [f"T{i:08d}" for i in range(len(self.ts))]

    @property
    def laundering(self) -> set[str]:
        return {t for p in self.patterns for t in p["transaction_ids"]}


def _logu(rng: np.random.Generator, low: float, high: float, size: Any = None) -> Any:
    return np.exp(rng.uniform(np.log(low), np.log(high), size))


def _logint(rng: np.random.Generator, low: int, high: int) -> int:
    return int(np.clip(np.round(_logu(rng, low, high + 0.999)), low, high))


def _daytime(rng: np.random.Generator, days: Any) -> Any:
    """Moments on the given day offsets, mostly in business hours."""
    days = np.asarray(days)
    hours = np.clip(rng.normal(13, 3.5, days.shape), 0, 23.99)
    return T0 + (days * DAY + hours * HOUR).astype(np.int64)


class _World:
    """The population: accounts with roles, and a counter for accounts new to the data."""

    def __init__(self, rng: np.random.Generator, accounts: int, days: int = DAYS) -> None:
        self.rng = rng
        self.n = accounts
        self.days = days  # the extract's length
        self._kept: dict[str, Any] = {}
        foreign = max(50, int(accounts * rng.uniform(0.04, 0.08)))
        domestic = accounts - foreign
        order = rng.permutation(domestic)
        merchants = max(10, int(domestic * rng.uniform(0.01, 0.03)))
        employers = max(5, int(domestic * rng.uniform(0.004, 0.01)))
        shops = max(5, int(domestic * rng.uniform(0.005, 0.015)))
        self.merchants = order[:merchants]
        self.employers = order[merchants : merchants + employers]
        self.shops = order[merchants + employers : merchants + employers + shops]
        self.persons = order[merchants + employers + shops :]
        self.foreign = np.arange(domestic, accounts)
        self.country = np.zeros(accounts, dtype=np.int64)
        self.country[self.foreign] = rng.integers(1, len(ABROAD) + 1, foreign)
        self.branches = max(10, accounts // 300)
        self.home_branch = rng.integers(0, self.branches, accounts)
        self.extra_country: list[int] = []

    def fresh(self, abroad: bool = False) -> int:
        """An account new to the data (a mule, a shell); its country at home or abroad."""
        self.extra_country.append(int(self.rng.integers(1, len(ABROAD) + 1)) if abroad else 0)
        return self.n + len(self.extra_country) - 1

    def party(self, fresh_share: float, abroad: bool = False) -> int:
        """A pattern's account: new to the data, or one that also does ordinary business."""
        if self.rng.random() < fresh_share:
            return self.fresh(abroad)
        pool = self.foreign if abroad else self.persons
        return int(self.rng.choice(pool))

    def kept(self, key: str, make: Callable[[], Any]) -> Any:
        """What stays the same from one month to the next (staff, customers, suppliers), drawn
        the first time it is needed."""
        if key not in self._kept:
            self._kept[key] = make()
        return self._kept[key]

    def countries(self) -> npt.NDArray[np.int64]:
        return np.concatenate([self.country, np.asarray(self.extra_country, dtype=np.int64)])


# -- background ----------------------------------------------------------------------------------
def _person_to_person(w: _World, rows: _Rows, count: int, month: int) -> None:
    rng, persons = w.rng, w.persons
    weights = w.kept("p2p", lambda: rng.pareto(1.5, len(persons)) + 1)
    payer_i = rng.choice(len(persons), count, p=weights / weights.sum())
    habitual = rng.random(count) < rng.uniform(0.5, 0.85)
    contact = (payer_i * 7919 + rng.integers(0, 6, count) * 104_729 + 13) % len(persons)
    payee_i = np.where(habitual, contact, rng.integers(0, len(persons), count))
    payee_i = np.where(payee_i == payer_i, (payee_i + 1) % len(persons), payee_i)
    pkr = np.round(rng.lognormal(np.log(_logu(rng, 3_000, 30_000)), 1.2, count), -1) + 10
    channel = np.where(rng.random(count) < 0.5, 2, 3)
    rows.add(
        _daytime(rng, month * DAYS + rng.uniform(0, DAYS, count)),
        persons[payer_i],
        persons[payee_i],
        pkr,
        channel,
    )


def _merchants(w: _World, rows: _Rows, count: int, month: int) -> None:
    """Takings from many payers, most of them returning customers, swept on weekly."""
    rng, persons, m = w.rng, w.persons, w.merchants
    weights = w.kept("merchants", lambda: rng.pareto(1.2, len(m)) + 1)
    which = rng.choice(len(m), count, p=weights / weights.sum())
    pool = w.kept("customers", lambda: rng.integers(30, 3_000, len(m)))
    returning = rng.random(count) < rng.uniform(0.6, 0.95)
    regular = (which * 31_337 + rng.integers(0, 1 << 30, count) % pool[which] * 7_907) % len(
        persons
    )
    payer = persons[np.where(returning, regular, rng.integers(0, len(persons), count))]
    median = w.kept("takings", lambda: _logu(rng, 500, 25_000, len(m)))
    pkr = np.round(rng.lognormal(np.log(median[which]), 0.9), -1) + 10
    days = rng.uniform(0, DAYS, count)
    rows.add(
        _daytime(rng, month * DAYS + days),
        payer,
        m[which],
        pkr,
        np.where(rng.random(count) < 0.6, 3, 2),
    )
    # Weekly sweeps to the merchant's suppliers: a share of the week's takings.
    week = np.minimum(days // 7, 4).astype(np.int64)
    totals = np.bincount(which * 5 + week, weights=pkr, minlength=len(m) * 5)
    suppliers = w.kept(
        "suppliers", lambda: rng.choice(np.concatenate([m, w.employers]), (len(m), 3))
    )
    for cell in np.flatnonzero(totals > 0):
        k, wk = divmod(int(cell), 5)
        parts = int(rng.integers(1, 4))
        share = rng.uniform(0.4, 0.95) * totals[cell] * rng.dirichlet(np.ones(parts))
        rows.add(
            _daytime(
                rng, np.full(parts, month * DAYS + min(wk * 7 + rng.uniform(4, 7), DAYS - 0.1))
            ),
            m[k],
            suppliers[k, rng.integers(0, 3, parts)],
            np.round(share, -2) + 100,
            2,
        )


def _payrolls(w: _World, rows: _Rows, count: int, month: int) -> None:
    """Employers paying their staff (the same payees each time), funded by clients' invoices."""
    rng, persons = w.rng, w.persons
    made = 0
    for e in w.kept("employers", lambda: rng.permutation(w.employers)):
        if made >= count:
            break

        def hire() -> tuple[IntArray, FloatArray]:
            staff = rng.choice(persons, _logint(rng, 5, 150), replace=False)
            pay = rng.lognormal(np.log(_logu(rng, 30_000, 150_000)), 0.4, len(staff))
            return staff, np.round(pay, -2)

        staff, salary = w.kept(f"staff{int(e)}", hire)
        paydays = (
            [rng.uniform(24, 29.5)]
            if rng.random() < 0.7
            else [rng.uniform(10, 14.5), rng.uniform(24, 29.5)]
        )
        part = 1.0 if len(paydays) == 1 else 0.5
        for day in paydays:
            ts = T0 + int((month * DAYS + day) * DAY) + rng.integers(0, 6 * HOUR, len(staff))
            rows.add(ts, int(e), staff, np.round(salary * part, -2) + 100, 2)
            made += len(staff)
        clients = _logint(rng, 2, 15)
        total = salary.sum() * rng.uniform(1.05, 1.5)
        rows.add(
            _daytime(rng, month * DAYS + rng.uniform(0, 24, clients)),
            rng.choice(np.concatenate([w.merchants, w.employers]), clients),
            int(e),
            np.round(total * rng.dirichlet(np.ones(clients)), -2) + 100,
            2,
        )


def _cash_shops(w: _World, rows: _Rows, count: int, month: int) -> None:
    """Shops banking their takings in cash most days (some large), paying suppliers by wire."""
    rng = w.rng
    per_shop = max(1, count // max(len(w.shops), 1))
    for s in w.shops:
        days = np.flatnonzero(rng.random(DAYS) < rng.uniform(0.6, 1.0))[:per_shop]
        if not len(days):
            continue
        median = w.kept(f"shop{int(s)}", lambda: float(_logu(rng, 20_000, 1_500_000)))
        pkr = np.round(rng.lognormal(np.log(median), 0.5, len(days)), -2) + 100
        branch = np.where(
            rng.random(len(days)) < 0.9, w.home_branch[s], rng.integers(0, w.branches, len(days))
        )
        rows.add(_daytime(rng, month * DAYS + days), CASH, int(s), pkr, 0, branch)
        parts = int(rng.integers(2, 6))
        rows.add(
            _daytime(rng, month * DAYS + rng.uniform(0, DAYS, parts)),
            int(s),
            rng.choice(w.merchants, parts),
            np.round(pkr.sum() * rng.uniform(0.5, 0.9) * rng.dirichlet(np.ones(parts)), -2) + 100,
            2,
        )


def _remittances(w: _World, rows: _Rows, count: int, month: int) -> None:
    """Families abroad sending home (each sender to one household), and some payments out."""
    rng, persons, foreign = w.rng, w.persons, w.foreign
    inbound = int(count * rng.uniform(0.7, 0.9))
    sender = rng.choice(foreign, inbound)
    home = persons[(sender * 2_654_435_761) % len(persons)]
    pkr = np.round(rng.lognormal(np.log(_logu(rng, 20_000, 150_000)), 0.7, inbound), -2) + 100
    rows.add(
        _daytime(rng, month * DAYS + rng.uniform(0, DAYS, inbound)),
        sender,
        home,
        pkr,
        np.where(rng.random(inbound) < 0.8, 2, 5),
    )
    out = count - inbound
    payer = rng.choice(persons, out)
    rows.add(
        _daytime(rng, month * DAYS + rng.uniform(0, DAYS, out)),
        payer,
        foreign[(payer * 40_503) % len(foreign)],
        np.round(rng.lognormal(np.log(_logu(rng, 30_000, 500_000)), 0.8, out), -2) + 100,
        2,
    )


def _cash(w: _World, rows: _Rows, count: int, month: int) -> None:
    """Persons withdrawing cash (mostly) and depositing it."""
    rng, persons = w.rng, w.persons
    who = rng.choice(persons, count)
    pkr = np.round(rng.lognormal(np.log(_logu(rng, 5_000, 40_000)), 1.0, count), -2) + 100
    deposit = rng.random(count) < 0.3
    rows.add(
        _daytime(rng, month * DAYS + rng.uniform(0, DAYS, count)),
        np.where(deposit, CASH, who),
        np.where(deposit, who, CASH),
        pkr,
        np.where(deposit, 0, 1),
        np.where(rng.random(count) < 0.8, w.home_branch[who], rng.integers(0, w.branches, count)),
    )


BACKGROUND = {
    "person_to_person": (_person_to_person, (0.30, 0.55)),
    "merchants": (_merchants, (0.15, 0.35)),
    "payrolls": (_payrolls, (0.03, 0.10)),
    "cash_shops": (_cash_shops, (0.02, 0.08)),
    "remittances": (_remittances, (0.03, 0.10)),
    "cash": (_cash, (0.05, 0.12)),
}


# -- patterns ------------------------------------------------------------------------------------
@dataclass
class _Plant:
    """What every pattern drawer gets: the world, the rows, its pattern number."""

    w: _World
    rows: _Rows
    number: int
    fresh: float  # share of the pattern's accounts new to the data

    @property
    def rng(self) -> np.random.Generator:
        return self.w.rng

    def start(self, span_days: float) -> float:
        return float(self.rng.uniform(0, max(self.w.days - span_days - 0.5, 0.1)))

    def pay(self, day: Any, payer: Any, payee: Any, pkr: Any, channel: Any = None) -> None:
        day = np.atleast_1d(np.asarray(day, dtype=np.float64))
        if channel is None:
            channel = np.where(self.rng.random(len(day)) < 0.7, 2, 3)
        ts = T0 + np.minimum(day, self.w.days - 1e-3) * DAY
        self.rows.add(
            ts.astype(np.int64), payer, payee, np.round(pkr, -1), channel, -1, self.number
        )

    def amounts(self, total: float, parts: int) -> FloatArray:
        split: FloatArray = total * self.rng.dirichlet(np.full(parts, self.rng.uniform(1, 10)))
        return split


def _fan_in(p: _Plant) -> None:
    """Funnel account: many payers within hours to weeks, most of the money moved on."""
    rng = p.rng
    k, span = _logint(rng, 4, 60), float(_logu(rng, 2 / 24, 14))
    t = p.start(span + 3)
    collector = p.w.party(p.fresh)
    sources = [p.w.party(p.fresh) for _ in range(k)]
    each = _logu(rng, 15_000, 1_500_000)
    pkr = each * rng.uniform(0.6, 1.4, k)
    days = t + np.sort(rng.uniform(0, span, k))
    p.pay(days, sources, collector, pkr)
    if rng.random() < 0.9:
        onward = _logint(rng, 1, 3)
        p.pay(
            days[-1] + _logu(rng, 1 / 24, 3, onward),
            collector,
            [p.w.party(p.fresh) for _ in range(onward)],
            p.amounts(pkr.sum() * rng.uniform(0.7, 1.0), onward),
        )


def _fan_out(p: _Plant) -> None:
    """Distribution account: one large receipt, then many payees within hours to weeks."""
    rng = p.rng
    k, span = _logint(rng, 4, 60), float(_logu(rng, 2 / 24, 14))
    t = p.start(span + 3)
    hub = p.w.party(p.fresh)
    total = k * _logu(rng, 15_000, 1_500_000)
    funding = _logint(rng, 1, 3)
    p.pay(
        t + rng.uniform(0, 2, funding),
        [p.w.party(p.fresh) for _ in range(funding)],
        hub,
        p.amounts(total, funding),
    )
    days = t + 2 + np.sort(rng.uniform(0, span, k))
    payees = [p.w.party(p.fresh) for _ in range(k)]
    p.pay(days, hub, payees, p.amounts(total * rng.uniform(0.7, 1.0), k))


def _cycle(p: _Plant) -> None:
    """Round trip: money leaves an account and returns through 1 to 7 others, a little lost."""
    rng = p.rng
    hops = int(rng.integers(2, 9))
    chain = [p.w.party(p.fresh) for _ in range(hops)]
    amount = float(_logu(rng, 100_000, 20_000_000))
    delays = _logu(rng, 1 / 24, 4, hops)
    day = p.start(float(delays.sum()))
    for h in range(hops):
        p.pay(day, chain[h], chain[(h + 1) % hops], amount)
        day += float(delays[h])
        amount *= 1 - rng.uniform(0, 0.05)


def _scatter_gather(p: _Plant) -> None:
    """One account pays several, each passes (nearly) the same money on to one destination."""
    rng = p.rng
    k = _logint(rng, 3, 15)
    origin, destination = p.w.party(p.fresh), p.w.party(p.fresh)
    middle = [p.w.party(p.fresh) for _ in range(k)]
    parts = p.amounts(float(_logu(rng, 300_000, 30_000_000)), k)
    spread = float(_logu(rng, 1 / 24, 3))
    t = p.start(spread + 5)
    out = t + rng.uniform(0, spread, k)
    p.pay(out, origin, middle, parts)
    p.pay(
        out + _logu(rng, 1 / 24, 4, k), middle, destination, parts * (1 - rng.uniform(0, 0.05, k))
    )


def _structuring(p: _Plant) -> None:
    """Cash deposits just under the reporting threshold, over days, at one or more branches."""
    rng = p.rng
    deposits, span = _logint(rng, 3, 15), float(_logu(rng, 1, 20))
    acc = p.w.party(p.fresh)
    low = rng.uniform(0.80, 0.97)
    pkr = np.floor(THRESHOLD_PKR * rng.uniform(low, 0.999, deposits) / 1000) * 1000
    t = p.start(span)
    branches = rng.integers(0, p.w.branches, _logint(rng, 1, 5))
    day = t + np.sort(rng.uniform(0, span, deposits))
    ts = T0 + (np.minimum(day, p.w.days - 1e-3) * DAY).astype(np.int64)
    p.rows.add(ts, CASH, acc, pkr, 0, rng.choice(branches, deposits), p.number)
    if rng.random() < 0.5:
        p.pay(
            day[-1] + _logu(rng, 1 / 24, 3),
            acc,
            p.w.party(p.fresh),
            pkr.sum() * rng.uniform(0.8, 1),
        )


def _pass_through(p: _Plant) -> None:
    """Money arrives and (nearly) all of it leaves within hours to days, once or many times."""
    rng = p.rng
    episodes = _logint(rng, 1, 6)
    acc = p.w.party(p.fresh)
    gaps = rng.uniform(1, 8, episodes)
    day = p.start(float(gaps.sum()) + 3)
    for e in range(episodes):
        total = float(_logu(rng, 100_000, 10_000_000))
        ins, outs = _logint(rng, 1, 3), _logint(rng, 1, 3)
        p.pay(
            day + rng.uniform(0, 0.3, ins),
            [p.w.party(p.fresh) for _ in range(ins)],
            acc,
            p.amounts(total, ins),
        )
        stay = float(_logu(rng, 1 / 24, 3))
        p.pay(
            day + 0.3 + stay + rng.uniform(0, 0.2, outs),
            acc,
            [p.w.party(p.fresh) for _ in range(outs)],
            p.amounts(total * rng.uniform(0.9, 1.0), outs),
        )
        day += 0.5 + stay + float(gaps[e])


def _hawala(p: _Plant) -> None:
    """Collector at home, partner abroad paying as many there, books settled by a few transfers."""
    rng = p.rng
    span = float(_logu(rng, 3, 25))
    t = p.start(span + 1)
    collector = p.w.party(p.fresh)
    partner = p.w.party(p.fresh, abroad=True)
    m = _logint(rng, 5, 40)
    pkr = _logu(rng, 5_000, 400_000, m)
    days = t + np.sort(rng.uniform(0, span, m))
    cash = rng.random(m) < rng.uniform(0, 1)
    payers = np.asarray([CASH if c else p.w.party(p.fresh) for c in cash])
    branch = np.where(cash, rng.integers(0, p.w.branches, m), -1)
    ts = T0 + (np.minimum(days, p.w.days - 1e-3) * DAY).astype(np.int64)
    p.rows.add(ts, payers, collector, np.round(pkr, -2), np.where(cash, 0, 3), branch, p.number)
    collected = float(pkr.sum())
    payouts = _logint(rng, 5, 40)
    paid = p.amounts(collected * rng.uniform(0.85, 1.1), payouts)
    p.pay(
        t + np.sort(rng.uniform(0, span, payouts)),
        partner,
        [p.w.party(1.0, abroad=True) for _ in range(payouts)],
        paid,
        2,
    )
    settlements = _logint(rng, 1, 4)
    p.pay(
        t + span * np.sort(rng.uniform(0.3, 1.0, settlements)),
        collector,
        partner,
        p.amounts(collected * rng.uniform(0.9, 1.0), settlements),
        np.where(rng.random(settlements) < 0.8, 2, 5),
    )


PATTERNS = {
    "structuring": _structuring,
    "fan_in": _fan_in,
    "fan_out": _fan_out,
    "cycle": _cycle,
    "scatter_gather": _scatter_gather,
    "pass_through": _pass_through,
    "hawala": _hawala,
}
assert tuple(PATTERNS) == TYPOLOGIES


# -- the family ----------------------------------------------------------------------------------
def draw(seed: int, transactions: int = 300_000, months: int = 1) -> Family:
    """One extract of about `transactions` rows over `months` of 30 days (one account per 15
    transactions a month: the same accounts, staff, customers and suppliers month after month),
    with about one planted pattern per 1,150 transactions (at least 4 of each typology)."""
    rng = np.random.default_rng(seed)
    w = _World(rng, max(transactions // (15 * months), 500), DAYS * months)
    rows = _Rows()
    per = max(4, round(transactions / 1_150 / len(TYPOLOGIES)))
    plan = [
        t for t in TYPOLOGIES for _ in range(per + int(rng.integers(-1, 2)) if per > 4 else per)
    ]
    rng.shuffle(plan)
    fresh = rng.uniform(0.2, 0.8)
    for number, typology in enumerate(plan):
        PATTERNS[typology](_Plant(w, rows, number, fresh))
    planted = sum(len(x) for x in rows.ts)
    shares = {k: rng.uniform(*r) for k, (_, r) in BACKGROUND.items()}
    whole = sum(shares.values())
    for month in range(months):
        for kind, (make, _) in BACKGROUND.items():
            share = (transactions - planted) * shares[kind] / whole / months
            make(w, rows, max(int(share), 1), month)
    ts = np.concatenate(rows.ts)
    order = np.argsort(ts, kind="stable")
    pattern = np.concatenate(rows.pattern)[order]
    patterns = []
    for number, typology in enumerate(plan):
        members = np.flatnonzero(pattern == number)
        patterns.append(
            {
                "pattern": f"P{number:04d}",
                "typology": typology,
                "lookalike": False,
                "transaction_ids": [f"T{i:08d}" for i in members],
            }
        )
    return Family(
        seed=seed,
        ts=ts[order],
        payer=np.concatenate(rows.payer)[order],
        payee=np.concatenate(rows.payee)[order],
        pkr=np.concatenate(rows.pkr)[order],
        channel=np.concatenate(rows.channel)[order],
        branch=np.concatenate(rows.branch)[order],
        pattern=pattern,
        country=w.countries(),
        patterns=patterns,
    )


def _account_names(family: Family, side: IntArray) -> npt.NDArray[np.str_]:
    codes = np.asarray([HOME.upper()] + [c.upper() for c, _, _ in ABROAD])
    names = np.char.add(
        codes[family.country[np.maximum(side, 0)]], np.char.zfill(side.astype(str), 10)
    )
    return np.where(side == CASH, "CASH", names)


def table(family: Family) -> pa.Table:
    """The extract in the scan layout; amounts abroad in the foreign side's currency."""
    countries = np.asarray([HOME] + [c for c, _, _ in ABROAD])
    currencies = np.asarray(["PKR"] + [c for _, c, _ in ABROAD])
    rates = np.asarray([1.0] + [r for _, _, r in ABROAD])
    payer_c = np.where(family.payer == CASH, 0, family.country[np.maximum(family.payer, 0)])
    payee_c = np.where(family.payee == CASH, 0, family.country[np.maximum(family.payee, 0)])
    foreign = np.where(payer_c > 0, payer_c, payee_c)
    amount = np.round(family.pkr / rates[foreign], 2)
    branch = np.where(
        family.branch >= 0, np.char.add("BR", np.char.zfill(family.branch.astype(str), 4)), ""
    )
    return pa.table(
        {
            "id": family.ids,
            "timestamp": family.ts.astype("datetime64[s]").astype(str),
            "payer_account": _account_names(family, family.payer),
            "beneficiary_account": _account_names(family, family.payee),
            "amount": amount,
            "currency": currencies[foreign],
            "channel": np.asarray(CHANNELS)[family.channel],
            "payer_country": countries[payer_c],
            "beneficiary_country": countries[payee_c],
            "branch": branch,
        }
    )


def generate(seed: int, transactions: int, outdir: Path, months: int = 1) -> Family:
    """Draw one extract and write `transactions.csv` and `patterns.json` into `outdir`."""
    family = draw(seed, transactions, months)
    outdir.mkdir(parents=True, exist_ok=True)
    family.csv = outdir / "transactions.csv"
    options = pacsv.WriteOptions(quoting_style="needed")
    pacsv.write_csv(table(family), family.csv, write_options=options)
    (outdir / "patterns.json").write_text(json.dumps(family.patterns), encoding="utf-8")
    return family


# -- scoring -------------------------------------------------------------------------------------
def evaluate(findings: Sequence[Finding], family: Family) -> Json:
    """Per typology the share of planted patterns caught by alerts of their own typology (at
    least half of their transactions) and the share of its alerts that are true (most of their
    transactions laundering); transaction-level precision, recall and F1 over all alerts."""
    laundering = family.laundering
    out: Json = {"typologies": {}}
    for typology in TYPOLOGIES:
        alerts = [f for f in findings if f.kind == typology]
        held = {t for f in alerts for t in f.transactions}
        planted = [p for p in family.patterns if p["typology"] == typology]
        caught = [
            p
            for p in planted
            if 2 * len(held & set(p["transaction_ids"])) >= len(p["transaction_ids"])
        ]
        true = [
            f for f in alerts if 2 * len(laundering & set(f.transactions)) >= len(f.transactions)
        ]
        out["typologies"][typology] = {
            "recall": len(caught) / max(len(planted), 1),
            "precision": len(true) / len(alerts) if alerts else 1.0,
            "planted": len(planted),
            "alerts": len(alerts),
        }
    predicted = {t for f in findings for t in f.transactions}
    hits = len(predicted & laundering)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(laundering) if laundering else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    out.update(precision=precision, recall=recall, f1=f1)
    return out


def summarise(results: Iterable[Json]) -> Json:
    """Worst seed per typology (pattern recall, alert precision) and the median F1."""
    results = list(results)
    worst = {
        t: {
            "recall": round(min(r["typologies"][t]["recall"] for r in results), 3),
            "precision": round(min(r["typologies"][t]["precision"] for r in results), 3),
        }
        for t in TYPOLOGIES
    }
    return {
        "seeds": len(results),
        "worst": worst,
        "median_f1": round(statistics.median(r["f1"] for r in results), 4),
        "median_precision": round(statistics.median(r["precision"] for r in results), 4),
        "median_recall": round(statistics.median(r["recall"] for r in results), 4),
    }
