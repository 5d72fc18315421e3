"""The PLKK facility directory and the office details (issue 12), on tracker fixtures.

The filled list is the fictional fixture tests/data/facts_directory.yml (a copy of data/facts.yml
with tests/data/plkk_fixture.csv and tests/data/offices_fixture.csv imported), loaded through
FACTS_FILE. The shipped data/facts.yml, with its empty list, must answer as before, word for word.
Also: each validation error of the facts file, each import error, the import round trip and the
reload of an imported list.
"""

import asyncio
import datetime
import os
import subprocess
import sys

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions import facts as facts_module
from actions.answers import ActionOfficeDetails
from actions.directory import directory
from actions.facts import DEFAULT_FACTS_FILE, FactsError, get_facts, load_facts, reset_cache
from actions.offices import INVALID, ActionNearestOffice, ActionOffices, parse_location
from actions.plkk import ActionPlkkCount, ActionPlkkDefinition, ActionPlkkFind
from actions.small_talk import ActionFallback
from conftest import PROJECT, TESTS, make_tracker, reply_text, run_action

FIXTURE = TESTS / "data" / "facts_directory.yml"
PLKK_CSV = TESTS / "data" / "plkk_fixture.csv"
OFFICES_CSV = TESTS / "data" / "offices_fixture.csv"
IMPORT = PROJECT / "scripts" / "import_directory.py"
sys.path.insert(0, str(PROJECT / "scripts"))
import import_directory  # noqa: E402

MAP = "https://www.openstreetmap.org/?mlat="
PENITI_LUAR = "Desa Peniti Luar, Kec. Jongkat, Kab. Mempawah"


@pytest.fixture
def listed(monkeypatch):
    """The fixture facts (18 fictional facilities, details of two offices) in use."""
    monkeypatch.setenv("FACTS_FILE", str(FIXTURE))
    reset_cache()


def find(text, **kwargs):
    return reply_text(ActionPlkkFind(), text, intent="ask_plkk_find", **kwargs)


# --- the fixture -------------------------------------------------------------------------------

def test_the_fixture_is_the_shipped_facts_with_the_fictional_list():
    shipped, fixture = (yaml.safe_load(p.read_text(encoding="utf-8")) for p in (DEFAULT_FACTS_FILE, FIXTURE))
    changed = {"sources", "offices", "plkk"}
    assert {k: v for k, v in shipped.items() if k not in changed} == \
        {k: v for k, v in fixture.items() if k not in changed}, (
        "tests/data/facts_directory.yml drifted from data/facts.yml: regenerate it (its header says how)")
    assert [s for s in fixture["sources"] if s["id"] != "fixture_directory"] == shipped["sources"]
    assert all("Contoh" in f["name"] for f in fixture["plkk"]["facilities"])
    assert shipped["plkk"]["facilities"] == []
    load_facts(FIXTURE)


# --- answers with the list filled ---------------------------------------------------------------

def test_nearest_to_a_village(listed):
    text = find("plkk terdekat dari desa peniti luar")
    lines = text.split("\n")
    assert lines[0] == (f"PLKK terdekat dari {PENITI_LUAR} menurut daftar saya (per Maret 2026; "
                        "jarak garis lurus, perkiraan):")
    assert lines[1] == ("1. Puskesmas Contoh Jongkat — puskesmas, kurang dari 1 km. Alamat: Jl. Contoh "
                        "Peniti No. 4. Telepon: 0561-000004.")
    assert lines[2] == "Peta: https://www.openstreetmap.org/?mlat=0.13&mlon=109.17#map=13/0.13/109.17"
    assert lines[3] == ("2. Klinik Contoh Dua — klinik, sekitar 24 km. Posisi di peta hanya perkiraan "
                        "(pusat Kecamatan Anjongan, Kab. Mempawah).")
    assert lines[5].startswith("3. Klinik Contoh Satu — klinik, sekitar 2") and "0561-000001" in lines[5]
    assert lines[6].startswith("Peta: ") and "175" in lines[7]
    assert len(lines) == 8


def test_nearest_in_english(listed):
    text = find("nearest PLKK to anjongan")
    assert text.startswith("The PLKK nearest to Kecamatan Anjongan, Kab. Mempawah in my list "
                           "(as of March 2026; straight-line distance, approximate):")
    assert ("1. Klinik Contoh Dua — clinic, less than 1 km away. The map position is approximate "
            "(the centre of Kecamatan Anjongan, Kab. Mempawah).") in text
    assert "2. Puskesmas Contoh Anjongan — community health centre (puskesmas), less than 1 km away." in text
    assert "3. RSUD dr. Contoh Sentosa — regional public hospital (RSUD), about 21 km away. Phone: 0561-000003." in text
    assert "Before you go" in text and text.count("Map: ") == 3


def test_nearest_of_one_type(listed):
    text = find("rsud plkk terdekat dari desa peniti luar")
    assert text.startswith(f"RSUD (rumah sakit umum daerah) PLKK terdekat dari {PENITI_LUAR}")
    assert "1. RSUD dr. Contoh Sentosa" in text and "2. RSUD Contoh Sehat" in text
    assert "Puskesmas" not in text and "Klinik" not in text


def test_nearest_asks_where_then_takes_a_place_or_a_shared_location(listed):
    messages, slots = run_action(ActionPlkkFind(), "plkk terdekat", intent="ask_plkk_find")
    assert messages[0]["text"].startswith("Boleh tahu Anda berada di mana?")
    assert slots["topic"] == "plkk" and slots["awaiting_place"] is True
    messages, slots = run_action(ActionNearestOffice(), "anjongan", intent="inform_place",
                                 topic="plkk", awaiting_place=True)
    assert messages[0]["text"].startswith("PLKK terdekat dari Kecamatan Anjongan, Kab. Mempawah")
    assert slots["topic"] == "plkk" and slots["awaiting_place"] is False
    location = [{"entity": "lat", "value": 0.13}, {"entity": "lon", "value": 109.17}]
    text = reply_text(ActionNearestOffice(), '/share_location{"lat": 0.13, "lon": 109.17}',
                      intent="share_location", entities=location, topic="plkk", awaiting_place=True)
    assert text.startswith(f"PLKK terdekat dari lokasi Anda ({PENITI_LUAR}) menurut daftar saya")
    assert "1. Puskesmas Contoh Jongkat — puskesmas, kurang dari 1 km." in text


def test_a_telegram_location_outside_kalbar_and_a_bad_one(listed):
    text = reply_text(ActionNearestOffice(), '{"lng": 106.82, "lat": -6.2}', intent="share_location",
                      topic="plkk")
    assert text.startswith("Lokasi Anda berada di luar Kalimantan Barat. Daftar PLKK saya hanya untuk")
    text = reply_text(ActionNearestOffice(), '{"lng": 500, "lat": 1}', intent="share_location",
                      topic="plkk")
    assert text.startswith("Maaf, koordinat lokasi itu tidak valid.")


def test_an_office_request_stays_an_office_request(listed):
    text = reply_text(ActionNearestOffice(), "kantor bpjs terdekat dari anjongan",
                      intent="ask_nearest_office", topic="plkk")
    assert "terdekat adalah Unit Layanan Mempawah" in text and "PLKK" not in text


def test_hospitals_of_a_regency(listed):
    assert find("rs plkk di sanggau") == (
        "Per Maret 2026, daftar saya mencatat 1 PLKK di Kabupaten Sanggau:\n"
        "- 1 RSUD: RSUD Contoh Sehat.\n"
        "Untuk alamat dan teleponnya, sebutkan nama fasilitasnya; untuk yang terdekat, sebutkan desa "
        "Anda atau bagikan lokasi Anda.")


def test_a_long_list_is_shortened_with_its_count(listed):
    text = find("puskesmas plkk di sanggau")
    assert text.startswith("Per Maret 2026, daftar saya mencatat 10 puskesmas PLKK di Kabupaten Sanggau:\n"
                           "- 10 puskesmas: Puskesmas Contoh Mawar, Puskesmas Contoh Melati,")
    assert "Puskesmas Contoh Kamboja, dan 2 lainnya." in text
    assert "Tulip" not in text and "Seroja" not in text


