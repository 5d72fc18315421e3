"""Live conversations with the PLKK facility list filled (issue 12): the trained model and the
action server on loopback (Rasa 127.0.0.1:14805, actions 127.0.0.1:14855, used by no other test),
the action server reading the fictional fixture tests/data/facts_directory.yml through FACTS_FILE,
talked to through Rasa's REST channel. Needs a trained model (`make train`).

Each conversation is a fresh sender; each turn asserts the exact facts of its answer."""

import contextlib
import socket
import uuid
from typing import Iterator, List

import pytest

from servers import MODEL, action_server, rasa_server, say
from test_plkk_directory import FIXTURE, PENITI_LUAR

RASA_PORT, ACTIONS_PORT = 14805, 14855


def port_in_use(port: int) -> bool:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def bot() -> Iterator[int]:
    """Rasa and the action server with the fixture facts; the Rasa port."""
    assert MODEL.exists(), "no trained model: run `make train` (make test does it)"
    busy = [p for p in (RASA_PORT, ACTIONS_PORT) if port_in_use(p)]
    assert not busy, f"ports {busy} are taken by another server: these tests would talk to it"
    with action_server(FIXTURE, port=ACTIONS_PORT), \
            rasa_server(port=RASA_PORT, actions_port=ACTIONS_PORT):
        yield RASA_PORT


def talk(port: int, turns: List[tuple]) -> None:
    """Sends each message in one new conversation; each reply must hold every expected text and
    none of the unexpected ones."""
    sender = f"plkk-{uuid.uuid4().hex[:8]}"
    for message, expected, unexpected in turns:
        reply = say(sender, message, port)
        for text in expected:
            assert text in reply, f"{message!r}: {text!r} missing in:\n{reply}"
        for text in unexpected:
            assert text not in reply, f"{message!r}: {text!r} should not be in:\n{reply}"


def test_nearest_to_a_village(bot):
    talk(bot, [("plkk terdekat dari desa peniti luar", [
        f"PLKK terdekat dari {PENITI_LUAR} menurut daftar saya (per Maret 2026",
        "1. Puskesmas Contoh Jongkat — puskesmas, kurang dari 1 km. Alamat: Jl. Contoh Peniti No. 4. "
        "Telepon: 0561-000004.",
        "Peta: https://www.openstreetmap.org/?mlat=0.13&mlon=109.17",
        "2. Klinik Contoh Dua — klinik, sekitar 24 km. Posisi di peta hanya perkiraan"], ["Maaf"])])


def test_nearest_to_a_shared_location(bot):
    talk(bot, [
        ("plkk terdekat", ["Boleh tahu Anda berada di mana?", "bagikan lokasi Anda"], ["Contoh"]),
        ('/share_location{"lat": 0.13, "lon": 109.17}', [
            f"PLKK terdekat dari lokasi Anda ({PENITI_LUAR})",
            "1. Puskesmas Contoh Jongkat — puskesmas, kurang dari 1 km."], ["kantor BPJS"]),
        # an office request right after is still answered with the office
        ("kantor bpjs terdekat dari anjongan", ["terdekat adalah Unit Layanan Mempawah",
                                                "Alamat: Jl. Contoh Layanan No. 11."], ["Contoh Jongkat"]),
    ])


def test_by_regency(bot):
    talk(bot, [("rs plkk di sanggau", [
        "Per Maret 2026, daftar saya mencatat 1 PLKK di Kabupaten Sanggau:",
        "- 1 RSUD: RSUD Contoh Sehat."], ["Puskesmas Contoh"])])


def test_by_name_with_a_typo(bot):
    talk(bot, [("apakah klinik conto satu termasuk plkk?", [
        "Ya, Klinik Contoh Satu termasuk PLKK menurut daftar saya (per Maret 2026): klinik di "
        "Kecamatan Pontianak Kota, Kota Pontianak. Alamat: Jl. Contoh Raya No. 1. Telepon: 0561-000001."],
        ["tidak ada"])])


def test_a_name_not_in_the_list(bot):
    talk(bot, [("apakah RSUD Contoh Makmur termasuk PLKK?", [
        '"RSUD Contoh Makmur" tidak ada di daftar PLKK yang saya punya (per Maret 2026).', "JMO", "175"],
        ["Ya,"])])


def test_english(bot):
    talk(bot, [
        ("nearest PLKK to anjongan", [
            "The PLKK nearest to Kecamatan Anjongan, Kab. Mempawah in my list (as of March 2026",
            "1. Klinik Contoh Dua — clinic, less than 1 km away.",
            "3. RSUD dr. Contoh Sentosa — regional public hospital (RSUD), about 21 km away. Phone: 0561-000003."],
         ["Alamat"]),
        ("is Klinik Contoh Satu a PLKK partner?", [
            "Yes, Klinik Contoh Satu is a PLKK partner in my list (as of March 2026)"], []),
    ])


# --- the new-user trial ---------------------------------------------------------------------------

def test_a_nearest_follow_up_without_an_office_word_stays_plkk(bot):
    talk(bot, [
        ("plkk terdekat dr pontianak kota dmn ya", ["1. Klinik Contoh Satu"], ["kantor BPJS"]),
        ("kalo yg deket kecamatan jongkat?", [
            "PLKK terdekat dari Kecamatan Jongkat, Kab. Mempawah", "1. Puskesmas Contoh Jongkat"],
         ["kantor BPJS"]),
        ("kantor bpjs yg deket kecamatan jongkat?", ["Kantor Cabang Pontianak"], ["Contoh Jongkat"]),
    ])


@pytest.mark.parametrize("message, name", [
    ("rsud contoh sehat tu plkk kah?", "RSUD Contoh Sehat"),
    ("klinik contoh satu trmasuk plkk gak", "Klinik Contoh Satu"),
    ("rs bhayangkara plkk?", "RS Bhayangkara Contoh"),
    ("rs bhayangkara contoh tu plkk ke", "RS Bhayangkara Contoh"),
])
def test_a_name_with_chat_particles_or_type_words(bot, message, name):
    talk(bot, [(message, [f"Ya, {name} termasuk PLKK menurut daftar saya (per Maret 2026)"],
                ["tidak ada", "belum menemukan", "belum paham"])])


def test_the_type_asked_carries_over_to_the_next_place_or_location(bot):
    talk(bot, [("rs plkk terdekat", ["Boleh tahu Anda berada di mana?"], []),
               ("sungai kakap", ["1. RS Bhayangkara Contoh", "2. RS Contoh Medika"],
                ["Klinik", "Puskesmas"])])
    talk(bot, [("pkm plkk paling dekat", ["Boleh tahu Anda berada di mana?"], []),
               ("kecamatan jongkat", ["1. Puskesmas Contoh Jongkat"], ["Klinik", "RS "])])
    talk(bot, [("where is the nearest PLKK hospital?", ["Where are you?"], []),
               ('{"lat": 0.35, "lon": 109.15}', [
                   "The PLKK nearest to your location (Kecamatan Anjongan, Kab. Mempawah)",
                   "1. RSUD dr. Contoh Sentosa"], ["Klinik", "Puskesmas"])])


def test_a_bare_location_object_from_a_rest_client(bot):
    talk(bot, [("plkk terdekat", ["Boleh tahu Anda berada di mana?"], []),
               ('{"lon": 109.15, "lat": 0.35}', [
                   "PLKK terdekat dari lokasi Anda (Kecamatan Anjongan, Kab. Mempawah)",
                   "1. Klinik Contoh Dua"], ["belum menemukan"])])
