"""Imports the PLKK facility list, or the offices' addresses, phones and hours, from a CSV file as
branch staff keep it into the facts file (data/facts.yml, or $FACTS_FILE).

    import_directory.py plkk list.csv [--update-counts | --covers "Kab. X, Kota Y"] [--source ID]
                        [--as-of YYYY-MM-DD]
    import_directory.py offices offices.csv [--source ID] [--as-of YYYY-MM-DD]

PLKK columns: nama, jenis, kabupaten/kota (required), kecamatan, alamat, telepon, lat, lon — names,
not codes; jenis as written ("Puskesmas", "Klinik", "RSUD", "RS TNI/Polri", "RS Swasta", matched
against the keywords of plkk.by_type). Office columns: kantor (required), alamat, telepon, jam;
offices not in the file keep what they have. Commas or semicolons separate the columns; a decimal
comma in lat/lon is read as a point.

Every bad row is reported (file, row, column, problem, the closest valid value) and nothing is
written unless every row is good. Coordinates must lie inside Kalbar and in the row's district
(else regency): within INSIDE_KALBAR_KM (30 km) of one of its district or village centres. When
the counts per type differ from plkk.by_type the import stops, unless --update-counts (then
plkk.by_type counts, total, source and as_of follow the file). A list of part of Kalbar names the
regencies/cities it covers with --covers (commas or semicolons between them): every row must be in
one of them and each of them must have a row; the official counts (plkk.by_type, total, source,
as_of) stay as they are, no type may have more facilities than they say for the whole province,
and plkk.facilities_covers records the regency codes. A list imported without --covers is the
whole list again: its counts are checked and facilities_covers is removed. --source names an id
of `sources`
(default: the one the list already names); --as-of defaults to today and may not be after it.
The facts file is rewritten round-trip (ruamel.yaml): comments and layout stay, only the imported
fields change. The result is validated (actions/facts.py) before it replaces the file, in one
rename, so the running action server reloads it (or never sees a half-written file).
Exit status: 0 written, 1 nothing written (the reasons are on stderr).
"""

import argparse
import csv
import datetime
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from rapidfuzz import fuzz, process, utils
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from actions.facts import FactsError, facts_path, load_facts  # noqa: E402
from actions.gazetteer import (INSIDE_KALBAR_KM, Place, distance_to_area_km,  # noqa: E402
                               distance_to_kalbar_km, load_gazetteer)
from actions.offices import nearest_place, place_label  # noqa: E402
from actions.places import normalise  # noqa: E402
from actions.plkk import mentions  # noqa: E402

PLKK_COLUMNS = ["nama", "jenis", "kabupaten/kota", "kecamatan", "alamat", "telepon", "lat", "lon"]
PLKK_REQUIRED = ["nama", "jenis", "kabupaten/kota"]
OFFICE_COLUMNS = ["kantor", "alamat", "telepon", "jam"]
OFFICE_REQUIRED = ["kantor"]
# other headers staff write for a column
HEADER_ALIASES = {"kabupaten": "kabupaten/kota", "kota": "kabupaten/kota", "kab/kota": "kabupaten/kota",
                  "kabupaten kota": "kabupaten/kota", "jam layanan": "jam", "no telepon": "telepon",
                  "latitude": "lat", "longitude": "lon"}
REGENCY_WORDS = {"kabupaten", "kab", "kota"}
DISTRICT_WORDS = {"kecamatan", "kec"}
OFFICE_WORDS = {"kantor", "cabang", "kc", "kcp", "unit", "layanan", "ul", "bpjs", "ketenagakerjaan",
                "tk", "bpjamsostek"}
PHONE = re.compile(r"[0-9 +()./,;-]+")


class Problems:
    """The bad rows of one CSV file: 'FILE: row N, column 'c': problem'."""

    def __init__(self, path: Path) -> None:
        self.path, self.lines = path, []

    def add(self, row: int, column: Optional[str], problem: str) -> None:
        where = f"row {row}" + (f", column '{column}'" if column else "")
        self.lines.append(f"{self.path}: {where}: {problem}")


