"""Synthetic names are plausible, reproducible and Urdu-ready; agencies write them their own way."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import random
import re
from collections import Counter
from importlib import resources
from typing import Any

import phonenumbers
import pytest
import yaml

from nexus.exceptions import ConfigError
from nexus.scenario.gazetteer import load_gazetteer
from nexus.scenario.model import Sex
from nexus.scenario.names import NameBank, load_names
from nexus.scenario.variation import (
    PHONE_FORMATS,
    STYLES,
    Style,
    render_cnic,
    render_company,
    render_date,
    render_name,
    render_patronymic,
    render_phone,
    spelling_variant,
    typo,
)

SEXES: tuple[Sex, ...] = ("male", "female")
ARABIC_SCRIPT = re.compile(r"^[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff\s()]+$")
CNIC = "3520212345671"
PHONES = (
    "+923001234567",
    "+923459876543",
    "+922134567890",
    "+93701234567",
    "+989121234567",
    "+971501234567",
    "+447911123456",
)


@pytest.fixture(scope="module")
def names() -> NameBank:
    return load_names()


def _raw_data() -> dict[str, Any]:
    text = resources.files("nexus.scenario").joinpath("data", "names.yml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _quiet(style: Style, **rates: Any) -> Style:
    """The style with every habit off except the ones given."""
    off = {
        field: 0.0
        for field in (
            "spelling_rate",
            "typo_rate",
            "abbreviate_rate",
            "order_swap_rate",
            "urdu_rate",
            "title_rate",
            "patronymic_rate",
            "missing_rate",
        )
    }
    return dataclasses.replace(style, **{**off, **rates})


def _draw_people(names: NameBank, seed: int, count: int = 40) -> list[tuple[Any, ...]]:
    rng = random.Random(seed)
    drawn: list[tuple[Any, ...]] = []
    for region in names.regions:
        for _ in range(count):
            sex = rng.choice(SEXES)
            drawn.append(
                (
                    names.given_name(rng, sex, region),
                    names.family_name(rng, region),
                    names.father_name(rng, region),
                    names.title(rng),
                    names.company_name(rng, rng.choice(names.company_kinds)),
                )
            )
    return drawn


# --- the name bank ----------------------------------------------------------------------------


def test_the_same_seed_draws_the_same_people(names: NameBank) -> None:
    assert _draw_people(names, 7) == _draw_people(names, 7)


def test_different_seeds_draw_different_people(names: NameBank) -> None:
    assert _draw_people(names, 7) != _draw_people(names, 8)


def test_draws_ignore_the_global_random_generator(names: NameBank) -> None:
    random.seed(1)
    first = _draw_people(names, 3)
    random.seed(2)
    assert _draw_people(names, 3) == first


def test_the_bank_covers_every_region() -> None:
    assert set(load_names().regions) == {
        "punjab",
        "sindh",
        "kp",
        "balochistan",
        "islamabad",
        "afghanistan",
        "iran",
        "gb",
    }


def test_popular_names_recur_so_lookalikes_occur(names: NameBank) -> None:
    rng = random.Random(11)
    full = [
        f"{names.given_name(rng, 'male', 'punjab')} {names.family_name(rng, 'punjab')}"
        for _ in range(3000)
    ]
    repeated = [name for name, count in Counter(full).items() if count > 1]
    assert len(repeated) > 50
    assert sum(name.startswith("Muhammad ") for name in full) > 0.25 * len(full)


@pytest.mark.parametrize(
    ("region", "expected", "foreign"),
    [
        ("balochistan", {"Baloch", "Mengal", "Marri", "Bugti", "Rind", "Raisani", "Zehri"}, set()),
        ("kp", {"Khan", "Afridi", "Shinwari", "Yousafzai", "Khattak"}, {"Mengal", "Memon"}),
        ("punjab", {"Chaudhry", "Butt", "Gujjar", "Jutt", "Awan", "Arain", "Malik"}, {"Mengal"}),
        ("sindh", {"Memon", "Soomro", "Shaikh", "Jatoi"}, {"Achakzai", "Butt"}),
        ("afghanistan", {"Noorzai", "Alizai", "Achakzai", "Popalzai"}, {"Butt", "Memon"}),
        ("iran", {"Hosseini", "Mohammadi", "Rezaei"}, {"Butt", "Achakzai"}),
    ],
)
def test_regions_draw_their_own_family_names(
    names: NameBank, region: str, expected: set[str], foreign: set[str]
) -> None:
    rng = random.Random(5)
    drawn = Counter(names.family_name(rng, region) for _ in range(2000))
    assert expected <= set(drawn)
    assert not foreign & set(drawn)
    assert 0 < drawn[None] < 0.5 * 2000


def test_women_are_named_with_bibi_and_begum_forms(names: NameBank) -> None:
    rng = random.Random(2)
    kp = [names.given_name(rng, "female", "kp") for _ in range(1000)]
    punjab = [names.given_name(rng, "female", "punjab") for _ in range(1000)]
    assert any(name.startswith("Bibi ") for name in kp)
    assert any(name.endswith(" Bibi") for name in punjab)
    assert any(name.endswith(" Begum") for name in punjab)
    assert not any(name.startswith("Muhammad") for name in kp + punjab)


def test_father_names_are_mens_names(names: NameBank) -> None:
    rng = random.Random(4)
    fathers = [names.father_name(rng, region) for region in names.regions for _ in range(200)]
    assert not any("Bibi" in f.split() or "Begum" in f.split() for f in fathers)
    assert any(f.startswith("Haji ") for f in fathers)


def test_titles_are_mostly_absent(names: NameBank) -> None:
    rng = random.Random(9)
    titles = Counter(names.title(rng) for _ in range(2000))
    assert titles[None] > 0.6 * 2000
    assert {"Haji", "Malik", "Sardar", "Syed", "Ch."} <= set(titles)


@pytest.mark.parametrize(
    "kind",
    ["company", "exchange_company", "travel_agency", "transporter", "trading", "fisheries", "ngo"],
)
def test_company_names_include_their_legal_form(names: NameBank, kind: str) -> None:
    rng = random.Random(6)
    for _ in range(100):
        name, form = names.company_name(rng, kind)
        assert form
        if form in ("(Pvt) Ltd", "Exchange Company"):
            assert name.endswith(form.removeprefix("Exchange "))


def test_company_names_use_the_place_and_its_countrys_legal_forms(names: NameBank) -> None:
    rng = random.Random(6)
    dubai = load_gazetteer().place("Dubai")
    drawn = [names.company_name(rng, "trading", dubai) for _ in range(50)]
    assert {form for _, form in drawn} <= {"LLC", "FZE", "FZCO"}
    pasni = load_gazetteer().place("Pasni")
    assert any(
        name.startswith("Pasni ")
        for name, _ in (names.company_name(rng, "fisheries", pasni) for _ in range(50))
    )


def test_unknown_regions_sexes_and_company_kinds_are_rejected(names: NameBank) -> None:
    rng = random.Random(0)
    with pytest.raises(ValueError, match="punjab"):
        names.given_name(rng, "male", "atlantis")
    with pytest.raises(ValueError, match="sex"):
        names.given_name(rng, "other", "punjab")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="fisheries"):
        names.company_name(rng, "bakery")


@pytest.mark.parametrize("region", load_names().regions)
def test_every_name_the_bank_can_produce_has_an_urdu_form(names: NameBank, region: str) -> None:
    rng = random.Random(region)
    for _ in range(400):
        for text in (
            names.given_name(rng, rng.choice(SEXES), region),
            names.family_name(rng, region) or "Khan",
            names.father_name(rng, region),
            names.title(rng) or "Haji",
            names.company_name(rng, rng.choice(names.company_kinds))[0],
        ):
            assert names.has_urdu(text), text


def test_urdu_renderings_are_in_arabic_script(names: NameBank) -> None:
    rng = random.Random(12)
    quetta = load_gazetteer().place("Mandi Bahauddin")
    texts = [
        *(p[0] + " " + (p[1] or "") for p in _draw_people(names, 12, count=60)),
        names.company_name(rng, "transporter", quetta)[0],  # a place without an Urdu form
        "Mohammed Yusuf Achakzay",  # spelling variants use their family's form
        "Abd-ul-Rehman",
        "Makran Fisheries (Pvt) Ltd",
    ]
    for text in texts:
        assert ARABIC_SCRIPT.match(names.to_urdu(text)), text


def test_urdu_forms_are_read_word_by_word_from_the_data(names: NameBank) -> None:
    assert names.to_urdu("Muhammad Yousaf") == "محمد یوسف"
    assert names.to_urdu("Mohammad Yusuf") == "محمد یوسف"
    assert names.to_urdu("Abdur Rahman Baloch") == "عبدالرحمان بلوچ"
    assert names.to_urdu("Haji Gul Muhammad") == "حاجی گل محمد"


def test_a_word_without_an_urdu_form_is_a_config_error() -> None:
    data = copy.deepcopy(_raw_data())
    data["male"]["common"]["Zorbax"] = 5
    with pytest.raises(ConfigError, match="Zorbax"):
        NameBank(data)


def test_a_word_in_two_spelling_families_is_a_config_error() -> None:
    data = copy.deepcopy(_raw_data())
    data["spellings"].append(["Yusuf", "Yosef"])
    with pytest.raises(ConfigError, match="Yusuf"):
        NameBank(data)


def test_the_name_bank_is_loaded_once() -> None:
    assert load_names() is load_names()


# --- spelling and typos -----------------------------------------------------------------------


def test_spelling_variant_respells_names_from_their_families(names: NameBank) -> None:
    rng = random.Random(1)
    variants = {spelling_variant("Muhammad Yousaf", rng) for _ in range(200)}
    assert "Muhammad Yousaf" not in variants
    for variant in variants:
        first, second = variant.split()
        assert first in names.spelling_family("Muhammad")
        assert second in names.spelling_family("Yousaf")
    assert {"Mohammad Yusuf", "Mohammed Yousaf"} & variants


def test_spelling_variant_handles_multi_word_names(names: NameBank) -> None:
    rng = random.Random(1)
    variants = {spelling_variant("Abdul Rehman", rng) for _ in range(100)}
    assert {"Abdur Rahman", "Abd-ul-Rehman"} <= variants


def test_spelling_variant_leaves_names_without_variants_alone() -> None:
    assert spelling_variant("Zorbax Quux", random.Random(1)) == "Zorbax Quux"


def _damerau(a: str, b: str) -> int:
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def test_a_typo_is_one_keyboard_slip() -> None:
    rng = random.Random(3)
    for _ in range(500):
        slipped = typo("Muhammad Yousaf Achakzai", rng)
        assert _damerau(slipped, "Muhammad Yousaf Achakzai") == 1


# --- names as agencies write them -------------------------------------------------------------


def test_every_agency_has_a_style() -> None:
    assert set(STYLES) == {"ANF", "FIA", "CUSTOMS", "POLICE", "CTD", "FMU", "BANK", "UN", "PRESS"}
    assert all(style.name == key for key, style in STYLES.items())


def test_only_police_and_ctd_ever_write_urdu_script() -> None:
    assert {key for key, style in STYLES.items() if style.urdu_rate > 0} == {"POLICE", "CTD"}
    assert all(style.urdu_rate <= 0.1 for style in STYLES.values())


def test_a_style_with_a_rate_outside_zero_to_one_is_rejected() -> None:
    with pytest.raises(ValueError, match="typo_rate"):
        dataclasses.replace(STYLES["ANF"], typo_rate=1.5)
    with pytest.raises(ValueError, match="cnic_formats"):
        dataclasses.replace(STYLES["ANF"], cnic_formats=(("dotted", 1.0),))


def test_render_name_with_every_habit_off_writes_the_canonical_name(names: NameBank) -> None:
    style = _quiet(STYLES["ANF"])
    written = render_name("Muhammad Yousaf", "Achakzai", random.Random(1), style, names, "Haji")
    assert written == "Muhammad Yousaf Achakzai"


@pytest.mark.parametrize(
    ("rates", "expected"),
    [
        ({"title_rate": 1.0}, "Haji Muhammad Yousaf Achakzai"),
        ({"order_swap_rate": 1.0}, "Achakzai, Muhammad Yousaf"),
        ({"urdu_rate": 1.0}, "محمد یوسف اچکزئی"),
        ({"urdu_rate": 1.0, "title_rate": 1.0}, "حاجی محمد یوسف اچکزئی"),
    ],
)
def test_render_name_applies_each_habit(
    names: NameBank, rates: dict[str, float], expected: str
) -> None:
    style = _quiet(STYLES["POLICE"], **rates)
    written = render_name("Muhammad Yousaf", "Achakzai", random.Random(1), style, names, "Haji")
    assert written == expected


def test_render_name_abbreviates_muhammad_and_first_names(names: NameBank) -> None:
    style = _quiet(STYLES["BANK"], abbreviate_rate=1.0)
    rng = random.Random(2)
    short = {render_name("Muhammad Yousaf", None, rng, style, names) for _ in range(50)}
    assert short <= {"M. Yousaf", "Mohd. Yousaf", "Md. Yousaf", "Muhd. Yousaf"}
    assert render_name("Abdul Rehman", "Khan", rng, style, names) == "Abd. Rehman Khan"
    assert render_name("Imran", "Khan", rng, style, names) == "Imran Khan"


def test_render_name_is_reproducible_and_varies_between_seeds(names: NameBank) -> None:
    def written(seed: int) -> list[str]:
        rng = random.Random(seed)
        return [
            render_name("Ghulam Haider", "Butt", rng, style, names, "Ch.")
            for style in STYLES.values()
            for _ in range(50)
        ]

    assert written(1) == written(1)
    assert written(1) != written(2)


def test_urdu_names_from_police_records_are_in_arabic_script(names: NameBank) -> None:
    rng = random.Random(8)
    people = _draw_people(names, 8)
    urdu = [
        text
        for given, family, *_ in people
        for text in [render_name(given, family, rng, STYLES["POLICE"], names, "Haji")]
        if re.search(r"[\u0600-\u06ff]", text)
    ]
    assert urdu
    assert all(ARABIC_SCRIPT.match(text) for text in urdu)


def test_render_patronymic_joins_the_relative_as_records_do() -> None:
    style = _quiet(STYLES["POLICE"], patronymic_rate=1.0)
    rng = random.Random(4)
    sons = {render_patronymic("Ali Khan", "Akbar Khan", "male", rng, style) for _ in range(200)}
    assert {"Ali Khan s/o Akbar Khan", "Ali Khan S/O Akbar Khan"} <= sons
    assert "Ali Khan walad Akbar Khan" in sons
    wives = {
        render_patronymic("Zainab Bibi", "Gul Khan", "female", rng, style, married_to="Ali Khan")
        for _ in range(200)
    }
    assert "Zainab Bibi w/o Ali Khan" in wives
    assert "Zainab Bibi d/o Gul Khan" in wives
    assert render_patronymic("علی خان", "Akbar Khan", "male", rng, style) == "علی خان ولد اکبر خان"


def test_render_patronymic_is_left_out_at_the_styles_rate() -> None:
    style = _quiet(STYLES["FMU"])
    assert render_patronymic("Ali Khan", "Akbar Khan", "male", random.Random(1), style) == (
        "Ali Khan"
    )


# --- identifiers and dates --------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(STYLES))
def test_cnic_renderings_keep_the_13_digits(key: str) -> None:
    style = dataclasses.replace(STYLES[key], typo_rate=0.0, missing_rate=0.0)
    rng = random.Random(key)
    for _ in range(100):
        written = render_cnic(CNIC, rng, style)
        assert written is not None
        assert re.fullmatch(r"\d{13}|\d{5}([- ])\d{7}\1\d", written)
        assert re.sub(r"\D", "", written) == CNIC


def test_a_cnic_typo_changes_exactly_one_digit() -> None:
    style = dataclasses.replace(STYLES["POLICE"], typo_rate=1.0, missing_rate=0.0)
    rng = random.Random(5)
    for _ in range(100):
        written = render_cnic(CNIC, rng, style)
        assert written is not None
        digits = re.sub(r"\D", "", written)
        assert sum(a != b for a, b in zip(digits, CNIC, strict=True)) == 1


def test_missing_identifiers_render_as_none() -> None:
    style = dataclasses.replace(STYLES["PRESS"], missing_rate=1.0)
    rng = random.Random(1)
    assert render_cnic(CNIC, rng, style) is None
    assert render_phone(PHONES[0], rng, style) is None


def test_a_malformed_cnic_or_phone_is_rejected() -> None:
    with pytest.raises(ValueError, match="13 digits"):
        render_cnic("35202-1234567-1", random.Random(1), STYLES["ANF"])
    with pytest.raises(ValueError, match=r"E\.164"):
        render_phone("03001234567", random.Random(1), STYLES["ANF"])


@pytest.mark.parametrize("key", sorted(STYLES))
def test_phone_renderings_parse_back_to_the_same_number(key: str) -> None:
    every_format = tuple((name, 1.0) for name in PHONE_FORMATS)
    for style in (STYLES[key], dataclasses.replace(STYLES[key], phone_formats=every_format)):
        style = dataclasses.replace(style, typo_rate=0.0, missing_rate=0.0)
        rng = random.Random(key)
        for number in PHONES:
            for _ in range(30):
                written = render_phone(number, rng, style)
                assert written is not None
                parsed = phonenumbers.parse(written, "PK")
                e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
                assert e164 == number, written


def test_pakistani_mobiles_are_written_in_every_local_form() -> None:
    every_format = tuple((name, 1.0) for name in PHONE_FORMATS)
    style = dataclasses.replace(
        STYLES["POLICE"], typo_rate=0.0, missing_rate=0.0, phone_formats=every_format
    )
    rng = random.Random(1)
    written = {render_phone("+923001234567", rng, style) for _ in range(200)}
    assert written == {
        "0300-1234567",
        "03001234567",
        "+923001234567",
        "+92 300 1234567",
        "00923001234567",
        "923001234567",
    }


def test_a_phone_typo_changes_one_subscriber_digit() -> None:
    style = dataclasses.replace(STYLES["POLICE"], typo_rate=1.0, missing_rate=0.0)
    rng = random.Random(2)
    for _ in range(100):
        written = render_phone("+923001234567", rng, style)
        assert written is not None
        digits = re.sub(r"\D", "", written)[-7:]
        assert sum(a != b for a, b in zip(digits, "1234567", strict=True)) == 1


@pytest.mark.parametrize("key", sorted(STYLES))
def test_dates_parse_back_with_the_styles_own_formats(key: str) -> None:
    style = STYLES[key]
    rng = random.Random(key)
    for _ in range(200):
        day = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 75))
        written = render_date(day, rng, style)
        parsed = set()
        for fmt in style.date_formats:
            try:
                parsed.add(dt.datetime.strptime(written, fmt).date())
            except ValueError:
                continue
        assert parsed == {day}, written


def test_dates_are_mostly_in_the_main_format() -> None:
    style = STYLES["BANK"]
    rng = random.Random(3)
    day = dt.date(2021, 3, 9)
    written = Counter(render_date(day, rng, style) for _ in range(1000))
    assert written.most_common(1)[0][0] == "09-03-2021"
    assert len(written) == len(style.date_formats)
    assert "09-Mar-2021" in written


# --- companies --------------------------------------------------------------------------------


def test_render_company_writes_the_legal_form_other_ways() -> None:
    style = _quiet(STYLES["FIA"], spelling_rate=1.0)
    rng = random.Random(1)
    written = {render_company("Makran Fisheries (Pvt) Ltd", rng, style) for _ in range(300)}
    forms = {"Pvt. Ltd.", "(Private) Limited", "Private Limited", "Pvt Ltd", "(Pvt.) Ltd."}
    assert {text.removeprefix("Makran ").split(" ", 1)[1] for text in written} == forms
    partners = {render_company("Royal Traders & Co", rng, style) for _ in range(100)}
    assert {text.split(" ", 2)[2] for text in partners} == {"& Co.", "and Company", "& Company"}
    assert {text.split(" ", 2)[1] for text in partners} == {"Trader"}  # the only respelling


def test_render_company_drops_a_droppable_legal_form() -> None:
    style = _quiet(STYLES["CUSTOMS"], abbreviate_rate=1.0)
    rng = random.Random(1)
    assert render_company("Makran Fisheries (Pvt) Ltd", rng, style) == "Makran Fisheries"
    kept = render_company("Al-Madina Exchange Company", rng, style)
    assert kept.startswith("Al-Madina Exchange Co")


def test_render_company_in_urdu_is_arabic_script() -> None:
    style = _quiet(STYLES["CTD"], urdu_rate=1.0)
    written = render_company("Al-Madina Exchange Company", random.Random(1), style)
    assert written == "المدینہ ایکسچینج کمپنی"
