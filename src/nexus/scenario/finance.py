"""Synthetic money of the scenario: accounts, ordinary traffic, planted typologies and look-alikes.

Owns `generate_transactions`, a time-ordered stream made month by month, and the public API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nexus.scenario.finance_accounts import open_accounts
from nexus.scenario.finance_base import (
    FX_TO_PKR,
    HIGH_RISK_JURISDICTIONS,
    LOOKALIKES,
    REPORTING_THRESHOLD_PKR,
    SCALES,
    TYPOLOGIES,
    FinanceScale,
    Pattern,
    to_day,
)
from nexus.scenario.finance_book import CASH_INDEX, Book
from nexus.scenario.finance_patterns import DAY, Planner, Special
from nexus.scenario.finance_writers import write_bank_extracts, write_scan_csv, write_truth
from nexus.scenario.model import CHANNELS, Transaction, World

__all__ = [
    "FX_TO_PKR",
    "HIGH_RISK_JURISDICTIONS",
    "LOOKALIKES",
    "REPORTING_THRESHOLD_PKR",
    "SCALES",
    "TYPOLOGIES",
    "FinanceScale",
    "Pattern",
    "generate_transactions",
    "open_accounts",
    "write_bank_extracts",
    "write_scan_csv",
    "write_truth",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
ObjArray = npt.NDArray[np.object_]

# Ordinary traffic: kind, share of the non-salary transactions, median PKR and lognormal sigma.
KINDS: tuple[tuple[str, float, float, float], ...] = (
    ("p2p", 0.27, 15_000, 1.1),
    ("retail", 0.23, 3_500, 0.9),
    ("bill", 0.14, 4_500, 0.7),
    ("withdraw", 0.15, 15_000, 0.8),
    ("deposit", 0.07, 30_000, 1.0),
    ("business", 0.07, 180_000, 1.0),
    ("remit_in", 0.04, 110_000, 0.5),
    ("remit_out", 0.01, 80_000, 0.8),
    ("exchange", 0.02, 120_000, 0.9),
    ("trade", 0.01, 2_500_000, 0.9),  # firms and their Gulf trading partners, invoiced in USD
)
EMPLOYED_SHARE = 0.15  # of individuals' bank accounts, paid monthly by an ordinary employer
PAYDAYS = (1, 25, 26, 27, 28)
CURRENCIES: tuple[str, ...] = tuple(FX_TO_PKR)
ID_WIDTH = 9
_CH = {name: i for i, name in enumerate(CHANNELS)}


@dataclass(frozen=True, slots=True)
class _Month:
    first: int  # first day (days since 1970) inside the period
    days: int
    target: int  # ordinary transactions (salaries included)


class _Traffic:
    """Ordinary traffic, made vectorised month by month from per-month random streams."""

    def __init__(self, book: Book, seed: int, scale: FinanceScale, reserved: list[int]) -> None:
        self.book = book
        self.seed = seed
        world = book.world
        base = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 0])))
        size = len(book.accounts) + 1
        self.weight = base.lognormal(0.0, 0.9, size)
        self.currency = np.array(
            [CURRENCIES.index(c) if c in CURRENCIES else 0 for c in book.currencies],
            dtype=np.int64,
        )

        def arr(pool: list[int]) -> IntArray:
            return np.array(pool, dtype=np.int64)

        individuals = arr(book.individuals)
        self.pools: dict[str, IntArray] = {
            "ind": individuals,
            "merchant": arr(book.merchants) if book.merchants else arr(book.business_all),
            "utility": arr(book.utilities),
            "depositor": arr(book.individuals + book.business_all),
            "business": arr(book.business_all + book.merchants),
            "supplier": arr(book.business_all + book.employers),
            "gulf": arr(book.gulf_people or book.gulf),
            "trader": arr(book.traders or book.gulf),
            "exchange": arr(book.exchange),
        }
        banked = individuals[~book.wallet[individuals]] if len(individuals) else individuals
        employers = arr([e for e in book.employers if e not in reserved])
        if len(employers) and len(banked):
            staff = base.choice(banked, size=int(len(banked) * EMPLOYED_SHARE), replace=False)
            self.staff = np.sort(staff)
            boss = base.integers(0, len(employers), len(self.staff))
            self.employer = employers[boss]
            salary = base.lognormal(np.log(55_000), 0.5, len(self.staff))
            self.salary = np.clip(np.round(salary / 500) * 500, 32_000, 900_000)
            self.payday = np.array(PAYDAYS, dtype=np.int64)[base.integers(0, 5, len(employers))][
                boss
            ]
            self.rank = np.zeros(len(self.staff), dtype=np.int64)
            for e in range(len(employers)):  # pay order within each employer's run
                members = np.flatnonzero(boss == e)
                self.rank[members] = np.arange(len(members))
        else:
            self.staff = self.employer = self.payday = self.rank = arr([])
            self.salary = np.zeros(0)
        self.months = self._months(world, scale)

    @staticmethod
    def _months(world: World, scale: FinanceScale) -> list[_Month]:
        total = (world.end - world.start).days + 1
        months = []
        first = world.start
        while first <= world.end:
            nxt = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
            last = min(nxt, world.end + dt.timedelta(days=1))
            days = (last - first).days
            months.append(
                _Month(to_day(first), days, round(scale.ordinary_transactions * days / total))
            )
            first = nxt
        return months

    def _rng(self, stream: int, month: int) -> np.random.Generator:
        return np.random.Generator(
            np.random.PCG64(np.random.SeedSequence([self.seed, stream, month]))
        )

    def _salaried(self, month: _Month) -> tuple[IntArray, IntArray]:
        """Which salaries fall in the month (indices into staff) and the day each is paid."""
        date = (dt.date(1970, 1, 1) + dt.timedelta(days=month.first)).replace(day=1)
        month_day0 = to_day(date)
        length = (dt.date(date.year + date.month // 12, date.month % 12 + 1, 1) - date).days
        payday = month_day0 + np.minimum(self.payday, length) - 1
        opened = self.book.opened
        mask = (
            (payday >= month.first)
            & (payday < month.first + month.days)
            & (opened[self.staff] < payday)
            & (opened[self.employer] < payday)
        )
        chosen = np.flatnonzero(mask)
        return chosen, payday[chosen]

    def times(self, m: int) -> tuple[IntArray, int]:
        """Unsorted timestamps of the month's ordinary transactions: salaries first."""
        month = self.months[m]
        chosen, payday = self._salaried(month)
        salary_ts = payday * DAY + 10 * 3600 + self.rank[chosen] * 3
        count = max(month.target - len(chosen), 0)
        rng = self._rng(1, m)
        day = month.first + rng.integers(0, month.days, count)
        busy = rng.random(count) < 0.85
        hours = np.where(
            busy, np.clip(rng.normal(14.0, 3.2, count), 7.0, 23.5), rng.uniform(0, 24, count)
        )
        seconds = np.clip((hours * 3600).astype(np.int64), 0, DAY - 1)
        return np.concatenate([salary_ts, day * DAY + seconds]).astype(np.int64), len(chosen)

    def content(self, m: int, salaries: int, count: int) -> dict[str, npt.NDArray[np.generic]]:
        """Payer, beneficiary, amount, currency, channel and branch for the month's rows."""
        book = self.book
        month = self.months[m]
        rng = self._rng(2, m)
        chosen, _payday = self._salaried(month)
        payer = np.full(count, CASH_INDEX, dtype=np.int64)
        payee = np.full(count, CASH_INDEX, dtype=np.int64)
        amount = np.zeros(count)
        channel = np.full(count, _CH["wire"], dtype=np.int64)
        payer[:salaries] = self.employer[chosen]
        payee[:salaries] = self.staff[chosen]
        amount[:salaries] = self.salary[chosen]
        shares = np.array([k[1] for k in KINDS])
        cdfs: dict[str, tuple[IntArray, FloatArray]] = {}

        def draw(pool: str, n: int) -> IntArray:
            if pool not in cdfs:
                members = self.pools[pool]
                members = members[book.opened[members] < month.first]
                if not len(members):
                    members = self.pools["ind"][:1]
                cdf = np.cumsum(self.weight[members])
                cdfs[pool] = (members, cdf / cdf[-1])
            members, cdf = cdfs[pool]
            picks = np.searchsorted(cdf, rng.random(n), side="right")
            return members[np.minimum(picks, len(members) - 1)]

        def not_self(pool: str, a: IntArray, b: IntArray) -> IntArray:
            for _ in range(3):
                same = a == b
                if not same.any():
                    break
                b[same] = draw(pool, int(same.sum()))
            return b

        kinds = rng.choice(len(KINDS), size=count - salaries, p=shares / shares.sum())
        for k, (kind, _share, median, sigma) in enumerate(KINDS):
            rows = salaries + np.flatnonzero(kinds == k)
            n = len(rows)
            if not n:
                continue
            value = np.clip(np.exp(np.log(median) + sigma * rng.standard_normal(n)), 50, 25e6)
            if kind == "p2p":
                a = draw("ind", n)
                b = not_self("ind", a, draw("ind", n))
                value = np.where(rng.random(n) < 0.6, np.round(value, -2), np.round(value))
                ch = np.where(rng.random(n) < 0.9, _CH["wire"], _CH["other"])
            elif kind in ("retail", "bill"):
                a = draw("ind", n)
                b = draw("merchant" if kind == "retail" else "utility", n)
                value = np.round(value)
                ch = np.where(rng.random(n) < 0.3, _CH["wire"], _CH["other"])
            elif kind == "withdraw":
                a, b = draw("ind", n), np.full(n, CASH_INDEX)
                value = np.maximum(np.round(value / 500) * 500, 500)
                ch = np.full(n, _CH["cash_withdrawal"])
            elif kind == "deposit":
                a, b = np.full(n, CASH_INDEX), draw("depositor", n)
                value = np.maximum(np.round(value, -2), 100)
                ch = np.full(n, _CH["cash_deposit"])
            elif kind == "business":
                a = draw("business", n)
                b = not_self("supplier", a, draw("supplier", n))
                value = np.round(value)
                ch = np.full(n, _CH["wire"])
            elif kind == "remit_in":
                a, b = draw("gulf", n), draw("ind", n)
                ch = np.full(n, _CH["wire"])
            elif kind == "remit_out":
                a, b = draw("ind", n), draw("gulf", n)
                ch = np.full(n, _CH["wire"])
            elif kind == "trade":
                firms, partners = draw("business", n), draw("trader", n)
                imports = rng.random(n) < 0.6
                a, b = np.where(imports, firms, partners), np.where(imports, partners, firms)
                ch = np.full(n, _CH["wire"])
            else:
                a, b = draw("ind", n), draw("exchange", n)
                value = np.round(value, -3)
                ch = np.full(n, _CH["wire"])
            payer[rows], payee[rows], amount[rows] = a, b, value
            wallet = book.wallet[a] | book.wallet[b]
            cash = (ch == _CH["cash_withdrawal"]) | (ch == _CH["cash_deposit"])
            channel[rows] = np.where(wallet & ~cash, _CH["mobile_wallet"], ch)
        currency = np.zeros(count, dtype=np.int64)
        foreign_payer = book.countries[payer] != "pk"
        foreign_payee = book.countries[payee] != "pk"
        currency = np.where(foreign_payer, self.currency[payer], currency)
        currency = np.where(foreign_payee & ~foreign_payer, self.currency[payee], currency)
        trade = np.zeros(count, dtype=bool)
        trade[salaries:] = kinds == [k[0] for k in KINDS].index("trade")
        currency = np.where(trade, CURRENCIES.index("USD"), currency)
        rate = np.array([FX_TO_PKR[c] for c in CURRENCIES])[currency]
        amount = np.where(currency == 0, amount, np.round(amount / rate, -1))
        amount = np.maximum(amount, 1.0)
        holder = np.where(channel == _CH["cash_deposit"], payee, payer)
        branch = book.branch[holder]
        return {
            "payer": payer,
            "payee": payee,
            "amount": amount,
            "currency": currency,
            "channel": channel,
            "branch": branch,
        }


