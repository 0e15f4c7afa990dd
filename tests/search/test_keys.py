"""Search keys: a name in any spelling or script, an identifier in any written form, one key."""

from __future__ import annotations

from nexus.search.keys import compact, index_rows, query_terms
from nexus.store import IndexSource, SearchTerm


def source(prop: str, prop_type: str, value: str, original: str | None = None) -> IndexSource:
    schema = "Person" if prop_type != "iban" and prop != "iban" else "BankAccount"
    return IndexSource("s1", "e1", schema, prop, prop_type, value, original, "anf", 1)


def keys(term: SearchTerm) -> set[str]:
    return {key for key, _strength in term.keys}


def main_keys(query: str) -> list[str]:
    """The strongest key of each term of a query."""
    return [max(t.keys, key=lambda k: k[1])[0] for t in query_terms(query)]


def test_spellings_and_scripts_of_one_name_give_the_same_terms() -> None:
    assert main_keys("Mohd Rasheed") == ["muhammad", "rashid"]
    assert main_keys("Muhammad Rashid") == ["muhammad", "rashid"]
    assert main_keys("محمد رشید") == ["muhammad", "rashid"]


def test_a_name_row_holds_the_keys_its_query_looks_for() -> None:
    [row] = index_rows([source("name", "name", "محمد رشید")])
    assert row.kind == "name" and row.size == 2 and row.weight == 1.0
    held = set(row.terms.split())
    for term in query_terms("Mohd Rasheed"):
        assert keys(term) & held


def test_identifiers_are_found_in_any_written_form() -> None:
    [cnic] = index_rows([source("idNumber", "identifier", "59169-9854353-5")])
    for query in ("59169-9854353-5", "5916998543535", "59169 9854353 5"):
        [term] = query_terms(query)
        assert keys(term) & set(cnic.terms.split()), query
    [phone] = index_rows([source("phone", "phone", "+923086033115", "0308-6033115")])
    for query in ("0308-6033115", "+92 308 6033115", "03086033115", "0092 308 6033115"):
        [term] = query_terms(query)
        assert "923086033115" in keys(term), query
    assert "923086033115" in phone.terms.split()
    [iban] = index_rows([source("iban", "identifier", "PK36SCBL0000001123456702")])
    [term] = query_terms("PK36 SCBL 0000 0011 2345 6702")
    assert keys(term) == {"pk36scbl0000001123456702"} <= set(iban.terms.split())


def test_titles_and_relations_are_left_out_and_initials_kept() -> None:
    assert main_keys("Haji Sultan") == ["sultan"]
    assert main_keys("Murad s/o Nadeem Mengal") == ["murad", "nadeem", "mengal"]
    assert main_keys("M. Yousaf") == ["yusuf", "1m"]
    assert sorted(main_keys("FIR 123/2024")) == ["1232024", "fir"]
    assert query_terms("   ") == []


def test_a_final_star_makes_the_last_word_a_prefix() -> None:
    [term] = query_terms("Rash*")
    assert "rash*" in keys(term)


def test_facet_rows_name_countries_and_topics() -> None:
    rows = list(
        index_rows(
            [
                source("nationality", "country", "PK"),
                source("topics", "topic", "sanction"),
                source("offence", "string", "Narcotics trafficking"),
            ]
        )
    )
    facets = {(r.kind, r.value) for r in rows if r.kind in ("country", "topic")}
    assert facets == {("country", "pk"), ("topic", "sanctioned"), ("topic", "drugs")}
    [text] = [r for r in rows if r.kind == "text"]
    assert text.terms == "narcotics trafficking"


def test_links_dates_and_payment_channels_give_no_rows() -> None:
    assert list(index_rows([source("birthDate", "date", "1980-01-01")])) == []
    channel = IndexSource("s2", "pay1", "Payment", "summary", "text", "IBFT", None, "bank", 1)
    assert list(index_rows([channel])) == []
    assert compact("HBL-0000 000/010") == "hbl0000000010"


def test_an_email_is_one_term_as_written() -> None:
    [row] = index_rows([source("email", "email", "Rashid.Khan@example.pk")])
    [term] = query_terms("rashid.khan@example.pk")
    assert keys(term) == {"rashidkhanexamplepk"} <= set(row.terms.split())
