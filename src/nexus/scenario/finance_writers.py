"""Writes the money: the scan CSV, one compliance extract (with its mapping) per bank, the truth.

Owns the file layouts; each bank's extract has its own column names, date style and modes.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

import yaml

from nexus.scenario.finance_base import (
    BANK_BY_NAME,
    BANKS,
    FX_TO_PKR,
    Bank,
    Pattern,
    branch_code,
)
from nexus.scenario.model import CASH, Transaction, World

SCAN_COLUMNS: tuple[str, ...] = (
    "id",
    "timestamp",
    "payer_account",
    "beneficiary_account",
    "amount",
    "currency",
    "channel",
    "payer_country",
    "beneficiary_country",
    "branch",
)
BATCH = 20_000
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def write_scan_csv(transactions: Iterable[Transaction], path: Path) -> int:
    """Write the plain transaction table (CASH stands for the cash side); returns the row count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(SCAN_COLUMNS)
        batch: list[tuple[str, ...]] = []
        for t in transactions:
            batch.append(
                (
                    t.id,
                    t.timestamp.isoformat(timespec="seconds"),
                    t.payer_account,
                    t.beneficiary_account,
                    f"{t.amount:.2f}",
                    t.currency,
                    t.channel,
                    t.payer_country,
                    t.beneficiary_country,
                    t.branch or "",
                )
            )
            if len(batch) >= BATCH:
                writer.writerows(batch)
                count += len(batch)
                batch = []
        writer.writerows(batch)
        count += len(batch)
    return count


# -- bank extracts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtractLayout:
    """How one bank's compliance extract names its columns and writes dates and modes."""

    ref: str
    date: str
    date_format: str  # strftime-style, with %b written in English whatever the locale
    debit: str
    debit_title: str
    debit_bank: str
    credit: str
    credit_title: str
    credit_bank: str
    amount: str
    mode: str
    branch: str
    narration: str
    modes: tuple[tuple[str, str], ...]  # channel (or "foreign") -> the bank's wording
    time: str | None = None  # a separate time column
    currency: str | None = None  # None: amounts converted to PKR
    debit_iban: str | None = None
    credit_iban: str | None = None
    delimiter: str = ","
    branch_names: bool = False  # branch written by name, not code
    local_numbers: bool = False  # Pakistani accounts written without the IBAN prefix

    @property
    def columns(self) -> list[str]:
        names = [
            self.ref, self.date, self.time,
            self.debit, self.debit_iban, self.debit_title, self.debit_bank,
            self.credit, self.credit_iban, self.credit_title, self.credit_bank,
            self.amount, self.currency, self.mode, self.branch, self.narration,
        ]  # fmt: skip
        return [n for n in names if n]


