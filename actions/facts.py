"""Loads and validates the facts file (data/facts.yml, or the path in FACTS_FILE).

Every answer the bot gives comes from this file. `load_facts` checks it against a small schema and
raises `FactsError` naming the file, the field and the problem, so that a broken file stops the
action server at start instead of producing wrong answers later. A running action server re-reads
the file within a second or two of a change (`get_facts`); a broken change is logged and the last
valid facts are kept.
"""

import logging
import os
import re
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FACTS_FILE = PROJECT_ROOT / "data" / "facts.yml"

OFFICE_KINDS = ("branch_office", "service_unit")

logger = logging.getLogger(__name__)


class FactsError(ValueError):
    """The facts file is missing, unreadable or does not match the schema."""

    def __init__(self, path: Path, field: str, problem: str) -> None:
        self.path, self.field, self.problem = str(path), field, problem
        super().__init__(f"{path}: field '{field}': {problem}")


# --- schema -----------------------------------------------------------------------------------
# A schema is a type (str, int, float, bool), a tuple of allowed types (None = may be empty),
# a dict of field -> schema (fields required, except those whose name ends in "?"), a one-item
# list [schema] for a list, or SOURCES (one source id, or a non-empty list of them).

TEXT = str
NUMBER = (int, float)
MAYBE_TEXT = (str, type(None))
MAYBE_NUMBER = (int, float, type(None))
BILINGUAL = {"id": TEXT, "en": TEXT}
BILINGUAL_LIST = {"id": [TEXT], "en": [TEXT]}
SOURCES = "source ids"