def test_every_type_of_a_regency_in_english(listed):
    text = find("which PLKK are in mempawah")
    assert text.startswith("As of March 2026, my list has 4 PLKK in Kabupaten Mempawah:")
    assert "- 2 community health centres (puskesmas): Puskesmas Contoh Jongkat and Puskesmas Contoh Anjongan." in text
    assert "- 1 clinic: Klinik Contoh Dua." in text
    assert "- 1 regional public hospital (RSUD): RSUD dr. Contoh Sentosa." in text


def test_a_district(listed):
    text = find("plkk di kecamatan meliau")
    assert text.startswith("Per Maret 2026, daftar saya mencatat 2 PLKK di Kecamatan Meliau, Kab. Sanggau:\n"
                           "- 2 puskesmas: Puskesmas Contoh Anggrek dan Puskesmas Contoh Kenanga.")


def test_an_area_without_facilities_gets_the_nearest(listed):
    text = find("plkk di ketapang")
    assert text.startswith("Per Maret 2026, daftar saya tidak mencatat PLKK di Kabupaten Ketapang. "
                           "Yang terdekat dari sana:\n1. ")
    assert text.count(MAP) == 3


@pytest.mark.parametrize("message, name", [
    ("apakah klinik conto satu termasuk plkk?", "Klinik Contoh Satu"),     # typo
    ("apakah RS contoh sentosa termasuk PLKK?", "RSUD dr. Contoh Sentosa"),  # rs for rsud, no "dr."
    ("rumah sakit umum daerah dr contoh sentosa plkk bukan", "RSUD dr. Contoh Sentosa"),
    ("pkm contoh jongkat plkk kah", "Puskesmas Contoh Jongkat"),           # pkm
    ("apakah contoh jongkat termasuk plkk", "Puskesmas Contoh Jongkat"),   # no type word
])
def test_a_facility_by_name(listed, message, name):
    text = find(message)
    assert text.startswith(f"Ya, {name} termasuk PLKK menurut daftar saya (per Maret 2026): ")
    assert MAP in text


def test_a_facility_by_name_with_its_details(listed):
    assert find("apakah klinik contoh satu termasuk plkk") == (
        "Ya, Klinik Contoh Satu termasuk PLKK menurut daftar saya (per Maret 2026): klinik di "
        "Kecamatan Pontianak Kota, Kota Pontianak. Alamat: Jl. Contoh Raya No. 1. Telepon: "
        "0561-000001.\nPeta: https://www.openstreetmap.org/?mlat=-0.035&mlon=109.315#map=13/-0.035/109.315")


def test_a_name_not_in_the_list(listed):
    assert find("apakah RSUD Contoh Makmur termasuk PLKK?") == (
        '"RSUD Contoh Makmur" tidak ada di daftar PLKK yang saya punya (per Maret 2026). Daftar bisa '
        "berubah, jadi pastikan lewat aplikasi JMO (menu informasi mitra PLKK) atau call centre 175.")
    assert find("is Klinik Contoh Tujuh a PLKK partner?").startswith(
        '"Klinik Contoh Tujuh" is not in the PLKK list I have (as of March 2026).')


def test_a_name_of_another_type_is_not_taken_for_it(listed):
    assert find("apakah klinik contoh jongkat termasuk plkk").startswith(
        '"klinik contoh jongkat" tidak ada di daftar PLKK')


def test_a_part_of_several_names_lists_them(listed):
    text = find("puskesmas contoh plkk bukan")
    assert text.startswith('Ada 12 fasilitas PLKK di daftar saya (per Maret 2026) yang cocok dengan '
                           '"puskesmas contoh":')
    assert "- Puskesmas Contoh Jongkat — puskesmas, Kecamatan Jongkat, Kab. Mempawah." in text


def test_a_name_asked_as_a_count_definition_or_unclear_question(listed):
    english = reply_text(ActionPlkkCount(), "is Klinik Contoh Satu a PLKK partner?", intent="ask_plkk_count")
    assert english.startswith("Yes, Klinik Contoh Satu is a PLKK partner in my list (as of March 2026): "
                              "clinic in Kecamatan Pontianak Kota, Kota Pontianak.")
    assert reply_text(ActionPlkkDefinition(), "pkm contoh mawar plkk kah").startswith(
        "Ya, Puskesmas Contoh Mawar termasuk PLKK")
    assert reply_text(ActionFallback(), "klinik contoh satu plkk bukan", intent="nlu_fallback").startswith(
        "Ya, Klinik Contoh Satu termasuk PLKK")


def test_counts_and_type_questions_are_not_names(listed):
    assert reply_text(ActionPlkkCount(), "berapa puskesmas yang jadi plkk") == (
        "Per Maret 2026, ada 12 puskesmas yang menjadi PLKK di Kalimantan Barat (dari total 18 "
        "fasilitas kesehatan PLKK).")
    assert "Contoh" not in reply_text(ActionPlkkCount(), "how many private hospitals are plkk")


def test_without_place_or_name_the_list_is_summed_up(listed):
    assert find("cara cari plkk") == (
        "Per Maret 2026, daftar PLKK saya memuat 18 fasilitas di Kalimantan Barat: 12 puskesmas, "
        "2 klinik, 2 RSUD (rumah sakit umum daerah), 1 rumah sakit TNI/Polri, dan 1 rumah sakit "
        "swasta. Sebutkan kabupaten/kota, kecamatan, atau desa Anda, atau bagikan lokasi Anda, "
        "supaya saya carikan yang terdekat. Bisa juga tanya satu fasilitas, misalnya \"apakah "
        "Klinik Contoh Satu termasuk PLKK?\".")


# --- follow-ups and wordings from the new-user trial -------------------------------------------

def after(earlier, action, text, intent, entities=None, **slots):
    """The reply to `text` when the user's earlier messages of the conversation were `earlier`:
    [(text, intent)], oldest first."""
    tracker = make_tracker(text, intent, entities, **slots)
    tracker.events[-1:-1] = [{"event": "user", "text": t, "timestamp": 1700000000.0,
                              "parse_data": {"intent": {"name": i, "confidence": 0.99}, "entities": []}}
                             for t, i in earlier]
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, {}))
    return "\n".join(m["text"] for m in dispatcher.messages)


def test_a_nearest_request_without_an_office_word_in_a_plkk_conversation_is_a_plkk_question(listed):
    messages, slots = run_action(ActionNearestOffice(), "kalo yg deket kecamatan jongkat?",
                                 intent="ask_nearest_office", topic="plkk")
    assert messages[0]["text"].startswith("PLKK terdekat dari Kecamatan Jongkat, Kab. Mempawah menurut "
                                          "daftar saya")
    assert "1. Puskesmas Contoh Jongkat" in messages[0]["text"] and slots["topic"] == "plkk"
    messages, slots = run_action(ActionNearestOffice(), "yg paling deket dmn?", intent="ask_nearest_office",
                                 topic="plkk")
    assert messages[0]["text"].startswith("Boleh tahu Anda berada di mana?")
    assert slots["topic"] == "plkk" and slots["awaiting_place"] is True
    for office in ("kantor yg deket kecamatan jongkat?", "kntr bpjs terdekat dari jongkat",
                   "nearest office to jongkat"):
        text = reply_text(ActionNearestOffice(), office, intent="ask_nearest_office", topic="plkk")
        assert "Alamat: Jl. Contoh Kantor No. 10." in text or "Address: Jl. Contoh Kantor No. 10." in text
        assert "PLKK" not in text


@pytest.mark.parametrize("action, message, name", [
    (ActionPlkkDefinition(), "rsud contoh sehat tu plkk kah?", "RSUD Contoh Sehat"),
    (ActionFallback(), "klinik contoh satu trmasuk plkk gak", "Klinik Contoh Satu"),
    (ActionPlkkFind(), "rs bhayangkara contoh tu plkk ke", "RS Bhayangkara Contoh"),
    (ActionPlkkFind(), "puskesmas contoh jongkat ni masuk plkk ga", "Puskesmas Contoh Jongkat"),
    (ActionPlkkFind(), "klinik contoh dua ade termasuk plkk nggak", "Klinik Contoh Dua"),
    (ActionPlkkFind(), "rs bhayangkara plkk?", "RS Bhayangkara Contoh"),  # type words only
    (ActionPlkkFind(), "apakah rs bhayangkara termasuk plkk", "RS Bhayangkara Contoh"),
])
def test_particles_are_not_part_of_a_name(listed, action, message, name):
    assert reply_text(action, message, intent="nlu_fallback").startswith(
        f"Ya, {name} termasuk PLKK menurut daftar saya (per Maret 2026): ")