class _Stream:
    """Merges each month's ordinary rows with the planned ones and numbers them in time order."""

    def __init__(self, book: Book, traffic: _Traffic, specials: list[Special]) -> None:
        self.book = book
        self.traffic = traffic
        self.specials = specials
        self.special_ts = np.array([s.ts for s in specials], dtype=np.int64)
        starts = np.array([mo.first * DAY for mo in traffic.months], dtype=np.int64)
        month_of = np.searchsorted(starts, self.special_ts, side="right") - 1
        self.bounds = np.searchsorted(month_of, np.arange(len(traffic.months) + 1), side="left")
        self.currencies = np.array(CURRENCIES, dtype=object)
        self.channels = np.array(CHANNELS, dtype=object)

    def _positions(self, m: int, ordinary_sorted: IntArray) -> tuple[slice, IntArray]:
        lo, hi = int(self.bounds[m]), int(self.bounds[m + 1])
        ts = self.special_ts[lo:hi]
        where = np.searchsorted(ordinary_sorted, ts, side="right") + np.arange(hi - lo)
        return slice(lo, hi), where

    def assign_ids(self) -> None:
        """Give every planned transaction its id, so patterns know theirs before streaming."""
        offset = 1
        for m in range(len(self.traffic.months)):
            ts, _salaries = self.traffic.times(m)
            part, where = self._positions(m, np.sort(ts))
            for special, pos in zip(self.specials[part], where.tolist(), strict=True):
                special.pattern.transaction_ids.append(_tid(offset + pos))
            offset += len(ts) + len(where)

    def __iter__(self) -> Iterator[Transaction]:
        offset = 1
        for m in range(len(self.traffic.months)):
            batch = self._month(m, offset)
            offset += len(batch)
            yield from batch

    def _month(self, m: int, offset: int) -> list[Transaction]:
        book = self.book
        ts, salaries = self.traffic.times(m)
        rows = self.traffic.content(m, salaries, len(ts))
        order = np.argsort(ts, kind="stable")
        ts = ts[order]
        part, where = self._positions(m, ts)
        planned = self.specials[part]
        total = len(ts) + len(planned)
        is_planned = np.zeros(total, dtype=bool)
        is_planned[where] = True
        mine = np.flatnonzero(~is_planned)

        def merged(ordinary: ObjArray | FloatArray | IntArray, extra: list[object]) -> list[object]:
            out = np.empty(total, dtype=object if ordinary.dtype == object else ordinary.dtype)
            out[mine] = ordinary
            if len(where):
                values = np.empty(len(extra), dtype=out.dtype)
                values[:] = extra
                out[where] = values
            result: list[object] = out.tolist()
            return result

        payer = rows["payer"][order]
        payee = rows["payee"][order]
        s_payer = [s.payer for s in planned]
        s_payee = [s.beneficiary for s in planned]
        stamps = merged(ts, [s.ts for s in planned])
        moments = np.array(stamps, dtype="datetime64[s]").tolist()
        nothing: ObjArray = np.full(len(ts), None, dtype=object)
        fields = [
            [_tid(offset + i) for i in range(total)],
            moments,
            merged(book.numbers[payer], [book.numbers[i] for i in s_payer]),
            merged(book.numbers[payee], [book.numbers[i] for i in s_payee]),
            merged(rows["amount"][order].astype(np.float64), [s.amount for s in planned]),
            merged(self.currencies[rows["currency"][order]], [s.currency for s in planned]),
            merged(self.channels[rows["channel"][order]], [s.channel for s in planned]),
            merged(book.countries[payer], [book.countries[i] for i in s_payer]),
            merged(book.countries[payee], [book.countries[i] for i in s_payee]),
            merged(book.branch_names[rows["branch"][order]], [s.branch for s in planned]),
            merged(nothing, [None if s.pattern.lookalike else s.pattern.id for s in planned]),
            merged(nothing, [None if s.pattern.lookalike else s.pattern.typology for s in planned]),
        ]
        return list(map(Transaction, *fields))


def _tid(number: int) -> str:
    return f"T{number:0{ID_WIDTH}d}"


def generate_transactions(
    world: World, seed: int, scale: FinanceScale
) -> tuple[Iterator[Transaction], list[Pattern]]:
    """Ordinary traffic, planted typologies and look-alikes over world.start..world.end.

    Returns a lazy stream in timestamp order (ids "T" + 9 digits, in that order) and the patterns,
    whose transaction ids are known before the stream is read. The world is not changed, so
    calling again with the same seed gives the same stream.
    """
    book = Book(world)
    planner = Planner(book, seed, scale)
    specials = planner.plan()
    traffic = _Traffic(book, seed, scale, planner.reserved_employers)
    stream = _Stream(book, traffic, specials)
    stream.assign_ids()
    return iter(stream), planner.patterns