SCHEMA: Dict[str, Any] = {
    "sources": [{"id": TEXT, "title": TEXT, "publisher": TEXT, "date": TEXT, "url": MAYBE_TEXT}],
    "organisation": {"name": TEXT, "region": TEXT, "source": TEXT, "as_of": TEXT},
    "contacts": {"call_centre": TEXT, "call_centre_hours": BILINGUAL, "source": SOURCES,
                 "as_of": TEXT},
    "official_channels": {"email": TEXT, "website": TEXT, "instagram": TEXT, "x": TEXT,
                          "whatsapp_chatbot": TEXT, "source": SOURCES, "as_of": TEXT},
    # numbers of the official FAQ that several knowledge entries use (data/knowledge/): any
    # field, read by the entries' placeholders ({faq.jkp_max_months}), which are checked there
    "faq": {"source": SOURCES, "as_of": TEXT},
    "coverage": {"percent": NUMBER, "source": TEXT, "as_of": TEXT},
    "offices": {
        "source": TEXT,
        "as_of": TEXT,
        "branch_office_count": int,
        "service_unit_count": int,
        # where the addresses, phones and hours come from (needed once any office has one)
        "details_source?": TEXT,
        "details_as_of?": TEXT,
        "list": [
            {
                "id": TEXT,
                "name": TEXT,
                "kind": TEXT,
                "regency_code": TEXT,
                "lat": NUMBER,
                "lon": NUMBER,
                "position_note": TEXT,
                "address": MAYBE_TEXT,
                "phone": MAYBE_TEXT,
                "hours": MAYBE_TEXT,
            }
        ],
    },
    "plkk": {
        "name": TEXT,
        "abbreviation": TEXT,
        "definition": BILINGUAL,
        "legal_basis": TEXT,
        "definition_source": TEXT,
        "total": int,
        "source": TEXT,
        "as_of": TEXT,
        "by_type": [{"key": TEXT, "label": BILINGUAL, "singular?": BILINGUAL, "count": int,
                     "keywords": [TEXT]}],
        # the list's own source and date (needed once the list is filled)
        "facilities_source?": TEXT,
        "facilities_as_of?": TEXT,
        # a list of part of Kalbar: the regency codes it covers (absent: the whole province)
        "facilities_covers?": [TEXT],
        "facilities": [{"name": TEXT, "type": TEXT, "regency_code": TEXT, "district_code?": MAYBE_TEXT,
                        "address?": MAYBE_TEXT, "phone?": MAYBE_TEXT, "lat?": MAYBE_NUMBER,
                        "lon?": MAYBE_NUMBER}],
    },
    "jmo": {
        "name": TEXT,
        "abbreviation": TEXT,
        "replaced": TEXT,
        "description": BILINGUAL,
        "source": TEXT,
        "as_of": TEXT,
        "features": [
            {"key": TEXT, "name": BILINGUAL, "description": BILINGUAL, "keywords": [TEXT]}
        ],
    },
    "bsu": {
        "name": TEXT,
        "abbreviation": TEXT,
        "description": BILINGUAL,
        "kalbar_2022": {
            "year": int,
            "total_rupiah": int,
            "recipients": int,
            "source": TEXT,
            "as_of": TEXT,
        },
        "rules_2022": {
            "year": int,
            "legal_basis": TEXT,
            "amount_rupiah": int,
            "paid": BILINGUAL,
            "citizenship": BILINGUAL,
            "membership": BILINGUAL,
            "max_wage_rupiah": int,
            "max_wage_exception": BILINGUAL,
            "excluded": [TEXT],
            "channels": [TEXT],
            "source": TEXT,
            "as_of": TEXT,
        },
    },
    "bpjs_kesehatan": {"note": BILINGUAL, "source": TEXT, "as_of": TEXT},
    # one item a year; `held: true` needs legal_basis, amount_rupiah and recipients
    "bsu_years": [{
        "year": int, "held": bool, "source": SOURCES, "as_of": TEXT,
        "legal_basis?": TEXT, "amends?": TEXT, "promulgated?": TEXT, "closed?": TEXT,
        "amount_rupiah?": int, "monthly_rupiah?": int, "months?": BILINGUAL, "paid?": BILINGUAL,
        "recipients?": int, "second_round?": bool, "second_round_as_of?": TEXT,
        "citizenship?": BILINGUAL, "membership?": BILINGUAL, "max_wage_rupiah?": int,
        "max_wage_exception?": BILINGUAL, "excluded?": BILINGUAL_LIST, "priority?": BILINGUAL,
        "channels?": [TEXT],
    }],
    "bsu_info": {"official_site": TEXT, "no_new_policy_as_of": TEXT, "source": SOURCES,
                 "as_of": TEXT},
    "jht": {
        "name": TEXT, "abbreviation": TEXT, "description": BILINGUAL, "legal_basis": TEXT,
        "full_payout_age": int, "full_payout_reasons": BILINGUAL_LIST, "waiting_months": int,
        "partial_min_years": int, "partial_retirement_percent": NUMBER,
        "partial_housing_percent": NUMBER, "documents": BILINGUAL_LIST, "lapak_asik": TEXT,
        "tracking_feature": TEXT, "source": SOURCES, "as_of": TEXT,
    },
    "benefits": {
        "legal_basis": TEXT, "amends": TEXT, "transport_land_rupiah": int,
        "transport_sea_rupiah": int, "transport_air_rupiah": int, "home_care_months": int,
        "home_care_max_rupiah": int, "work_death_wage_multiple": int, "jkm_total_rupiah": int,
        "jkm_lump_sum_rupiah": int, "jkm_periodic_rupiah": int, "jkm_funeral_rupiah": int,
        "scholarship_children": int, "scholarship_max_rupiah": int,
        "scholarship_jkm_min_years": int, "membership_check_app": TEXT, "source": SOURCES,
        "as_of": TEXT,
    },
    "membership": {
        "informal_name": TEXT, "informal_abbreviation": TEXT,
        "informal_min_contribution_rupiah": int, "informal_min_programmes": [TEXT],
        "informal_with_jht_rupiah": int, "types": BILINGUAL_LIST, "register_data": BILINGUAL_LIST,
        "source": SOURCES, "as_of": TEXT,
    },
    "jmo_account": {
        "forgot_password_menu": TEXT, "forgot_password_needs": BILINGUAL_LIST,
        "forgot_account_menu": TEXT, "forgot_account_needs": BILINGUAL_LIST,
        "forgot_account_button": TEXT, "face_check_tips": BILINGUAL_LIST, "digital_card": TEXT,
        "source": SOURCES, "as_of": TEXT,
    },
}
BSU_HELD_NEEDS = ("legal_basis", "amount_rupiah", "recipients")

TYPE_NAMES = {str: "text", int: "a whole number", float: "a number", bool: "true/false",
              type(None): "empty", dict: "a mapping", list: "a list"}


def _type_name(types: Any) -> str:
    types = types if isinstance(types, tuple) else (types,)
    return " or ".join(TYPE_NAMES.get(t, t.__name__) for t in types)