def test_a_name_not_listed_with_particles_and_a_partial_name(listed):
    assert find("rsud contoh makmur tu plkk ke").startswith(
        '"rsud contoh makmur" tidak ada di daftar PLKK yang saya punya (per Maret 2026).')
    assert find("rs contoh plkk?").startswith(
        'Ada 4 fasilitas PLKK di daftar saya (per Maret 2026) yang cocok dengan "rs contoh":')


def test_type_words_with_a_place_or_nearest_stay_a_type_question(listed):
    assert find("rs tni plkk terdekat dari anjongan").startswith(
        "rumah sakit TNI/Polri PLKK terdekat dari Kecamatan Anjongan")
    assert find("rs tni plkk di kota pontianak").startswith(
        "Per Maret 2026, daftar saya mencatat 1 rumah sakit TNI/Polri PLKK di Kota Pontianak:")
    assert reply_text(ActionPlkkCount(), "berapa rs tni yg plkk").startswith(
        "Per Maret 2026, ada 1 rumah sakit TNI/Polri yang menjadi PLKK")


HOSPITALS = ("RS Bhayangkara Contoh", "RS Contoh Medika", "RSUD")


@pytest.mark.parametrize("earlier, message, intent, entities, expected, unexpected", [
    ([("rs plkk terdekat", "ask_plkk_find")], "sungai kakap", "inform_place", None,
     HOSPITALS[:2], ("Klinik", "Puskesmas")),
    ([("pkm plkk paling dekat", "ask_plkk_find")], "kecamatan jongkat", "inform_place", None,
     ("puskesmas PLKK terdekat dari Kecamatan Jongkat", "1. Puskesmas Contoh Jongkat"),
     ("Klinik", "RS ")),
    ([("where is the nearest PLKK hospital?", "ask_plkk_find")], "/share_location", "share_location",
     [{"entity": "lat", "value": 0.35}, {"entity": "lon", "value": 109.15}],
     ("1. RSUD dr. Contoh Sentosa",), ("Klinik", "Puskesmas")),
    # the latest PLKK question counts: a later one without a type asks for every type again
    ([("rs plkk terdekat", "ask_plkk_find"), ("sungai kakap", "inform_place"),
      ("plkk terdekat dari anjongan", "ask_plkk_find")], "sungai kakap", "inform_place", None,
     ("Klinik Contoh Satu",), ()),
    # a place after a place still carries the type of the PLKK question before both
    ([("rs plkk terdekat", "ask_plkk_find"), ("anjongan", "inform_place")], "kalo sungai kakap?",
     "ask_nearest_office", None, HOSPITALS[:2], ("Klinik", "Puskesmas")),
])
def test_the_type_asked_carries_over_to_the_place_that_follows(listed, earlier, message, intent,
                                                               entities, expected, unexpected):
    text = after(earlier, ActionNearestOffice(), message, intent, entities, topic="plkk",
                 awaiting_place=True)
    assert "terdekat" in text or "nearest" in text, text
    for part in expected:
        assert part in text, text
    for part in unexpected:
        assert part not in text, text


@pytest.mark.parametrize("text", ['{"lat": 0.35, "lon": 109.15}', '{"lon": 109.15, "lat": 0.35}',
                                  '{"lat": 0.35, "lng": 109.15}', '{"lng": 109.15, "lat": 0.35}',
                                  ' { lat: "0.35" , LON: "109.15" } '])
def test_a_bare_location_object_in_either_order_is_a_shared_location(listed, text):
    assert parse_location(text, []) == (0.35, 109.15)
    reply = reply_text(ActionNearestOffice(), text, intent="share_location", topic="plkk")
    assert reply.startswith("PLKK terdekat dari lokasi Anda (Kecamatan Anjongan, Kab. Mempawah)")


@pytest.mark.parametrize("text, expected", [
    ('{"lat": 0.35}', None), ('{"lat": 0.35, "lat": 109.15}', None), ('{"x": 1, "y": 2}', None),
    ('{"lat": 95, "lon": 109.15}', INVALID), ('{"lat": "abc", "lon": 109.15}', INVALID),
])
def test_what_is_not_a_location_object(text, expected):
    assert parse_location(text, []) == expected


def test_office_answers_show_the_details(listed):
    details = ("Kantor Cabang Pontianak: Alamat: Jl. Contoh Kantor No. 10. Telepon: 0561-000100. "
               "Jam layanan: Senin–Jumat 08.00–16.00 WIB.")
    assert reply_text(ActionOfficeDetails(), "alamat kantor bpjs di pontianak",
                      intent="ask_office_details").split("\n")[0] == details
    text = reply_text(ActionOfficeDetails(), "alamat kantor bpjs dmn", intent="ask_office_details")
    assert text == ("Alamat, telepon, dan jam layanan kantor BPJS Ketenagakerjaan di Kalimantan Barat "
                    f"(data per Maret 2026):\n- {details}\n- Unit Layanan Mempawah: Alamat: Jl. Contoh "
                    "Layanan No. 11. Telepon: belum tersedia. Jam layanan: belum tersedia.\nKantor "
                    "lain: belum ada di data saya; hubungi call centre 175 sebelum datang.")
    nearest = reply_text(ActionNearestOffice(), "kantor terdekat dari pontianak kota",
                         intent="ask_nearest_office")
    assert "Alamat: Jl. Contoh Kantor No. 10. Telepon: 0561-000100." in nearest
    offices = reply_text(ActionOffices(), "daftar kantor bpjs")
    assert offices.endswith("Tanyakan alamat, telepon, atau jam layanan kantor yang Anda tuju, atau "
                            "sebutkan kecamatan, desa, atau kode pos Anda untuk kantor terdekat.")
    assert "belum tersedia" not in offices


# --- the shipped facts: an empty list, today's honest answers ----------------------------------

PLKK_FIND_ID = (
    "Daftar nama fasilitas PLKK yang sudah terverifikasi belum tersedia di data saya. Cara menemukan "
    "PLKK terdekat: buka aplikasi JMO (menu informasi mitra PLKK), hubungi call centre 175, atau "
    "tanyakan ke kantor BPJS Ketenagakerjaan terdekat. Per Januari 2023, di Kalimantan Barat ada 79 "
    "PLKK: 54 puskesmas, 2 klinik, 11 RSUD (rumah sakit umum daerah), 1 rumah sakit TNI/Polri, dan "
    "11 rumah sakit swasta.")


@pytest.mark.parametrize("message", [
    "plkk terdekat dari desa peniti luar", "rs plkk di sanggau", "plkk terdekat",
    "apakah klinik contoh satu termasuk plkk?", "cara cari plkk", "puskesmas plkk di kecamatan meliau",
])
def test_the_shipped_empty_list_answers_as_before(message):
    assert get_facts()["plkk"]["facilities"] == []
    assert find(message) == PLKK_FIND_ID


PLKK_FIND_EN = (
    "I do not have a verified list of PLKK facility names yet. To find the nearest PLKK: open the "
    "JMO app (PLKK partner information), call the call centre on 175, or ask at the nearest BPJS "
    "Ketenagakerjaan office. As of January 2023, there are 79 PLKK in Kalimantan Barat: 54 "
    "community health centres (puskesmas), 2 clinics, 11 regional public hospitals (RSUD), 1 "
    "TNI/Polri (military/police) hospital and 11 private hospitals.")


@pytest.mark.parametrize("action, message, intent, expected", [
    (ActionPlkkCount(), "is RSUD Soedarso a PLKK?", "ask_plkk_count", PLKK_FIND_EN),
    (ActionPlkkCount(), "is Klinik Contoh Satu a PLKK partner?", "ask_plkk_count", PLKK_FIND_EN),
    (ActionPlkkDefinition(), "rsud contoh sehat plkk kah?", "ask_plkk_definition", PLKK_FIND_ID),
    (ActionFallback(), "rsud contoh sehat plkk kah?", "nlu_fallback", PLKK_FIND_ID),
    (ActionFallback(), "klinik contoh satu plkk bukan", "nlu_fallback", PLKK_FIND_ID),
])
def test_the_shipped_empty_list_answers_a_name_honestly(action, message, intent, expected):
    """A question about one facility by name, whatever the model reads it as, gets "no verified
    names yet" and where to ask, not the definition, a count or "not understood"."""
    assert reply_text(action, message, intent=intent) == expected


