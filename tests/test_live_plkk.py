"""Live conversations with the PLKK facility list filled (issue 12): the trained model and the
action server on loopback (Rasa 127.0.0.1:14805, actions 127.0.0.1:14855, used by no other test),
the action server reading, through FACTS_FILE, a copy of the fictional fixture
tests/data/facts_directory.yml, talked to through Rasa's REST channel. Needs a trained model
(`make train`).

A list of part of Kalbar (issue 20) on the same servers: the shipped facts are put in place of the
copy and `make import-plkk COVERS="Kab. Sanggau"` loads four Sanggau facilities into it while the
action server runs; the tests using `bot` put the whole list back (each swap waits for the action
server's reload, about a second).

Each conversation is a fresh sender; each turn asserts the exact facts of its answer."""

import contextlib
import os
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from actions.facts import RELOAD_CHECK_SECONDS, load_facts
from actions.replies import render
from servers import MODEL, PROJECT, action_server, rasa_server, say
from test_plkk_directory import (COVERS_EN, COVERS_ID, FIXTURE, MELIAU, OFFICIAL_ID, PARTIAL_CSV,
                                 PENITI_LUAR, SHIPPED_TREATMENT_ID, TREATMENT_NEAREST_ID,
                                 shipped_with_fixture_source)

RASA_PORT, ACTIONS_PORT = 14805, 14855


def port_in_use(port: int) -> bool:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


class Served:
    """The facts file the live action server reads, and what it holds now."""

    def __init__(self, path: Path) -> None:
        self.path, self.texts = path, {}

    def hold(self, text: str) -> None:
        """Puts `text` in the file in one rename, when it holds something else, and waits until
        the action server's next answer is from it (it checks the file once a second)."""
        if self.path.read_text(encoding="utf-8") != text:
            swap = self.path.with_suffix(".swap")
            swap.write_text(text, encoding="utf-8")
            os.replace(swap, self.path)
            self.settle()

    @staticmethod
    def settle() -> None:
        time.sleep(RELOAD_CHECK_SECONDS + 0.2)


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    """Rasa and the action server, the action server reading a copy of the fixture facts."""
    assert MODEL.exists(), "no trained model: run `make train` (make test does it)"
    busy = [p for p in (RASA_PORT, ACTIONS_PORT) if port_in_use(p)]
    assert not busy, f"ports {busy} are taken by another server: these tests would talk to it"
    path = tmp_path_factory.mktemp("live-plkk") / "facts.yml"
    path.write_text(FIXTURE.read_text(encoding="utf-8"), encoding="utf-8")
    with action_server(path, port=ACTIONS_PORT), \
            rasa_server(port=RASA_PORT, actions_port=ACTIONS_PORT):
        warm_up()
        yield Served(path)


def warm_up(seconds: float = 90) -> None:
    """Waits until a PLKK question is answered, not met with 'service busy': on a loaded machine
    the action server's first answers can take longer than Rasa waits for them
    (rasa_runtime/action_guard.py)."""
    facts = load_facts(FIXTURE)
    busy = render("service_busy", "id", facts, org=facts["organisation"]["name"],
                  call_centre=facts["contacts"]["call_centre"])
    deadline = time.monotonic() + seconds
    while busy in say(f"warm-up-{uuid.uuid4().hex[:8]}", "cara cari plkk", RASA_PORT):
        assert time.monotonic() < deadline, f"the action server still answers 'busy' after {seconds} s"
        time.sleep(1)


@pytest.fixture
def bot(served) -> int:
    """The Rasa port, the action server serving the whole fictional list."""
    served.hold(FIXTURE.read_text(encoding="utf-8"))
    return RASA_PORT


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


# --- a list of part of Kalbar (issue 20) ------------------------------------------------------------

def import_partial(path: Path) -> str:
    """`make import-plkk ... COVERS="Kab. Sanggau"` into `path` (FACTS_FILE); its output."""
    result = subprocess.run(
        ["make", "--no-print-directory", "import-plkk", f"FILE={PARTIAL_CSV}", "COVERS=Kab. Sanggau",
         "SOURCE=fixture_directory", "AS_OF=2026-03-02"],
        cwd=PROJECT, env=dict(os.environ, FACTS_FILE=str(path)), capture_output=True, text=True,
        timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def partial_bot(served) -> int:
    """The Rasa port, the action server serving the partial list. The first time, the shipped
    facts (an empty list, the official counts) are put in place and the list is imported into
    them while the action server runs; later, that file is put back."""
    texts: Dict[str, str] = served.texts
    if "partial" not in texts:
        served.hold(shipped_with_fixture_source())
        texts["output"] = import_partial(served.path)
        texts["partial"] = served.path.read_text(encoding="utf-8")
        served.settle()
    served.hold(texts["partial"])
    return RASA_PORT


def test_partial_import_while_the_bot_runs(partial_bot, served):
    assert served.texts["output"].rstrip().endswith(
        "the list covers Kabupaten Sanggau: 4 facilities; the official counts stay: 79 in "
        "Kalimantan Barat as of 2023-01-17")
    plkk = load_facts(served.path)["plkk"]
    assert (plkk["total"], plkk["as_of"], plkk["facilities_covers"], len(plkk["facilities"])) == \
        (79, "2023-01-17", ["6103"], 4)
    talk(partial_bot, [
        ("berapa plkk di kalbar", [
            "Per Januari 2023, BPJS Ketenagakerjaan bekerja sama dengan 79 fasilitas kesehatan",
            "yaitu 54 puskesmas, 2 klinik, 11 RSUD"], ["Sanggau", "Maret 2026"]),
        ("cara cari plkk", [
            "Daftar PLKK yang saya punya baru untuk Kabupaten Sanggau, per Maret 2026: 4 fasilitas, "
            "yaitu 3 puskesmas dan 1 RSUD.", OFFICIAL_ID], []),
    ])


def test_partial_accident_in_a_covered_place(partial_bot):
    talk(partial_bot, [("sy kecelakaan kerja di meliau, berobat kemana?", [
        f"{TREATMENT_NEAREST_ID}\n{COVERS_ID}\nPLKK terdekat dari {MELIAU} menurut daftar saya "
        "(per Maret 2026;",
        "1. Puskesmas Contoh Anggrek — puskesmas,", "Telepon: 0564-000005.",
        "2. Puskesmas Contoh Kenanga"], ["JMO (menu", "belum untuk"])])
    talk(partial_bot, [("I had an accident at work in Meliau, where do I go?", [
        f"{COVERS_EN}\nThe PLKK nearest to {MELIAU} in my list (as of March 2026;",
        "1. Puskesmas Contoh Anggrek — community health centre (puskesmas),"], ["JMO app (PLKK"])])


def test_partial_accident_or_place_elsewhere(partial_bot):
    talk(partial_bot, [
        ("kecelakaan kerja di ketapang berobat kemana", [
            f"{SHIPPED_TREATMENT_ID} Daftar nama PLKK yang saya punya baru untuk Kabupaten Sanggau (4 "
            "fasilitas, per Maret 2026), belum untuk Kabupaten Ketapang."], ["Contoh"]),
        ("plkk terdekat dari anjongan", [
            "Daftar PLKK yang saya punya baru untuk Kabupaten Sanggau (4 fasilitas, per Maret 2026), "
            "belum untuk Kecamatan Anjongan, Kab. Mempawah.", "aplikasi JMO", OFFICIAL_ID], ["Contoh"]),
    ])