def _check(value: Any, schema: Any, field: str, path: Path) -> None:
    if schema == SOURCES:
        ids = value if isinstance(value, list) else [value]
        if not ids or not all(isinstance(i, str) and i.strip() for i in ids):
            raise FactsError(path, field, f"must be a source id or a list of them, found {value!r}")
    elif isinstance(schema, dict):
        if not isinstance(value, dict):
            raise FactsError(path, field, f"must be a mapping, found {_type_name(type(value))}")
        for key, sub in schema.items():
            optional, key = key.endswith("?"), key.rstrip("?")
            where = f"{field}.{key}" if field else key
            if key not in value:
                if optional:
                    continue
                raise FactsError(path, where, "is missing")
            _check(value[key], sub, where, path)
    elif isinstance(schema, list):
        if not isinstance(value, list):
            raise FactsError(path, field, f"must be a list, found {_type_name(type(value))}")
        for i, item in enumerate(value):
            _check(item, schema[0], f"{field}[{i}]", path)
    else:
        allowed = schema if isinstance(schema, tuple) else (schema,)
        # bool is a subclass of int in Python; a count of `true` is a mistake.
        if isinstance(value, bool) and bool not in allowed or not isinstance(value, allowed):
            raise FactsError(
                path, field, f"must be {_type_name(schema)}, found {_type_name(type(value))} "
                f"{value!r}"
            )
        if isinstance(value, str) and str in allowed and not value.strip():
            raise FactsError(path, field, "must not be empty text")


def _check_consistency(facts: Dict[str, Any], path: Path, regency_codes: set) -> None:
    _check_sources(facts, path)
    _check_unique(path, "bsu_years", [str(y["year"]) for y in facts["bsu_years"]])
    for i, year in enumerate(facts["bsu_years"]):
        for needed in BSU_HELD_NEEDS if year["held"] else ():
            if needed not in year:
                raise FactsError(path, f"bsu_years[{i}].{needed}",
                                 f"is missing: BSU {year['year']} is marked as held")

    if not 0 <= facts["coverage"]["percent"] <= 100:
        raise FactsError(path, "coverage.percent", "must be between 0 and 100")

    offices = facts["offices"]
    for i, office in enumerate(offices["list"]):
        if office["kind"] not in OFFICE_KINDS:
            raise FactsError(path, f"offices.list[{i}].kind",
                             f"must be one of {', '.join(OFFICE_KINDS)}, found '{office['kind']}'")
        if office["regency_code"] not in regency_codes:
            raise FactsError(path, f"offices.list[{i}].regency_code",
                             f"'{office['regency_code']}' is not a regency of the gazetteer")
        if not (-90 <= office["lat"] <= 90 and -180 <= office["lon"] <= 180):
            raise FactsError(path, f"offices.list[{i}].lat", "is not a valid coordinate")
    _check_unique(path, "offices.list", [o["id"] for o in offices["list"]])
    for kind in OFFICE_KINDS:
        _check_count(path, f"offices.{kind}_count", offices[f"{kind}_count"], "offices.list",
                     offices["list"], "kind", kind)

    plkk = facts["plkk"]
    type_keys = [t["key"] for t in plkk["by_type"]]
    _check_unique(path, "plkk.by_type", type_keys)
    type_sum = sum(t["count"] for t in plkk["by_type"])
    if type_sum != plkk["total"]:
        raise FactsError(path, "plkk.total",
                         f"says {plkk['total']} but the counts in plkk.by_type add up to {type_sum}")
    if plkk["facilities"]:
        for i, facility in enumerate(plkk["facilities"]):
            if facility["type"] not in type_keys:
                raise FactsError(path, f"plkk.facilities[{i}].type",
                                 f"'{facility['type']}' is not a key of plkk.by_type")
            if facility["regency_code"] not in regency_codes:
                raise FactsError(path, f"plkk.facilities[{i}].regency_code",
                                 f"'{facility['regency_code']}' is not a regency of the gazetteer")
        if "facilities_covers" in plkk:
            _check_partial_list(plkk, path, regency_codes)
        else:
            for i, kind in enumerate(plkk["by_type"]):
                _check_count(path, f"plkk.by_type[{i}].count", kind["count"], "plkk.facilities",
                             plkk["facilities"], "type", kind["key"])

    _check_unique(path, "jmo.features", [f["key"] for f in facts["jmo"]["features"]])
    if not facts["jmo"]["features"]:
        raise FactsError(path, "jmo.features", "must list at least one feature")