def test_the_shipped_empty_list_keeps_the_other_answers():
    assert reply_text(ActionPlkkCount(), "how many clinics are plkk partners?") == (
        "As of January 2023, 2 of the PLKK partners in Kalimantan Barat are clinics (out of 79 PLKK "
        "health facilities in all).")
    assert reply_text(ActionPlkkCount(), "berapa rs tni yg plkk").startswith(
        "Per Januari 2023, ada 1 rumah sakit TNI/Polri yang menjadi PLKK")
    location = '{"lng": 109.17, "lat": 0.13}'
    text = reply_text(ActionNearestOffice(), location, intent="share_location", topic="plkk")
    assert f"Untuk lokasi Anda ({PENITI_LUAR}), kantor BPJS Ketenagakerjaan terdekat" in text
    assert "Alamat dan jam layanan kantor belum tersedia di data saya" in text
    assert reply_text(ActionOfficeDetails(), "alamat kantor bpjs dmn", intent="ask_office_details") \
        .startswith("Alamat, nomor telepon, dan jam layanan kantor BPJS Ketenagakerjaan belum ada di data saya.")
    assert "belum tersedia di data saya" in reply_text(ActionOffices(), "daftar kantor bpjs")
    assert reply_text(ActionFallback(), "jadwal kereta besok", intent="nlu_fallback") \
        .startswith("Maaf, saya belum paham maksud Anda.")


# --- the index: built once per facts load ------------------------------------------------------

