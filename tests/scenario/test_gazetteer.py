"""The gazetteer finds real places by name, country and proximity, with unique names."""

from __future__ import annotations

from typing import Any

import pytest

from nexus.exceptions import ConfigError
from nexus.scenario.gazetteer import Gazetteer, build_gazetteer, distance_km, load_gazetteer
from nexus.scenario.model import Place

COUNTRIES = ("pk", "af", "ir", "tr", "ae", "sa", "om", "gr", "it", "gb", "cn", "in")


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_gazetteer()


@pytest.mark.parametrize(
    ("name", "country", "kind", "lat", "lon"),
    [
        ("Quetta", "pk", "city", 30.19, 67.00),
        ("Chaman", "pk", "city", 30.92, 66.45),
        ("Taftan", "pk", "city", 28.95, 61.59),
        ("Torkham", "pk", "crossing", 34.10, 71.09),
        ("Gwadar", "pk", "city", 25.12, 62.33),
        ("Darra Adam Khel", "pk", "market", 33.68, 71.50),
        ("Spin Boldak", "af", "crossing", 31.01, 66.40),
        ("Mirjaveh", "ir", "crossing", 29.02, 61.45),
        ("Karachi Port", "pk", "port", 24.83, 66.98),
        ("Quetta International Airport", "pk", "airport", 30.25, 66.94),
        ("Lashkar Gah", "af", "city", 31.59, 64.37),
        ("Zahedan", "ir", "city", 29.50, 60.86),
        ("Van", "tr", "city", 38.49, 43.38),
        ("Dubai", "ae", "city", 25.08, 55.31),
    ],
)
def test_known_places_are_found_with_plausible_coordinates(
    gazetteer: Gazetteer, name: str, country: str, kind: str, lat: float, lon: float
) -> None:
    place = gazetteer.place(name)
    assert (place.name, place.country, place.kind) == (name, country, kind)
    assert distance_km(place.lat, place.lon, lat, lon) < 15


@pytest.mark.parametrize(
    ("city", "province"),
    [
        ("Quetta", "Balochistan"),
        ("Peshawar", "Khyber Pakhtunkhwa"),
        ("Lahore", "Punjab"),
        ("Karachi", "Sindh"),
        ("Islamabad", "Islamabad"),
        ("Muzaffarabad", "Azad Kashmir"),
        ("Gilgit", "Gilgit-Baltistan"),
        ("Kandahar", "Kandahar"),
        ("Zahedan", "Sistan and Baluchestan"),
    ],
)
def test_cities_carry_readable_province_names(
    gazetteer: Gazetteer, city: str, province: str
) -> None:
    assert gazetteer.place(city).province == province


def test_a_city_and_its_airport_or_crossing_keep_distinct_names(gazetteer: Gazetteer) -> None:
    assert gazetteer.place("Quetta").kind == "city"
    assert gazetteer.place("Quetta International Airport").kind == "airport"
    assert gazetteer.place("Chaman").kind == "city"
    assert gazetteer.place("Chaman Border Crossing").kind == "crossing"


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("Lashkar Gāh", "Lashkar Gah"),
        ("lashkar gah", "Lashkar Gah"),
        ("Muzaffarābād", "Muzaffarabad"),
        ("KHI", "Jinnah International Airport"),
        ("Friendship Gate", "Chaman Border Crossing"),
        ("Dara Adam Khel", "Darra Adam Khel"),
    ],
)
def test_alternative_names_case_and_diacritics_resolve(
    gazetteer: Gazetteer, written: str, name: str
) -> None:
    assert gazetteer.place(written).name == name


def test_a_foreign_namesake_of_a_pakistani_city_is_suffixed_with_its_country(
    gazetteer: Gazetteer,
) -> None:
    assert gazetteer.place("Hyderabad").country == "pk"
    assert gazetteer.place("Hyderabad, India").country == "in"


def test_an_unknown_place_raises_key_error_that_suggests_close_names(
    gazetteer: Gazetteer,
) -> None:
    with pytest.raises(KeyError, match="Quetta"):
        gazetteer.place("Quetaa")


def test_places_are_sorted_by_name_and_stable(gazetteer: Gazetteer) -> None:
    cities = gazetteer.places("pk")
    assert [p.name for p in cities] == sorted(p.name for p in cities)
    assert gazetteer.places("PK") == cities
    assert load_gazetteer().places("pk") == cities


