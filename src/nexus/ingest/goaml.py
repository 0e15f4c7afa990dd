"""goAML XML reports (banks' STRs and CTRs to the FIU): one source row per `<report>`.

Reads report files, validates each report against schemas/goaml.xsd and maps it to FtM entities.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from followthemoney.types import registry
from lxml import etree  # type: ignore[import-untyped,unused-ignore]  # lxml has no stubs

from nexus.exceptions import SourceError
from nexus.ingest.formats import EntityFormat, register_format
from nexus.ingest.mapping import RowError, entity_statements
from nexus.ingest.sources import SourceRow
from nexus.model import model
from nexus.store import Marking, NewStatement

SCHEMA_PATH = Path(__file__).parent / "schemas" / "goaml.xsd"
PHONE_COUNTRY = "pk"  # national phone numbers (0300-1234567) in reports to Pakistan's FMU
PLACEHOLDERS = frozenset({"n/a", "na", "-", "--", ".", "nil", "null", "none"})
GENDERS = {"M": "male", "F": "female"}  # goAML's gender lookup; other codes say nothing
MAX_ERRORS = 3  # schema errors quoted per report; the first is usually the cause

Node = Any  # an lxml element (lxml has no type stubs)
_CNIC = re.compile(r"\d{13}")
_UTF8 = {"utf-8", "utf8", "utf-8-sig"}


# -- reading ----------------------------------------------------------------------------------
@cache
def report_schema() -> Any:
    """The XSD every report is checked against (parsed once per process)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def _parser(encoding: str | None = None) -> Any:
    # No entity expansion, no network, libxml2's size limits kept: report files come from outside.
    return etree.XMLParser(resolve_entities=False, no_network=True, encoding=encoding)


def _local(node: Node) -> str:
    return str(etree.QName(node).localname)


def read_reports(path: Path, encoding: str) -> Iterator[SourceRow]:
    """One row per report: a file holds one `<report>` or a `<reports>` batch of them. A report
    that breaks the schema is a row with a problem (quarantined whole); the others still load."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: cannot open: {exc.strerror}") from exc
    # UTF-8 is XML's default; any other declared encoding overrides the file's own declaration.
    override = None if encoding.lower().replace("_", "-") in _UTF8 else encoding
    try:
        root = etree.fromstring(data, _parser(override))
    except etree.XMLSyntaxError as exc:
        raise SourceError(
            f"{path} line {exc.lineno}: not well-formed XML ({exc.msg}); a goAML file must be "
            "complete XML: re-export it from the reporting system"
        ) from exc
    name = _local(root)
    if name == "report":
        elements = [root]
    elif name == "reports":
        elements = [child for child in root if isinstance(child.tag, str)]
    else:
        raise SourceError(
            f"{path} line {root.sourceline}: the root element is <{name}>, not a goAML <report> "
            "(or a <reports> batch of them)"
        )
    schema = report_schema()
    for position, element in enumerate(elements, start=1):
        yield _report_row(element, position, schema)


def _report_row(element: Node, position: int, schema: Any) -> SourceRow:
    line = int(element.sourceline or 0)
    is_report = _local(element) == "report"
    reference = _clean(element.findtext("entity_reference")) if is_report else None
    ref = f"report={reference or position}"
    record = {
        "xml": etree.tostring(element, encoding="unicode", with_tail=False),
        "line": line,
        "position": position,
    }
    if not is_report:
        problem = f"line {line}: <{_local(element)}> is not a goAML <report>"
        return SourceRow(line, record, problem, ref)
    try:
        valid = schema.validate(element)
    except etree.XMLSchemaValidateError as exc:  # libxml2 gives up on entity references
        problem = f"line {line}: the report cannot be validated ({exc}); remove DTD entities"
        return SourceRow(line, record, problem, ref)
    if not valid:
        return SourceRow(line, record, _schema_problem(list(schema.error_log)), ref)
    return SourceRow(line, record, None, ref)


def _schema_problem(errors: Sequence[Any]) -> str:
    """`line 14, /report/transaction[2]/date_transaction: Element 'date_transaction': …`."""
    quoted = [f"line {e.line}, {e.path}: {e.message}" for e in errors[:MAX_ERRORS]]
    more = f"; and {len(errors) - MAX_ERRORS} more" if len(errors) > MAX_ERRORS else ""
    return f"not a valid goAML report: {'; '.join(quoted)}{more}"


# -- values -----------------------------------------------------------------------------------
def _clean(text: str | None) -> str | None:
    """Text as written, or None for empty elements and exporters' placeholders (`n/a`)."""
    if text is None:
        return None
    stripped = " ".join(text.split())
    if not stripped or stripped.lower() in PLACEHOLDERS:
        return None
    return stripped


