"""The one settings object: every setting with its default and help, read once at start-up.

Values come from `NEXUS_*` environment variables, then an optional `nexus.yml` in the home folder.
"""

from __future__ import annotations

import difflib
import os
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from nexus.exceptions import ConfigError

CaveatKind = Literal["releasability", "originator", "compartment", "domestic"]


class CaveatRule(BaseModel):
    """How one family of caveat markings restricts who may see a statement."""

    pattern: str = Field(
        description="A marking (`AGENCY-ONLY`) or a prefix ending in `*` (`REL:*`)."
    )
    kind: CaveatKind = Field(
        description=(
            "releasability: partners see it only if released to them (`REL:UNODC`); "
            "originator: only the originating agency; compartment: only holders of the compartment "
            "named after the prefix; domestic: never shown to partners."
        )
    )
    description: str = ""

    def matches(self, caveat: str) -> bool:
        if self.pattern.endswith("*"):
            return caveat.startswith(self.pattern[:-1]) and len(caveat) > len(self.pattern) - 1
        return caveat == self.pattern

    def argument(self, caveat: str) -> str:
        """The part a prefix rule leaves over: `UNODC` in `REL:UNODC`; empty for exact rules."""
        return caveat[len(self.pattern) - 1 :] if self.pattern.endswith("*") else ""


DEFAULT_CAVEATS = [
    CaveatRule(
        pattern="REL:*", kind="releasability", description="Releasable to the named partner."
    ),
    CaveatRule(pattern="AGENCY-ONLY", kind="originator", description="Originating agency only."),
    CaveatRule(pattern="COMP:*", kind="compartment", description="Named compartment only."),
    CaveatRule(pattern="NOFORN", kind="domestic", description="Not releasable to any partner."),
]


# -- typology detectors (nexus.finance.typologies; documented in docs/typologies.md) ------------
def _p(default: Any, help: str, **limits: Any) -> Any:
    return Field(default=default, description=help, **limits)


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StructuringParams(_Params):
    threshold_pkr: float = _p(2_000_000, "Cash at or above this is reported (CTR).", gt=0)
    band: float = _p(0.20, "Deposits this fraction or less under the threshold.", gt=0, lt=1)
    max_gap_days: float = _p(7, "Such deposits this close together form one run.", gt=0)
    min_deposits: int = _p(3, "Deposits just under the threshold in a run.", ge=2)
    min_band_share: float = _p(0.5, "Share of the run's cash deposits just under.", ge=0, le=1)


class FanParams(_Params):
    window_days: float = _p(9, "Counterparties are counted within this many days.", gt=0)
    hop_days: float = _p(3, "Counting windows start this often.", gt=0)
    min_counterparties: int = _p(4, "Distinct counterparties within the window.", ge=2)
    min_total_pkr: float = _p(100_000, "Money in (fan-in) or out (fan-out) in the window.")
    max_repeat_share: float = _p(1, "Share of counterparties also seen outside it.", ge=0, le=1)
    lookback_days: float = _p(90, "How far before and after to look for repeats.", gt=0)
    onward_days: float = _p(4, "Days for the onward move (fan-in) or funding (fan-out).", gt=0)
    min_onward_share: float = _p(0.5, "Share of the money moved on (or funded).", ge=0, le=1)
    max_onward_share: float = _p(3, "More than this is other business, not this money.")
    new_account_days: float = _p(150, "An account first seen this lately counts as new.", gt=0)
    min_new_share: float = _p(0, "Share of new counterparties (where it can be told).")
    min_burst: float = _p(0, "Transfers a day against the usual pace around the window.")
    min_evidence: float = _p(0.5, "Evidence score from which a candidate alerts.", ge=0, le=1)
    textbook_history_days: float = _p(
        30, "History the extract shows before a fan for the textbook bounds to decide.", ge=0
    )
    textbook_counterparties: int = _p(6, "Textbook fan: distinct counterparties.", ge=2)
    textbook_repeat_share: float = _p(0.3, "Textbook fan: most repeats.", ge=0, le=1)
    textbook_onward_share: float = _p(0.6, "Textbook fan: least moved on (or funded).", ge=0)
    textbook_burst: float = _p(40, "Textbook fan: least pace against the usual.", ge=0)