def test_places_filter_by_kind(gazetteer: Gazetteer) -> None:
    crossings = {p.name for p in gazetteer.places("pk", "crossing")}
    assert {"Torkham", "Ghulam Khan", "Angoor Adda", "Kharlachi", "Gabd", "Mand"} <= crossings
    assert {"Khunjerab", "Wagah", "Taftan Border Crossing"} <= crossings
    airports = gazetteer.places("pk", "airport")
    assert len(airports) == 7
    assert {p.name for p in gazetteer.places("pk", "port")} >= {"Port Qasim", "Gwadar Port"}


def test_an_unknown_kind_is_rejected(gazetteer: Gazetteer) -> None:
    with pytest.raises(ValueError, match="kind"):
        gazetteer.places("pk", "harbour")


def test_every_place_name_is_unique(gazetteer: Gazetteer) -> None:
    names = [p.name for country in COUNTRIES for p in gazetteer.places(country)]
    assert len(names) == len(set(names)) == len(gazetteer)


def test_cities_come_from_every_configured_country(gazetteer: Gazetteer) -> None:
    assert all(gazetteer.places(country, "city") for country in COUNTRIES)


@pytest.mark.parametrize("name", ["Torkham", "Quetta", "Gwadar Port", "Istanbul"])
def test_nearest_place_to_a_places_coordinates_is_that_place(
    gazetteer: Gazetteer, name: str
) -> None:
    place = gazetteer.place(name)
    assert gazetteer.nearest(place.lat, place.lon) == place


def test_nearest_can_be_limited_to_one_country(gazetteer: Gazetteer) -> None:
    torkham = gazetteer.place("Torkham")
    afghan = gazetteer.nearest(torkham.lat, torkham.lon, country="af")
    assert afghan.country == "af"
    assert distance_km(torkham.lat, torkham.lon, afghan.lat, afghan.lon) < 100


def test_nearest_breaks_ties_by_name() -> None:
    twins = Gazetteer([Place("Bara", "pk", 33.9, 71.4), Place("Alpha", "pk", 33.9, 71.4)])
    assert twins.nearest(33.9, 71.4).name == "Alpha"


def test_nearest_in_a_country_without_places_raises_key_error() -> None:
    with pytest.raises(KeyError, match="zz"):
        Gazetteer([Place("Bara", "pk", 33.9, 71.4)]).nearest(0.0, 0.0, country="zz")


def test_two_places_with_the_same_name_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match="Bara"):
        Gazetteer([Place("Bara", "pk", 33.9, 71.4), Place("bara", "in", 20.0, 80.0)])


def _data(places: list[Any]) -> dict[str, Any]:
    return {
        "cities": {"min_population": 15000, "countries": {"pk": "Pakistan", "tr": "Turkey"}},
        "provinces": {"pk": {"02": "Balochistan"}},
        "places": places,
    }


def _city(name: str, country: str, population: int = 20000) -> dict[str, Any]:
    return {
        "geonameid": 1,
        "name": name,
        "latitude": 30.0,
        "longitude": 67.0,
        "countrycode": country,
        "population": population,
        "admin1code": "02",
        "alternatenames": ["Kwita", "kwyth"],
    }


def test_a_curated_place_without_coordinates_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"places\[0\]"):
        build_gazetteer(_data([{"name": "Gabd", "country": "pk", "kind": "crossing"}]), [])


def test_a_curated_place_of_unknown_kind_is_a_config_error() -> None:
    entry = {"name": "Gabd", "country": "pk", "kind": "gate", "lat": 25.2, "lon": 61.6}
    with pytest.raises(ConfigError, match="kind"):
        build_gazetteer(_data([entry]), [])


def test_a_curated_place_replaces_the_city_of_the_same_name() -> None:
    entry = {"name": "Quetta", "country": "pk", "kind": "district", "lat": 30.2, "lon": 67.0}
    built = build_gazetteer(_data([entry]), [_city("Quetta", "PK")])
    assert built.place("Quetta").kind == "district"
    assert len(built) == 1


def test_small_towns_and_unlisted_countries_are_left_out() -> None:
    cities = [_city("Quetta", "PK"), _city("Hamlet", "PK", population=900), _city("Kabul", "AF")]
    built = build_gazetteer(_data([]), cities)
    assert [p.name for p in built.places("pk")] == ["Quetta"]
    assert built.places("af") == []
    assert built.place("Quetta").province == "Balochistan"
    assert built.place("Kwita").name == "Quetta"  # Latin alternative names only


def test_the_gazetteer_is_loaded_once() -> None:
    assert load_gazetteer() is load_gazetteer()