def closest(value: str, choices: Sequence[str]) -> str:
    """"; closest: 'X'" for the choice nearest to what was written ('' when there is none)."""
    best = process.extractOne(value, list(choices), scorer=fuzz.WRatio, processor=utils.default_process)
    return f"; closest: '{best[0]}'" if best else ""


def read_rows(path: Path, columns: List[str], required: List[str],
              problems: Problems) -> List[Tuple[int, Dict[str, str]]]:
    """(row number as a spreadsheet shows it, {column: stripped text}) for each non-empty row."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        problems.add(1, None, f"cannot be read: {error}")
        return []
    lines = text.splitlines()
    if not lines:
        problems.add(1, None, "is empty")
        return []
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(lines, delimiter=delimiter)
    header = [" ".join(h.strip().lower().split()) for h in next(reader)]
    header = [HEADER_ALIASES.get(h, h) for h in header]
    for h in header:
        if h not in columns:
            problems.add(1, h, f"is not a column of this list{closest(h, columns)} "
                               f"(columns: {', '.join(columns)})")
    for c in required:
        if c not in header:
            problems.add(1, c, "is missing")
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            problems.add(number, None, f"has {len(cells)} cells but the header has {len(header)}")
            continue
        rows.append((number, {h: c.strip() for h, c in zip(header, cells)}))
    if not rows and not problems.lines:
        problems.add(2, None, "no rows: the file lists nothing")
    return rows


def _key(text: str, drop: set) -> str:
    words = normalise(text)
    while len(words) > 1 and words[0] in drop:
        words = words[1:]
    return " ".join(words)


def find_regency(text: str) -> Tuple[Optional[Place], str]:
    """The regency/city a name means ('Kab. Sanggau', 'Sanggau', 'Kota Pontianak'), or the problem."""
    regencies = list(load_gazetteer().regencies.values())
    words = normalise(text)
    kind = {"kab": "kabupaten"}.get(words[0], words[0]) if len(words) > 1 else None
    kind = kind if kind in REGENCY_WORDS else None
    for regency in regencies:
        if (_key(text, REGENCY_WORDS) == _key(regency.name, REGENCY_WORDS)
                and (kind is None or normalise(regency.name)[0] == kind)):
            return regency, ""
    return None, (f"'{text}' is not a regency/city of Kalimantan Barat"
                  f"{closest(text, [r.name for r in regencies])}")


def find_district(text: str, regency: Place) -> Tuple[Optional[Place], str]:
    """The district of `regency` a name means, or the problem."""
    districts = [d for d in load_gazetteer().districts.values() if d.regency_code == regency.code]
    written = _key(text, DISTRICT_WORDS)
    for district in districts:
        if written == _key(district.name, DISTRICT_WORDS):
            return district, ""
    return None, (f"'{text}' is not a district of {regency.name}"
                  f"{closest(text, [d.name for d in districts])}")


def find_type(text: str, by_type: List[dict]) -> Tuple[Optional[str], str]:
    """The plkk.by_type key a 'jenis' means (its key or the longest of its keywords), or the problem."""
    scored = [(mentions(text, [*t["keywords"], t["key"].replace("_", " ")]), t["key"]) for t in by_type]
    best = max(score for score, _ in scored)
    keys = [key for score, key in scored if score == best]
    if best and len(keys) == 1:
        return keys[0], ""
    choices = [k for t in by_type for k in t["keywords"]]
    what = "names several facility types" if best else "is not a facility type"
    return None, f"'{text}' {what}{closest(text, choices)} (types: {', '.join(t['key'] for t in by_type)})"


def parse_coordinate(text: str) -> Optional[float]:
    try:
        return float(text.replace(",", ".") if "." not in text else text)
    except ValueError:
        return None


def check_phone(text: str) -> str:
    """The problem with a phone cell ('' when it is fine)."""
    if PHONE.fullmatch(text) and len(re.findall(r"\d", text)) >= 5:
        return ""
    return f"'{text}' is not a phone number (digits, spaces and + - ( ) . / only, at least 5 digits)"


def area_problem(lat: float, lon: float, area: Place) -> str:
    """Why a point is not in the row's regency or district ('' when it is): farther than
    INSIDE_KALBAR_KM from each of the area's district and village centres, the rule that tells a
    point inside Kalbar; with the place the point is at."""
    km = distance_to_area_km(lat, lon, area.regency_code, area.district_code)
    if km <= INSIDE_KALBAR_KM:
        return ""
    point = place_label(nearest_place(lat, lon)[1])
    return (f"is {round(km)} km from {place_label(area)} (more than {INSIDE_KALBAR_KM} km from "
            f"each of its districts and villages); the point is in {point}: check lat, lon and the "
            f"area, or leave lat and lon empty for the area's centre")


def plkk_items(rows: List[Tuple[int, Dict[str, str]]], by_type: List[dict],
               problems: Problems, covers: Optional[List[Place]] = None) -> List[dict]:
    """The facility items of the rows, in file order; each bad cell is added to `problems` (a row
    outside the regencies `covers` names too, when given)."""
    items, seen = [], {}
    for number, row in rows:
        item, bad, area = {}, len(problems.lines), None
        name = " ".join(row.get("nama", "").split())
        if not name:
            problems.add(number, "nama", "is empty")
        item["name"] = name
        kind, problem = find_type(row.get("jenis", ""), by_type)
        if problem:
            problems.add(number, "jenis", problem)
        item["type"] = kind
        regency, problem = find_regency(row.get("kabupaten/kota", ""))
        if problem:
            problems.add(number, "kabupaten/kota", problem)
        if regency and covers is not None and regency.code not in {r.code for r in covers}:
            problems.add(number, "kabupaten/kota",
                         f"'{row['kabupaten/kota']}' is not in COVERS ({cover_names(covers)}): "
                         f"add it to COVERS or leave the row out")
        if regency:
            item["regency_code"] = DoubleQuotedScalarString(regency.code)
            area = regency
            if row.get("kecamatan"):
                district, problem = find_district(row["kecamatan"], regency)
                if problem:
                    problems.add(number, "kecamatan", problem)
                else:
                    item["district_code"] = DoubleQuotedScalarString(district.code)
                    area = district
            same = (regency.code, " ".join(re.findall(r"[a-z0-9]+", name.lower())))
            if name and same in seen:
                problems.add(number, "nama", f"'{name}' is listed twice in {regency.name} "
                                             f"(row {seen[same]})")
            seen.setdefault(same, number)
        if row.get("alamat"):
            item["address"] = " ".join(row["alamat"].split())
        if row.get("telepon"):
            problem = check_phone(row["telepon"])
            if problem:
                problems.add(number, "telepon", problem)
            item["phone"] = " ".join(row["telepon"].split())
        lat_text, lon_text = row.get("lat", ""), row.get("lon", "")
        if lat_text or lon_text:
            lat, lon = parse_coordinate(lat_text), parse_coordinate(lon_text)
            if not lat_text or not lon_text:
                missing = "lon" if not lon_text else "lat"
                problems.add(number, missing, "is empty: lat and lon go together (or leave both "
                                              "empty for the district's centre)")
            elif lat is None or lon is None:
                column, text = ("lat", lat_text) if lat is None else ("lon", lon_text)
                problems.add(number, column, f"'{text}' is not a number")
            elif distance_to_kalbar_km(lat, lon) > INSIDE_KALBAR_KM:
                hint = ("; closest: lat and lon swapped" if distance_to_kalbar_km(lon, lat)
                        <= INSIDE_KALBAR_KM else "; leave both empty for the district's centre")
                problems.add(number, "lat", f"({lat_text}, {lon_text}) is outside Kalimantan Barat"
                                            f"{hint}")
            elif area and (far := area_problem(lat, lon, area)):
                problems.add(number, "lat", f"({lat_text}, {lon_text}) {far}")
            else:
                item.update(lat=lat, lon=lon)
        if len(problems.lines) == bad:
            items.append(item)
    return items


def cover_names(regencies: Sequence[Place]) -> str:
    """'Kabupaten Sanggau, Kota Pontianak'."""
    return ", ".join(r.name for r in regencies)


def parse_covers(text: str) -> Tuple[List[Place], List[str]]:
    """The regencies/cities a COVERS value names (commas or semicolons between them), in the
    gazetteer's order, and the problems (a name that is no regency, with the closest)."""
    found, errors = {}, []
    names = [name.strip() for name in re.split(r"[,;]", text) if name.strip()]
    if not names:
        errors.append("COVERS is empty: name the regencies/cities the list covers")
    for name in names:
        regency, problem = find_regency(name)
        if problem:
            errors.append(f"COVERS: {problem}")
        else:
            found[regency.code] = regency
    return [found[code] for code in sorted(found)], errors