def _goaml_date(raw: str) -> str:
    """goAML writes every date as a date-time; midnight means a plain date."""
    day, _, time = raw.partition("T")
    time = time.split(".")[0]
    return day if time in ("", "00:00:00") else f"{day}T{time}"


def _cnic(raw: str | None) -> str | None:
    """A CNIC (13 digits, with or without dashes or spaces) as `XXXXX-XXXXXXX-X`."""
    digits = re.sub(r"[\s-]", "", raw or "")
    if not _CNIC.fullmatch(digits):
        return None
    return f"{digits[:5]}-{digits[5:12]}-{digits[12]}"


def _key(text: str) -> str:
    """A natural key as compared across reports: case, spacing and punctuation ignored."""
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


class _Entity:
    """One FtM entity being built from a report: cleaned values with the element they came from."""

    def __init__(self, mapper: _ReportMapper, schema: str, entity_id: str, origin: str) -> None:
        self.mapper = mapper
        self.schema = model[schema]
        self.id = entity_id
        self.origin = origin
        self.values: list[tuple[Any, str, str | None]] = []

    def put(self, prop: str, parent: Node, child: str, hints: Sequence[str | None] = ()) -> None:
        """The text of `parent/child` as `prop`, if present."""
        node = parent.find(child)
        if node is not None:
            self.add(prop, node.text, node, hints)

    def add(
        self,
        prop: str,
        raw: str | None,
        node: Node,
        hints: Sequence[str | None] = (),
        canonical: str | None = None,
    ) -> None:
        """`raw` cleaned by the property's type (trying each format hint), or `canonical` when
        Nexus normalised it first (a CNIC with dashes); the text as written is kept beside."""
        written = _clean(raw)
        if written is None:
            return
        schema_prop = self.schema.get(prop)
        assert schema_prop is not None, (self.schema.name, prop)
        prop_type = schema_prop.type
        value = canonical or (_goaml_date(written) if prop_type == registry.date else written)
        cleaned = None
        if prop_type == registry.number:
            try:
                Decimal(value)
                cleaned = prop_type.clean(value)
            except InvalidOperation:
                cleaned = None
        else:
            for hint in hints or (None,):
                cleaned = prop_type.clean(value, format=hint)
                if cleaned is not None:
                    break
        if cleaned is None:
            line = self.mapper.line(node)
            raise RowError(
                f"line {line}: cannot read {written!r} as {prop_type.label.lower()} for "
                f"{self.schema.name}.{prop}",
                field=self.mapper.path(node),
            )
        self.values.append((schema_prop, cleaned, written))

    def link(self, prop: str, entity_id: str | None) -> None:
        if entity_id is None:
            return
        schema_prop = self.schema.get(prop)
        assert schema_prop is not None, (self.schema.name, prop)
        self.values.append((schema_prop, entity_id, None))


