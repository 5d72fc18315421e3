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