def coverage_problems(items: List[dict], covers: List[Place], by_type: List[dict]) -> List[str]:
    """What keeps a list of part of Kalbar from loading: a regency of COVERS without a row, and a
    type with more facilities than plkk.by_type counts for the whole province."""
    lines = []
    listed = {item["regency_code"] for item in items}
    for regency in covers:
        if regency.code not in listed:
            lines.append(f"COVERS names {regency.name}, but no row of the file is in it: leave it "
                         f"out of COVERS, or add its facilities to the file")
    more = [f"{kind['key']}: {n} in the file, {kind['count']} in plkk.by_type"
            for kind in by_type
            if (n := sum(1 for item in items if item["type"] == kind["key"])) > kind["count"]]
    if more:
        lines.append("the file has more facilities of a type than plkk.by_type counts for all "
                     "Kalimantan Barat: " + "; ".join(more) + ". A list of part of the province "
                     "cannot; check the file, or import the whole list with UPDATE_COUNTS=1.")
    return lines


def covers_hint(items: List[dict]) -> str:
    """The COVERS a list of fewer regencies than Kalbar's would take ('' for a list of all)."""
    regencies = load_gazetteer().regencies
    listed = sorted({item["regency_code"] for item in items})
    if len(listed) == len(regencies):
        return ""
    return (f" If the file lists part of Kalimantan Barat only, say which instead: "
            f"COVERS=\"{cover_names([regencies[code] for code in listed])}\" (the regencies "
            f"in the file); the official counts then stay as they are.")


