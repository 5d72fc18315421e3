"""The facts loader: the project's file is valid, and each kind of mistake stops it with a message
naming the file, the field and the problem (also when the action server starts)."""

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from actions.facts import DEFAULT_FACTS_FILE, FactsError, get_facts, load_facts

PROJECT = Path(__file__).resolve().parent.parent


def facts_copy(tmp_path: Path, change=None, text=None) -> Path:
    """A copy of the facts file, changed by `change(data)` or replaced by `text`."""
    data = yaml.safe_load(DEFAULT_FACTS_FILE.read_text(encoding="utf-8"))
    if change:
        change(data)
    path = tmp_path / "facts.yml"
    path.write_text(text if text is not None else yaml.safe_dump(data, allow_unicode=True),
                    encoding="utf-8")
    return path


def test_project_facts_file_is_valid():
    facts = load_facts(DEFAULT_FACTS_FILE)
    assert facts["coverage"]["percent"] == 31.98
    assert facts["plkk"]["total"] == 79
    assert len(facts["offices"]["list"]) == 14


def test_every_fact_names_a_known_source():
    facts = load_facts(DEFAULT_FACTS_FILE)
    ids = {s["id"] for s in facts["sources"]}
    for section in ("organisation", "contacts", "coverage", "offices", "plkk", "jmo", "bpjs_kesehatan"):
        assert facts[section]["source"] in ids and facts[section]["as_of"]
    assert facts["bsu"]["kalbar_2022"]["source"] in ids


def test_office_positions_are_the_gazetteer_seats():
    from actions.gazetteer import load_gazetteer

    g = load_gazetteer()
    for office in load_facts(DEFAULT_FACTS_FILE)["offices"]["list"]:
        regency = g.regencies[office["regency_code"]]
        seat = (regency.lat, regency.lon)
        named_district = [d for d in g.districts.values()
                          if d.regency_code == regency.code and d.name in office["position_note"]]
        allowed = [seat] + [(d.lat, d.lon) for d in named_district]
        assert (office["lat"], office["lon"]) in allowed, office["id"]


def bad(field_path, value):
    """A change that sets data[a][b]... to value (or deletes it when value is DELETE)."""
    def change(data):
        target = data
        for key in field_path[:-1]:
            target = target[key]
        if value is DELETE:
            del target[field_path[-1]]
        else:
            target[field_path[-1]] = value
    return change


DELETE = object()


@pytest.mark.parametrize("change, field, problem", [
    (bad(["coverage", "percent"], "banyak"), "coverage.percent", "must be a whole number or a number"),
    (bad(["plkk", "total"], DELETE), "plkk.total", "is missing"),
    (bad(["plkk", "total"], 80), "plkk.total", "says 80 but the counts in plkk.by_type add up to 79"),
    (bad(["offices", "branch_office_count"], 7), "offices.branch_office_count",
     "says 7 but offices.list has 6 of kind branch_office"),
    (bad(["offices", "service_unit_count"], True), "offices.service_unit_count",
     "must be a whole number"),
    (bad(["jmo", "features"], "cek saldo"), "jmo.features", "must be a list"),
    (bad(["contacts", "call_centre"], ""), "contacts.call_centre", "must not be empty text"),
    (bad(["coverage", "percent"], 131), "coverage.percent", "must be between 0 and 100"),
    (bad(["coverage", "source"], "koran_x"), "coverage.source",
     "names source 'koran_x', which is not in 'sources'"),
    (lambda d: d["offices"]["list"][0].update(regency_code="9999"), "offices.list[0].regency_code",
     "'9999' is not a regency of the gazetteer"),
    (lambda d: d["offices"]["list"][0].update(kind="kiosk"), "offices.list[0].kind",
     "must be one of branch_office, service_unit"),
    (lambda d: d["plkk"]["by_type"][0].pop("label"), "plkk.by_type[0].label", "is missing"),
    (lambda d: d["plkk"].update(facilities=[{"name": "RS Contoh", "type": "rs_swasta",
                                             "regency_code": "6171"}]),
     "plkk.by_type[0].count", "says 54 but plkk.facilities has 0 of type puskesmas"),
])
def test_schema_errors_name_file_field_and_problem(tmp_path, change, field, problem):
    path = facts_copy(tmp_path, change)
    with pytest.raises(FactsError) as error:
        load_facts(path)
    assert error.value.path == str(path)
    assert error.value.field == field
    assert problem in error.value.problem
    assert str(path) in str(error.value) and field in str(error.value)


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = facts_copy(tmp_path, text="coverage:\n  percent: [31.98\n")
    with pytest.raises(FactsError) as error:
        load_facts(path)
    assert error.value.field.startswith("line ") and "not valid YAML" in error.value.problem


def test_missing_file(tmp_path):
    with pytest.raises(FactsError, match="cannot be read"):
        load_facts(tmp_path / "nope.yml")


def test_facts_file_env_override(tmp_path, monkeypatch):
    path = facts_copy(tmp_path, bad(["coverage", "percent"], 45.5))
    monkeypatch.setenv("FACTS_FILE", str(path))
    assert get_facts()["coverage"]["percent"] == 45.5


def test_action_server_stops_at_start_on_a_broken_facts_file(tmp_path):
    path = facts_copy(tmp_path, bad(["plkk", "total"], 80))
    env = dict(os.environ, FACTS_FILE=str(path), RASA_TELEMETRY_ENABLED="false")
    result = subprocess.run([str(PROJECT / ".venv" / "bin" / "rasa"), "run", "actions",
                             "--actions", "actions", "--port", "15999"],
                            cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert f"{path}: field 'plkk.total': says 80" in result.stderr