def _check_partial_list(plkk: Dict[str, Any], path: Path, regency_codes: set) -> None:
    """A list of part of Kalbar (plkk.facilities_covers): the regencies it covers exist, each
    once; every facility is in one of them; and no type has more facilities than the official
    count for the whole province (plkk.by_type), which the list leaves as it is."""
    covers = plkk["facilities_covers"]
    if not covers:
        raise FactsError(path, "plkk.facilities_covers",
                         "is empty: name the regency codes the list covers, or leave the field out "
                         "for a list of all Kalimantan Barat")
    for i, code in enumerate(covers):
        if code not in regency_codes:
            raise FactsError(path, f"plkk.facilities_covers[{i}]",
                             f"'{code}' is not a regency of the gazetteer")
    _check_unique(path, "plkk.facilities_covers", covers)
    for i, facility in enumerate(plkk["facilities"]):
        if facility["regency_code"] not in covers:
            raise FactsError(path, f"plkk.facilities[{i}].regency_code",
                             f"'{facility['regency_code']}' is not one of the regencies the list "
                             f"covers (plkk.facilities_covers: {', '.join(covers)})")
    for i, kind in enumerate(plkk["by_type"]):
        listed = sum(1 for facility in plkk["facilities"] if facility["type"] == kind["key"])
        if listed > kind["count"]:
            raise FactsError(path, f"plkk.by_type[{i}].count",
                             f"says {kind['count']} for all Kalimantan Barat but the list of part of "
                             f"it has {listed} of type {kind['key']}")


def _check_directory(facts: Dict[str, Any], path: Path) -> None:
    """The PLKK facility list and the office details: their source and date, district codes
    inside the item's regency, coordinates in pairs, inside Kalbar and in the item's district (else
    regency) by the same rule, no name twice in one regency."""
    from actions import gazetteer

    places = gazetteer.load_gazetteer()
    offices = facts["offices"]
    if any(o[k] for o in offices["list"] for k in ("address", "phone", "hours")):
        for key in ("details_source", "details_as_of"):
            if key not in offices:
                raise FactsError(path, f"offices.{key}",
                                 "is missing: office addresses, phones or hours need their source and date")
    plkk = facts["plkk"]
    if not plkk["facilities"]:
        return
    for key in ("facilities_source", "facilities_as_of"):
        if key not in plkk:
            raise FactsError(path, f"plkk.{key}", "is missing: a filled plkk.facilities needs its source and date")
    seen: Dict[Tuple[str, str], int] = {}
    for i, facility in enumerate(plkk["facilities"]):
        field = f"plkk.facilities[{i}]"
        district = facility.get("district_code")
        if district is not None:
            if district not in places.districts:
                raise FactsError(path, f"{field}.district_code",
                                 f"'{district}' is not a district of the gazetteer")
            if places.districts[district].regency_code != facility["regency_code"]:
                raise FactsError(path, f"{field}.district_code",
                                 f"'{district}' ({places.districts[district].name}) is not in regency "
                                 f"'{facility['regency_code']}'")
        lat, lon = facility.get("lat"), facility.get("lon")
        if (lat is None) != (lon is None):
            missing = "lon" if lon is None else "lat"
            raise FactsError(path, f"{field}.{missing}", "is missing: lat and lon go together")
        if lat is not None and gazetteer.distance_to_kalbar_km(lat, lon) > gazetteer.INSIDE_KALBAR_KM:
            raise FactsError(path, f"{field}.lat",
                             f"({lat}, {lon}) is outside Kalimantan Barat (more than "
                             f"{gazetteer.INSIDE_KALBAR_KM} km from every district and village)")
        if lat is not None:
            km = gazetteer.distance_to_area_km(lat, lon, facility["regency_code"], district)
            if km > gazetteer.INSIDE_KALBAR_KM:
                area = places.districts.get(district) or places.regencies[facility["regency_code"]]
                kind = "district" if district else "regency"
                raise FactsError(path, f"{field}.lat",
                                 f"({lat}, {lon}) is {round(km)} km from {area.name} "
                                 f"('{area.code}'), the facility's {kind} (more than "
                                 f"{gazetteer.INSIDE_KALBAR_KM} km from each of its districts "
                                 "and villages)")
        name = (facility["regency_code"], " ".join(re.findall(r"[a-z0-9]+", facility["name"].lower())))
        if name in seen:
            raise FactsError(path, f"{field}.name",
                             f"repeats '{facility['name']}' of plkk.facilities[{seen[name]}] in the same "
                             f"regency '{facility['regency_code']}'")
        seen[name] = i