def count_problems(items: List[dict], by_type: List[dict]) -> List[str]:
    """'klinik: 3 in the file, 2 in plkk.by_type' for each type whose count differs."""
    lines = []
    for kind in by_type:
        listed = sum(1 for item in items if item["type"] == kind["key"])
        if listed != kind["count"]:
            lines.append(f"{kind['key']}: {listed} in the file, {kind['count']} in plkk.by_type")
    return lines


def office_updates(rows: List[Tuple[int, Dict[str, str]]], offices: List[dict],
                   problems: Problems) -> Dict[str, dict]:
    """{office id: {address, phone, hours}} from the rows (an empty cell is null)."""
    names = {}
    for office in offices:
        for text in (office["id"], office["name"]):
            names[_key(text, OFFICE_WORDS)] = office
    labels = [office["name"] for office in offices]
    updates, seen = {}, {}
    for number, row in rows:
        written = row.get("kantor", "")
        office = names.get(_key(written, OFFICE_WORDS)) if written else None
        if office is None:
            problems.add(number, "kantor", f"'{written}' is not an office in the facts file"
                                           f"{closest(written, labels)}")
            continue
        if office["id"] in seen:
            problems.add(number, "kantor", f"'{written}' is listed twice (row {seen[office['id']]})")
            continue
        seen[office["id"]] = number
        phone = row.get("telepon") or None
        if phone and check_phone(phone):
            problems.add(number, "telepon", check_phone(phone))
        updates[office["id"]] = {"address": row.get("alamat") or None, "phone": phone,
                                 "hours": row.get("jam") or None}
    return updates