class CycleParams(_Params):
    min_amount_pkr: float = _p(50_000, "Smallest transfer followed round a cycle.", ge=0)
    max_hop_days: float = _p(5, "Most days between one hop and the next.", gt=0)
    window_days: float = _p(30, "Most days from leaving the origin to returning.", gt=0)
    max_decay: float = _p(0.05, "Largest share lost at one hop.", ge=0, lt=1)
    min_intermediaries: int = _p(1, "Fewest accounts between origin and return.", ge=1)
    max_intermediaries: int = _p(7, "Most accounts between origin and return.", ge=1, le=8)


class ScatterGatherParams(_Params):
    min_amount_pkr: float = _p(10_000, "Smallest transfer considered.", ge=0)
    max_hop_days: float = _p(6, "Most days between scatter and gather through one account.")
    max_decay: float = _p(0.05, "Largest share an intermediary keeps.", ge=0, lt=1)
    min_intermediaries: int = _p(3, "Distinct intermediaries between the two ends.", ge=2)


class PassThroughParams(_Params):
    min_amount_pkr: float = _p(20_000, "Smallest transfer that counts.", ge=0)
    min_total_pkr: float = _p(100_000, "Smallest sum passed through in one episode.", ge=0)
    max_gap_days: float = _p(3, "Transfers this close together form one episode.", gt=0)
    max_residual: float = _p(0.1, "Largest share left behind in an episode.", ge=0, lt=1)
    min_episodes: int = _p(1, "Episodes before an account is flagged.", ge=1)
    recurrence_days: float = _p(45, "Episodes this close together form one series.", gt=0)
    min_evidence: float = _p(0.5, "Evidence score from which a candidate alerts.", ge=0, le=1)


class HawalaParams(_Params):
    max_payment_pkr: float = _p(500_000, "Largest collection or payout counted as small.", gt=0)
    min_settlements: int = _p(1, "Transfers between the two dealers.", ge=1)
    min_collections: int = _p(4, "Distinct payers (or cash deposits) of the collector.", ge=2)
    min_payouts: int = _p(4, "Distinct beneficiaries of the payer abroad.", ge=2)
    settlement_cycle_days: float = _p(21, "Collections this long before a settlement count.")
    max_mismatch: float = _p(0.4, "Payouts vs collections, settlements vs net.", ge=0, lt=1)


class DormantParams(_Params):
    dormant_days: float = _p(180, "Silence (or no history) before the burst.", gt=0)
    burst_days: float = _p(14, "Length of the burst of activity.", gt=0)
    min_amount_pkr: float = _p(2_000_000, "Money received during the burst.", ge=0)
    min_onward_share: float = _p(0.8, "Share of the money in that left again.", ge=0, le=1)
    min_transfers: int = _p(3, "Transfers in the burst, in and out.", ge=2)


class HighRiskParams(_Params):
    jurisdictions: list[str] = _p(["af", "ir", "kp", "mm"], "High-risk countries (ISO codes).")
    window_days: float = _p(90, "Flows of one account this close together form one alert.")
    min_total_pkr: float = _p(1_000_000, "Smallest sum of such flows that alerts.", ge=0)


DEFAULT_FX_TO_PKR = {
    "PKR": 1.0,
    "USD": 280.0,
    "AED": 76.2,
    "SAR": 74.6,
    "GBP": 355.0,
    "EUR": 302.0,
    "AFN": 3.95,
    "IRR": 0.0066,
}