def test_the_index_is_built_once_per_facts_load_and_rebuilt_on_a_change(tmp_path, monkeypatch):
    path = tmp_path / "facts.yml"
    path.write_text(FIXTURE.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("FACTS_FILE", str(path))
    monkeypatch.setattr(facts_module, "RELOAD_CHECK_SECONDS", 0.0)
    first = directory(get_facts())
    assert directory(get_facts()) is first and len(first) == 18
    text = path.read_text(encoding="utf-8").replace("Klinik Contoh Satu", "Klinik Contoh Baru")
    path.write_text(text, encoding="utf-8")
    second = directory(get_facts())
    assert second is not first and "Klinik Contoh Baru" in [f.name for f in second.facilities]
    assert directory(get_facts()) is second


# --- validation of the facts file --------------------------------------------------------------

def fixture_copy(tmp_path, change):
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "facts.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def facility(n, **values):
    return lambda d: d["plkk"]["facilities"][n].update(values)


@pytest.mark.parametrize("change, field, problem", [
    (facility(0, district_code="619999"), "plkk.facilities[0].district_code",
     "'619999' is not a district of the gazetteer"),
    (facility(0, district_code="610216"), "plkk.facilities[0].district_code",
     "'610216' (Anjongan) is not in regency '6171'"),
    (facility(0, regency_code="6199"), "plkk.facilities[0].regency_code",
     "'6199' is not a regency of the gazetteer"),
    (facility(0, type="apotek"), "plkk.facilities[0].type", "'apotek' is not a key of plkk.by_type"),
    (lambda d: d["plkk"]["facilities"][0].pop("lon"), "plkk.facilities[0].lon",
     "is missing: lat and lon go together"),
    (facility(0, lat=-6.2, lon=106.82), "plkk.facilities[0].lat",
     "(-6.2, 106.82) is outside Kalimantan Barat"),
    (facility(0, lat="-0.03"), "plkk.facilities[0].lat", "must be a whole number or a number or empty"),
    # coordinates far from the facility's district (else regency): more than 30 km from its centres
    (facility(2, lat=-0.03, lon=109.34), "plkk.facilities[2].lat",
     "(-0.03, 109.34) is 122 km from Kapuas ('610301'), the facility's district (more than 30 km"),
    (facility(5, lat=0.12, lon=110.59), "plkk.facilities[5].lat",
     "(0.12, 110.59) is 136 km from Kota Pontianak ('6171'), the facility's regency"),
    (facility(1, name="KLINIK  contoh satu", regency_code="6171", district_code=None),
     "plkk.facilities[1].name", "repeats 'KLINIK  contoh satu' of plkk.facilities[0] in the same regency"),
    (lambda d: d["plkk"].pop("facilities_source"), "plkk.facilities_source",
     "is missing: a filled plkk.facilities needs its source and date"),
    (lambda d: d["plkk"].update(facilities_source="daftar_x"), "plkk.facilities_source",
     "names source 'daftar_x', which is not in 'sources'"),
    (lambda d: d["offices"].pop("details_as_of"), "offices.details_as_of",
     "is missing: office addresses, phones or hours need their source and date"),
    (lambda d: d["plkk"]["by_type"][1].update(count=3), "plkk.total",
     "says 18 but the counts in plkk.by_type add up to 19"),
])
def test_facts_errors_name_file_field_and_problem(tmp_path, change, field, problem):
    path = fixture_copy(tmp_path, change)
    with pytest.raises(FactsError) as error:
        load_facts(path)
    assert (error.value.path, error.value.field) == (str(path), field)
    assert problem in error.value.problem, error.value.problem


def test_a_name_may_repeat_in_another_regency(tmp_path):
    load_facts(fixture_copy(tmp_path, facility(1, name="Klinik Contoh Satu")))


# --- the import ---------------------------------------------------------------------------------

HEADER = "nama,jenis,kabupaten/kota,kecamatan,alamat,telepon,lat,lon\n"


@pytest.fixture
def facts_file(tmp_path, monkeypatch):
    """A copy of the shipped facts with the fixture's source, in use through FACTS_FILE."""
    data = DEFAULT_FACTS_FILE.read_text(encoding="utf-8")
    source = FIXTURE.read_text(encoding="utf-8").split("sources:\n", 1)[1].split("  - id: ", 2)[1]
    path = tmp_path / "facts.yml"
    path.write_text(data.replace("sources:\n", "sources:\n  - id: " + source, 1), encoding="utf-8")
    monkeypatch.setenv("FACTS_FILE", str(path))
    return path


def run_import(*args):
    result = subprocess.run([sys.executable, str(IMPORT), *map(str, args)], cwd=PROJECT,
                            capture_output=True, text=True, timeout=120)
    return result.returncode, result.stdout, result.stderr


def write_csv(tmp_path, body, header=HEADER, name="list.csv"):
    path = tmp_path / name
    path.write_text(header + body, encoding="utf-8")
    return path


def test_import_round_trip(facts_file, monkeypatch):
    before = facts_file.read_text(encoding="utf-8")
    code, out, err = run_import("plkk", PLKK_CSV, "--update-counts", "--source", "fixture_directory",
                                "--as-of", "2026-03-02")
    assert (code, err) == (0, "") and f"written to {facts_file}" in out
    code, _, err = run_import("offices", OFFICES_CSV, "--source", "fixture_directory", "--as-of", "2026-03-02")
    assert (code, err) == (0, "")
    after = facts_file.read_text(encoding="utf-8")
    # only the offices and plkk sections changed, and every comment is kept
    assert after.split("\noffices:")[0] == before.split("\noffices:")[0]
    assert after.split("\njmo:")[1] == before.split("\njmo:")[1]
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert all(line in after.splitlines() for line in comments)
    facts = load_facts(facts_file)
    rows = PLKK_CSV.read_text(encoding="utf-8").splitlines()[1:]
    assert [f["name"] for f in facts["plkk"]["facilities"]] == [r.split(",")[0] for r in rows]
    first = facts["plkk"]["facilities"][0]
    assert first == {"name": "Klinik Contoh Satu", "type": "klinik", "regency_code": "6171",
                     "district_code": "617105", "address": "Jl. Contoh Raya No. 1",
                     "phone": "0561-000001", "lat": -0.035, "lon": 109.315}
    assert facts["plkk"]["facilities"][1] == {"name": "Klinik Contoh Dua", "type": "klinik",
                                              "regency_code": "6102", "district_code": "610216"}
    assert [t["count"] for t in facts["plkk"]["by_type"]] == [12, 2, 2, 1, 1]
    assert (facts["plkk"]["total"], facts["plkk"]["source"], facts["plkk"]["as_of"]) == \
        (18, "fixture_directory", "2026-03-02")
    assert facts["offices"]["list"][0]["hours"] == "Senin–Jumat 08.00–16.00 WIB"
    assert facts["offices"]["details_source"] == "fixture_directory"
    # importing the same list again (same date; the source stays) changes nothing
    assert run_import("plkk", PLKK_CSV, "--as-of", "2026-03-02")[0] == 0
    assert facts_file.read_text(encoding="utf-8") == after


def test_the_running_server_picks_up_an_import(facts_file, monkeypatch):
    monkeypatch.setattr(facts_module, "RELOAD_CHECK_SECONDS", 0.0)
    reset_cache()
    assert find("plkk terdekat dari desa peniti luar") == PLKK_FIND_ID
    assert run_import("plkk", PLKK_CSV, "--update-counts", "--source", "fixture_directory")[0] == 0
    assert "1. Puskesmas Contoh Jongkat" in find("plkk terdekat dari desa peniti luar")


def test_counts_that_differ_stop_the_import_and_nothing_is_written(facts_file):
    before = facts_file.read_bytes()
    code, _, err = run_import("plkk", PLKK_CSV, "--source", "fixture_directory")
    assert code == 1
    assert ("the counts per type differ from plkk.by_type: puskesmas: 12 in the file, 54 in "
            "plkk.by_type; rsud: 2 in the file, 11 in plkk.by_type; rs_swasta: 1 in the file, 11 in "
            "plkk.by_type. If the file is right, run again with UPDATE_COUNTS=1") in err
    assert f"nothing written to {facts_file}" in err
    assert facts_file.read_bytes() == before


@pytest.mark.parametrize("row, expected", [
    ("Klinik Contoh A,Apotek,Kota Pontianak,,,,,",
     "row 2, column 'jenis': 'Apotek' is not a facility type; closest: "),
    ("Klinik Contoh A,Klinik,Kabupaten Sangau,,,,,",
     "row 2, column 'kabupaten/kota': 'Kabupaten Sangau' is not a regency/city of Kalimantan Barat; "
     "closest: 'Kabupaten Sanggau'"),
    ("Klinik Contoh A,Klinik,Sanggau,Meliauu,,,,",
     "row 2, column 'kecamatan': 'Meliauu' is not a district of Kabupaten Sanggau; closest: 'Meliau'"),
    ("Klinik Contoh A,Klinik,Sanggau,Anjongan,,,,",
     "row 2, column 'kecamatan': 'Anjongan' is not a district of Kabupaten Sanggau; closest: "),
    (",Klinik,Sanggau,,,,,", "row 2, column 'nama': is empty"),
    ("Klinik Contoh A,Klinik,Sanggau,,,,0.12,", "row 2, column 'lon': is empty: lat and lon go together"),
    ("Klinik Contoh A,Klinik,Sanggau,,,,utara,110.5", "row 2, column 'lat': 'utara' is not a number"),
    ("Klinik Contoh A,Klinik,Sanggau,,,,-6.2,106.82",
     "row 2, column 'lat': (-6.2, 106.82) is outside Kalimantan Barat; leave both empty"),
    ("Klinik Contoh A,Klinik,Sanggau,,,,110.59,0.12",
     "row 2, column 'lat': (110.59, 0.12) is outside Kalimantan Barat; closest: lat and lon swapped"),
    # a Sanggau RSUD with Pontianak's coordinates; Kapuas's coordinates for a Meliau facility
    ("RSUD Contoh A,RSUD,Sanggau,,,,-0.03,109.34",
     "row 2, column 'lat': (-0.03, 109.34) is 65 km from Kabupaten Sanggau (more than 30 km from each "
     "of its districts and villages); the point is in Kelurahan Daratsekip, Kec. Pontianak Kota, "
     "Kota Pontianak: check lat, lon and the area"),
    ("RSUD Contoh A,RSUD,Sanggau,Meliau,,,0.12,110.59",
     "row 2, column 'lat': (0.12, 110.59) is 31 km from Kecamatan Meliau, Kab. Sanggau (more than 30 km"),
    ("Klinik Contoh A,Klinik,Sanggau,,,tanya satpam,,",
     "row 2, column 'telepon': 'tanya satpam' is not a phone number"),
    ("Klinik Contoh A,Klinik,Sanggau,,,,,,extra", "row 2: has 9 cells but the header has 8"),
])
def test_each_bad_row_is_reported_and_nothing_written(facts_file, tmp_path, row, expected):
    before = facts_file.read_bytes()
    csv_file = write_csv(tmp_path, row + "\n")
    code, _, err = run_import("plkk", csv_file, "--update-counts", "--source", "fixture_directory")
    assert code == 1 and f"{csv_file}: {expected}" in err, err
    assert facts_file.read_bytes() == before


def test_every_bad_row_of_a_file_is_reported(facts_file, tmp_path):
    csv_file = write_csv(tmp_path, "Klinik Contoh A,Klinik,Sanggau,,,,,\n"
                                   "Klinik Contoh B,Klinikk Pratama,Sanggau,,,,,\n"
                                   "klinik contoh a,Klinik,Sanggau,,,,,\n"
                                   "Klinik Contoh C,RS Swasta,Sintangg,,,,,\n")
    code, _, err = run_import("plkk", csv_file, "--update-counts", "--source", "fixture_directory")
    lines = [line for line in err.splitlines() if line.startswith(str(csv_file))]
    assert code == 1 and len(lines) == 3, err
    assert "row 3, column 'jenis': 'Klinikk Pratama' is not a facility type; closest: 'klinik'" in lines[0]
    assert "row 4, column 'nama': 'klinik contoh a' is listed twice in Kabupaten Sanggau (row 2)" in lines[1]
    assert "row 5, column 'kabupaten/kota': 'Sintangg' is not a regency/city" in lines[2]
    assert "closest: 'Kabupaten Sintang'" in lines[2]


def test_header_errors(facts_file, tmp_path):
    csv_file = write_csv(tmp_path, "Klinik Contoh A,Klinik\n", header="nama,jenis,telpon\n")
    code, _, err = run_import("plkk", csv_file, "--update-counts", "--source", "fixture_directory")
    assert code == 1
    assert f"{csv_file}: row 1, column 'telpon': is not a column of this list; closest: 'telepon'" in err
    assert f"{csv_file}: row 1, column 'kabupaten/kota': is missing" in err


def test_semicolons_and_decimal_commas_as_a_spreadsheet_saves_them(facts_file, tmp_path):
    csv_file = write_csv(tmp_path, "Klinik Contoh A;Klinik;Kab. Sanggau;Kapuas;;;0,12;110,59\n",
                         header="Nama;Jenis;Kabupaten;Kecamatan;Alamat;Telepon;Lat;Lon\n")
    code, _, err = run_import("plkk", csv_file, "--update-counts", "--source", "fixture_directory")
    assert code == 0, err
    assert load_facts(facts_file)["plkk"]["facilities"] == [
        {"name": "Klinik Contoh A", "type": "klinik", "regency_code": "6103", "district_code": "610301",
         "lat": 0.12, "lon": 110.59}]


@pytest.mark.parametrize("jenis, key", [("Puskesmas", "puskesmas"), ("Klinik", "klinik"),
                                        ("RSUD", "rsud"), ("RS TNI/Polri", "rs_tni_polri"),
                                        ("RS Swasta", "rs_swasta")])
def test_the_types_as_staff_write_them(jenis, key):
    by_type = load_facts(DEFAULT_FACTS_FILE)["plkk"]["by_type"]
    assert import_directory.find_type(jenis, by_type) == (key, "")


def test_source_errors(facts_file, tmp_path):
    code, _, err = run_import("plkk", PLKK_CSV, "--update-counts")
    assert code == 1 and "set SOURCE=<id>" in err and "fixture_directory" in err
    code, _, err = run_import("plkk", PLKK_CSV, "--update-counts", "--source", "fixture_directori")
    assert code == 1 and "SOURCE 'fixture_directori' is not an id in 'sources'; closest: 'fixture_directory'" in err
    code, _, err = run_import("plkk", PLKK_CSV, "--update-counts", "--source", "fixture_directory",
                              "--as-of", "Maret 2026")
    assert code == 1 and "AS_OF 'Maret 2026' is not a date (YYYY-MM-DD)" in err
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    code, _, err = run_import("plkk", PLKK_CSV, "--update-counts", "--source", "fixture_directory",
                              "--as-of", tomorrow)
    assert code == 1 and f"AS_OF '{tomorrow}' is after today: give the date the list was true" in err


def test_office_import_errors(facts_file, tmp_path):
    before = facts_file.read_bytes()
    csv_file = write_csv(tmp_path, "Kantor Cabang Pontianak,Jl. A,12-34,\nKantor Cabang Pontianakk,,,\n"
                                   "KC Pontianak,,,\n", header="kantor,alamat,telepon,jam\n")
    code, _, err = run_import("offices", csv_file, "--source", "fixture_directory")
    assert code == 1
    assert f"{csv_file}: row 2, column 'telepon': '12-34' is not a phone number" in err
    assert (f"{csv_file}: row 3, column 'kantor': 'Kantor Cabang Pontianakk' is not an office in the "
            "facts file; closest: 'Pontianak'") in err
    assert f"{csv_file}: row 4, column 'kantor': 'KC Pontianak' is listed twice (row 2)" in err
    assert facts_file.read_bytes() == before


def test_the_make_targets_are_listed_in_help():
    help_text = subprocess.run(["make", "help"], cwd=PROJECT, capture_output=True, text=True).stdout
    for target in ("make import-plkk FILE=", "make import-offices FILE=", "make bench-plkk"):
        assert target in help_text


# --- a list of part of Kalbar (issue 20): validation and import --------------------------------

PARTIAL_CSV = TESTS / "data" / "plkk_partial_fixture.csv"
SANGGAU = "6103"


def shipped_with_fixture_source() -> str:
    """The shipped facts (the official counts, an empty list) with the fixture's source added."""
    data = DEFAULT_FACTS_FILE.read_text(encoding="utf-8")
    source = FIXTURE.read_text(encoding="utf-8").split("sources:\n", 1)[1].split("  - id: ", 2)[1]
    return data.replace("sources:\n", "sources:\n  - id: " + source, 1)


def partial_list_text(tmp_path) -> str:
    """The shipped facts after importing tests/data/plkk_partial_fixture.csv (four facilities of
    Kabupaten Sanggau) with COVERS="Kab. Sanggau"."""
    path = tmp_path / "partial.yml"
    path.write_text(shipped_with_fixture_source(), encoding="utf-8")
    assert import_directory.import_plkk(PARTIAL_CSV, path, False, "fixture_directory", "2026-03-02",
                                        "Kab. Sanggau") == []
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def partial_file(tmp_path_factory):
    """A facts file with the partial fixture list imported (built once for the module)."""
    folder = tmp_path_factory.mktemp("partial")
    path = folder / "facts.yml"
    path.write_text(partial_list_text(folder), encoding="utf-8")
    return path


@pytest.fixture
def partial(partial_file, monkeypatch):
    """The facts with the partial list in use."""
    monkeypatch.setenv("FACTS_FILE", str(partial_file))
    reset_cache()
    return partial_file


def import_in_process(*args):
    """scripts/import_directory.py's main in this process (the file of FACTS_FILE): exit status."""
    return import_directory.main([str(a) for a in args])


def test_a_partial_list_loads_and_keeps_the_official_counts(partial_file):
    shipped, partial = load_facts(DEFAULT_FACTS_FILE)["plkk"], load_facts(partial_file)["plkk"]
    listed = {"facilities", "facilities_source", "facilities_as_of", "facilities_covers"}
    assert {k: v for k, v in partial.items() if k not in listed} == \
        {k: v for k, v in shipped.items() if k != "facilities"}
    assert (partial["total"], partial["source"], partial["as_of"]) == (79, "kalbarnews_2023", "2023-01-17")
    assert [t["count"] for t in partial["by_type"]] == [54, 2, 11, 1, 11]
    assert (partial["facilities_covers"], partial["facilities_source"], partial["facilities_as_of"]) == \
        ([SANGGAU], "fixture_directory", "2026-03-02")
    assert [f["name"] for f in partial["facilities"]] == [
        "RSUD Contoh Sehat", "Puskesmas Contoh Mawar", "Puskesmas Contoh Anggrek", "Puskesmas Contoh Kenanga"]
    assert all(f["regency_code"] == SANGGAU for f in partial["facilities"])
    # only the plkk section and the added source differ from the shipped file
    text = partial_file.read_text(encoding="utf-8")
    assert text.split("\nplkk:")[0] == shipped_with_fixture_source().split("\nplkk:")[0]
    assert text.split("\njmo:")[1] == DEFAULT_FACTS_FILE.read_text(encoding="utf-8").split("\njmo:")[1]
    assert '  facilities_covers: ["6103"]\n' in text


def partial_copy(tmp_path, partial_file, change):
    data = yaml.safe_load(partial_file.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "facts.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("change, field, problem", [
    (lambda d: d["plkk"]["facilities"][1].update(regency_code="6171", district_code=None),
     "plkk.facilities[1].regency_code",
     "'6171' is not one of the regencies the list covers (plkk.facilities_covers: 6103)"),
    (lambda d: d["plkk"].update(facilities_covers=["6103", "6199"]), "plkk.facilities_covers[1]",
     "'6199' is not a regency of the gazetteer"),
    (lambda d: d["plkk"].update(facilities_covers=["6103", "6103"]), "plkk.facilities_covers[1]",
     "repeats the key '6103'"),
    (lambda d: d["plkk"].update(facilities_covers=[]), "plkk.facilities_covers",
     "is empty: name the regency codes the list covers"),
    (lambda d: (d["plkk"]["by_type"][2].update(count=0), d["plkk"]["by_type"][0].update(count=65)),
     "plkk.by_type[2].count",
     "says 0 for all Kalimantan Barat but the list of part of it has 1 of type rsud"),
    # without facilities_covers the list is the whole list: its counts must match, as before
    (lambda d: d["plkk"].pop("facilities_covers"), "plkk.by_type[0].count",
     "says 54 but plkk.facilities has 3 of type puskesmas"),
])
def test_partial_list_errors_name_file_field_and_problem(tmp_path, partial_file, change, field, problem):
    path = partial_copy(tmp_path, partial_file, change)
    with pytest.raises(FactsError) as error:
        load_facts(path)
    assert (error.value.path, error.value.field) == (str(path), field)
    assert problem in error.value.problem, error.value.problem