def _check_sources(facts: Dict[str, Any], path: Path) -> None:
    """Every `source`/`*_source` names ids of `sources`; every section with an `as_of` date names
    its source, and every section that names a source has an `as_of` date."""
    source_ids = {s["id"] for s in facts["sources"]}

    def walk(value: Any, field: str) -> None:
        if isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{field}[{i}]")
            return
        if not isinstance(value, dict):
            return
        keys = [k for k in value if k == "source" or k.endswith("_source")]
        for key in keys:
            ids = value[key] if isinstance(value[key], list) else [value[key]]
            for source_id in ids:
                if source_id not in source_ids:
                    raise FactsError(path, f"{field}.{key}",
                                     f"names source '{source_id}', which is not in 'sources'")
        if field and "as_of" in value and not keys:
            raise FactsError(path, f"{field}.source", "is missing: every dated fact needs a source")
        if field and "source" in value and "as_of" not in value and "." not in field:
            raise FactsError(path, f"{field}.as_of", "is missing: every sourced section needs a date")
        for key, sub in value.items():
            if key != "sources":
                walk(sub, f"{field}.{key}" if field else key)

    walk(facts, "")


def _check_count(path: Path, field: str, declared: int, list_field: str,
                 items: List[Dict[str, Any]], key: str, value: str) -> None:
    """A declared count must equal the number of list items whose `key` is `value`."""
    listed = sum(1 for item in items if item[key] == value)
    if listed != declared:
        raise FactsError(path, field,
                         f"says {declared} but {list_field} has {listed} of {key} {value}")


def _check_unique(path: Path, field: str, keys: List[str]) -> None:
    seen = set()
    for i, key in enumerate(keys):
        if key in seen:
            raise FactsError(path, f"{field}[{i}]", f"repeats the key '{key}'")
        seen.add(key)


def facts_path() -> Path:
    """The facts file in use: $FACTS_FILE if set, else data/facts.yml."""
    return Path(os.environ.get("FACTS_FILE") or DEFAULT_FACTS_FILE)


def load_facts(path: Optional[Path] = None) -> Dict[str, Any]:
    """Reads and validates a facts file; raises FactsError naming file, field and problem."""
    from actions import gazetteer  # local import: gazetteer does not depend on facts

    path = Path(path) if path else facts_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise FactsError(path, "(file)", f"cannot be read: {error.strerror}") from error
    try:
        facts = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        raise FactsError(path, where, f"is not valid YAML: {error}") from error
    _check(facts, SCHEMA, "", path)
    _check_consistency(facts, path, set(gazetteer.load_gazetteer().regencies))
    _check_directory(facts, path)
    return facts


# How often `get_facts()` looks at the file for a change (one stat per interval per process).
RELOAD_CHECK_SECONDS = 1.0

_cache: Dict[str, Any] = {}


def _signature(path: Path) -> Optional[Tuple[int, int]]:
    """(modification time in ns, size) of the file, or None when it cannot be read."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def get_facts() -> Dict[str, Any]:
    """The validated facts from `facts_path()`, re-read when the file changes.

    The first load of a file raises FactsError when it is invalid (the action server stops at
    start). After that, the file is checked at most once a second: a valid change is served at
    once; an invalid one is logged (file, field and problem) and the last valid facts are kept.
    """
    path = str(facts_path())
    if _cache.get("path") != path:
        signature = _signature(Path(path))
        facts = load_facts(Path(path))
        _cache.update(path=path, facts=facts, signature=signature, checked=time.monotonic())
        return facts
    now = time.monotonic()
    if now - _cache["checked"] >= RELOAD_CHECK_SECONDS:
        _cache["checked"] = now
        signature = _signature(Path(path))
        if signature != _cache["signature"]:
            _cache["signature"] = signature
            try:
                _cache["facts"] = load_facts(Path(path))
            except FactsError as error:
                logger.error("invalid facts file, still serving the last valid facts: %s", error)
            else:
                logger.info("facts file reloaded: %s", path)
    return _cache["facts"]


def reset_cache() -> None:
    """Forgets the loaded facts, so the next `get_facts()` reads the file again (tests)."""
    _cache.clear()