HBL_STYLE = ExtractLayout(
    ref="Txn Ref",
    date="Value Date (DD/MM/YYYY)",
    date_format="%d/%m/%Y",
    debit="Debit A/C",
    debit_title="Debit A/C Title",
    debit_bank="Debit Bank",
    credit="Credit A/C",
    credit_title="Credit A/C Title",
    credit_bank="Credit Bank",
    amount="Amount (PKR)",
    mode="Mode",
    branch="Branch Code",
    narration="Narration",
    modes=(
        ("cash_deposit", "CASH"),
        ("cash_withdrawal", "CASH"),
        ("wire", "IBFT"),
        ("mobile_wallet", "IBFT"),
        ("other", "POS"),
        ("hawala", "OTHER"),
        ("foreign", "TT"),
    ),
)
MCB_STYLE = ExtractLayout(
    ref="Transaction ID",
    date="Posting Date",
    date_format="%Y-%m-%d %H:%M",
    debit="From Account",
    debit_iban="From IBAN",
    debit_title="From Title",
    debit_bank="From Bank",
    credit="To Account",
    credit_iban="To IBAN",
    credit_title="To Title",
    credit_bank="To Bank",
    amount="Amount",
    currency="Currency",
    mode="Channel",
    branch="Branch",
    narration="Description",
    modes=(
        ("cash_deposit", "CASH DEPOSIT"),
        ("cash_withdrawal", "CASH WITHDRAWAL"),
        ("wire", "FUNDS TRANSFER"),
        ("mobile_wallet", "WALLET"),
        ("other", "CARD/BILL"),
        ("hawala", "OTHER"),
        ("foreign", "SWIFT"),
    ),
)
UBL_STYLE = ExtractLayout(
    ref="Ref No.",
    date="Txn Date",
    date_format="%d-%b-%Y %H:%M:%S",
    debit="Dr Account",
    debit_title="Dr Title",
    debit_bank="Dr Bank",
    credit="Cr Account",
    credit_title="Cr Title",
    credit_bank="Cr Bank",
    amount="Amount",
    currency="CCY",
    mode="Txn Type",
    branch="Branch Name",
    narration="Remarks",
    branch_names=True,
    modes=(
        ("cash_deposit", "CDP"),
        ("cash_withdrawal", "CWD"),
        ("wire", "IBFT"),
        ("mobile_wallet", "MW"),
        ("other", "POS"),
        ("hawala", "OTH"),
        ("foreign", "FTT"),
    ),
)
MEEZAN_STYLE = ExtractLayout(
    ref="Reference",
    date="Date",
    time="Time",
    date_format="%d.%m.%Y",
    debit="Sender Account",
    debit_iban="Sender IBAN",
    debit_title="Sender Name",
    debit_bank="Sender Bank",
    credit="Receiver Account",
    credit_iban="Receiver IBAN",
    credit_title="Receiver Name",
    credit_bank="Receiver Bank",
    amount="Amount PKR",
    mode="Instrument",
    branch="Branch",
    narration="Purpose",
    branch_names=True,
    modes=(
        ("cash_deposit", "Cash"),
        ("cash_withdrawal", "Cash"),
        ("wire", "Raast/IBFT"),
        ("mobile_wallet", "Wallet"),
        ("other", "Debit Card"),
        ("hawala", "Other"),
        ("foreign", "Home Remittance"),
    ),
)
NBP_STYLE = ExtractLayout(
    ref="TRAN_ID",
    date="TRAN_DATE",
    date_format="%d-%m-%Y",
    debit="DR_ACCT",
    debit_title="DR_ACCT_NAME",
    debit_bank="DR_BANK",
    credit="CR_ACCT",
    credit_title="CR_ACCT_NAME",
    credit_bank="CR_BANK",
    amount="TRAN_AMT",
    currency="TRAN_CRNCY",
    mode="TRAN_MODE",
    branch="SOL_ID",
    narration="TRAN_PARTICULARS",
    delimiter=";",
    local_numbers=True,
    modes=(
        ("cash_deposit", "C"),
        ("cash_withdrawal", "C"),
        ("wire", "T"),
        ("mobile_wallet", "T"),
        ("other", "T"),
        ("hawala", "T"),
        ("foreign", "R"),
    ),
)
LAYOUTS: dict[str, tuple[ExtractLayout, str]] = {  # bank code -> layout, reference prefix
    "HABB": (HBL_STYLE, "HBL"),
    "MPBL": (HBL_STYLE, "HMB"),
    "MUCB": (MCB_STYLE, "MCB"),
    "ALFH": (MCB_STYLE, "BAF"),
    "JSBL": (MCB_STYLE, "JSB"),
    "UNIL": (UBL_STYLE, "UBL"),
    "ASCM": (UBL_STYLE, "AKB"),
    "MEZN": (MEEZAN_STYLE, "MZN"),
    "FAYS": (MEEZAN_STYLE, "FBL"),
    "NBPA": (NBP_STYLE, "NBP"),
    "ABPA": (NBP_STYLE, "ABL"),
}


@dataclass(frozen=True, slots=True)
class _Side:
    number: str
    iban: str
    title: str
    bank: str
    bank_code: str | None
    branch: str | None
    holder_kind: str
    country: str


def _sides(world: World) -> dict[str, _Side]:
    sides = {}
    for account in sorted(world.accounts.values(), key=lambda a: a.uid):
        bank = BANK_BY_NAME.get(account.bank) if account.country == "pk" else None
        org = world.organisations.get(account.holder)
        is_iban = account.number[:2].isalpha() and account.number[2:4].isdigit()
        sides[account.number] = _Side(
            number=account.number,
            iban=account.number if is_iban else "",
            title=world.party_name(account.holder).upper(),
            bank=account.bank,
            bank_code=bank.code if bank else None,
            branch=account.branch,
            holder_kind=org.kind if org else "person",
            country=account.country,
        )
    return sides