def test_counts_that_differ_suggest_covers_with_the_regencies_in_the_file(facts_file, capsys):
    before = facts_file.read_bytes()
    assert import_in_process("plkk", PARTIAL_CSV, "--source", "fixture_directory") == 1
    err = capsys.readouterr().err
    assert ("the counts per type differ from plkk.by_type: puskesmas: 3 in the file, 54 in "
            "plkk.by_type; klinik: 0 in the file, 2 in plkk.by_type; rsud: 1 in the file, 11 in "
            "plkk.by_type;") in err
    assert ('If the file lists part of Kalimantan Barat only, say which instead: COVERS="Kabupaten '
            'Sanggau" (the regencies in the file); the official counts then stay as they are.') in err
    assert facts_file.read_bytes() == before


@pytest.mark.parametrize("args, expected", [
    (["--covers", "Kab. Sangau"],
     "COVERS: 'Kab. Sangau' is not a regency/city of Kalimantan Barat; closest: 'Kabupaten Sanggau'"),
    (["--covers", "Kab. Sanggau", "--update-counts"],
     "COVERS and UPDATE_COUNTS=1 do not go together: a list of part of Kalimantan Barat leaves the "
     "official counts as they are"),
    (["--covers", "Kab. Sanggau; Kabupaten Sintang"],
     "COVERS names Kabupaten Sintang, but no row of the file is in it: leave it out of COVERS, or add "
     "its facilities to the file"),
    (["--covers", "Kota Pontianak"],
     "plkk_partial_fixture.csv: row 3, column 'kabupaten/kota': 'Sanggau' is not in COVERS (Kota "
     "Pontianak): add it to COVERS or leave the row out"),
    (["--covers", " , "], "COVERS is empty: name the regencies/cities the list covers"),
])
def test_covers_errors_and_nothing_written(facts_file, capsys, args, expected):
    before = facts_file.read_bytes()
    assert import_in_process("plkk", PARTIAL_CSV, "--source", "fixture_directory", *args) == 1
    err = capsys.readouterr().err
    assert expected in err and f"nothing written to {facts_file}" in err, err
    assert facts_file.read_bytes() == before


