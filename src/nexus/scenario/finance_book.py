"""The world's accounts as the transaction generator sees them: indexed arrays and pools.

Owns which accounts play which part (individuals, shops, employers, foreign, network funds).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from nexus.scenario.finance_base import ALL_BRANCHES, BRANCH_INDEX, HIGH_RISK_JURISDICTIONS, to_day
from nexus.scenario.model import CASH, Account, World

CASH_INDEX = -1  # index of the CASH pseudo-account in every per-account array (the last slot)
IntArray = npt.NDArray[np.int64]


@dataclass
class Funds:
    """One network's accounts, by the part they can play in laundering."""

    network: str | None
    personal: list[int] = field(default_factory=list)  # PK bank accounts of core members
    wallets: list[int] = field(default_factory=list)
    mules: list[int] = field(default_factory=list)
    fronts: list[int] = field(default_factory=list)  # business accounts of the network's firms
    exchange: list[int] = field(default_factory=list)  # of its exchange companies
    dealers_pk: list[int] = field(default_factory=list)  # domestic hawala dealer's accounts
    dealers_abroad: list[int] = field(default_factory=list)
    abroad: list[int] = field(default_factory=list)  # members' foreign accounts
    dormant: list[int] = field(default_factory=list)

    @property
    def domestic(self) -> list[int]:
        """PK bank (not wallet) accounts the network controls."""
        return self.personal + self.fronts + self.dealers_pk + self.exchange

    def __bool__(self) -> bool:
        return bool(self.personal or self.fronts or self.mules or self.dealers_pk)


class Book:
    """Accounts sorted by uid with per-account arrays (CASH in the last slot) and pools."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.accounts: list[Account] = sorted(world.accounts.values(), key=lambda a: a.uid)
        accounts = self.accounts
        self.index = {a.number: i for i, a in enumerate(accounts)}
        self.numbers = np.array([a.number for a in accounts] + [CASH], dtype=object)
        self.countries = np.array([a.country for a in accounts] + ["pk"], dtype=object)
        self.currencies = [a.currency for a in accounts] + ["PKR"]
        self.wallet = np.array([a.kind == "wallet" for a in accounts] + [False], dtype=bool)
        self.branch = np.array(
            [BRANCH_INDEX.get(a.branch or "", -1) for a in accounts] + [-1], dtype=np.int64
        )
        self.opened = np.array([to_day(a.opened) for a in accounts] + [0], dtype=np.int64)
        self.branch_names = np.array([*ALL_BRANCHES, None], dtype=object)
        self.funds = self._funds()

        pick = self._pick
        people, orgs = world.people, world.organisations
        ordinary_holder = {
            a.holder
            for a in accounts
            if (a.holder in people and people[a.holder].network is None)
            or (a.holder in orgs and orgs[a.holder].network is None)
        }
        self.individuals = pick(
            lambda a: (
                a.country == "pk"
                and a.kind in ("personal", "wallet")
                and a.dormant_until is None
                and a.holder in people
            )
        )
        self.plain = [i for i in self.individuals if accounts[i].holder in ordinary_holder]
        org_kind = {a.uid: orgs[a.holder].kind for a in accounts if a.holder in orgs}
        self.business_all = pick(
            lambda a: (
                a.country == "pk"
                and a.kind == "business"
                and org_kind.get(a.uid) not in (None, "utility", "exchange_company")
            )
        )
        self.business = [i for i in self.business_all if accounts[i].holder in ordinary_holder]
        self.shops = [i for i in self.business if org_kind.get(accounts[i].uid) == "shop"]

        def plain(test: Callable[[Account], bool]) -> list[int]:
            return [i for i in pick(test) if accounts[i].holder in ordinary_holder]

        self.merchants = plain(lambda a: a.country == "pk" and a.kind == "merchant")
        self.employers = plain(lambda a: a.country == "pk" and a.kind == "payroll")
        self.utilities = plain(lambda a: org_kind.get(a.uid) == "utility")
        self.exchange = plain(
            lambda a: org_kind.get(a.uid) == "exchange_company" and a.country == "pk"
        )
        self.gulf = plain(lambda a: a.country in ("ae", "sa", "gb", "us") and a.kind == "personal")
        self.gulf_people = [i for i in self.gulf if accounts[i].holder in people]
        self.traders = [i for i in self.gulf if accounts[i].holder in orgs]
        self.high_risk = plain(
            lambda a: a.country in HIGH_RISK_JURISDICTIONS and a.kind == "personal"
        )

    def _pick(self, test: Callable[[Account], bool]) -> list[int]:
        return [i for i, a in enumerate(self.accounts) if test(a)]

    def _funds(self) -> list[Funds]:
        world = self.world
        by_network: dict[str, Funds] = {uid: Funds(uid) for uid in sorted(world.networks)}
        for i, account in enumerate(self.accounts):
            holder = account.holder
            person = world.people.get(holder)
            org = world.organisations.get(holder)
            network = person.network if person else org.network if org else None
            if network is None or network not in by_network:
                continue
            funds = by_network[network]
            if account.dormant_until is not None:
                funds.dormant.append(i)
            elif account.country != "pk":
                target = funds.dealers_abroad if account.kind == "hawala" else funds.abroad
                target.append(i)
            elif org is not None:
                (funds.exchange if org.kind == "exchange_company" else funds.fronts).append(i)
            elif person is not None and person.role == "hawala_dealer":
                funds.dealers_pk.append(i)
            elif person is not None and person.role == "money_mule":
                funds.mules.append(i)
            elif account.kind == "wallet":
                funds.wallets.append(i)
            else:
                funds.personal.append(i)
        return [f for f in by_network.values() if f]

    def opened_before(self, pool: list[int], day: int) -> list[int]:
        """Accounts of `pool` opened before `day` (days since 1970)."""
        return [i for i in pool if self.opened[i] < day]

    def day_of(self, date: dt.date) -> int:
        return to_day(date)