def _narration(t: Transaction, own: _Side, other: _Side | None, debit: bool) -> str:
    if t.channel == "cash_deposit":
        return "CASH DEPOSIT"
    if t.channel == "cash_withdrawal":
        return "CASH WITHDRAWAL" if own.branch else "WALLET CASH OUT"
    name = other.title if other else "UNKNOWN"
    if other is not None and other.country != "pk":
        if own.holder_kind != "person":
            kind = "OUTWARD TT IMPORT PAYMENT" if debit else "EXPORT PROCEEDS"
        else:
            kind = "OUTWARD TT" if debit else "INWARD REMITTANCE"
        return f"{kind} {t.currency} {t.amount:,.2f} {name}"
    if other is not None and other.holder_kind == "utility":
        return f"UTILITY BILL {name}"
    if t.channel == "other":
        return f"POS {name}" if debit else f"POS SETTLEMENT {name}"
    if t.channel == "mobile_wallet":
        return f"MW TRANSFER {'TO' if debit else 'FROM'} {name}"
    return f"IBFT {'TO' if debit else 'FROM'} {name}"


class _Extract:
    """Turns transactions into one bank's rows, caching what repeats (dates, branch codes)."""

    def __init__(self, bank: Bank, layout: ExtractLayout, prefix: str) -> None:
        self.bank = bank
        self.layout = layout
        self.prefix = prefix
        self.columns = layout.columns
        self.modes = dict(layout.modes)
        fmt = layout.date_format
        cut = fmt.find(" %H")
        self.day_format = fmt if cut < 0 else fmt[:cut]
        self.time_format = "" if cut < 0 else fmt[cut:]
        self.days: dict[dt.date, str] = {}
        self.branches: dict[str | None, str] = {}

    def date(self, moment: dt.datetime) -> str:
        day = moment.date()
        text = self.days.get(day)
        if text is None:
            fmt = self.day_format.replace("%b", MONTHS[day.month - 1])
            text = self.days[day] = day.strftime(fmt)
        if self.time_format == " %H:%M":
            return f"{text} {moment.hour:02d}:{moment.minute:02d}"
        if self.time_format:
            return f"{text} {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
        return text

    def branch(self, branch: str | None) -> str:
        if self.layout.branch_names:
            return branch or ""
        code = self.branches.get(branch)
        if code is None:
            code = self.branches[branch] = branch_code(self.bank.code, branch)
        return code

    def row(self, t: Transaction, payer: _Side | None, payee: _Side | None) -> list[str]:
        layout = self.layout
        own = payer if payer is not None and payer.bank_code == self.bank.code else payee
        assert own is not None
        debit = own is payer
        foreign = (payer is not None and payer.country != "pk") or (
            payee is not None and payee.country != "pk"
        )
        channel = "foreign" if foreign and t.channel in ("wire", "other") else t.channel
        moment = t.timestamp
        values: dict[str | None, str] = {
            layout.ref: f"{self.prefix}{int(t.id[1:]):010d}",
            layout.date: self.date(moment),
            layout.time: f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}",
            layout.mode: self.modes[channel],
            layout.branch: self.branch(
                t.branch if t.channel == "cash_deposit" and t.branch else own.branch
            ),
            layout.narration: _narration(t, own, payee if debit else payer, debit),
        }
        if layout.currency:
            values[layout.amount] = f"{t.amount:.2f}"
            values[layout.currency] = t.currency
        else:
            values[layout.amount] = f"{t.amount * FX_TO_PKR.get(t.currency, 1.0):.2f}"
        for side, number, iban, title, bank_col in (
            (payer, layout.debit, layout.debit_iban, layout.debit_title, layout.debit_bank),
            (payee, layout.credit, layout.credit_iban, layout.credit_title, layout.credit_bank),
        ):
            if side is None:  # the cash side: nothing to say about an account
                continue
            shown = side.number
            if layout.local_numbers and side.bank_code is not None:
                shown = side.number[8:]  # the bank's own 16-digit account number
            values[number] = shown
            values[iban] = side.iban
            values[title] = side.title
            values[bank_col] = side.bank
        return [values.get(c, "") for c in self.columns]