def test_a_partial_list_cannot_have_more_of_a_type_than_the_official_count(tmp_path, monkeypatch, capsys):
    path = tmp_path / "facts.yml"
    path.write_text(FIXTURE.read_text(encoding="utf-8"), encoding="utf-8")  # 2 RSUD in all
    monkeypatch.setenv("FACTS_FILE", str(path))
    csv_file = write_csv(tmp_path, "RSUD Contoh A,RSUD,Sanggau,,,,,\nRSUD Contoh B,RSUD,Sanggau,,,,,\n"
                                   "RSUD Contoh C,RSUD,Sanggau,,,,,\n")
    assert import_in_process("plkk", csv_file, "--covers", "Sanggau") == 1
    assert ("the file has more facilities of a type than plkk.by_type counts for all Kalimantan "
            "Barat: rsud: 3 in the file, 2 in plkk.by_type.") in capsys.readouterr().err


def test_the_whole_list_after_a_partial_one_is_checked_against_the_counts(partial_file, tmp_path,
                                                                          monkeypatch, capsys):
    path = tmp_path / "facts.yml"
    path.write_text(partial_file.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("FACTS_FILE", str(path))
    # the whole list (no COVERS) is refused when its counts are not the official ones, as today
    assert import_in_process("plkk", PLKK_CSV) == 1
    assert "the counts per type differ from plkk.by_type: puskesmas: 12 in the file, 54" in \
        capsys.readouterr().err
    assert "\n  facilities_covers: " in path.read_text(encoding="utf-8")
    # a whole list whose counts are right replaces the partial one: no facilities_covers left
    assert import_in_process("plkk", PLKK_CSV, "--update-counts", "--as-of", "2026-03-02") == 0
    facts = load_facts(path)["plkk"]
    assert "facilities_covers" not in facts and len(facts["facilities"]) == facts["total"] == 18
    assert "\n  facilities_covers: " not in path.read_text(encoding="utf-8")


def test_the_import_says_what_a_partial_list_covers(facts_file, capsys):
    assert import_in_process("plkk", PARTIAL_CSV, "--source", "fixture_directory", "--as-of",
                             "2026-03-02", "--covers", "Kab. Sanggau") == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "the list covers Kabupaten Sanggau: 4 facilities; the official counts stay: 79 in "
        "Kalimantan Barat as of 2023-01-17")


def test_make_passes_covers_to_the_import():
    dry_run = subprocess.run(["make", "-n", "import-plkk", "FILE=list.csv", "COVERS=Kab. Sanggau, Kota X",
                              "SOURCE=s", "AS_OF=2026-03-02"], cwd=PROJECT, capture_output=True,
                             text=True).stdout
    assert ('scripts/import_directory.py plkk "list.csv"  --source "s" --as-of "2026-03-02" '
            '--covers "Kab. Sanggau, Kota X"') in dry_run, dry_run


# --- a list of part of Kalbar: the answers ------------------------------------------------------

from actions.plkk import ActionPlkkTreatment  # noqa: E402

COVERS_ID = "Daftar PLKK yang saya punya baru untuk Kabupaten Sanggau: 4 fasilitas, per Maret 2026."
COVERS_EN = "The PLKK list I have covers only Kabupaten Sanggau: 4 PLKK, as of March 2026."
OFFICIAL_ID = "Per Januari 2023, di Kalimantan Barat ada 79 PLKK."
OFFICIAL_EN = "As of January 2023, there are 79 PLKK in Kalimantan Barat."
MELIAU = "Kecamatan Meliau, Kab. Sanggau"


def treatment(text):
    return reply_text(ActionPlkkTreatment(), text, intent="ask_plkk_treatment")


def test_partial_counts_and_definition_stay_the_official_ones(partial):
    """The official counts keep their figures, source and date: word for word the shipped answers."""
    questions = [(ActionPlkkCount(), "berapa plkk di kalbar", "ask_plkk_count"),
                 (ActionPlkkCount(), "how many clinics are plkk partners?", "ask_plkk_count"),
                 (ActionPlkkCount(), "berapa puskesmas yang jadi plkk", "ask_plkk_count"),
                 (ActionPlkkDefinition(), "apa itu plkk", "ask_plkk_definition")]
    with_list = [reply_text(a, t, intent=i) for a, t, i in questions]
    assert with_list[0] == (
        "Per Januari 2023, BPJS Ketenagakerjaan bekerja sama dengan 79 fasilitas kesehatan tingkat "
        "pertama dan lanjutan (PLKK) di Kalimantan Barat, yaitu 54 puskesmas, 2 klinik, 11 RSUD "
        "(rumah sakit umum daerah), 1 rumah sakit TNI/Polri, dan 11 rumah sakit swasta.")
    assert "Sanggau" not in " ".join(with_list)
    os.environ.pop("FACTS_FILE")
    reset_cache()
    assert with_list == [reply_text(a, t, intent=i) for a, t, i in questions]


def test_partial_overview_says_what_it_covers(partial):
    assert find("cara cari plkk") == (
        "Daftar PLKK yang saya punya baru untuk Kabupaten Sanggau, per Maret 2026: 4 fasilitas, yaitu "
        "3 puskesmas dan 1 RSUD. Sebutkan kecamatan atau desa Anda, atau bagikan lokasi Anda, supaya "
        "saya carikan yang terdekat; bisa juga tanya satu fasilitas, misalnya \"apakah RSUD Contoh "
        "Sehat termasuk PLKK?\". Untuk daerah lain, buka aplikasi JMO (menu informasi mitra PLKK) atau "
        f"hubungi call centre 175. {OFFICIAL_ID}")
    assert find("how do I find a PLKK").startswith(
        "The PLKK list I have covers only Kabupaten Sanggau, as of March 2026: 4 PLKK, namely 3 "
        "community health centres (puskesmas) and 1 regional public hospital (RSUD).")


def test_partial_nearest_inside_what_it_covers(partial):
    lines = find("plkk terdekat dari meliau").split("\n")
    assert lines[0] == COVERS_ID
    assert lines[1].startswith(f"PLKK terdekat dari {MELIAU} menurut daftar saya (per Maret 2026;")
    assert lines[2].startswith("1. Puskesmas Contoh Anggrek — puskesmas, ")
    assert "Alamat: Jl. Contoh Meliau No. 5. Telepon: 0564-000005." in lines[2]
    assert lines[4].startswith("2. Puskesmas Contoh Kenanga — puskesmas, ")
    assert lines[6].startswith("3. Puskesmas Contoh Mawar — puskesmas, ")
    assert len(lines) == 9 and "175" in lines[8]


def test_partial_places_outside_what_it_covers_get_the_jmo_app(partial):
    assert find("plkk terdekat dari anjongan") == (
        "Daftar PLKK yang saya punya baru untuk Kabupaten Sanggau (4 fasilitas, per Maret 2026), "
        "belum untuk Kecamatan Anjongan, Kab. Mempawah. Untuk PLKK terdekat dari sana, buka aplikasi "
        "JMO (menu informasi mitra PLKK), hubungi call centre 175, atau tanyakan ke kantor BPJS "
        f"Ketenagakerjaan terdekat. {OFFICIAL_ID}")
    assert find("which PLKK are in ketapang").startswith(
        "The PLKK list I have covers only Kabupaten Sanggau (4 PLKK, as of March 2026), not "
        "Kabupaten Ketapang yet. To find the nearest PLKK there, open the JMO app")
    text = reply_text(ActionNearestOffice(), '{"lng": 109.17, "lat": 0.13}', intent="share_location",
                      topic="plkk")
    assert text.startswith(f"Daftar PLKK yang saya punya baru untuk Kabupaten Sanggau (4 fasilitas, per "
                           f"Maret 2026), belum untuk lokasi Anda ({PENITI_LUAR}).")
    assert "Contoh" not in text


