"""Nexus's own schemata (seizures, interdictions, case files, operations, requests) inside FtM."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from followthemoney import model
from followthemoney.exc import InvalidData
from followthemoney.graph import Graph
from followthemoney.property import Property
from followthemoney.proxy import EntityProxy
from followthemoney.schema import Schema
from followthemoney.types import registry

import nexus.model
from nexus.model import nexus_schema_names

MODEL_DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"

EDGE_SCHEMATA = {
    # edge schema: (source property, source range, target property, target range)
    "SeizureParty": ("party", "LegalEntity", "seizure", "Seizure"),
    "InterdictionParty": ("party", "LegalEntity", "interdiction", "Interdiction"),
    "CaseSubject": ("subject", "Thing", "case", "InvestigationCase"),
}


def _nexus_schemata() -> list[Schema]:
    return [model[name] for name in nexus_schema_names()]


def _own_properties(schema: Schema) -> list[Property]:
    """Properties defined on `schema` itself, including reverse stubs other schemata put there."""
    return [prop for prop in schema.properties.values() if prop.schema is schema]


def _prop(schema: str, name: str) -> Property:
    prop = model[schema].get(name)
    assert prop is not None, (schema, name)
    return prop


def _entity(schema: str, entity_id: str, **props: str | list[str] | None) -> EntityProxy:
    proxy = model.make_entity(schema)
    proxy.id = entity_id
    for name, values in props.items():
        assert values is not None, name
        proxy.add(name, values)
    return proxy


def test_every_nexus_schema_is_part_of_ftm_model() -> None:
    names = nexus_schema_names()
    assert set(names) == {
        "Seizure",
        "SeizureParty",
        "Interdiction",
        "InterdictionParty",
        "InvestigationCase",
        "CaseSubject",
        "JointOperation",
        "IntelligenceRequest",
    }
    for name in names:
        assert name in model.schemata
        assert model[name].name == name
    assert nexus.model.model is model
    assert set(names) <= set(model.to_dict()["schemata"])


def test_nexus_schemata_are_concrete_unmatchable_and_not_deprecated() -> None:
    for schema in _nexus_schemata():
        assert not schema.abstract, schema
        assert not schema.deprecated, schema
        assert not schema.matchable, schema
        assert schema.is_a("Thing") or schema.is_a("Interest"), schema
        for parent in schema.schemata:
            assert not parent.deprecated, (schema, parent)
        for prop in schema.properties.values():
            if prop.schema.name in nexus_schema_names():
                assert not prop.deprecated, prop


def test_captions_featured_and_required_name_existing_properties() -> None:
    for schema in _nexus_schemata():
        assert schema.featured, schema
        assert schema.required, schema
        for name in [*schema.featured, *schema.required, *schema.caption]:
            assert schema.get(name) is not None, (schema, name)


def test_events_inherit_event_properties_and_temporal_extent() -> None:
    for name in ("Seizure", "Interdiction", "JointOperation", "IntelligenceRequest"):
        schema = model[name]
        assert schema.is_a("Event")
        assert schema.get("location") is model["Event"].get("location")
        assert schema.get("involved") is model["Event"].get("involved")
    assert model["Seizure"].temporal_start == ["startDate", "date"]
    assert model["IntelligenceRequest"].temporal_start[0] == "requestDate"
    assert model["InvestigationCase"].temporal_start == ["openDate"]
    assert model["InvestigationCase"].temporal_end == ["closeDate"]


def test_investigation_case_is_distinct_from_court_case() -> None:
    case = model["InvestigationCase"]
    assert not case.is_a("CourtCase")
    assert not model["CourtCase"].is_a(case)
    prosecution = case.get("prosecution")
    assert prosecution is not None and prosecution.range is model["CourtCase"]
    assert model["CourtCase"].get("investigations") is prosecution.reverse


def test_no_nexus_property_shadows_an_inherited_one() -> None:
    for schema in _nexus_schemata():
        for prop in _own_properties(schema):
            for ancestor in schema.schemata - {schema}:
                assert prop.name not in ancestor.properties, (schema, prop, ancestor)


@pytest.mark.parametrize(
    ("schema_name", "prop_name", "range_name", "reverse_name"),
    [
        ("Seizure", "vehicle", "Vehicle", "seizures"),
        ("Seizure", "investigationCase", "InvestigationCase", "seizures"),
        ("Seizure", "operation", "JointOperation", "seizures"),
        ("SeizureParty", "party", "LegalEntity", "seizureParty"),
        ("SeizureParty", "seizure", "Seizure", "parties"),
        ("Interdiction", "vehicle", "Vehicle", "interdictions"),
        ("Interdiction", "investigationCase", "InvestigationCase", "interdictions"),
        ("Interdiction", "operation", "JointOperation", "interdictions"),
        ("InterdictionParty", "party", "LegalEntity", "interdictionParty"),
        ("InterdictionParty", "interdiction", "Interdiction", "parties"),
        ("CaseSubject", "subject", "Thing", "caseSubject"),
        ("CaseSubject", "case", "InvestigationCase", "subjects"),
        ("IntelligenceRequest", "subject", "Thing", "intelligenceRequests"),
        ("InvestigationCase", "prosecution", "CourtCase", "investigations"),
    ],
)
def test_reverse_property_appears_on_range_schema(
    schema_name: str, prop_name: str, range_name: str, reverse_name: str
) -> None:
    prop = model[schema_name].get(prop_name)
    assert prop is not None and prop.range is model[range_name]
    reverse = model[range_name].get(reverse_name)
    assert reverse is not None
    assert prop.reverse is reverse
    assert reverse.stub
    assert reverse.reverse is prop
    assert reverse.range is model[schema_name]


def test_every_reverse_is_a_fresh_stub_on_every_descendant_of_its_range() -> None:
    # FtM's loader does not raise when a reverse name is taken on the range schema: it silently
    # reuses the existing property. So a collision shows only as a reverse that is not our stub.
    for schema in _nexus_schemata():
        for prop in _own_properties(schema):
            if prop.stub or prop.range is None:
                continue
            assert prop.reverse is not None, prop
            assert prop.reverse.stub, prop
            assert prop.reverse.reverse is prop, prop
            for target in {prop.range} | prop.range.descendants:
                assert target.get(prop.reverse.name) is prop.reverse, (prop, target)


def test_reverse_stubs_reach_person_vehicle_and_vessel() -> None:
    assert model["Person"].get("seizureParty") is _prop("SeizureParty", "party").reverse
    assert model["Company"].get("interdictionParty") is not None
    assert model["BankAccount"].get("caseSubject") is not None
    assert model["Vessel"].get("interdictions") is _prop("Interdiction", "vehicle").reverse
    assert model["Airplane"].get("seizures") is _prop("Seizure", "vehicle").reverse


@pytest.mark.parametrize("edge_name", sorted(EDGE_SCHEMATA))
def test_edge_schemata_declare_source_and_target(edge_name: str) -> None:
    source_name, source_range, target_name, target_range = EDGE_SCHEMATA[edge_name]
    schema = model[edge_name]
    assert schema.edge
    assert schema.edge_directed
    assert schema.is_a("Interest")
    assert schema.get("role") is model["Interest"].get("role")
    assert schema.source_prop is schema.get(source_name)
    assert schema.target_prop is schema.get(target_name)
    assert schema.source_prop is not None and schema.target_prop is not None
    assert schema.source_prop.range is model[source_range]
    assert schema.target_prop.range is model[target_range]
    assert set(schema.required) == {source_name, target_name}
    assert schema.edge_caption == ["role"]


def test_node_schemata_are_not_edges() -> None:
    for schema in _nexus_schemata():
        if schema.name not in EDGE_SCHEMATA:
            assert not schema.edge, schema


def test_seizure_links_parties_through_edges() -> None:
    seizure = _entity(
        "Seizure",
        "seizure-1",
        name="FIR 45/2024 PS ANF Quetta",
        date="2024-03-05",
        agency="ANF",
        category="narcotics",
        commodity="heroin",
        quantity="12.5",
        unit="kg",
        crossing="Chaman",
        concealment="fuel tank cavity",
        firNumber="45/2024",
        originCountry="Afghanistan",
    )
    driver = _entity("Person", "person-1", name="Gul Khan")
    owner = _entity("Company", "company-1", name="Khan Goods Transport")
    truck = _entity("Vehicle", "vehicle-1", name="Hino truck", registrationNumber="BKA-567")
    seizure.add("vehicle", "vehicle-1")
    links = [
        _entity("SeizureParty", "sp-1", party=driver.id, seizure=seizure.id, role="driver"),
        _entity("SeizureParty", "sp-2", party=owner.id, seizure=seizure.id, role="owner"),
    ]

    assert seizure.get("originCountry") == ["af"]
    assert [list(link.edgepairs()) for link in links] == [
        [("person-1", "seizure-1")],
        [("company-1", "seizure-1")],
    ]

    # In FtM's property graph the party links become edges and the vehicle an entity reference.
    graph = Graph(edge_types=[registry.entity])
    for proxy in (seizure, driver, owner, truck, *links):
        graph.add(proxy)
    edges = {(edge.source_id, edge.target_id, edge.type_name) for edge in graph.iteredges()}
    assert edges == {
        ("entity:person-1", "entity:seizure-1", "SeizureParty"),
        ("entity:company-1", "entity:seizure-1", "SeizureParty"),
        ("entity:seizure-1", "entity:vehicle-1", "vehicle"),
    }


def test_interdiction_links_people_with_roles() -> None:
    interdiction = _entity(
        "Interdiction",
        "int-1",
        name="Migrants intercepted near Taftan",
        date="2024-06-11",
        agency="Frontier Corps",
        interdictionType="border crossing",
        crossing="Taftan",
        direction="outbound",
        personCount="17",
        destinationCountry="Iran",
    )
    agent = _entity("Person", "person-2", name="Noor Ahmed")
    link = _entity(
        "InterdictionParty",
        "ip-1",
        party=agent.id,
        interdiction=interdiction.id,
        role="facilitator",
    )
    assert interdiction.get("destinationCountry") == ["ir"]
    assert interdiction.get("personCount") == ["17"]
    assert list(link.edgepairs()) == [("person-2", "int-1")]
    assert link.caption == "facilitator"


def test_case_subject_can_name_a_bank_account() -> None:
    case = _entity(
        "InvestigationCase",
        "case-1",
        name="State vs Javed Iqbal",
        caseNumber="FIA/AML/2024/17",
        firNumber="17/2024",
        agency="FIA",
        offence="money laundering",
        lawSection="AMLA 2010 s.4",
        status="open",
        openDate="2024-01-20",
    )
    account = _entity("BankAccount", "acct-1", accountNumber="0012345678")
    link = _entity("CaseSubject", "cs-1", subject=account.id, case=case.id, role="frozen account")
    assert list(link.edgepairs()) == [("acct-1", "case-1")]
    assert case.caption == "State vs Javed Iqbal"
    assert case.temporal_start is not None
    assert case.temporal_start[1] == "2024-01-20"


def test_joint_operation_and_intelligence_request_record_partners() -> None:
    operation = _entity(
        "JointOperation",
        "op-1",
        name="Operation Makran",
        leadAgency="ANF",
        participatingAgency=["Pakistan Coast Guards", "UNODC"],
        partnerCountry=["Iran", "United Arab Emirates"],
        startDate="2024-02-01",
    )
    assert sorted(operation.get("partnerCountry")) == ["ae", "ir"]
    request = _entity(
        "IntelligenceRequest",
        "req-1",
        name="Request to UAE FIU",
        requestType="FIU-to-FIU request",
        requestingAgency="FMU",
        requestedAgency="UAE FIU",
        requestedCountry="AE",
        subject="case-1",
        status="sent",
        requestDate="2024-04-02",
    )
    assert request.get("subject") == ["case-1"]
    assert request.temporal_start is not None
    assert request.temporal_start[1] == "2024-04-02"
    seizure = _entity("Seizure", "seizure-2", name="Boat off Pasni", operation=operation.id)
    assert seizure.get("operation") == ["op-1"]


def test_invalid_values_are_cleaned_away() -> None:
    seizure = _entity(
        "Seizure",
        "seizure-3",
        name="Seizure at Torkham",
        date="2024-02-31",
        destinationCountry="Narnia",
    )
    seizure.add("date", "never")
    seizure.add("originCountry", "xx")
    assert seizure.get("date") == []
    assert seizure.get("destinationCountry") == []
    assert seizure.get("originCountry") == []

    untrusted = {
        "id": "case-2",
        "schema": "InvestigationCase",
        "properties": {
            "name": ["Case with bad dates"],
            "openDate": ["31/02/2024", "2024-03-01"],
            "closeDate": ["someday"],
        },
    }
    case = model.get_proxy(untrusted, cleaned=False)
    assert case.get("openDate") == ["2024-03-01"]
    assert case.get("closeDate") == []


def test_reverse_stubs_cannot_be_written() -> None:
    vehicle = model.make_entity("Vehicle")
    with pytest.raises(InvalidData):
        vehicle.add("seizures", "seizure-1")
    person = model.make_entity("Person")
    with pytest.raises(InvalidData):
        person.add("seizureParty", "sp-1")


@pytest.mark.parametrize("schema_name", nexus_schema_names())
def test_entity_round_trips_through_to_dict(schema_name: str) -> None:
    schema = model[schema_name]
    proxy = _entity(schema_name, f"{schema_name.lower()}-rt")
    proxy.add(schema.temporal_start[0], "2024-05-01")
    if schema.edge:
        source, _, target, _ = EDGE_SCHEMATA[schema_name]
        proxy.add(source, "entity-a")
        proxy.add(target, "entity-b")
        proxy.add("role", "accused")
    else:
        proxy.add("name", "Round trip")
        proxy.add("country", "pk")
    data = proxy.to_dict()
    assert data["schema"] == schema_name
    again = model.get_proxy(data)
    assert again.schema is schema
    assert again.id == proxy.id
    assert again.to_dict() == data
    assert again.temporal_start == (schema.get(schema.temporal_start[0]), "2024-05-01")
    assert model.get_proxy(data, cleaned=False).to_dict() == data


def test_loading_the_model_twice_is_idempotent() -> None:
    before = {name: model[name] for name in nexus_schema_names()}
    props_before = {name: dict(schema.properties) for name, schema in before.items()}
    person_before = dict(model["Person"].properties)
    qnames_before = dict(model.qnames)

    again = nexus.model.load_model()

    assert again is model
    for name, schema in before.items():
        assert model[name] is schema
        assert dict(schema.properties) == props_before[name]
    assert dict(model["Person"].properties) == person_before
    assert dict(model.qnames) == qnames_before
    reverse = model["Seizure"].get("vehicle")
    assert reverse is not None and reverse.reverse is model["Vehicle"].get("seizures")


def test_documented_examples_are_valid_entities() -> None:
    blocks = re.findall(r"```json\n(.*?)```", MODEL_DOC.read_text(encoding="utf-8"), re.S)
    documented = set()
    for block in blocks:
        data = json.loads(block)
        proxy = model.get_proxy(data, cleaned=False)
        assert proxy.to_dict() == data, data["id"]
        model[data["schema"]].validate(data)
        documented.add(data["schema"])
    assert documented == set(nexus_schema_names())