class TypologySettings(_Params):
    """Every detector's parameters; defaults follow the domain notes (PKR 2 million CTR)."""

    home_country: str = _p("pk", "Country whose accounts are domestic (ISO code).")
    fx_to_pkr: dict[str, float] = _p(DEFAULT_FX_TO_PKR, "Rates to compare amounts in PKR.")
    detectors: list[str] = _p([], "Detectors to run; empty means all.")
    structuring: StructuringParams = StructuringParams()
    fan_in: FanParams = FanParams(min_evidence=0.65)
    fan_out: FanParams = FanParams(min_evidence=0.65)
    cycle: CycleParams = CycleParams()
    scatter_gather: ScatterGatherParams = ScatterGatherParams()
    pass_through: PassThroughParams = PassThroughParams(min_evidence=0.6)
    hawala: HawalaParams = HawalaParams()
    dormant: DormantParams = DormantParams()
    high_risk: HighRiskParams = HighRiskParams()


class WebSettings(_Params):
    """Signing in to the web application: session lifetimes, lock-outs, password length."""

    session_idle_minutes: int = _p(30, "A session unused this long ends.", ge=1)
    session_absolute_hours: int = _p(12, "A session ends this long after sign-in.", ge=1)
    lockout_attempts: int = _p(5, "Failed sign-ins in a row that lock the account.", ge=1)
    lockout_minutes: int = _p(15, "How long a locked account refuses sign-ins.", ge=1)
    min_password_length: int = _p(12, "Fewest characters in a password.", ge=8, le=1024)


class Settings(BaseSettings):
    """Nexus configuration. Field descriptions are the documentation (see docs/settings.md)."""

    model_config = SettingsConfigDict(env_prefix="NEXUS_", extra="forbid")

    home: Path = Field(
        default=Path("nexus-data"),
        description="Folder for the embedded database, caches and `nexus.yml`.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the statement store; empty means SQLite at `<home>/nexus.sqlite`. "
            "Use `postgresql+psycopg://user@host/db` for multi-user deployments."
        ),
    )
    classification_levels: list[str] = Field(
        default=["UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET"],
        description="Classification levels, lowest first.",
    )
    caveats: list[CaveatRule] = Field(
        default=DEFAULT_CAVEATS,
        description="Caveat markings and how each restricts access; unknown markings are refused.",
    )
    default_country: str = Field(
        default="pk",
        description="Country assumed for national-format phone numbers when a mapping names none.",
    )
    admin_user: str = Field(
        default="admin",
        description=(
            "The administrator that `nexus init` creates; the owner of the home folder acts as "
            "it unless `user` or `os_users` says otherwise."
        ),
    )
    user: str | None = Field(
        default=None,
        description=(
            "The Nexus user the command line acts as (`NEXUS_USER`); empty means the `os_users` "
            "entry for the operating-system login, else the administrator for the home folder's "
            "owner, else a Nexus user of the login's own name."
        ),
    )
    os_users: dict[str, str] = Field(
        default={},
        description="Operating-system logins mapped to the Nexus users they act as.",
    )
    admin_agency: str = Field(
        default="NEXUS",
        description="Agency of the administrator created by `nexus init`.",
    )
    batch_size: int = Field(
        default=20_000, ge=100, description="Statements written to the store per batch."
    )
    screening_lists: list[str] = Field(
        default=["un_sc_sanctions", "ctd_fourth_schedule", "ctd_proscribed"],
        description=(
            "Datasets whose people and organisations are list entries for screening (the UN "
            "list and CTD's Fourth Schedule and proscribed organisations as their mappings name "
            "them)."
        ),
    )
    screening_topics: list[str] = Field(
        default=["sanction", "sanction.linked", "crime.terror", "wanted"],
        description=(
            "FtM topics that make an entity of any dataset a list entry (OpenSanctions exports "
            "carry them; the UN list import sets `sanction`)."
        ),
    )
    screening_after_ingest: list[str] = Field(
        default=[],
        description=(
            "Users as whom screening runs, incrementally, after every ingest that loaded rows: "
            "their agencies' queues get the hits of new records and new listings at once."
        ),
    )
    screening_whole_lists: bool = Field(
        default=True,
        description=(
            "Each load of a list dataset is the whole list (as the UN, CTD and OpenSanctions "
            "publish them): an entry missing from its dataset's latest load counts as delisted."
        ),
    )
    screening_threshold: float = Field(
        default=0.7,
        ge=0,
        le=1,
        description="Score from which a screening hit is reported and raised as an alert.",
    )
    screening_candidates: int = Field(
        default=20,
        ge=1,
        description="List entries each screened name is compared with, the best by shared words.",
    )
    alert_learning_min_labels: int = Field(
        default=60,
        ge=2,
        description=(
            "Decided typology alerts (closed as false positive or confirmed, or escalated) a "
            "viewer's queue needs before a model learnt from them re-ranks its open alerts."
        ),
    )
    alert_learning_min_per_class: int = Field(
        default=15,
        ge=1,
        description="Of those, how many of each outcome at least (confirmed and false positive).",
    )
    typologies: TypologySettings = Field(
        default=TypologySettings(),
        description="Typology detectors' parameters and the high-risk jurisdictions.",
    )
    web: WebSettings = Field(
        default=WebSettings(),
        description="Signing in: session lifetimes, lock-out after failed sign-ins, passwords.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _HomeFileSource(settings_cls, init_settings))

    @field_validator("classification_levels")
    @classmethod
    def _levels_are_distinct(cls, levels: list[str]) -> list[str]:
        if not levels or len(set(levels)) != len(levels):
            raise ValueError("classification levels must be a non-empty list of distinct names")
        return levels

    @model_validator(mode="after")
    def _default_country_is_iso(self) -> Settings:
        if len(self.default_country) != 2:
            raise ValueError("default_country must be a two-letter country code")
        self.default_country = self.default_country.lower()
        return self

    @property
    def store_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'nexus.sqlite').resolve()}"

    @cached_property
    def level_rank(self) -> dict[str, int]:
        return {level: rank for rank, level in enumerate(self.classification_levels)}

    def caveat_rule(self, caveat: str) -> CaveatRule | None:
        for rule in self.caveats:
            if rule.matches(caveat):
                return rule
        return None

    def check_marking(self, classification: str, caveats: frozenset[str]) -> None:
        """Refuse markings the policy cannot interpret: unknown markings must never leak."""
        if classification not in self.level_rank:
            known = ", ".join(self.classification_levels)
            raise ConfigError(f"unknown classification {classification!r} (known: {known})")
        for caveat in caveats:
            if self.caveat_rule(caveat) is None:
                known = ", ".join(rule.pattern for rule in self.caveats)
                raise ConfigError(f"unknown caveat {caveat!r} (known patterns: {known})")