# -- mapping ----------------------------------------------------------------------------------
class _ReportMapper:
    """Turns one valid report into statements; ids are stable across reports of a dataset."""

    def __init__(self, dataset: str, origin: str, marking: Marking, line_offset: int) -> None:
        self.dataset = dataset
        self.origin = origin
        self.marking = marking
        self.line_offset = line_offset
        self.statements: list[NewStatement] = []
        self._seen: set[str] = set()
        self.rentity = ""
        self.report_key = origin
        self.report_id = ""
        self.institutions: list[str] = []

    # helpers
    def line(self, node: Node | None) -> int:
        return self.line_offset + int(getattr(node, "sourceline", None) or 1)

    def path(self, node: Node | None) -> str:
        return "/report" if node is None else str(node.getroottree().getpath(node))

    def make_id(self, kind: str, *key: str) -> str:
        digest = hashlib.sha1("\x1f".join((self.dataset, kind, *key)).encode("utf-8"))
        return f"{kind}-{digest.hexdigest()}"

    def entity(self, schema: str, entity_id: str, origin: str | None = None) -> _Entity:
        return _Entity(self, schema, entity_id, origin or self.origin)

    def emit(self, entity: _Entity) -> str:
        for stmt in entity_statements(
            entity.id,
            entity.schema.name,
            entity.values,
            self.dataset,
            entity.origin,
            self.marking,
        ):
            if stmt.id not in self._seen:
                self._seen.add(stmt.id)
                self.statements.append(stmt)
        return entity.id

    def required(self, parent: Node, child: str) -> str:
        value = _clean(parent.findtext(child))
        if value is None:
            raise RowError(
                f"line {self.line(parent)}: <{_local(parent)}> has no <{child}>",
                field=f"{self.path(parent)}/{child}",
            )
        return value

    def link(
        self, schema: str, kind: str, origin: str, role: str | None = None, **ends: str
    ) -> None:
        """An edge entity (Ownership, Directorship, Documentation, …) between two entities."""
        edge = self.entity(schema, self.make_id(kind, *ends.values(), role or ""), origin)
        for prop, entity_id in ends.items():
            edge.link(prop, entity_id)
        if role is not None:
            edge.add("role", role, None)
        self.emit(edge)

    # the report
    def run(self, report: Node) -> list[NewStatement]:
        self.rentity = self.required(report, "rentity_id")
        reference = _clean(report.findtext("entity_reference"))
        self.report_key = reference or self.origin
        self.report_id = self.make_id("report", self.rentity, self.report_key)
        currency = self.required(report, "currency_code_local")
        for txn in report.iterfind("transaction"):
            self.transaction(txn, currency)
        activity = report.find("activity")
        if activity is not None:
            self.activity(activity)
        self.emit(self.document(report, reference))
        return self.statements

    def document(self, report: Node, reference: str | None) -> _Entity:
        doc = self.entity("Document", self.report_id)
        code = self.required(report, "report_code")
        doc.add("title", f"{code} {reference}" if reference else f"{code} report", report)
        doc.add("fileName", self.origin.split("#", 1)[0], report)
        doc.put("messageId", report, "entity_reference")
        doc.put("messageId", report, "fiu_ref_number")
        doc.put("publisher", report, "rentity_id")
        for name in sorted(set(self.institutions)):
            doc.add("publisher", name, report)
        doc.put("date", report, "submission_date")
        doc.put("keywords", report, "report_code")
        for indicator in report.iterfind("report_indicators/indicator"):
            doc.add("keywords", indicator.text, indicator)
        doc.put("summary", report, "reason")
        doc.put("description", report, "action")
        person = report.find("reporting_person")
        if person is not None:
            doc.add("author", _person_name(person), person)
        location = report.find("location")
        if location is not None:
            self.address(doc, location, country_prop="country")
        return doc

    def transaction(self, txn: Node, currency: str) -> None:
        number = self.required(txn, "transactionnumber")
        origin = f"{self.origin}/transaction={number}"
        payment = self.entity("Payment", self.make_id("payment", self.rentity, number), origin)
        payment.put("transactionNumber", txn, "transactionnumber")
        payment.put("recordId", txn, "internal_ref_number")
        payment.put("date", txn, "date_transaction")
        payment.put("purpose", txn, "transaction_description")
        payment.put("summary", txn, "transmode_comment")
        payment.put("amount", txn, "amount_local")
        payment.add("currency", currency, txn)
        payment.link("proof", self.report_id)
        codes = [f"transmode_code={self.required(txn, 'transmode_code')}"]
        for side_name, direction, payer in (
            ("t_from_my_client", "from", True),
            ("t_from", "from", True),
            ("t_to_my_client", "to", False),
            ("t_to", "to", False),
        ):
            side = txn.find(side_name)
            if side is None:
                continue
            parties, account = self.side(side, direction, side_name.endswith("my_client"), origin)
            for party in parties:
                payment.link("payer" if payer else "beneficiary", party)
            payment.link("payerAccount" if payer else "beneficiaryAccount", account)
            codes.append(f"{direction}_funds_code={self.required(side, f'{direction}_funds_code')}")
            foreign = side.find(f"{direction}_foreign_currency")
            if foreign is not None:
                code = _clean(foreign.findtext("foreign_currency_code"))
                amount = _clean(foreign.findtext("foreign_amount"))
                rate = _clean(foreign.findtext("foreign_exchange_rate"))
                codes.append(f"{direction}_foreign_currency={code} {amount} @ {rate}")
                if code in ("USD", "EUR"):
                    prop = "amountUsd" if code == "USD" else "amountEur"
                    payment.put(prop, foreign, "foreign_amount")
        payment.add("description", " ".join(codes), txn)
        self.emit(payment)

    def side(
        self, side: Node, direction: str, my_client: bool, origin: str
    ) -> tuple[list[str], str | None]:
        """The parties (payer or beneficiary) and the account of one side of a transaction."""
        country = side.find(f"{direction}_country")
        conductor = side.find("t_conductor")
        if conductor is not None:
            person = self.person(conductor, origin)
            self.link(
                "Documentation",
                "documentation",
                origin,
                "conductor",
                document=self.report_id,
                entity=person,
            )
        account = side.find(f"{direction}_account")
        if account is not None:
            account_id, holders = self.account(account, origin, country, my_client)
            return holders, account_id
        person = side.find(f"{direction}_person")
        if person is not None:
            return [self.person(person, origin)], None
        entity = side.find(f"{direction}_entity")
        if entity is not None:
            return [self.organisation(entity, origin)], None
        raise RowError(
            f"line {self.line(side)}: <{_local(side)}> names no account, person or entity",
            field=self.path(side),
        )

    def activity(self, activity: Node) -> None:
        for position, party in enumerate(activity.iterfind("report_parties/report_party"), 1):
            origin = f"{self.origin}/party={position}"
            subject: str | None = None
            for name in ("person", "person_my_client"):
                if (node := party.find(name)) is not None:
                    subject = self.person(node, origin)
            for name in ("entity", "entity_my_client"):
                if (node := party.find(name)) is not None:
                    subject = self.organisation(node, origin)
            for name in ("account", "account_my_client"):
                if (node := party.find(name)) is not None:
                    subject, _ = self.account(node, origin, None, name.endswith("my_client"))
            if subject is None:
                continue
            significance = _clean(party.findtext("significance"))
            role = f"report party (significance {significance})" if significance else None
            edge_id = self.make_id("documentation", self.report_id, subject, "report party")
            edge = self.entity("Documentation", edge_id, origin)
            edge.link("document", self.report_id)
            edge.link("entity", subject)
            edge.add("role", role or "report party", party)
            edge.put("summary", party, "reason")
            edge.put("description", party, "comments")
            self.emit(edge)

    # parties
    def person(self, node: Node, origin: str) -> str:
        """A Person keyed by CNIC, else passport, else other ID number, else name and birth
        date; a person with none of these is known only at this place in this report."""
        numbers = [
            node.findtext("id_number"),
            node.findtext("ssn"),
            *(ident.findtext("number") for ident in node.iterfind("identification")),
        ]
        cnic = next((c for c in map(_cnic, numbers) if c is not None), None)
        name = _person_name(node)
        passport = _clean(node.findtext("passport_number"))
        other_id = _clean(node.findtext("id_number"))
        birth = _clean(node.findtext("birthdate"))
        key: tuple[str, ...]
        if cnic is not None:
            key = ("cnic", cnic.replace("-", ""))
        elif passport is not None:
            key = ("passport", _clean(node.findtext("passport_country")) or "", _key(passport))
        elif other_id is not None:
            key = ("id", _clean(node.findtext("nationality1")) or "", _key(other_id))
        elif birth is not None:
            key = ("name", _key(name), _goaml_date(birth)[:10])
        else:
            key = ("position", self.rentity, self.report_key, self.path(node))
        person = self.entity("Person", self.make_id("person", *key), origin)
        person.add("name", name, node)
        person.put("firstName", node, "first_name")
        person.put("middleName", node, "middle_name")
        person.put("lastName", node, "last_name")
        person.put("title", node, "title")
        person.put("title", node, "prefix")
        gender = GENDERS.get((_clean(node.findtext("gender")) or "").upper())
        person.add("gender", gender, node.find("gender"))
        person.put("birthDate", node, "birthdate")
        person.put("birthPlace", node, "birth_place")
        person.put("motherName", node, "mothers_name")
        person.put("alias", node, "alias")
        for field in ("id_number", "ssn"):  # exporters put the CNIC in either
            raw = node.find(field)
            if raw is None:
                continue
            as_cnic = _cnic(raw.text)
            prop = (
                "idNumber"
                if as_cnic is not None or field == "id_number"
                else "socialSecurityNumber"
            )
            person.add(prop, raw.text, raw, canonical=as_cnic)
        person.put("passportNumber", node, "passport_number")
        for field in ("nationality1", "nationality2", "nationality3"):
            person.put("nationality", node, field)
        person.put("country", node, "residence")
        hints = [c.lower() for c in self.countries(node, ("residence", "nationality1"))]
        self.phones(person, node, hints)
        for address in node.iterfind("addresses/address"):
            self.address(person, address, country_prop="country")
        for email in node.iterfind("email"):
            person.add("email", email.text, email)
        person.put("profession", node, "occupation")
        person.put("deathDate", node, "date_deceased")
        person.put("taxNumber", node, "tax_number")
        self.emit(person)
        for ident in node.iterfind("identification"):
            self.identification(ident, person.id, origin)
        return person.id

    def identification(self, node: Node, holder: str, origin: str) -> None:
        number = self.required(node, "number")
        kind = _clean(node.findtext("type")) or ""
        ident = self.entity(
            "Identification", self.make_id("identification", holder, kind, _key(number)), origin
        )
        ident.link("holder", holder)
        ident.add("number", number, node.find("number"), canonical=_cnic(number))
        ident.put("type", node, "type")
        ident.put("country", node, "issue_country")
        ident.put("startDate", node, "issue_date")
        ident.put("endDate", node, "expiry_date")
        ident.put("authority", node, "issued_by")
        self.emit(ident)

    def organisation(self, node: Node, origin: str) -> str:
        """A Company when it states incorporation details, else an Organization; keyed by
        registration number and country, else by name and country."""
        name = self.required(node, "name")
        number = _clean(node.findtext("incorporation_number"))
        country = _clean(node.findtext("incorporation_country_code")) or ""
        registered = number is not None or _clean(node.findtext("incorporation_legal_form"))
        key = ("reg", country, _key(number)) if number else ("name", _key(name), country)
        org = self.entity(
            "Company" if registered else "Organization", self.make_id("entity", *key), origin
        )
        org.add("name", name, node.find("name"))
        org.put("alias", node, "commercial_name")
        org.put("legalForm", node, "incorporation_legal_form")
        org.put("registrationNumber", node, "incorporation_number")
        org.put("sector", node, "business")
        self.phones(org, node, [country.lower()] if country else [])
        for address in node.iterfind("addresses/address"):
            self.address(org, address, country_prop="country")
        org.put("email", node, "email")
        org.put("website", node, "url")
        org.put("jurisdiction", node, "incorporation_country_code")
        org.put("incorporationDate", node, "incorporation_date")
        org.put("dissolutionDate", node, "date_business_closed")
        org.put("taxNumber", node, "tax_number")
        self.emit(org)
        for director in node.iterfind("director_id"):
            person = self.person(director, origin)
            role = _clean(director.findtext("role")) or "director"
            self.link(
                "Directorship",
                "directorship",
                origin,
                role,
                director=person,
                organization=org.id,
            )
        return org.id

    def account(
        self, node: Node, origin: str, country: Node | None, my_client: bool
    ) -> tuple[str, list[str]]:
        """A BankAccount keyed by IBAN, else institution and account number; returns it with
        the parties that hold it (its entity, else its primary signatories, else all)."""
        institution = self.required(node, "institution_name")
        number = self.required(node, "account")
        if my_client:
            self.institutions.append(institution)
        iban = _clean(node.findtext("iban"))
        number_iban = registry.identifier.clean(number.replace(" ", ""), format="iban")
        bank = (
            _clean(node.findtext("swift"))
            or _clean(node.findtext("institution_code"))
            or _key(institution)
        )
        key: tuple[str, ...]
        iban_key = re.sub(r"\s", "", iban).upper() if iban is not None else number_iban
        if iban_key is not None:
            key = ("iban", iban_key)
        else:
            key = ("account", bank.upper(), _key(number))
        account = self.entity("BankAccount", self.make_id("account", *key), origin)
        account.add("accountNumber", number, node.find("account"))
        account.put("iban", node, "iban", ("iban",))
        if iban is None and number_iban is not None:
            account.add("iban", number_iban, node.find("account"), ("iban",))
        account.add("bankName", institution, node.find("institution_name"))
        account.put("bic", node, "swift", ("bic",))
        account.put("bankAddress", node, "branch")
        account.put("currency", node, "currency_code")
        account.put("name", node, "account_name")
        account.put("accountType", node, "personal_account_type")
        account.put("openingDate", node, "opened")
        account.put("closingDate", node, "closed")
        account.put("balance", node, "balance")
        account.put("balanceDate", node, "date_balance")
        if country is not None:
            account.add("country", country.text, country)
        self.emit(account)
        holders: list[str] = []
        entity = node.find("t_entity")
        if entity is not None:
            holders.append(self.organisation(entity, origin))
            self.link(
                "Ownership",
                "ownership",
                origin,
                "account holder",
                owner=holders[0],
                asset=account.id,
            )
        primaries: list[str] = []
        signatories: list[str] = []
        for signatory in node.iterfind("signatory"):
            person = self.person(signatory.find("t_person"), origin)
            signatories.append(person)
            if (signatory.findtext("is_primary") or "").strip() in ("true", "1"):
                primaries.append(person)
            role = _clean(signatory.findtext("role"))
            if entity is not None:  # a business account: signatories act for the holder
                self.link(
                    "UnknownLink",
                    "signatory",
                    origin,
                    f"signatory ({role})" if role else "signatory",
                    subject=person,
                    object=account.id,
                )
            else:
                self.link(
                    "Ownership",
                    "ownership",
                    origin,
                    "account holder",
                    owner=person,
                    asset=account.id,
                )
        return account.id, holders or primaries or signatories

    # shared parts
    def countries(self, node: Node, fields: Sequence[str]) -> list[str]:
        return [c for f in fields if (c := _clean(node.findtext(f))) is not None]

    def phones(self, entity: _Entity, node: Node, hints: Sequence[str]) -> None:
        for phone in node.iterfind("phones/phone"):
            number_node = phone.find("tph_number")
            number = _clean(number_node.text if number_node is not None else None)
            if number is None:
                continue
            prefix = (_clean(phone.findtext("tph_country_prefix")) or "").lstrip("+0")
            written = f"+{prefix} {number.lstrip('0')}" if prefix.isdigit() else number
            entity.add("phone", written, number_node, (None, *hints, PHONE_COUNTRY))

    def address(self, entity: _Entity, node: Node, country_prop: str) -> None:
        code = _clean(node.findtext("country_code"))
        parts = [
            _clean(node.findtext(part)) for part in ("address", "town", "city", "state", "zip")
        ]
        if code is not None:
            parts.append(registry.country.caption(code.lower()) or code)
        text = ", ".join(dict.fromkeys(p for p in parts if p))
        entity.add("address", text, node)
        entity.put(country_prop, node, "country_code")


def _person_name(node: Node) -> str:
    parts = (_clean(node.findtext(p)) for p in ("first_name", "middle_name", "last_name"))
    return " ".join(p for p in parts if p)


def goaml_statements(
    record: dict[str, Any], dataset: str, origin: str, marking: Marking
) -> list[NewStatement]:
    """Statements for one report read by `read_reports` (a schema-valid `<report>`)."""
    text = record.get("xml")
    if not isinstance(text, str) or not text.strip():
        raise RowError("the record holds no goAML report", field="xml")
    try:
        report = etree.fromstring(text.encode("utf-8"), _parser())
    except etree.XMLSyntaxError as exc:
        raise RowError(f"not well-formed XML: {exc.msg}", field="xml") from exc
    line = record.get("line")
    offset = line - 1 if isinstance(line, int) and line > 0 else 0
    return _ReportMapper(dataset, origin, marking, offset).run(report)


GOAML_FORMAT = register_format(
    EntityFormat(
        name="goaml",
        suffixes=(".goaml.xml",),
        read=read_reports,
        statements=goaml_statements,
        description="goAML XML reports (STR, CTR, SAR) as banks file them with the FIU",
    )
)