def _mapping(layout: ExtractLayout, dataset: str, csv_name: str) -> dict[str, Any]:
    def account(number: str, iban: str | None, bank: str) -> dict[str, Any]:
        props: dict[str, Any] = {
            "accountNumber": {"column": number},
            "bankName": {"column": bank},
        }
        if iban:
            props["iban"] = {"column": iban}
        return {"schema": "BankAccount", "keys": [number], "properties": props}

    def party(number: str, title: str) -> dict[str, Any]:
        return {
            "schema": "LegalEntity",
            "keys": [number, title],
            "properties": {"name": {"column": title}},
        }

    fmt = layout.date_format
    if layout.time:
        date: dict[str, Any] = {
            "columns": [layout.date, layout.time],
            "join": " ",
            "format": [f"{fmt} %H:%M:%S"],
        }
    else:
        date = {"column": layout.date, "format": [fmt]}
    currency = {"column": layout.currency} if layout.currency else {"literal": "PKR"}
    payment = {
        "schema": "Payment",
        "keys": [layout.ref],
        "properties": {
            "transactionNumber": {"column": layout.ref},
            "date": date,
            "amount": {"column": layout.amount},
            "currency": currency,
            "summary": {"column": layout.mode},
            "purpose": {"column": layout.narration},
            "payer": {"entity": "payer"},
            "payerAccount": {"entity": "payer_account"},
            "beneficiary": {"entity": "beneficiary"},
            "beneficiaryAccount": {"entity": "beneficiary_account"},
        },
    }
    return {
        dataset: {
            "agency": "FMU",
            "classification": "CONFIDENTIAL",
            "country": "pk",
            "queries": [
                {
                    "csv_url": csv_name,
                    "delimiter": layout.delimiter,
                    "entities": {
                        "payer_account": account(
                            layout.debit, layout.debit_iban, layout.debit_bank
                        ),
                        "payer": party(layout.debit, layout.debit_title),
                        "beneficiary_account": account(
                            layout.credit, layout.credit_iban, layout.credit_bank
                        ),
                        "beneficiary": party(layout.credit, layout.credit_title),
                        "payment": payment,
                    },
                }
            ],
        }
    }


def write_bank_extracts(
    transactions: Iterable[Transaction], world: World, outdir: Path
) -> list[Path]:
    """One CSV per Pakistani bank (each transaction in the extract of every bank it touches),
    each with a mapping YAML beside it (agency FMU, dataset bank_<code>, CONFIDENTIAL) that
    makes FtM Payment, BankAccount and LegalEntity entities. Returns the CSV and YAML paths."""
    outdir.mkdir(parents=True, exist_ok=True)
    sides = _sides(world)
    handles: dict[str, TextIO] = {}
    writers: dict[str, Any] = {}
    extracts: dict[str, _Extract] = {}
    paths: list[Path] = []
    try:
        for bank in BANKS:
            layout, prefix = LAYOUTS[bank.code]
            extracts[bank.code] = _Extract(bank, layout, prefix)
            dataset = f"bank_{bank.code.lower()}"
            data = outdir / f"{dataset}.csv"
            handle = data.open("w", encoding="utf-8", newline="")
            handles[bank.code] = handle
            writer = csv.writer(handle, delimiter=layout.delimiter, lineterminator="\n")
            writer.writerow(layout.columns)
            writers[bank.code] = writer
            mapping = outdir / f"{dataset}.yml"
            text = yaml.safe_dump(
                _mapping(layout, dataset, data.name), sort_keys=False, allow_unicode=True
            )
            header = f"# {bank.name}'s compliance extract as the FMU receives it.\n"
            mapping.write_text(header + text, encoding="utf-8")
            paths += [data, mapping]
        for t in transactions:
            payer = sides.get(t.payer_account) if t.payer_account != CASH else None
            payee = sides.get(t.beneficiary_account) if t.beneficiary_account != CASH else None
            codes = [s.bank_code for s in (payer, payee) if s is not None and s.bank_code]
            for code in dict.fromkeys(codes):
                writers[code].writerow(extracts[code].row(t, payer, payee))
    finally:
        for opened in handles.values():
            opened.close()
    return paths


# -- truth ----------------------------------------------------------------------------------------


def write_truth(
    patterns: list[Pattern], transactions_truth_path: Path, patterns_path: Path
) -> None:
    """truth/transactions.csv: id,pattern,typology of every transaction of a planted pattern
    (look-alikes are not there: they are innocent); truth/patterns.json: every pattern."""
    rows = sorted(
        (tid, p.id, p.typology) for p in patterns if not p.lookalike for tid in p.transaction_ids
    )
    transactions_truth_path.parent.mkdir(parents=True, exist_ok=True)
    with transactions_truth_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(("id", "pattern", "typology"))
        writer.writerows(rows)
    patterns_path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps([asdict(p) for p in patterns], sort_keys=True, indent=1, ensure_ascii=False)
    patterns_path.write_text(text + "\n", encoding="utf-8")