class _HomeFileSource(PydanticBaseSettingsSource):
    """Reads `<home>/nexus.yml`, home taken from the arguments, the environment or the default."""

    def __init__(
        self, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource
    ) -> None:
        super().__init__(settings_cls)
        self._init_settings = init_settings

    def _path(self) -> Path:
        home = self._init_settings().get("home") or os.environ.get("NEXUS_HOME") or "nexus-data"
        return Path(home) / "nexus.yml"

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = self._path()
        if not path.exists():
            return {}
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a mapping of setting names to values")
        _check_home_keys(path, set(self.settings_cls.model_fields))
        return data


def _check_home_keys(path: Path, valid: set[str]) -> None:
    """An unknown top-level key is an error naming the line and the nearest setting: a typo
    must not silently fall back to a default."""
    root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return
    for key_node, _value in root.value:
        key = str(key_node.value)
        if key not in valid:
            near = difflib.get_close_matches(key, sorted(valid), n=1, cutoff=0.6)
            hint = f"; did you mean `{near[0]}`?" if near else ""
            raise ConfigError(
                f"{path}, line {key_node.start_mark.line + 1}: unknown setting `{key}`{hint}"
            )


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment and `nexus.yml`; `overrides` win (tests, CLI flags)."""
    try:
        return Settings(**overrides)
    except ValueError as exc:
        raise ConfigError(f"invalid settings: {exc}") from exc