def source_and_date(section: dict, key: str, source: Optional[str], as_of: Optional[str],
                    source_ids: List[str]) -> Tuple[Optional[str], Optional[str], List[str]]:
    """The source id and date to write (given, else the section's current ones; today's date)."""
    errors = []
    source = source or section.get(f"{key}_source")
    if not source:
        errors.append(f"set SOURCE=<id>: the id in 'sources' of where this list comes from "
                      f"(add the source there first; ids: {', '.join(source_ids)})")
    elif source not in source_ids:
        errors.append(f"SOURCE '{source}' is not an id in 'sources'{closest(source, source_ids)}")
    as_of = as_of or datetime.date.today().isoformat()
    try:
        if datetime.date.fromisoformat(as_of) > datetime.date.today():
            errors.append(f"AS_OF '{as_of}' is after today: give the date the list was true")
    except ValueError:
        errors.append(f"AS_OF '{as_of}' is not a date (YYYY-MM-DD)")
    return source, as_of, errors


def round_trip() -> YAML:
    """ruamel.yaml set to the facts file's layout (reads and writes it unchanged)."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.add_representer(
        type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null"))
    return yaml


def set_before(section: CommentedMap, key: str, value: str, before: str) -> None:
    """Sets section[key], placed right before `before` when new."""
    if key in section:
        section[key] = value
    else:
        section.insert(list(section).index(before), key, value)


def replace_list(section: CommentedMap, key: str, items: List[CommentedMap]) -> None:
    """section[key] = items, keeping the blank lines or comment that followed the old list (ruamel
    keeps them on the last field of its last item)."""
    old = section[key]
    trailing = None
    if old and isinstance(old[-1], CommentedMap) and old[-1]:
        trailing = old[-1].ca.items.pop(list(old[-1])[-1], None)
    if items and trailing:
        items[-1].ca.items[list(items[-1])[-1]] = trailing
    section[key] = items


def write_facts(path: Path, data: CommentedMap, yaml: YAML) -> None:
    """Validates the new facts and replaces the file in one rename; raises FactsError."""
    handle, temporary = tempfile.mkstemp(prefix=".facts-", suffix=".yml", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            yaml.dump(data, out)
        try:
            load_facts(Path(temporary))
        except FactsError as error:
            raise FactsError(path, error.field, error.problem) from error
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def import_plkk(csv_path: Path, path: Path, update_counts: bool, source: Optional[str],
                as_of: Optional[str], covers: Optional[str] = None) -> List[str]:
    """Writes the facility list into the facts file; returns the problems ([] when written).
    `covers`: the regencies/cities of a list of part of Kalbar (see the module docstring)."""
    if covers is not None and update_counts:
        return ["COVERS and UPDATE_COUNTS=1 do not go together: a list of part of Kalimantan Barat "
                "leaves the official counts as they are; update them with the whole list"]
    regencies: Optional[List[Place]] = None
    if covers is not None:
        regencies, errors = parse_covers(covers)
        if errors:
            return errors
    yaml = round_trip()
    data = yaml.load(path.read_text(encoding="utf-8"))
    plkk = data["plkk"]
    problems = Problems(csv_path)
    items = plkk_items(read_rows(csv_path, PLKK_COLUMNS, PLKK_REQUIRED, problems), plkk["by_type"],
                       problems, regencies)
    if problems.lines:
        return problems.lines
    source, as_of, errors = source_and_date(plkk, "facilities", source, as_of,
                                            [s["id"] for s in data["sources"]])
    if errors:
        return errors
    if regencies is not None:
        errors = coverage_problems(items, regencies, plkk["by_type"])
        if errors:
            return errors
    differ = count_problems(items, plkk["by_type"])
    if regencies is None and differ and not update_counts:
        return ["the counts per type differ from plkk.by_type: " + "; ".join(differ)
                + ". If the file is right, run again with UPDATE_COUNTS=1 (plkk.by_type counts, "
                  "plkk.total, plkk.source and plkk.as_of then follow the file)." + covers_hint(items)]
    if update_counts:
        for kind in plkk["by_type"]:
            kind["count"] = sum(1 for item in items if item["type"] == kind["key"])
        plkk["total"] = len(items)
        plkk["source"], plkk["as_of"] = source, DoubleQuotedScalarString(as_of)
    set_before(plkk, "facilities_source", source, "facilities")
    set_before(plkk, "facilities_as_of", DoubleQuotedScalarString(as_of), "facilities")
    if regencies is not None:
        codes = CommentedSeq(DoubleQuotedScalarString(r.code) for r in regencies)
        codes.fa.set_flow_style()
        set_before(plkk, "facilities_covers", codes, "facilities")
    elif "facilities_covers" in plkk:
        del plkk["facilities_covers"]
    replace_list(plkk, "facilities", [CommentedMap(item) for item in items])
    write_facts(path, data, yaml)
    return []


def import_offices(csv_path: Path, path: Path, source: Optional[str],
                   as_of: Optional[str]) -> List[str]:
    """Writes office addresses, phones and hours into the facts file; returns the problems."""
    yaml = round_trip()
    data = yaml.load(path.read_text(encoding="utf-8"))
    offices = data["offices"]
    problems = Problems(csv_path)
    updates = office_updates(read_rows(csv_path, OFFICE_COLUMNS, OFFICE_REQUIRED, problems),
                             offices["list"], problems)
    if problems.lines:
        return problems.lines
    source, as_of, errors = source_and_date(offices, "details", source, as_of,
                                            [s["id"] for s in data["sources"]])
    if errors:
        return errors
    set_before(offices, "details_source", source, "list")
    set_before(offices, "details_as_of", DoubleQuotedScalarString(as_of), "list")
    for office in offices["list"]:
        office.update(updates.get(office["id"], {}))
    write_facts(path, data, yaml)
    return []


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["plkk", "offices"])
    parser.add_argument("file", type=Path, help="the CSV file")
    parser.add_argument("--update-counts", action="store_true",
                        help="PLKK: let the file's counts per type replace plkk.by_type's")
    parser.add_argument("--covers", help="PLKK: the regencies/cities a list of part of Kalbar "
                                         "covers, e.g. 'Kab. Sanggau, Kota Pontianak'")
    parser.add_argument("--source", help="id in 'sources' of where the list comes from")
    parser.add_argument("--as-of", help="the list's date, YYYY-MM-DD (default: today)")
    args = parser.parse_args(argv)
    path = facts_path()
    try:
        if args.what == "plkk":
            problems = import_plkk(args.file, path, args.update_counts, args.source, args.as_of,
                                   args.covers)
        else:
            problems = import_offices(args.file, path, args.source, args.as_of)
    except FactsError as error:
        problems = [f"the result would be an invalid facts file: {error}"]
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        print(f"nothing written to {path}", file=sys.stderr)
        return 1
    print(f"{args.what}: {args.file} written to {path}")
    if args.what == "plkk" and args.covers is not None:
        plkk = load_facts(path)["plkk"]
        regencies = load_gazetteer().regencies
        print(f"the list covers {cover_names([regencies[c] for c in plkk['facilities_covers']])}: "
              f"{len(plkk['facilities'])} facilities; the official counts stay: "
              f"{plkk['total']} in Kalimantan Barat as of {plkk['as_of']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