def test_partial_area_answers(partial):
    assert find("plkk di sanggau") == (
        f"{COVERS_ID}\nPer Maret 2026, daftar saya mencatat 4 PLKK di Kabupaten Sanggau:\n"
        "- 3 puskesmas: Puskesmas Contoh Mawar, Puskesmas Contoh Anggrek, dan Puskesmas Contoh Kenanga.\n"
        "- 1 RSUD: RSUD Contoh Sehat.\n"
        "Untuk alamat dan teleponnya, sebutkan nama fasilitasnya; untuk yang terdekat, sebutkan desa "
        "Anda atau bagikan lokasi Anda.")
    text = find("which PLKK are in kecamatan meliau")
    assert text.startswith(f"{COVERS_EN}\nAs of March 2026, my list has 2 PLKK in {MELIAU}:\n"
                           "- 2 community health centres (puskesmas): Puskesmas Contoh Anggrek and "
                           "Puskesmas Contoh Kenanga.")
    # a type the list does not have: said so, then the nearest of the others
    text = find("klinik plkk di sanggau")
    assert text.startswith(f"{COVERS_ID}\nPer Maret 2026, daftar saya tidak mencatat klinik PLKK di "
                           "Kabupaten Sanggau. Yang terdekat dari sana:\n1. RSUD Contoh Sehat — RSUD,")
    text = find("klinik plkk terdekat dari meliau")
    assert text.startswith(f"{COVERS_ID}\nDaftar saya tidak mencatat klinik PLKK, jadi berikut PLKK lain "
                           f"yang terdekat.\nPLKK terdekat dari {MELIAU}")


def test_partial_names(partial):
    assert find("apakah RSUD Soedarso termasuk plkk?") == (
        '"RSUD Soedarso" tidak ada di daftar PLKK yang saya punya, tetapi daftar itu baru untuk '
        "Kabupaten Sanggau (4 fasilitas, per Maret 2026). Untuk fasilitas lain, pastikan lewat aplikasi "
        f"JMO (menu informasi mitra PLKK) atau call centre 175. {OFFICIAL_ID}")
    assert find("is Klinik Contoh Satu a PLKK partner?").startswith(
        '"Klinik Contoh Satu" is not in the PLKK list I have, but that list covers only Kabupaten '
        "Sanggau (4 PLKK, as of March 2026).")
    assert find("apakah puskesmas contoh anggrek termasuk plkk?").startswith(
        f"Ya, Puskesmas Contoh Anggrek termasuk PLKK menurut daftar saya (per Maret 2026): puskesmas di "
        f"{MELIAU}. Alamat: Jl. Contoh Meliau No. 5. Telepon: 0564-000005.")


TREATMENT_NEAREST_ID = (
    "Jika mengalami kecelakaan kerja, segera berobat ke fasilitas kesehatan PLKK terdekat, tunjukkan "
    "kartu peserta BPJS Ketenagakerjaan (kartu digital ada di aplikasi JMO), dan beri tahu pemberi "
    "kerja Anda.")


def test_an_accident_in_a_covered_place_gets_the_nearest_listed(partial):
    lines = treatment("sy kecelakaan kerja di meliau, berobat kemana?").split("\n")
    assert lines[:2] == [TREATMENT_NEAREST_ID, COVERS_ID]
    assert lines[2].startswith(f"PLKK terdekat dari {MELIAU} menurut daftar saya (per Maret 2026;")
    assert lines[3].startswith("1. Puskesmas Contoh Anggrek — puskesmas, ")
    assert "Telepon: 0564-000005." in lines[3] and lines[4].startswith("Peta: ")
    assert lines[5].startswith("2. Puskesmas Contoh Kenanga") and lines[7].startswith("3. Puskesmas Contoh Mawar")
    assert lines[-1].startswith("Sebelum datang") and "JMO (menu" not in "\n".join(lines)
    english = treatment("I had an accident at work in Meliau, where do I go?").split("\n")
    assert english[:2] == [
        "After a work accident, get treated at the nearest PLKK health facility, show your BPJS "
        "Ketenagakerjaan membership card (the digital card is in the JMO app) and tell your employer.",
        COVERS_EN]
    assert english[2].startswith(f"The PLKK nearest to {MELIAU} in my list (as of March 2026;")
    assert english[3].startswith("1. Puskesmas Contoh Anggrek — community health centre (puskesmas), ")
    # "ke rs mana": the hospitals of the list
    text = treatment("tangan sy luka kena mesin di pabrik di meliau ke rs mana")
    assert "1. RSUD Contoh Sehat — RSUD, " in text and "Puskesmas" not in text


SHIPPED_TREATMENT_ID = (
    "Jika mengalami kecelakaan kerja: (1) segera berobat ke fasilitas kesehatan PLKK terdekat — per "
    "Januari 2023 ada 79 PLKK di Kalimantan Barat, dari puskesmas sampai rumah sakit; perawatan "
    "diberikan sesuai kebutuhan medis. (2) Tunjukkan kartu peserta BPJS Ketenagakerjaan (kartu digital "
    "ada di aplikasi JMO). (3) Beri tahu pemberi kerja Anda. Untuk mencari PLKK terdekat, gunakan "
    "informasi mitra PLKK di aplikasi JMO atau hubungi call centre 175. Dalam keadaan darurat, segera "
    "ke fasilitas kesehatan terdekat.")


def test_an_accident_elsewhere_or_without_a_place_keeps_the_jmo_app(partial):
    assert treatment("kecelakaan kerja di ketapang berobat kemana") == (
        f"{SHIPPED_TREATMENT_ID} Daftar nama PLKK yang saya punya baru untuk Kabupaten Sanggau (4 "
        "fasilitas, per Maret 2026), belum untuk Kabupaten Ketapang.")
    assert treatment("I had an accident at work in Anjongan, where do I go?").endswith(
        "In an emergency, go to the nearest health facility at once. The PLKK list I have covers only "
        "Kabupaten Sanggau (4 PLKK, as of March 2026), not Kecamatan Anjongan, Kab. Mempawah yet.")
    assert treatment("kecelakaan kerja berobat kemana") == SHIPPED_TREATMENT_ID


def test_an_accident_with_the_shipped_empty_list_or_the_whole_list(listed, monkeypatch):
    text = treatment("kecelakaan kerja di desa peniti luar berobat kemana")
    assert text.startswith(f"{TREATMENT_NEAREST_ID}\nPLKK terdekat dari {PENITI_LUAR} menurut daftar "
                           "saya (per Maret 2026;")  # the whole list: no coverage line
    assert "\n1. Puskesmas Contoh Jongkat — puskesmas, kurang dari 1 km." in text
    monkeypatch.delenv("FACTS_FILE")
    reset_cache()
    assert treatment("kecelakaan kerja di meliau berobat kemana") == SHIPPED_TREATMENT_ID


def test_a_changed_facility_changes_the_answer(partial_file, tmp_path, monkeypatch):
    """Mutation: a copy of the partial facts with one facility renamed and a later list date,
    through FACTS_FILE, gives an answer with the new name and date."""
    text = partial_file.read_text(encoding="utf-8").replace("Puskesmas Contoh Anggrek", "Puskesmas Contoh Bakung")
    text = text.replace('facilities_as_of: "2026-03-02"', 'facilities_as_of: "2026-04-01"')
    path = tmp_path / "facts.yml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("FACTS_FILE", str(path))
    reset_cache()
    answer = treatment("sy kecelakaan kerja di meliau, berobat kemana?")
    assert "1. Puskesmas Contoh Bakung — puskesmas" in answer and "Anggrek" not in answer
    assert "Kabupaten Sanggau: 4 fasilitas, per April 2026." in answer and "Maret" not in answer


def test_a_count_question_with_a_place_gets_that_regencys_count_from_the_list(listed):
    """From a fresh-user trial: "kalau klinik PLKK di sanggau ade berape?" got the Kalbar count
    alone, as if it were Sanggau's; with the list, the count of the listed facilities there."""
    from actions.facts import get_facts

    sanggau = [f for f in get_facts()["plkk"]["facilities"] if f["regency_code"] == "6103"]
    assert sanggau
    text = reply_text(ActionPlkkCount(), "kalau klinik PLKK di sanggau ade berape?",
                      intent="ask_plkk_count")
    assert f"{len(sanggau)} di antaranya ada di Kabupaten Sanggau" in text, text


def test_a_count_question_with_a_place_without_the_list_says_the_count_is_kalbars():
    from actions.facts import get_facts

    text = reply_text(ActionPlkkCount(), "how many plkk are there in sanggau?", intent="ask_plkk_count")
    assert f"{get_facts()['plkk']['total']} first-level and advanced" in text
    assert "That number is for all of Kalimantan Barat" in text and "Kabupaten Sanggau" in text
    text = reply_text(ActionPlkkCount(), "plkk di kalbar ada berapa", intent="ask_plkk_count")
    assert "per kabupaten/kota" not in text, text
