"""Plants the laundering typologies and their innocent look-alikes as explicit transactions.

Owns the ground truth of the money: which transactions form which pattern, and how each looks.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from nexus.scenario.finance_base import (
    FX_TO_PKR,
    LOOKALIKES,
    PK_CITIES,
    REPORTING_THRESHOLD_PKR,
    STRUCTURING_BAND,
    TYPOLOGIES,
    FinanceScale,
    Pattern,
    branch_city,
    to_day,
    to_seconds,
)
from nexus.scenario.finance_book import CASH_INDEX, Book, Funds, IntArray
from nexus.scenario.model import Channel

DAY = 86_400
HOUR = 3_600
RECENT_DAYS = 150  # an account opened this lately counts as new


@dataclass(slots=True)
class Special:
    """A planned transaction (of a pattern or a look-alike), before it gets its id."""

    ts: int  # seconds since 1970, local time
    payer: int  # Book index, or CASH_INDEX
    beneficiary: int
    amount: float
    currency: str
    channel: Channel
    branch: str | None
    pattern: Pattern
    seq: int


class Planner:
    """Plans every pattern and look-alike of one generation run from one random stream."""

    def __init__(self, book: Book, seed: int, scale: FinanceScale) -> None:
        self.book = book
        self.rng = random.Random(seed)
        world = book.world
        self.start = world.start
        self.days = (world.end - world.start).days + 1
        self.start_s = to_seconds(world.start)
        self.end_s = self.start_s + self.days * DAY  # exclusive
        self.count = scale.patterns_per_typology
        self.specials: list[Special] = []
        self.patterns: list[Pattern] = []
        self.used_dormant: list[int] = []
        self.reserved_employers: list[int] = []
        self.reserved: set[int] = set()  # core accounts of look-alikes: kept out of typologies
        bank_plain = [i for i in book.plain if not book.wallet[i]]
        self.fallback = Funds(
            None, personal=bank_plain[:6], fronts=book.business[:3], abroad=book.gulf[:2]
        )
        self.funds = book.funds or [self.fallback]
        self.by_opened: dict[bool, tuple[IntArray, IntArray]] = {}
        for bank_only in (False, True):  # ordinary individuals sorted by opening day
            ids = np.array(
                [i for i in book.plain if not (bank_only and book.wallet[i])], dtype=np.int64
            )
            ids = ids[np.argsort(book.opened[ids], kind="stable")]
            self.by_opened[bank_only] = (ids, book.opened[ids])

    # -- driving ------------------------------------------------------------------------------
    def plan(self) -> list[Special]:
        """Plan look-alikes (they reserve their accounts), then typologies; sorted by time."""
        self._plan_lookalikes()
        for typology in TYPOLOGIES:
            make: Callable[[Pattern, Funds], bool] = getattr(self, typology)
            for n in range(self.count):
                funds = self._funds_for(typology, n)
                if funds is None:
                    continue
                pattern = Pattern(
                    id=f"{typology}-{n + 1:03d}",
                    typology=typology,
                    accounts=[],
                    transaction_ids=[],
                    network=funds.network,
                    description="",
                )
                if make(pattern, funds):
                    self.patterns.append(pattern)
                else:
                    self._drop(pattern)
        self.patterns.sort(key=lambda p: p.lookalike)
        self.specials.sort(key=lambda s: (s.ts, s.seq))
        return self.specials

    def _plan_lookalikes(self) -> None:
        for typology in LOOKALIKES:
            make_lookalike: Callable[[Pattern, int], bool] = getattr(self, f"lookalike_{typology}")
            for n in range(self.count):
                pattern = Pattern(
                    id=f"lookalike-{typology}-{n + 1:03d}",
                    typology=typology,
                    accounts=[],
                    transaction_ids=[],
                    network=None,
                    description="",
                    lookalike=True,
                )
                if make_lookalike(pattern, n):
                    self.patterns.append(pattern)
                    self.reserved.update(self.book.index[a] for a in pattern.accounts)
                else:
                    self._drop(pattern)

    def _drop(self, pattern: Pattern) -> None:
        self.specials = [s for s in self.specials if s.pattern is not pattern]

    def _funds_for(self, typology: str, n: int) -> Funds | None:
        funds = self.funds
        if typology == "hawala":  # networks with two dealers first, then ones that could
            able = [f for f in funds if f.dealers_pk and f.dealers_abroad]
            could = [
                f
                for f in funds
                if f not in able and (f.dealers_pk or f.exchange or f.fronts) and f.abroad
            ]
            return (able + could or funds)[n % len(able + could or funds)]
        elif typology == "dormant":
            free = [f for f in funds if any(i not in self.used_dormant for i in f.dormant)]
            if not free:
                return None
            return free[n % len(free)]
        elif typology == "fan_in":
            funds = [f for f in funds if f.mules] + [f for f in funds if not f.mules]
        offset = TYPOLOGIES.index(typology)
        return funds[(n + offset) % len(funds)]

    # -- helpers ------------------------------------------------------------------------------
    def window(self, length: float, earliest: int = 0) -> int:
        """A first day (index from the start) for something lasting `length` days."""
        latest = max(self.days - math.ceil(length) - 2, earliest)
        return self.rng.randint(min(earliest, latest), latest)

    def at(self, day: float, lo: float = 9.0, hi: float = 18.0) -> int:
        """A moment on day `day` (index from the start) between `lo` and `hi` o'clock."""
        seconds = self.start_s + int(day) * DAY + int(self.rng.uniform(lo, hi) * HOUR)
        return self.clamp(seconds)

    def later(self, ts: int, lo_hours: float, hi_hours: float) -> int:
        return self.clamp(ts + int(self.rng.uniform(lo_hours, hi_hours) * HOUR))

    def clamp(self, ts: int) -> int:
        return min(max(ts, self.start_s), self.end_s - 1)

    def weekday(self, day: int) -> int:
        return (self.start + dt.timedelta(days=day)).weekday()

    def amount(self, median: float, sigma: float, lo: float, hi: float, unit: float) -> float:
        value = min(max(self.rng.lognormvariate(math.log(median), sigma), lo), hi)
        return float(round(value / unit) * unit)

    def split(self, total: float, parts: int, unit: float = 100.0) -> list[float]:
        weights = [self.rng.gammavariate(2.0, 1.0) for _ in range(parts)]
        scale = total / sum(weights)
        return [max(unit, round(w * scale / unit) * unit) for w in weights]

    def sample(
        self, pool: Sequence[int] | IntArray, count: int, exclude: list[int] | None = None
    ) -> list[int]:
        """Up to `count` distinct accounts of `pool`, none excluded or reserved by a look-alike."""
        banned = set(exclude or ()) | self.reserved
        size = len(pool)
        if count <= 0 or not size:
            return []
        if count * 4 < size:  # large pool: draw and reject instead of copying it
            chosen: list[int] = []
            for _ in range(count * 50):
                pick = int(pool[self.rng.randrange(size)])
                if pick not in banned:
                    banned.add(pick)
                    chosen.append(pick)
                    if len(chosen) == count:
                        return chosen
        candidates = [int(i) for i in pool if int(i) not in banned]
        return self.rng.sample(candidates, min(count, len(candidates)))

    def fresh(
        self, day: int, count: int, exclude: list[int], new_share: float, bank_only: bool = False
    ) -> list[int]:
        """Distinct ordinary individuals open by `day`, about `new_share` of them opened lately."""
        ids, opened = self.by_opened[bank_only]
        today = to_day(self.start) + day
        known = int(np.searchsorted(opened, today, side="left"))
        recent = int(np.searchsorted(opened, today - RECENT_DAYS, side="left"))
        chosen = self.sample(ids[recent:known], round(count * new_share), exclude)
        chosen += self.sample(ids[:known], count - len(chosen), exclude + chosen)
        return chosen

    def old_people(self, count: int, exclude: list[int], bank_only: bool = False) -> list[int]:
        """Distinct ordinary individuals whose accounts were open before the period."""
        ids, opened = self.by_opened[bank_only]
        known = int(np.searchsorted(opened, to_day(self.start), side="left"))
        return self.sample(ids[:known], count, exclude)

    def banks(self, pool: list[int]) -> list[int]:
        """The bank (not wallet) accounts of a pool: wallets cannot carry millions."""
        return [i for i in pool if not self.book.wallet[i]]

    def channel(self, payer: int, beneficiary: int) -> Channel:
        wallet = self.book.wallet
        if (payer >= 0 and wallet[payer]) or (beneficiary >= 0 and wallet[beneficiary]):
            return "mobile_wallet"
        return "wire"

    def is_foreign(self, account: int) -> bool:
        return account >= 0 and self.book.countries[account] != "pk"

    def pay(
        self,
        pattern: Pattern,
        ts: int,
        payer: int,
        beneficiary: int,
        value_pkr: float,
        channel: Channel | None = None,
        currency: str | None = None,
        branch: str | None = "",
    ) -> float:
        """Plan one transaction worth `value_pkr`; the amount is in the foreign side's currency
        (or `currency`) when a side is abroad. Returns the amount as recorded."""
        book = self.book
        if currency is None:
            currency = "PKR"
            for side in (payer, beneficiary):
                if self.is_foreign(side):
                    currency = book.currencies[side]
                    break
        amount = round(value_pkr / FX_TO_PKR[currency], 2)
        chosen = channel or self.channel(payer, beneficiary)
        if branch == "":
            holder = beneficiary if chosen == "cash_deposit" else payer
            index = int(book.branch[holder]) if holder >= 0 else -1
            branch = book.branch_names[index] if index >= 0 else None
        self.specials.append(
            Special(
                self.clamp(ts),
                payer,
                beneficiary,
                amount,
                currency,
                chosen,
                branch,
                pattern,
                len(self.specials),
            )
        )
        return amount

    def finish(
        self, pattern: Pattern, roles: dict[str, list[int]], core: list[str], description: str
    ) -> bool:
        numbers = self.book.numbers
        pattern.roles = {k: [str(numbers[i]) for i in v] for k, v in roles.items() if v}
        pattern.accounts = [a for role in core for a in pattern.roles.get(role, [])]
        pattern.description = description
        return True

    def branches_near(self, account: int, count: int) -> list[str]:
        """At least two branch names: the account's city first, then other cities."""
        home = self.book.branch_names[int(self.book.branch[account])]
        city = branch_city(home) if home else "Karachi"
        local = [f"{city} {area} Branch" for area in PK_CITIES.get(city, (0.0, ()))[1]]
        others = [
            f"{c} {area} Branch"
            for c, (_w, areas) in PK_CITIES.items()
            if c != city
            for area in areas[:2]
        ]
        chosen = self.rng.sample(local, min(len(local), max(count - 1, 1)))
        chosen += self.rng.sample(others, max(count - len(chosen), 1))
        return chosen

    # -- typologies ---------------------------------------------------------------------------
    def structuring(self, p: Pattern, f: Funds) -> bool:
        rng = self.rng
        pool = self.banks(f.domestic) or self.fallback.domestic
        if not pool:
            return False
        targets = self.sample(pool, rng.choice((1, 1, 2, 3)))
        days = rng.randint(4, 10)
        day = self.window(days * 1.3 + 2)
        branches = self.branches_near(targets[0], rng.randint(2, 5))
        lo, hi = STRUCTURING_BAND
        made = 0
        for _ in range(days):
            if self.weekday(day) == 6:  # banks are shut on Sunday
                day += 1
            for _ in range(rng.choice((1, 1, 2, 2, 3))):
                value = math.floor(rng.uniform(lo, hi) * REPORTING_THRESHOLD_PKR / 1000) * 1000
                self.pay(
                    p,
                    self.at(day, 9.5, 16.5),
                    CASH_INDEX,
                    rng.choice(targets),
                    value,
                    "cash_deposit",
                    branch=branches[made % len(branches)],
                )
                made += 1
            day += 1
        return self.finish(
            p,
            {"depositees": targets},
            ["depositees"],
            f"{made} cash deposits just under the PKR {REPORTING_THRESHOLD_PKR:,.0f} threshold "
            f"into {len(targets)} account(s) over {days} days at {len(branches)} branches",
        )

    def fan_in(self, p: Pattern, f: Funds) -> bool:
        rng = self.rng
        pool = self.banks(f.mules) + f.personal + f.fronts or self.fallback.domestic
        target = rng.choice(pool)
        length = rng.randint(2, 6)
        day = self.window(length + 4, earliest=min(30, self.days // 4))
        senders = self.fresh(day, rng.randint(12, 30), [target], new_share=0.7)
        total = 0.0
        last = 0
        for sender in senders:
            for _ in range(1 if rng.random() < 0.8 else 2):
                value = self.amount(90_000, 0.5, 20_000, 450_000, 100)
                ts = self.at(day + rng.uniform(0, length), 8, 22)
                self.pay(p, ts, sender, target, value)
                total += value
                last = max(last, ts)
        onward_pool = [i for i in f.fronts + f.abroad + f.personal if i != target]
        onward = self.sample(onward_pool or self.fallback.fronts, rng.choice((1, 1, 2)))
        shares = self.split(total * rng.uniform(0.85, 0.97), len(onward))
        for account, value in zip(onward, shares, strict=True):
            self.pay(p, self.later(last, 6, 60), target, account, value)
        return self.finish(
            p,
            {"collector": [target], "senders": senders, "onward": onward},
            ["collector", "onward"],
            f"{len(senders)} mostly new senders paid one account within {length} days; "
            f"{len(onward)} onward transfer(s) took most of it",
        )

    def fan_out(self, p: Pattern, f: Funds) -> bool:
        rng = self.rng
        pool = f.personal + f.fronts + self.banks(f.mules) or self.fallback.domestic
        source = rng.choice(pool)
        funders = [i for i in f.fronts + f.abroad + f.personal if i != source]
        funder = rng.choice(funders or self.fallback.fronts)
        day = self.window(8)
        total = self.amount(4_000_000, 0.5, 1_500_000, 20_000_000, 1000)
        start = self.at(day, 10, 15)
        self.pay(p, start, funder, source, total)
        receivers = self.fresh(day, rng.randint(12, 30), [source, funder], 0.5, bank_only=True)
        shares = self.split(total * rng.uniform(0.85, 0.98), len(receivers))
        for account, value in zip(receivers, shares, strict=True):
            self.pay(p, self.later(start, 2, 96), source, account, value)
        return self.finish(
            p,
            {"source": [source], "funder": [funder], "beneficiaries": receivers},
            ["source", "funder"],
            f"one account received PKR {total:,.0f} and paid {len(receivers)} accounts within days",
        )

    def cycle(self, p: Pattern, f: Funds) -> bool:
        rng = self.rng
        pool = f.fronts + f.personal or self.fallback.domestic
        origin = rng.choice(pool)
        hops = rng.randint(2, 6)
        inner = [i for i in self.banks(f.domestic + f.mules) if i != origin]
        chosen = self.sample(inner, min(hops, max(len(inner) - 1, 1)))
        day = self.window(hops * 4 + 2)
        chosen += self.fresh(day, hops - len(chosen), [origin, *chosen], 0.3, bank_only=True)
        value = self.amount(8_000_000, 0.6, 2_000_000, 60_000_000, 1000)
        first = value
        ts = self.at(day, 10, 16)
        chain = [origin, *chosen, origin]
        for payer, beneficiary in itertools.pairwise(chain):
            self.pay(p, ts, payer, beneficiary, value, "wire")
            value = round(value * (1 - rng.uniform(0.005, 0.03)), 2)
            ts = self.later(ts, 6, 96)
        return self.finish(
            p,
            {"origin": [origin], "intermediaries": chosen},
            ["origin", "intermediaries"],
            f"PKR {first:,.0f} went round {len(chosen)} intermediaries and back to its origin, "
            "losing a little at each hop",
        )

    def scatter_gather(self, p: Pattern, f: Funds) -> bool:
        rng = self.rng
        pool = self.banks(f.domestic) or self.fallback.domestic
        source = rng.choice(pool)
        ends = [i for i in pool + f.abroad if i != source] or self.fallback.fronts
        destination = rng.choice(ends)
        day = self.window(10)
        middle = self.fresh(day, rng.randint(4, 10), [source, destination], 0.4, bank_only=True)
        total = self.amount(6_000_000, 0.5, 1_500_000, 30_000_000, 1000)
        start = self.at(day, 9, 13)
        for account, value in zip(middle, self.split(total, len(middle)), strict=True):
            sent = self.later(start, 0, 36)
            self.pay(p, sent, source, account, value)
            kept = value * (1 - rng.uniform(0.0, 0.02))
            self.pay(p, self.later(sent, 24, 140), account, destination, kept)
        return self.finish(
            p,
            {"source": [source], "intermediaries": middle, "destination": [destination]},
            ["source", "destination"],
            f"PKR {total:,.0f} scattered over {len(middle)} accounts and gathered into one",
        )

    def pass_through(self, p: Pattern, f: Funds) -> bool:
        rng = self.rng
        pool = self.banks(f.mules) + f.fronts + f.personal or self.fallback.domestic
        through = rng.choice(pool)
        episodes = rng.randint(2, 4)
        day = self.window(episodes * 22)
        sources_all: list[int] = []
        dests_all: list[int] = []
        outside = self.book.business + self.book.gulf
        for _ in range(episodes):
            sources = self.sample(outside + f.abroad, rng.choice((1, 1, 2)), [through])
            total = self.amount(3_000_000, 0.5, 500_000, 15_000_000, 1000)
            start = self.at(day, 9, 17)
            last = start
            for account, value in zip(sources, self.split(total, len(sources)), strict=True):
                last = self.later(start, 0, 20)
                self.pay(p, last, account, through, value)
            out_pool = f.abroad + f.fronts + f.personal + self.book.business
            dests = self.sample(out_pool, rng.randint(1, 3), [through, *sources])
            outgoing = total * (1 - rng.uniform(0.005, 0.03))
            for account, value in zip(dests, self.split(outgoing, len(dests)), strict=True):
                self.pay(p, self.later(last, 10, 72), through, account, value)
            sources_all += [s for s in sources if s not in sources_all]
            dests_all += [d for d in dests if d not in dests_all]
            day += rng.randint(7, 20)
        return self.finish(
            p,
            {"through": [through], "sources": sources_all, "destinations": dests_all},
            ["through"],
            f"{episodes} times money came in and left within days, leaving a small residue",
        )

    def hawala(self, p: Pattern, f: Funds) -> bool:
        rng, book = self.rng, self.book
        domestic_pool = self.banks(f.dealers_pk) or f.exchange or f.fronts or f.personal
        abroad_pool = f.dealers_abroad or f.abroad or book.gulf
        if not domestic_pool or not abroad_pool:
            return False
        dealer = domestic_pool[0]
        partner = rng.choice(abroad_pool)
        country = book.countries[partner]
        payees = [
            i for i in book.gulf + book.high_risk if book.countries[i] == country and i != partner
        ] or [i for i in book.gulf + book.high_risk if i != partner]
        period = rng.randint(45, 100)
        day = self.window(period + 25)
        end = day + period
        senders: list[int] = []
        receivers: list[int] = []
        settlements = 0
        while day < end:
            length = rng.randint(10, 20)
            net = 0.0
            for _ in range(rng.randint(6, 16)):
                ts = self.at(day + rng.uniform(0, length), 8, 21)
                value = self.amount(60_000, 0.6, 10_000, 300_000, 500)
                if not book.wallet[dealer] and rng.random() < 0.3:
                    self.pay(p, ts, CASH_INDEX, dealer, value, "cash_deposit")
                else:
                    [sender] = self.fresh(day, 1, [dealer], new_share=0.2) or [dealer]
                    self.pay(p, ts, sender, dealer, value)
                    senders += [sender] if sender not in senders else []
                net += value
                payee = rng.choice(payees)
                payout = value * (1 - rng.uniform(0.01, 0.025))
                self.pay(p, self.later(ts, 2, 36), partner, payee, payout, "hawala")
                receivers += [payee] if payee not in receivers else []
            for _ in range(rng.randint(0, 4)):  # the reverse leg: paid out at home
                ts = self.at(day + rng.uniform(0, length), 9, 20)
                value = self.amount(80_000, 0.5, 15_000, 400_000, 500)
                [receiver] = self.fresh(day, 1, [dealer], new_share=0.1) or [dealer]
                self.pay(p, ts, dealer, receiver, value)
                net -= value
            currency = "AED" if country == "ae" and rng.random() < 0.5 else "USD"
            unit = 100 * FX_TO_PKR[currency]
            value = max(round(abs(net) / unit), 1) * unit  # round invoice-like amounts
            ts = self.at(day + length + rng.uniform(0, 2), 10, 16)
            payer, payee_ = (dealer, partner) if net >= 0 else (partner, dealer)
            self.pay(p, ts, payer, payee_, value, "wire", currency)
            settlements += 1
            day += length + 2
        return self.finish(
            p,
            {
                "domestic_dealer": [dealer],
                "foreign_dealer": [partner],
                "senders": senders,
                "beneficiaries": receivers,
            },
            ["domestic_dealer", "foreign_dealer"],
            f"a collector at home took many small payments, a dealer abroad ({country}) paid "
            f"beneficiaries there, and {settlements} settlements netted the two",
        )

    def dormant(self, p: Pattern, f: Funds) -> bool:
        rng, book = self.rng, self.book
        free = [i for i in f.dormant if i not in self.used_dormant]
        if not free:
            return False
        account = free[0]
        self.used_dormant.append(account)
        woke = book.accounts[account].dormant_until or self.start
        day = min((woke - self.start).days + rng.randint(0, 10), self.days - 10)
        sources = self.sample(f.abroad + f.fronts + book.business, rng.choice((1, 1, 2)), [account])
        total = self.amount(15_000_000, 0.5, 5_000_000, 60_000_000, 1000)
        start = self.at(day, 10, 15)
        last = start
        for source, value in zip(sources, self.split(total, len(sources)), strict=True):
            last = self.later(start, 0, 30)
            self.pay(p, last, source, account, value)
        dests = self.sample(
            f.fronts + f.personal + f.abroad + book.business, rng.randint(2, 5), [account, *sources]
        )
        outgoing = total * rng.uniform(0.90, 0.99)
        for dest, value in zip(dests, self.split(outgoing, len(dests)), strict=True):
            self.pay(p, self.later(last, 12, 140), account, dest, value)
        return self.finish(
            p,
            {"dormant": [account], "sources": sources, "destinations": dests},
            ["dormant"],
            f"an account silent since before {woke.isoformat()} suddenly moved PKR {total:,.0f}",
        )

    def high_risk(self, p: Pattern, f: Funds) -> bool:
        rng, book = self.rng, self.book
        pool = self.banks(f.domestic) or self.fallback.domestic
        if not book.high_risk or not pool:
            return False
        account = rng.choice(pool)
        others = self.sample(book.high_risk, rng.randint(1, 3))
        length = rng.randint(10, 60)
        day = self.window(length)
        for _ in range(rng.randint(3, 8)):
            other = rng.choice(others)
            value = self.amount(40_000, 0.7, 5_000, 250_000, 100) * FX_TO_PKR["USD"]
            ts = self.at(day + rng.uniform(0, length), 9, 17)
            channel: Channel = "wire" if rng.random() < 0.9 else "other"
            payer, payee = (account, other) if rng.random() < 0.65 else (other, account)
            self.pay(p, ts, payer, payee, value, channel, "USD")
        countries = sorted({str(book.countries[i]) for i in others})
        return self.finish(
            p,
            {"account": [account], "counterparties": others},
            ["account", "counterparties"],
            f"USD wires between a network account and {', '.join(countries)}",
        )

    # -- look-alikes --------------------------------------------------------------------------
    def lookalike_merchant(self, p: Pattern, n: int) -> bool:
        rng, book = self.rng, self.book
        if n >= len(book.merchants):
            return False
        merchant = book.merchants[n]
        customers = self.old_people(rng.randint(10, 30), [merchant])
        suppliers = self.sample(book.business, rng.choice((1, 2)), [merchant])
        takings = [0.0] * (self.days // 30 + 2)
        for customer in customers:
            rate = rng.uniform(0.5, 3.0) / 30
            median = rng.uniform(1500, 8000)
            channel: Channel = "mobile_wallet" if book.wallet[customer] else "other"
            day = rng.expovariate(rate)
            while day < self.days:
                value = self.amount(median, 0.4, 200, 60_000, 10)
                self.pay(p, self.at(day, 10, 22), customer, merchant, value, channel)
                takings[int(day) // 30] += value
                day += rng.expovariate(rate)
        for month, total in enumerate(takings):
            day = month * 30 + 28
            if suppliers and total > 0 and day < self.days:
                share = total * rng.uniform(0.2, 0.4)
                self.pay(p, self.at(day, 11, 15), merchant, rng.choice(suppliers), share, "wire")
        return self.finish(
            p,
            {"merchant": [merchant], "customers": customers, "suppliers": suppliers},
            ["merchant"],
            f"a merchant paid steadily by {len(customers)} repeat customers, no onward sweep",
        )

    def lookalike_payroll(self, p: Pattern, n: int) -> bool:
        rng, book = self.rng, self.book
        if n >= len(book.employers):
            return False
        employer = book.employers[n]
        self.reserved_employers.append(employer)
        staff = self.old_people(rng.randint(10, 40), [], bank_only=rng.random() < 0.7)
        salaries = [self.amount(65_000, 0.45, 32_000, 600_000, 500) for _ in staff]
        payday = rng.choice((1, 5, 25, 28))
        end = self.start + dt.timedelta(days=self.days - 1)
        year, month = self.start.year, self.start.month
        while (year, month) <= (end.year, end.month):
            date = dt.date(year, month, min(payday, calendar.monthrange(year, month)[1]))
            if self.start <= date <= end:
                ts = to_seconds(date) + 10 * HOUR
                for j, (person, salary) in enumerate(zip(staff, salaries, strict=True)):
                    self.pay(p, ts + 3 * j, employer, person, salary, "wire")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return self.finish(
            p,
            {"employer": [employer], "employees": staff},
            ["employer"],
            f"an employer paying {len(staff)} employees the same salaries every month",
        )

    def lookalike_daily_cash_shop(self, p: Pattern, n: int) -> bool:
        rng, book = self.rng, self.book
        shops = book.shops or book.business
        if n >= len(shops):
            return False
        shop = shops[n]
        median = rng.uniform(150_000, 700_000)
        deposits = 0
        for day in range(self.days):
            if self.weekday(day) == 6 or rng.random() < 0.08:
                continue
            value = self.amount(median, 0.3, 20_000, 1_450_000, 100)
            self.pay(p, self.at(day, 16, 19), CASH_INDEX, shop, value, "cash_deposit")
            deposits += 1
        return self.finish(
            p,
            {"shop": [shop]},
            ["shop"],
            f"a shop depositing its takings in cash {deposits} times at its own branch",
        )

    def lookalike_remittance_family(self, p: Pattern, n: int) -> bool:
        rng, book = self.rng, self.book
        if n >= len(book.gulf_people):
            return False
        sender = book.gulf_people[n]
        taken = [
            r
            for q in self.patterns
            if q.typology == "remittance_family"
            for r in q.roles.get("recipient", [])
        ]
        exclude = [book.index[r] for r in taken]
        [recipient] = self.old_people(1, exclude, bank_only=True) or [-2]
        if recipient == -2:
            return False
        currency = book.currencies[sender]
        base = rng.uniform(1000, 4000) * FX_TO_PKR["AED"] / FX_TO_PKR[currency]
        day = rng.randint(1, 7)
        while day < self.days - 1:
            value = round(base * rng.uniform(0.9, 1.15), -1) * FX_TO_PKR[currency]
            ts = self.at(day, 9, 14)
            self.pay(p, ts, sender, recipient, value, "wire", currency)
            left = value * rng.uniform(0.6, 0.95)
            for share in self.split(left, rng.randint(2, 3), 500):
                self.pay(
                    p, self.later(ts, 24, 24 * 25), recipient, CASH_INDEX, share, "cash_withdrawal"
                )
            day += rng.randint(28, 33)
        return self.finish(
            p,
            {"sender": [sender], "recipient": [recipient]},
            ["sender", "recipient"],
            f"a family receiving {currency} from a relative abroad every month, "
            "then drawing it in cash",
        )
