"""The notice 建办市〔2021〕25号 as data, loaded once from ``policy.toml``.

Every date, day count and province list that a rule uses comes from here; nothing in the rule
code is a literal policy date. ``load_policy(path)`` reads another file (tests use it to prove
that a changed date changes the answers); ``POLICY`` is the file shipped beside this module.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

from core.policy.dates import day_number

POLICY_FILE = Path(__file__).with_name("policy.toml")


@dataclass(frozen=True)
class Dated:
    """A value of the notice with the clause (C-…) it comes from and the readings (I-…) used."""

    value: object
    clause: str
    readings: tuple[str, ...] = ()
    zh: str = ""
    en: str = ""


@dataclass(frozen=True)
class Province:
    short: str
    full: str
    code: str
    chars: tuple[str, ...]
    en: str
    regime: str
    tile: tuple[int, int]


@dataclass(frozen=True)
class Policy:
    """One notice's values; ``amendments`` are later notices, each in force from its own date."""

    raw: Mapping = field(repr=False)
    amendments: tuple[Policy, ...] = ()

    # -- basis (POLICY.md "Basis and scope") -------------------------------------------------
    def in_force(self, as_of: date) -> Policy:
        """The policy whose notice is in force on ``as_of``: the latest amendment that took
        effect by then, else this one."""
        current = self
        for later in self.amendments:  # sorted by effective date
            if later.effective_from <= as_of:
                current = later
        return current

    @property
    def effective_from(self) -> date:
        return self.raw["notice"]["effective_from"]

    @property
    def basis(self) -> dict:
        """CONTRACT.md ``basis``: the notice applied and the version of this data."""
        return {"notice": self.raw["notice"]["id"], "policy_version": self.raw["notice"]["version"]}

    @property
    def issued_on(self) -> date:
        """The notice's issue date: answers for dates before it carry ``basis_scope`` (the
        notice did not exist yet)."""
        return self.raw["notice"]["issued_on"]

    @property
    def scope_ends(self) -> date:
        """Answers for dates from here on carry the warning ``basis_scope``."""
        return self.raw["notice"]["scope_ends"]

    # -- dates and counts -------------------------------------------------------------------
    def dated(self, group: str, key: str) -> Dated:
        item = self.raw[group][key]
        return Dated(
            value=item["value"],
            clause=item.get("clause", ""),
            readings=tuple(item.get("readings", ())),
            zh=item.get("zh", ""),
            en=item.get("en", ""),
        )

    def date(self, key: str) -> date:
        return self.raw["dates"][key]["value"]

    @cached_property
    def day_numbers(self) -> Mapping[str, int]:
        """Every date of ``[dates]`` as a day number (``core.policy.dates``), for the rules."""
        return MappingProxyType({k: day_number(self.date(k)) for k in self.raw["dates"]})

    def days(self, key: str) -> int:
        return int(self.raw["days"][key]["value"])

    @property
    def dates(self) -> dict[str, Dated]:
        return {k: self.dated("dates", k) for k in self.raw["dates"]}

    # -- provinces and regimes --------------------------------------------------------------
    @cached_property
    def regimes(self) -> tuple[str, ...]:
        """The regime codes, in the data's order (pilot, batch2021, not_covered)."""
        return tuple(self.raw["regimes"])

    @cached_property
    def provinces(self) -> tuple[Province, ...]:
        regime_of = {p: r for r in self.regimes for p in self.raw["regimes"][r]["provinces"]}
        return tuple(
            Province(
                short=p["short"],
                full=p["full"],
                code=p["code"],
                chars=tuple(p["chars"]),
                en=p["en"],
                regime=regime_of[p["short"]],
                tile=tuple(p["tile"]),
            )
            for p in self.raw["provinces"]
        )

    @cached_property
    def province_by_name(self) -> Mapping[str, Province]:
        """Short and full names (POLICY.md: full names are accepted input aliases)."""
        out: dict[str, Province] = {}
        for p in self.provinces:
            out[p.short] = p
            out[p.full] = p
        return MappingProxyType(out)

    @cached_property
    def regime_of(self) -> Mapping[str, str]:
        """Short or full province name -> regime (I-1)."""
        return MappingProxyType({k: p.regime for k, p in self.province_by_name.items()})

    def regime_info(self, regime: str) -> Mapping:
        return self.raw["regimes"][regime]

    # -- specialties and numbers ------------------------------------------------------------
    @cached_property
    def specialties(self) -> tuple[str, ...]:
        return tuple(self.raw["specialties"]["names"])

    @cached_property
    def specialty_en(self) -> Mapping[str, str]:
        s = self.raw["specialties"]
        return MappingProxyType(dict(zip(s["names"], s["en"], strict=True)))

    @property
    def max_specialties(self) -> int:
        return int(self.raw["specialties"]["max_per_person"])

    @cached_property
    def number_chars(self) -> Mapping[str, str | None]:
        """First character of a registration number -> province short name (None: military)."""
        out: dict[str, str | None] = {c: p.short for p in self.provinces for c in p.chars}
        out[self.raw["number"]["military_char"]] = None
        return MappingProxyType(out)

    @cached_property
    def number_codes(self) -> Mapping[str, str | None]:
        """Digits 2–3 (GB/T 2260) -> province short name (None: military, 99)."""
        out: dict[str, str | None] = {p.code: p.short for p in self.provinces}
        out[self.raw["number"]["military_code"]] = None
        return MappingProxyType(out)

    @property
    def number(self) -> Mapping:
        return self.raw["number"]

    @property
    def validation(self) -> Mapping:
        return self.raw["validation"]

    # -- texts --------------------------------------------------------------------------------
    @property
    def notice(self) -> Mapping:
        return self.raw["notice"]

    @property
    def clauses(self) -> Mapping[str, Mapping]:
        return self.raw["clauses"]

    @property
    def readings(self) -> Mapping[str, Mapping]:
        return self.raw["readings"]

    @property
    def rules(self) -> Mapping[str, Mapping]:
        return self.raw["rules"]


def _read(path: str | Path) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def load_policy(path: str | Path = POLICY_FILE, amendments: tuple[str | Path, ...] = ()) -> Policy:
    """The policy data of ``path``, with later notices (``amendments``) as data.

    An amendment file names the notice it amends (``amends = "<notice id>"``), has a [notice]
    table of its own (id, title, version, effective_from, scope_ends) and holds only the tables
    it changes: each entry of a table it names (a date, a day count, a regime's province list,
    a clause) replaces the same entry of the notice before it; the rest carries over.
    """
    base = _read(path)
    later: list[Policy] = []
    previous = base
    for amendment in sorted((_read(a) for a in amendments),
                            key=lambda r: r["notice"]["effective_from"]):
        if amendment.get("amends") != previous["notice"]["id"]:
            raise ValueError(f"{amendment['notice']['id']} does not amend "
                             f"{previous['notice']['id']}")
        merged = {k: (dict(v) if isinstance(v, dict) else v) for k, v in previous.items()}
        for key, value in amendment.items():
            if key == "amends":
                continue
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
        later.append(Policy(raw=merged))
        previous = merged
    return Policy(raw=base, amendments=tuple(later))


POLICY = load_policy()
