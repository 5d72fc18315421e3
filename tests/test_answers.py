"""The answers next to the four topics (issue 9): every `answer.<intent>` template through
ActionAnswer, BSU year by year, the facts file changed without retraining and its schema errors,
several questions in one message, follow-ups, and the JMO-feature answer's "Bisa.".

Unit level: actions run on tracker fixtures (tests/conftest.py), no model needed."""

import asyncio
import re

import pytest
import yaml

from actions import facts as facts_module
from actions.answers import ActionAnswer, ActionOfficeDetails
from actions.base import question_plan, Turn
from actions.bsu import ActionBsu, ActionBsuRules, ActionBsuYear
from actions.facts import DEFAULT_FACTS_FILE, FactsError, get_facts, load_facts
from actions.followup import ActionHowMany, ActionRequirements
from actions.jmo import ActionJmoFeature
from actions.plkk import ActionPlkkFind
from conftest import make_tracker, reply_text, run_action
from rasa_runtime.questions import clauses, questions_in
from rasa_sdk.executor import CollectingDispatcher


@pytest.fixture(autouse=True)
def own_answers(request):
    """These tests check the intents' own answers; those marked `knowledge` run with the knowledge
    base (actions/faq.py), which answers many of the same messages first."""
    if request.node.get_closest_marker("knowledge") is None:
        request.getfixturevalue("intent_answers_only")


# --- 1. every answer.<intent>, in Indonesian and English ---------------------------------------

# intent -> (Indonesian message, facts it must state), (English message, facts it must state)
ANSWERS = {
    "ask_jht": (
        ("jht itu apa sih min?",
         ["JHT (Jaminan Hari Tua)", "Permenaker 4/2022", "56 tahun", "meninggal dunia",
          "per Mei 2024"]),
        ("what is jht?",
         ["JHT (Jaminan Hari Tua)", "Permenaker 4/2022", "turns 56", "as of May 2024"]),
    ),
    "ask_jht_payout": (
        ("jht sy kpn bs cair? baru resign bulan lalu",
         ["Permenaker 4/2022", "56 tahun", "masa tunggu 1 bulan", "minimal 10 tahun",
          "per Mei 2024", "175"]),
        ("when can I withdraw my jht after I resign?",
         ["Permenaker 4/2022", "turns 56", "waiting period of 1 month", "at least 10 years",
          "as of May 2024", "175"]),
    ),
    "ask_jht_partial": (
        ("bisa ga ambil jht sebagian tp masih kerja",
         ["minimal 10 tahun", "paling banyak 10%", "paling banyak 30%",
          "lapakasik.bpjsketenagakerjaan.go.id", "per Mei 2024"]),
        ("can I take part of my jht while I still work?",
         ["at least 10 years", "up to 10%", "up to 30%", "lapakasik.bpjsketenagakerjaan.go.id",
          "as of May 2024"]),
    ),
    "ask_jht_documents": (
        ("syarat berkas klaim jht apa aja",
         ["kartu peserta BPJS Ketenagakerjaan (KPJ), KTP, dan bukti sudah berhenti bekerja",
          "lapakasik.bpjsketenagakerjaan.go.id", "Per Mei 2024"]),
        ("what documents do I need for a jht claim",
         ["(KPJ), your KTP (identity card) and proof that you stopped working",
          "lapakasik.bpjsketenagakerjaan.go.id", "As of May 2024"]),
    ),
    "ask_jht_claim": (
        ("cara klaim jht gmn? lewat hp bisa?",
         ["aplikasi JMO", "sampai batas yang ditampilkan aplikasi",
          "Lapak Asik (lapakasik.bpjsketenagakerjaan.go.id)", "kantor cabang", "Tracking Klaim",
          "per Mei 2024"]),
        ("how do I claim my jht online",
         ["JMO app", "up to the limit the app shows",
          "Lapak Asik (lapakasik.bpjsketenagakerjaan.go.id)", "branch office", "Tracking Klaim",
          "as of May 2024"]),
    ),
    "ask_claim_status": (
        ("berapa lama proses klaim jht",
         ["tidak bisa menjanjikan waktunya", "Tracking Klaim", "175",
          "care@bpjsketenagakerjaan.go.id"]),
        ("how long does a jht claim take?",
         ["cannot promise a time", "Tracking Klaim", "175", "care@bpjsketenagakerjaan.go.id"]),
    ),
    "ask_jkk": (
        ("klo kecelakaan kerja biaya rs ditanggung sampai brp",
         ["PP 82/2019", "sampai sembuh, tanpa batas biaya", "Rp5 juta lewat darat",
          "Rp2 juta lewat laut", "Rp10 juta lewat udara", "paling lama 12 bulan",
          "paling banyak Rp20 juta", "per Mei 2025"]),
        ("what does the work accident benefit cover?",
         ["PP 82/2019", "until you recover, with no cost ceiling", "IDR 5 million by land",
          "IDR 2 million by sea", "IDR 10 million by air", "up to 12 months",
          "up to IDR 20 million", "As of May 2025"]),
    ),
    "ask_death_benefit": (
        ("klo peserta meninggal keluarganya dapet brp",
         ["48 kali upah", "Rp42 juta", "sekaligus Rp20 juta", "berkala Rp12 juta",
          "pemakaman Rp10 juta", "PP 82/2019", "per Mei 2025"]),
        ("how much does the family get if a worker dies?",
         ["48 times the last reported monthly wage", "IDR 42 million", "lump sum of IDR 20 million",
          "IDR 12 million", "IDR 10 million for the funeral", "PP 82/2019", "as of May 2025"]),
    ),
    "ask_scholarship": (
        ("beasiswa anak peserta bpjs tk brp",
         ["2 anak", "Rp174 juta", "minimal 3 tahun", "PP 82/2019", "per Mei 2025"]),
        ("is there a scholarship for the children of a worker who died?",
         ["2 children", "IDR 174 million", "at least 3 years", "PP 82/2019", "as of May 2025"]),
    ),
    "ask_membership_check": (
        ("kata rs kepesertaan sy ga aktif, gmn?",
         ["e-PLKK", "tidak aktif, biaya perawatan dibayar sendiri",
          "care@bpjsketenagakerjaan.go.id", "per Mei 2025"]),
        ("the hospital says my membership is not active",
         ["e-PLKK", "not active, the patient pays", "care@bpjsketenagakerjaan.go.id",
          "As of May 2025"]),
    ),
    "ask_bpu": (
        ("sy ojol bs jd peserta bpjs tk ga? iurannya brp",
         ["Bukan Penerima Upah (BPU)", "Per Februari 2026", "Rp16.800 per bulan untuk JKK dan JKM",
          "Rp36.800 per bulan bila ditambah JHT", "aplikasi JMO"]),
        ("can an informal worker join, how much is the contribution?",
         ["Bukan Penerima Upah (BPU)", "As of February 2026", "IDR 16,800 a month for JKK and JKM",
          "IDR 36,800 a month with JHT", "JMO app"]),
    ),
    "ask_register": (
        ("cara daftar bpjs tk sendiri lewat hp",
         ["aplikasi JMO", "pekerja penerima upah, bukan penerima upah (pekerja informal), atau "
          "pekerja migran Indonesia", "NIK, nama, email, dan nomor HP", "175"]),
        ("how do I register myself in the jmo app?",
         ["JMO app", "wage earner, informal worker (BPU) or Indonesian migrant worker",
          "NIK, name, email and phone number", "175"]),
    ),
    "ask_migrant_worker": (
        ("sy TKI mau kerja ke malaysia, bs jd peserta bpjs tk ga?",
         ["pekerja migran Indonesia", "iuran PMI berapa?", "175", "tanyakan satu per satu"]),
        ("I am going to work in Malaysia, can a migrant worker join?",
         ["Indonesian migrant worker", "how much is the PMI contribution?", "175",
          "ask one at a time"]),
    ),
    "ask_jmo_password": (
        ("lupa password jmo gmn",
         ['"Lupa password"', "email dan nomor KPJ", "password baru", "175"]),
        ("I forgot my jmo password",
         ['"Lupa password"', "email and KPJ number", "new password", "175"]),
    ),
    "ask_jmo_account": (
        ("lupa akun jmo, emailnya jg udh lupa",
         ['"Lupa akun"', "nomor KPJ dan NIK", '"Cari akun"', "175"]),
        ("I forgot my jmo account",
         ['"Lupa akun"', "KPJ number and NIK", '"Cari akun"', "175"]),
    ),
    "ask_jmo_face": (
        ("verifikasi wajah di jmo gagal terus",
         ["cari tempat yang terang", "hadapkan wajah lurus ke kamera",
          "jangan tutupi wajah (lepas kacamata, rapikan rambut)", "pegang ponsel dengan stabil",
          "175"]),
        ("the face verification in jmo keeps failing",
         ["find good light", "face the camera straight on",
          "keep your face uncovered (no glasses, hair out of the way)", "hold the phone steady",
          "175"]),
    ),
    "ask_lost_card": (
        ("kartu bpjs tk sy hilang gmn",
         ["nomor KPJ", "Kartu Digital", "aplikasi JMO", "175"]),
        ("I lost my bpjs card, what should I do?",
         ["KPJ (membership) number", "Kartu Digital", "JMO app", "175"]),
    ),
    "ask_jmo_phone": (
        ("no hp lama udh ga aktif, otp ga masuk",
         ["OTP", "pembaruan data", "175", "kantor BPJS Ketenagakerjaan terdekat"]),
        ("my old phone number is dead and the otp does not arrive",
         ["OTP", "data-update feature", "175", "nearest BPJS Ketenagakerjaan office"]),
    ),
    "ask_jmo_error": (
        ("aplikasi jmo sy force close terus",
         ["tidak bisa saya periksa", "175", "care@bpjsketenagakerjaan.go.id",
          "kantor BPJS Ketenagakerjaan terdekat"]),
        ("the jmo app keeps crashing",
         ["175", "care@bpjsketenagakerjaan.go.id", "nearest BPJS Ketenagakerjaan office"]),
    ),
    "report_hoax": (
        ("cek nama penerima bsu di http://bsu-cair.xyz/cek beneran ga min?",
         ["tidak bisa memastikan", "tidak perlu didaftarkan", "bsu.kemnaker.go.id",
          "per Januari 2026", "Jangan klik tautannya", "175"]),
        ("got a message to check my name for the wage subsidy at http://bsu-cair.xyz/cek, is it real?",
         ["cannot confirm", "nobody registers for BSU", "bsu.kemnaker.go.id",
          "as of January 2026", "Do not click the link", "175"]),
    ),
    "ask_contact": (
        ("nomor wa cs bpjs tk brp? mau tanya2",
         ["175", "24 jam setiap hari", "menurut FAQ resmi Juli 2025",
          "care@bpjsketenagakerjaan.go.id", "bpjsketenagakerjaan.go.id", "@bpjs.ketenagakerjaan",
          "@BPJSTKinfo", "chatbot WhatsApp resmi 0813-8007-0175"]),
        ("what is the official whatsapp number of bpjs?",
         ["175", "24 hours a day, every day", "per the official FAQ of July 2025",
          "care@bpjsketenagakerjaan.go.id", "@bpjs.ketenagakerjaan", "@BPJSTKinfo",
          "the official WhatsApp chatbot 0813-8007-0175"]),
    ),
    "ask_complaint": (
        ("perusahaan ga daftarin sy ke bpjs tk, hrd nya nolak, gmn?",
         ["tidak bisa menilai kasus pribadi", "fitur pengaduan", "care@bpjsketenagakerjaan.go.id",
          "175", "kantor BPJS Ketenagakerjaan terdekat"]),
        ("my employer does not pay my contributions, what can I do?",
         ["cannot judge a personal case", "complaint feature", "care@bpjsketenagakerjaan.go.id",
          "175", "nearest BPJS Ketenagakerjaan office"]),
    ),
}

# Figures that belong to one group of topics only (both languages).
TOPIC_FIGURES = {
    "bsu": ["Rp600.000", "IDR 600,000", "Rp300.000", "IDR 300,000", "12.111.906", "12,111,906",
            "16.048.472", "16,048,472", "218.132", "218,132", "Rp131 miliar", "IDR 131 billion",
            "Permenaker 5/2025", "Permenaker 10/2022"],
    "jht": ["Permenaker 4/2022", "56 tahun", "turns 56", "30%"],
    "benefits": ["PP 82/2019", "Rp42 juta", "IDR 42 million", "Rp174 juta", "IDR 174 million",
                 "48 kali", "48 times"],
    "membership": ["Rp16.800", "IDR 16,800", "Rp36.800", "IDR 36,800"],
    "plkk": ["79 fasilitas", "79 PLKK", "79 health"],
    "coverage": ["31,98", "31.98"],
}
TOPIC_OF = {
    "ask_jht": "jht", "ask_jht_payout": "jht", "ask_jht_partial": "jht",
    "ask_jht_documents": "jht", "ask_jht_claim": "jht", "ask_claim_status": "jht",
    "ask_jkk": "benefits", "ask_death_benefit": "benefits", "ask_scholarship": "benefits",
    "ask_membership_check": "benefits", "ask_bpu": "membership", "ask_register": "membership",
    "ask_migrant_worker": "membership", "ask_jmo_password": "jmo", "ask_jmo_account": "jmo",
    "ask_jmo_face": "jmo", "ask_lost_card": "jmo", "ask_jmo_phone": "jmo",
    "ask_jmo_error": "jmo", "report_hoax": "bsu",
    "ask_contact": "channels", "ask_complaint": "channels",
}
PHONE_NUMBER = re.compile(r"(?<!\d)(?:\+?62[\s-]?|0)8\d[\d\s.-]{6,}")
OFFICE_LINE = ("terdekat adalah", "the nearest BPJS Ketenagakerjaan office is")
CASES = [(intent, lang, message, expected)
         for intent, pair in ANSWERS.items()
         for lang, (message, expected) in zip(("id", "en"), pair)]


def answer(message: str, intent: str, **slots) -> str:
    return reply_text(ActionAnswer(), message, intent=intent, **slots)


def test_every_answer_template_is_tested():
    assert set(ActionAnswer.intents) == set(ANSWERS)


@pytest.mark.parametrize("intent, lang, message, expected", CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_answer_states_the_exact_facts(intent, lang, message, expected):
    messages, slots = run_action(ActionAnswer(), message, intent=intent)
    assert len(messages) == 1
    text = messages[0]["text"]
    for fact in expected:
        assert fact in text, f"{fact!r} missing from {text!r}"
    assert slots["language"] == lang
    assert slots["topic"] == intent


@pytest.mark.parametrize("intent, lang, message, expected", CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_answer_is_honest(intent, lang, message, expected):
    text = answer(message, intent)
    # no other topic's figures
    for topic, figures in TOPIC_FIGURES.items():
        if topic != TOPIC_OF[intent]:
            for figure in figures:
                assert figure not in text, f"{intent} answer has {topic} figure {figure!r}"
    # no WhatsApp number but the official chatbot's, no other phone number
    whatsapp = get_facts()["official_channels"]["whatsapp_chatbot"]
    assert "wa.me" not in text.lower()
    assert all(m.group() == whatsapp for m in PHONE_NUMBER.finditer(text)), text
    if intent != "ask_contact":
        assert "whatsapp" not in text.lower()
    # no office is added when the message names no place
    assert not any(line in text for line in OFFICE_LINE), text


@pytest.mark.parametrize("message", [ANSWERS["ask_claim_status"][0][0],
                                     ANSWERS["ask_claim_status"][1][0],
                                     "klaim jht sy udh 2 minggu blm cair, normalnya brp hari?"])
def test_claim_duration_is_never_promised(message):
    text = answer(message, "ask_claim_status")
    assert not re.search(r"\d+\s*(hari|minggu|bulan|days?|weeks?|months?)\b", text, re.I), text
    assert "tidak bisa menjanjikan" in text or "cannot promise" in text


@pytest.mark.parametrize("message", [ANSWERS["ask_complaint"][0][0], ANSWERS["ask_complaint"][1][0],
                                     "klaim jht sy ditolak, pdhl berkas lengkap. sy bener kan?",
                                     "telat lapor kecelakaan kerja 3 bulan, masih bisa klaim ga?"])
def test_complaint_answer_gives_no_ruling(message):
    text = answer(message, "ask_complaint")
    assert text.startswith(("Saya tidak bisa menilai kasus pribadi",
                            "I cannot judge a personal case"))
    for ruling in ("melanggar", "berhak", "wajib", "pasti", "sanksi", "Ya,", "Bisa.",
                   "entitled", "illegal", "must ", "Yes"):
        assert ruling not in text, f"{ruling!r} in {text!r}"


def test_contact_answer_offers_only_the_official_whatsapp_chatbot():
    whatsapp = get_facts()["official_channels"]["whatsapp_chatbot"]
    for message, _ in ANSWERS["ask_contact"]:
        text = answer(message, "ask_contact")
        assert "wa.me" not in text.lower()
        assert [m.group() for m in PHONE_NUMBER.finditer(text)] == [whatsapp], text


@pytest.mark.parametrize("text", ["wa admin 0812-3456-7890", "hubungi +62 812 3456 7890",
                                  "wa 6281234567890"])
def test_phone_number_pattern_catches_numbers(text):
    assert PHONE_NUMBER.search(text)


@pytest.mark.parametrize("intent, message", [
    ("ask_bpu", "iuran bpu brp sebulan?"),
    ("ask_bpu", "how much is the contribution for informal workers?"),
    ("ask_migrant_worker", "iuran bpjs tk buat pekerja migran brp?"),
    ("ask_migrant_worker", "what benefits do migrant workers get?"),
])
def test_no_yes_to_a_question_that_is_not_yes_or_no(intent, message):
    """A "how much"/"what" question is not answered with "Bisa."/"Ya,"/"Yes" (issue 9, 3.)."""
    text = answer(message, intent)
    assert not re.match(r"(Bisa|Ya|Iya|Yes)\b", text), text


def test_jkk_answer_has_no_bsu_amounts():
    text = answer("klo kecelakaan kerja dapet apa aja", "ask_jkk")
    assert "BSU" not in text and "Rp600.000" not in text and "Permenaker 10/2022" not in text


@pytest.mark.parametrize("intent, message, office", [
    ("ask_complaint", "perusahaan sy di ketapang ga bayar iuran, ngadu kemana?",
     "terdekat adalah Kantor Cabang Ketapang"),
    ("ask_jmo_phone", "no hp sy udh mati, otp ga masuk. sy tinggal di sintang",
     "terdekat adalah Kantor Cabang Sintang"),
    ("ask_complaint", "my employer in sintang does not pay my contributions",
     "the nearest BPJS Ketenagakerjaan office is the Sintang branch office"),
])
def test_a_named_place_adds_its_nearest_office(intent, message, office):
    text = answer(message, intent)
    assert office in text
    assert "openstreetmap.org/?mlat=" in text


# --- 2. a hoax message with a link ------------------------------------------------------------

HOAX_URL = "http://bsu-cair.xyz/cek"


@pytest.mark.parametrize("message", [
    f"cek nama penerima bsu di {HOAX_URL} beneran ga min?",
    f"min ini bener ga? BSU 2026 cair Rp600rb, daftar di {HOAX_URL}?nik=",
    f"is this real? check your name for the wage subsidy at {HOAX_URL}",
])
def test_hoax_link_is_never_repeated(message):
    text = answer(message, "report_hoax")
    for part in ("http", "bsu-cair", ".xyz", "/cek"):
        assert part not in text, f"{part!r} echoed in {text!r}"
    assert "bsu.kemnaker.go.id" in text
    assert not text.lower().startswith(("ya", "yes", "benar", "betul", "bisa"))


# --- 3. BSU year by year ----------------------------------------------------------------------

BSU_2022_ID = ["Permenaker 10/2022", "Rp600.000 per pekerja", "ditutup 27 Desember 2022",
               "Penerima secara nasional: 12.111.906 pekerja",
               "Di Kalimantan Barat: Rp131 miliar untuk 218.132 pekerja", "Data per Januari 2023"]
BSU_2025_ID = ["BSU 2025 diatur dalam Permenaker 5/2025: Rp600.000 per pekerja",
               "mengubah Permenaker 10/2022", "diundangkan 3 Juni 2025",
               "Rp300.000 per bulan untuk Juni dan Juli 2025, dibayar sekaligus",
               "WNI dengan NIK yang valid", "upah paling tinggi Rp3,5 juta",
               "bukan ASN, TNI, atau Polri", "sampai April 2025",
               "pekerja yang tidak menerima PKH didahulukan",
               "BNI, BRI, BTN, Mandiri, Bank Syariah Indonesia, dan PT Pos Indonesia",
               "Penerima secara nasional: 16.048.472 pekerja",
               "Tidak ada BSU tahap kedua pada 2025", "Data per Januari 2026"]
BSU_2025_EN = ["BSU 2025 was set by Permenaker 5/2025: IDR 600,000 per worker",
               "IDR 300,000 a month for June and July 2025, paid at once",
               "Bank Syariah Indonesia and PT Pos Indonesia",
               "Recipients nationwide: 16,048,472 workers", "There was no second BSU round in 2025",
               "As of January 2026"]
NO_DATA_ID = ["bsu.kemnaker.go.id", "175", "BSU tidak perlu didaftarkan sendiri",
              "Yang saya tahu: BSU 2022 ada, 2023 tidak ada BSU, dan BSU 2025 ada"]


def assert_no_bsu_claimed(text: str, year: int) -> None:
    """The answer for a year without data neither says yes nor gives another year's rules."""
    assert not re.match(r"\s*(ya|iya|yes|ada|bisa|sudah|cair)\b", text, re.I), text
    assert not re.search(rf"BSU {year} (ada|was paid|cair)", text), text
    for other_rules in ("Permenaker 10/2022", "Permenaker 5/2025", "Rp600.000", "IDR 600,000",
                        "Rp300.000", "per pekerja", "per worker", "Syarat penerima", "Recipients:"):
        assert other_rules not in text, f"{other_rules!r} in the {year} answer: {text!r}"


@pytest.fixture
def today(monkeypatch):
    def set_today(iso_date: str) -> None:
        monkeypatch.setenv("BOT_TODAY", iso_date)
    set_today("2026-03-01")
    return set_today


@pytest.mark.parametrize("action, message", [
    (ActionBsuYear(), "bsu 2022 dulu gimana?"),
    (ActionBsuYear(), "bsu th 2022 yg dapet brp org"),
])
def test_bsu_2022_national_and_kalbar(today, action, message):
    text = reply_text(action, message)
    for fact in BSU_2022_ID:
        assert fact in text, f"{fact!r} missing from {text!r}"
    assert "2025" not in text


def test_bsu_2022_in_english(today):
    text = reply_text(ActionBsuYear(), "how many workers got the wage subsidy in 2022?")
    for fact in ["Permenaker 10/2022", "IDR 600,000 per worker", "closed on 27 December 2022",
                 "Recipients nationwide: 12,111,906 workers",
                 "In Kalimantan Barat: IDR 131 billion for 218,132 workers"]:
        assert fact in text, f"{fact!r} missing from {text!r}"


@pytest.mark.parametrize("action, message, expected", [
    (ActionBsuYear(), "bsu 2023 ada ga?", "Tidak ada BSU pada 2023"),
    (ActionBsuRules(), "syarat bsu 2023 apa", "Tidak ada BSU pada 2023"),
    (ActionBsu(), "bsu 2023 cair?", "Tidak ada BSU pada 2023"),
    (ActionBsuYear(), "was there a wage subsidy in 2023?", "There was no BSU in 2023"),
])
def test_bsu_2023_was_not_held(today, action, message, expected):
    text = reply_text(action, message)
    assert expected in text
    assert "bsu.kemnaker.go.id" in text and "175" in text
    assert_no_bsu_claimed(text, 2023)


@pytest.mark.parametrize("action, message", [
    (ActionBsuYear(), "bsu 2025 brp?"),
    (ActionBsuRules(), "syarat bsu 2025 apa aja"),
    (ActionBsu(), "bsu 2025 itu apa"),
])
def test_bsu_2025(today, action, message):
    text = reply_text(action, message)
    for fact in BSU_2025_ID:
        assert fact in text, f"{fact!r} missing from {text!r}"
    assert "12.111.906" not in text and "27 Desember 2022" not in text


def test_bsu_2025_in_english(today):
    text = reply_text(ActionBsuYear(), "how much was the wage subsidy in 2025?")
    for fact in BSU_2025_EN:
        assert fact in text, f"{fact!r} missing from {text!r}"


@pytest.mark.parametrize("action, message", [
    (ActionBsuYear(), "bsu thn 2024 cair ga sih"),
    (ActionBsu(), "bsu 2024 ada?"),
    (ActionBsuRules(), "syarat bsu 2024 apa"),
])
def test_bsu_2024_has_no_data_and_no_2022_rules(today, action, message):
    text = reply_text(action, message)
    assert "Saya tidak punya data BSU untuk tahun 2024" in text
    for fact in NO_DATA_ID:
        assert fact in text, f"{fact!r} missing from {text!r}"
    assert_no_bsu_claimed(text, 2024)


def test_bsu_2024_in_english(today):
    text = reply_text(ActionBsuYear(), "was the wage subsidy paid in 2024?")
    assert "I have no BSU data for 2024" in text
    assert "bsu.kemnaker.go.id" in text and "175" in text
    assert_no_bsu_claimed(text, 2024)


@pytest.mark.parametrize("message", ["bsu tahun ini ada ga?", "bsu thn ini cair kapan",
                                     "ada bsu ga?"])
def test_bsu_this_year_2026_has_no_data(today, message):
    today("2026-11-30")
    text = reply_text(ActionBsuYear(), message)
    assert "Saya tidak punya data BSU untuk tahun 2026" in text
    assert "Per Januari 2026, belum ada kebijakan BSU baru" in text
    for fact in NO_DATA_ID:
        assert fact in text
    assert_no_bsu_claimed(text, 2026)


def test_bsu_this_year_in_english(today):
    today("2026-11-30")
    text = reply_text(ActionBsuYear(), "is there a wage subsidy this year?")
    assert "I have no BSU data for 2026" in text
    assert "As of January 2026, there was no new BSU policy" in text
    assert "bsu.kemnaker.go.id" in text
    assert_no_bsu_claimed(text, 2026)


@pytest.mark.parametrize("message", ["bsu tahun ini ada ga?", "is there a wage subsidy this year?"])
def test_bsu_this_year_in_2025_gives_the_2025_facts(today, message):
    today("2025-07-01")
    text = reply_text(ActionBsuYear(), message)
    facts = BSU_2025_EN if "this year" in message else BSU_2025_ID
    for fact in facts:
        assert fact in text, f"{fact!r} missing from {text!r}"


def test_bsu_last_year_follows_the_clock(today):
    today("2024-05-01")
    assert "Tidak ada BSU pada 2023" in reply_text(ActionBsuYear(), "bsu tahun lalu ada ga")


@pytest.mark.parametrize("message", ["syarat bsu", "syarat dapet bsu apa aja min"])
def test_bsu_rules_without_a_year_are_the_latest_year(today, message):
    text = reply_text(ActionBsuRules(), message)
    for fact in BSU_2025_ID:
        assert fact in text, f"{fact!r} missing from {text!r}"
    assert "BNI, BRI, Mandiri, BTN, dan PT Pos" not in text  # the 2022 channels


def test_bsu_rules_without_a_year_in_english(today):
    text = reply_text(ActionBsuRules(), "what are the bsu rules?")
    for fact in BSU_2025_EN:
        assert fact in text, f"{fact!r} missing from {text!r}"


# --- 4. the facts file changes the answers, no retraining -------------------------------------

def write_facts(path, change=lambda data: None) -> None:
    data = yaml.safe_load(DEFAULT_FACTS_FILE.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def bsu_year(data, year):
    return next(y for y in data["bsu_years"] if y["year"] == year)


def test_changing_bsu_2025_and_jht_waiting_changes_the_answers(tmp_path, monkeypatch, today):
    def change(data):
        bsu_year(data, 2025).update(amount_rupiah=900000, monthly_rupiah=450000)
        data["jht"]["waiting_months"] = 3

    path = tmp_path / "facts.yml"
    write_facts(path, change)
    monkeypatch.setenv("FACTS_FILE", str(path))
    facts_module.reset_cache()

    bsu = reply_text(ActionBsuYear(), "bsu 2025 brp?")
    assert "Permenaker 5/2025: Rp900.000 per pekerja" in bsu
    assert "Rp450.000 per bulan untuk Juni dan Juli 2025" in bsu
    assert "Rp600.000" not in bsu and "Rp300.000" not in bsu
    rules = reply_text(ActionBsuRules(), "what are the bsu rules?")
    assert "IDR 900,000 per worker" in rules and "IDR 450,000 a month" in rules
    jht = answer("jht kpn bs cair", "ask_jht_payout")
    assert "masa tunggu 3 bulan" in jht and "masa tunggu 1 bulan" not in jht
    jht_en = answer("when can I withdraw my jht after I resign?", "ask_jht_payout")
    assert "waiting period of 3 month" in jht_en


def test_the_original_facts_are_back_after_the_change():
    assert "masa tunggu 1 bulan" in answer("jht kpn bs cair", "ask_jht_payout")


# --- 5. schema errors name file, field and problem --------------------------------------------

def delete(section, key):
    def change(data):
        del data[section][key]
    return change


def set_value(section, key, value):
    def change(data):
        data[section][key] = value
    return change


def held_year_without(field):
    def change(data):
        del bsu_year(data, 2022)[field]
    return change


def duplicate_year(data):
    data["bsu_years"].append(dict(bsu_year(data, 2023)))


def held_year_without_figures(data):
    data["bsu_years"].append({"year": 2024, "held": True, "source": "kompas_bsu_2023",
                              "as_of": "2024-12-01"})


@pytest.mark.parametrize("change, field, problem", [
    (set_value("jht", "waiting_months", "satu"), "jht.waiting_months",
     "must be a whole number, found text 'satu'"),
    (delete("benefits", "source"), "benefits.source", "is missing"),
    (set_value("membership", "source", ["satuhabar_bpu_2026", "blog_tanpa_nama"]),
     "membership.source", "names source 'blog_tanpa_nama', which is not in 'sources'"),
    (set_value("jmo_account", "source", "tidak_ada"), "jmo_account.source",
     "names source 'tidak_ada', which is not in 'sources'"),
    (held_year_without("amount_rupiah"), "bsu_years[0].amount_rupiah",
     "is missing: BSU 2022 is marked as held"),
    (held_year_without_figures, "bsu_years[3].legal_basis", "is missing: BSU 2024 is marked as held"),
    (duplicate_year, "bsu_years[3]", "repeats the key '2023'"),
    (set_value("official_channels", "email", ""), "official_channels.email",
     "must not be empty text"),
    (set_value("contacts", "call_centre_hours", None), "contacts.call_centre_hours",
     "must be a mapping, found empty"),
], ids=["wrong-type", "missing-source", "unknown-source-in-list", "unknown-source",
        "held-year-without-amount", "held-year-without-figures", "duplicate-year", "empty-email",
        "empty-hours"])
def test_schema_error_names_file_field_and_problem(tmp_path, change, field, problem):
    path = tmp_path / "facts.yml"
    write_facts(path, change)
    with pytest.raises(FactsError) as error:
        load_facts(path)
    assert (error.value.path, error.value.field, error.value.problem) == (str(path), field, problem)
    assert str(error.value) == f"{path}: field '{field}': {problem}"


def test_the_project_facts_file_is_valid():
    facts = load_facts(DEFAULT_FACTS_FILE)
    assert [y["year"] for y in facts["bsu_years"]] == [2022, 2023, 2025]


# --- 6. several questions in one message ------------------------------------------------------

def ask(text, intent):
    return {"text": text, "intent": intent, "entities": []}


def multi(message, questions, action=None, **slots):
    """Runs the action Rasa would pick for the whole message, with the questions in metadata."""
    return run_action(action or ActionAnswer(), message, intent=questions[0]["intent"],
                      metadata={"questions": questions}, **slots)


def test_two_questions_are_answered_in_order_in_one_message():
    messages, slots = multi("jht kapan cair? kantor di ketapang dimana?",
                            [ask("jht kapan cair", "ask_jht_payout"),
                             ask("kantor di ketapang dimana", "ask_nearest_office")])
    assert len(messages) == 1
    text = messages[0]["text"]
    jht, office = text.find("masa tunggu 1 bulan"), text.find("terdekat adalah Kantor Cabang Ketapang")
    assert 0 <= jht < office, text
    assert "Permenaker 4/2022" in text and "openstreetmap.org" in text
    assert slots["language"] == "id"


def test_the_action_rasa_picked_does_not_change_the_order():
    from actions.offices import ActionNearestOffice
    questions = [ask("jht kapan cair", "ask_jht_payout"),
                 ask("kantor di ketapang dimana", "ask_nearest_office")]
    messages, _ = run_action(ActionNearestOffice(), "jht kapan cair? kantor di ketapang dimana?",
                             intent="ask_nearest_office", metadata={"questions": questions})
    text = messages[0]["text"]
    assert len(messages) == 1
    assert 0 <= text.find("masa tunggu 1 bulan") < text.find("Kantor Cabang Ketapang")


def test_two_questions_in_english():
    messages, _ = multi("when can I get my jht? where is the office in ketapang?",
                        [ask("when can I get my jht", "ask_jht_payout"),
                         ask("where is the office in ketapang", "ask_nearest_office")])
    text = messages[0]["text"]
    assert len(messages) == 1
    assert 0 <= text.find("waiting period of 1 month") < text.find(
        "the nearest BPJS Ketenagakerjaan office is the Ketapang branch office")


def test_questions_of_the_same_action_are_merged():
    questions = [ask("sy di sintang", "ask_nearest_office"), ask("kantor dmn", "ask_nearest_office"),
                 ask("jht kpn cair", "ask_jht_payout")]
    turn = Turn(CollectingDispatcher(), make_tracker("sy di sintang. kantor dmn? jht kpn cair?",
                                                     intent="ask_nearest_office",
                                                     metadata={"questions": questions}))
    plan = question_plan(turn)
    assert [(action.__name__, q["text"], q["intent"]) for action, q in plan] == [
        ("ActionNearestOffice", "sy di sintang. kantor dmn", "ask_nearest_office"),
        ("ActionAnswer", "jht kpn cair", "ask_jht_payout"),
    ]
    messages, _ = multi("sy di sintang. kantor dmn? jht kpn cair?", questions)
    text = messages[0]["text"]
    assert len(messages) == 1 and text.count("terdekat adalah") == 1
    assert 0 <= text.find("terdekat adalah Kantor Cabang Sintang") < text.find("masa tunggu 1 bulan")


def test_two_different_faq_questions_are_both_answered():
    """Both questions go to ActionAnswer, but each has its own template: both answers are sent."""
    messages, _ = multi("jht kapan cair? berkasnya apa aja?",
                        [ask("jht kapan cair", "ask_jht_payout"),
                         ask("berkasnya apa aja", "ask_jht_documents")])
    text = "\n".join(m["text"] for m in messages)
    assert "masa tunggu 1 bulan" in text
    assert "bukti sudah berhenti bekerja" in text


def test_a_follow_up_in_the_message_leans_on_the_question_before_it():
    questions = [ask("daftar bpu gmn", "ask_bpu"), ask("iurannya berapa", "ask_how_many"),
                 ask("jht kapan cair", "ask_jht_payout"), ask("syaratnya apa", "ask_requirements")]
    messages, slots = multi("daftar bpu gmn? iurannya berapa? jht kapan cair? syaratnya apa?",
                            questions, topic="plkk")
    text = messages[0]["text"]
    assert len(messages) == 1
    # the BPU answer with its amounts (once: the amounts' answer is the same text), then the JHT
    # answer and the JHT claim documents, not anything on the conversation's older topic (PLKK)
    positions = [text.find("Rp16.800"), text.find("masa tunggu 1 bulan"),
                 text.find("bukti sudah berhenti bekerja")]
    assert 0 <= positions[0] < positions[1] < positions[2], text
    assert text.count("Rp16.800") == 1
    assert "PLKK" not in text
    assert slots["topic"] == "ask_jht_payout"


def test_an_answer_that_two_questions_share_is_given_once():
    messages, _ = multi("sy ojol min, bs daftar bpjs tk sndiri? brp sebulan?",
                        [ask("sy ojol min, bs daftar bpjs tk sndiri", "ask_bpu"),
                         ask("brp sebulan", "ask_how_many")])
    text = messages[0]["text"]
    assert len(messages) == 1 and text.count("Rp16.800") == 1, text


def test_a_follow_up_with_nothing_more_on_that_topic_is_left_out():
    messages, _ = multi("jht kapan cair? brp dpt nya?", [ask("jht kapan cair", "ask_jht_payout"),
                                                          ask("brp dpt nya", "ask_how_many")])
    text = messages[0]["text"]
    assert "masa tunggu 1 bulan" in text
    assert "jumlah apa" not in text and len(messages) == 1


def test_faq_bsu_and_office_questions_together():
    messages, _ = multi("jht kapan cair? bsu 2024 ada? kantor di sintang dmn?",
                        [ask("jht kapan cair", "ask_jht_payout"),
                         ask("bsu 2024 ada", "ask_bsu_year"),
                         ask("kantor di sintang dmn", "ask_nearest_office")])
    text = messages[0]["text"]
    assert len(messages) == 1
    positions = [text.find(s) for s in ("masa tunggu 1 bulan",
                                        "Saya tidak punya data BSU untuk tahun 2024",
                                        "terdekat adalah Kantor Cabang Sintang")]
    assert -1 not in positions and positions == sorted(positions), text


def test_a_single_question_is_answered_as_usual():
    messages, _ = multi("jht kapan cair", [ask("jht kapan cair", "ask_jht_payout")])
    assert len(messages) == 1 and "masa tunggu 1 bulan" in messages[0]["text"]


@pytest.mark.parametrize("text, expected", [
    ("jht kapan cair? kantor ketapang dimana?",
     [("jht kapan cair", True), ("kantor ketapang dimana", True)]),
    ("jht kapan cair\nkantor ketapang dimana",
     [("jht kapan cair", True), ("kantor ketapang dimana", True)]),
    ("Jht kapan cair. Kantor ketapang dimana.",
     [("Jht kapan cair", True), ("Kantor ketapang dimana", True)]),
    ("jht kapan cair; bsu 2024 ada!", [("jht kapan cair", True), ("bsu 2024 ada", False)]),
    # never at commas: a decimal comma, or a clause that leans on the one before
    ("jht saya kapan cair, kantor di ketapang dimana",
     [("jht saya kapan cair, kantor di ketapang dimana", True)]),
    ("bsu cair 1,2 juta, cek nama di http://x.y/z", [("bsu cair 1,2 juta, cek nama di http://x.y/z", False)]),
    ("sy resign bulan lalu. jht kapan cair?", [("sy resign bulan lalu", False), ("jht kapan cair", True)]),
    ("cek di bsu.kemnaker.go.id ya", [("cek di bsu.kemnaker.go.id ya", False)]),
    ("iuran bpu rp16.800 ya?", [("iuran bpu rp16.800 ya", True)]),
    ("kantor dmn???", [("kantor dmn", True)]),
    ("klaim jkm dpt brp dan syaratnya apa", [("klaim jkm dpt brp", True), ("syaratnya apa", True)]),
    ("iuran jkk dan jkm brp", [("iuran jkk dan jkm brp", True)]),
    ("?? !!", []),
    ("", []),
])
def test_clauses(text, expected):
    assert clauses(text) == expected


def test_a_repeated_clause_is_read_once_and_at_most_max_clauses_are_read():
    """Rasa parses on its event loop: 125 clauses of a pasted message held every other user."""
    from rasa_runtime.questions import MAX_CLAUSES

    assert clauses("jht kapan cair?\n" * 125) == [("jht kapan cair", True)]
    assert clauses("JHT kapan cair? jht kapan cair? kantor dmn?") == [
        ("JHT kapan cair", True), ("kantor dmn", True)]
    many = " ".join(f"pertanyaan nomor {n} apa?" for n in range(40))
    assert [c for c, _ in clauses(many)] == [f"pertanyaan nomor {n} apa" for n in range(MAX_CLAUSES)]


PARSES = {
    "halo min": ("greet", 0.98),
    "jht kapan cair": ("ask_jht_payout", 0.91),
    "kantor ketapang dimana": ("ask_nearest_office", 0.88),
    "berkasnya apa": ("ask_jht_documents", 0.80),
    "hmm gitu ya": ("ask_jht", 0.31),
    "jht sy brp": ("ask_jht_payout", 0.9),
    "makasih": ("thanks", 0.99),
    "sy resign bulan lalu": ("ask_jht_payout", 0.7),
    "sy mau jadi tki ke brunei": ("ask_migrant_worker", 0.9),
    "bs ikut bpjs tk ga": ("ask_bpu", 0.7),
    "cuaca gmn": ("out_of_scope", 0.95),
    "brp dpt nya": ("ask_how_many", 0.9),
}


def fake_parse(clause):
    name, confidence = PARSES[clause]
    return {"intent": {"name": name, "confidence": confidence},
            "entities": [{"entity": "place", "value": "ketapang"}] if "ketapang" in clause else []}


def test_questions_in_lists_each_question_in_order():
    assert questions_in(fake_parse, "halo min. jht kapan cair? kantor ketapang dimana? makasih",
                        "ask_jht_payout") == [
        {"text": "jht kapan cair", "intent": "ask_jht_payout", "confidence": 0.91, "entities": []},
        {"text": "kantor ketapang dimana", "intent": "ask_nearest_office", "confidence": 0.88,
         "entities": [{"entity": "place", "value": "ketapang"}]},
    ]


def test_questions_in_drops_low_confidence_clauses():
    found = questions_in(fake_parse, "jht kapan cair? hmm gitu ya? berkasnya apa?", "ask_jht_payout")
    assert [q["intent"] for q in found] == ["ask_jht_payout", "ask_jht_documents"]


@pytest.mark.parametrize("text, message_intent", [
    ("jht kapan cair", "ask_jht_payout"),                        # one clause
    ("halo min. jht kapan cair?", "ask_jht_payout"),             # greet is not a question
    ("jht kapan cair? hmm gitu ya", "ask_jht_payout"),           # the other clause is not confident
    ("jht kapan cair? jht sy brp?", "ask_jht_payout"),           # one intent twice
    ("makasih. halo min", "thanks"),                             # small talk only
    ("jht kapan cair? cuaca gmn?", "ask_jht_payout"),            # out of scope is not answered
    ("brp dpt nya? jht kapan cair?", "ask_jht_payout"),          # a follow-up before any question
    ("sy resign bulan lalu. kantor ketapang dimana?", "ask_nearest_office"),  # context, no question
    ("sy mau jadi tki ke brunei. bs ikut bpjs tk ga?", "ask_migrant_worker"),  # not confident enough
])
def test_questions_in_needs_two_different_questions(text, message_intent):
    assert questions_in(fake_parse, text, message_intent) is None


def test_a_follow_up_after_a_question_is_a_question_leaning_on_it():
    found = questions_in(fake_parse, "halo min. jht kapan cair? brp dpt nya?", "ask_jht_payout")
    assert [(q["text"], q["intent"]) for q in found] == [
        ("jht kapan cair", "ask_jht_payout"), ("brp dpt nya", "ask_how_many")]


def test_one_question_inside_an_out_of_scope_message_is_kept():
    assert questions_in(fake_parse, "cuaca gmn. jht kapan cair?", "out_of_scope") == [
        {"text": "jht kapan cair", "intent": "ask_jht_payout", "confidence": 0.91, "entities": []}]
    assert questions_in(fake_parse, "cuaca gmn. jht kapan cair?", "nlu_fallback") is not None
    # a message that is understood keeps needing two different questions
    assert questions_in(fake_parse, "cuaca gmn. jht kapan cair?", "ask_jht_payout") is None
    # context and small talk alone are no question
    assert questions_in(fake_parse, "halo min. sy resign bulan lalu", "out_of_scope") is None
    # another question of the message is not understood, or leans on the context: the one read
    # alone is not the message's question
    assert questions_in(fake_parse, "hmm gitu ya? jht kapan cair?", "nlu_fallback") is None
    assert questions_in(fake_parse, "brp dpt nya? berkasnya apa?", "nlu_fallback") is None


def test_an_out_of_scope_message_with_one_question_gets_that_answer():
    from actions.small_talk import ActionOutOfScope
    text = "I quit my job last month. How long do I have to wait before I can withdraw my JHT?"
    messages, slots = run_action(ActionOutOfScope(), text, intent="out_of_scope", metadata={
        "questions": [ask("How long do I have to wait before I can withdraw my JHT", "ask_jht_payout")]})
    assert len(messages) == 1
    assert "waiting period of 1 month" in messages[0]["text"]
    assert "outside what I can answer" not in messages[0]["text"]
    assert slots["topic"] == "ask_jht_payout"


def test_questions_in_does_not_parse_a_single_clause():
    calls = []
    assert questions_in(lambda clause: calls.append(clause) or {}, "jht kapan cair") is None
    assert calls == []


# --- 7. follow-ups ----------------------------------------------------------------------------

@pytest.mark.parametrize("message", ["kalau plkk ada berapa?", "klo rumah sakit nya ada brp?"])
def test_a_follow_up_that_names_its_topic_beats_the_conversation_topic(message):
    text = reply_text(ActionHowMany(), message, intent="ask_how_many", topic="offices")
    assert "79 fasilitas kesehatan" in text
    assert "Kantor Cabang" not in text and "6 Kantor" not in text


def test_a_follow_up_without_a_topic_word_keeps_the_conversation_topic():
    text = reply_text(ActionHowMany(), "ada berapa?", intent="ask_how_many", topic="offices")
    assert "6 Kantor Cabang" in text


def test_a_new_topic_forgets_the_pending_place_question():
    _, slots = run_action(ActionAnswer(), "jht itu apa", intent="ask_jht", topic="offices",
                          awaiting_place=True, place_candidates=["6104", "6105"])
    assert slots["topic"] == "ask_jht"
    assert slots["place_candidates"] is None and slots["awaiting_place"] is False


def test_a_bsu_answer_also_forgets_the_pending_place_question(today):
    _, slots = run_action(ActionBsuYear(), "bsu 2024 ada?", intent="ask_bsu_year",
                          topic="offices", awaiting_place=True, place_candidates=["6104"])
    assert slots["topic"] == "bsu"
    assert slots["place_candidates"] is None and slots["awaiting_place"] is False


# --- office details: named office, "not in my data yet", 175 ----------------------------------

@pytest.mark.parametrize("message, lang, expected", [
    ("kantor bpjs tk sintang buka jam brp", "id",
     "Alamat, nomor telepon, dan jam layanan Kantor Cabang Sintang belum ada di data saya"),
    ("what are the opening hours of the ketapang office?", "en",
     "I do not have the address, phone number or opening hours of the Ketapang branch office"),
])
def test_office_details_are_never_invented(message, lang, expected):
    text = reply_text(ActionOfficeDetails(), message, intent="ask_office_details")
    assert expected in text and "175" in text
    assert "24 jam setiap hari" in text or "24 hours a day, every day" in text
    # no time of day of this office: only the official FAQ's general hours of branch offices,
    # said to be general ("bisa berbeda" / "may differ")
    general = load_facts(DEFAULT_FACTS_FILE)["faq"]["branch_office_hours"][lang]
    assert general in text and ("bisa berbeda" in text or "may differ" in text)
    # (the office's map link has its coordinates, not a time or a street)
    body = re.sub(r"https://\S+", "", text)
    assert not re.findall(r"\d{2}[.:]\d{2}", body.replace(general, ""))
    assert not re.search(r"\bJl\.|\bJalan\b|street", body)


@pytest.mark.parametrize("message", ["where is the BPJS office in Pontianak?",
                                     "alamat kantor bpjs tk pontianak dmn"])
def test_office_details_of_a_place_give_the_office_on_the_map(message):
    """From a fresh-user trial: "where is the BPJS office in Pontianak?" (placed on the office
    details) said only that the address is not in the data, while the Indonesian question got the
    branch and its map: the office's map link, from its coordinates in the facts file."""
    office = next(o for o in load_facts(DEFAULT_FACTS_FILE)["offices"]["list"]
                  if "Pontianak" in o["name"])
    text = reply_text(ActionOfficeDetails(), message, intent="ask_office_details")
    assert f"mlat={office['lat']}&mlon={office['lon']}" in text, text


def test_office_details_without_a_place():
    text = reply_text(ActionOfficeDetails(), "jam buka kantor bpjs tk", intent="ask_office_details")
    assert "belum ada di data saya" in text and "175" in text
    assert "Senin–Jumat pukul 08.00–15.30" in text


def test_office_details_without_a_place_use_the_place_given_earlier():
    """From a fresh-user trial: "jam bukak kantornye?" after "sy di sungai pinyuh" asked for the
    place again; the office of the place given earlier, saying so."""
    from actions.offices import ActionNearestOffice

    _, slots = run_action(ActionNearestOffice(), "sy di sintang", intent="inform_place")
    text = reply_text(ActionOfficeDetails(), "jam buka kantornya?", intent="ask_office_details",
                      user_place=slots["user_place"])
    assert "Kantor Cabang Sintang" in text and "tempat yang Anda sebut tadi" in text, text


@pytest.mark.parametrize("before_action, before, message, intent", [
    ("ActionNearestOffice", "sy di sintang", "alamatnye ape?", "ask_contact"),
    ("ActionNearestOffice", "sy di sintang", "what's their phone number?", "nlu_fallback"),
])
def test_an_address_asked_after_an_office_answer_gets_the_office_details(
        before_action, before, message, intent):
    """From a fresh-user trial (2026-12-07): "alamatnye ape?" after the nearest office went to the
    contact channels (ask_contact at 0.76): right after an office answer, a short question on an
    address, a phone or opening hours gets the office's details (here: not in the data, 175)."""
    from actions import offices as offices_module
    from actions.small_talk import ActionFallback

    _, slots = run_action(getattr(offices_module, before_action)(), before, intent="inform_place")
    assert slots["topic"] == "offices"
    action = ActionFallback() if intent == "nlu_fallback" else ActionAnswer()
    text = reply_text(action, message, intent=intent, topic="offices",
                      user_place=slots["user_place"])
    assert "Sintang" in text and "175" in text, text
    assert ("belum ada di data saya" in text) or ("do not have the address" in text), text
    assert "care@" not in text, text


@pytest.mark.parametrize("message, intent", [
    ("nama rumah sakitnye ape?", "nlu_fallback"), ("rs nya apa aja?", "nlu_fallback"),
    ("which hospitals are they?", "ask_plkk_definition")])
def test_the_names_asked_after_a_plkk_answer_get_how_to_find_one(message, intent):
    """From a fresh-user trial (2026-12-07): "rs nya apa aja?" after the Kalbar PLKK count got the
    honest reply on migrant workers; "nama rumah sakitnye ape?" what a PLKK is. Right after a
    PLKK answer, the names asked get the PLKK finder's answer (the list, or where to ask)."""
    from actions.plkk import ActionPlkkDefinition
    from actions.small_talk import ActionFallback

    action = ActionFallback() if intent == "nlu_fallback" else ActionPlkkDefinition()
    text = reply_text(action, message, intent=intent, topic="plkk")
    expected = reply_text(ActionPlkkFind(), message, intent="ask_plkk_find")
    assert text == expected and "JMO" in text, text


def test_the_general_branch_hours_come_from_the_facts_file(tmp_path, monkeypatch):
    from actions import facts as facts_module

    data = yaml.safe_load(DEFAULT_FACTS_FILE.read_text(encoding="utf-8"))
    data["faq"]["branch_office_hours"]["id"] = "Senin–Sabtu pukul 07.30–16.00"
    copy = tmp_path / "facts.yml"
    copy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("FACTS_FILE", str(copy))
    facts_module.reset_cache()
    text = reply_text(ActionOfficeDetails(), "kantor bpjs tk sintang buka jam brp",
                      intent="ask_office_details")
    assert "Senin–Sabtu pukul 07.30–16.00" in text and "08.00–15.30" not in text


# --- 8. the JMO-feature answer says "Bisa." only to "can JMO do X?" ---------------------------

@pytest.mark.usefixtures("intent_answers_only")
@pytest.mark.parametrize("message, feature", [
    ("fitur tracking klaim di jmo", "Tracking klaim"),
    ("berapa lama proses klaim jht", "Pengajuan pencairan/klaim"),
    ("alamat email buat komplain ke bpjs tk apa ya", "Layanan pelaporan dan pengaduan"),
    ("gmn cara gabung saldo 2 kartu", "Penggabungan saldo"),
    # "gabungkan" (not the digital card: a fresh-user trial, 2026-12-07)
    ("kartu bpjs tk kamek ade due, macam mane nak gabungkan saldonye?", "Penggabungan saldo"),
    ("track my claim in jmo", "Track a claim"),
    ("gimana cara cek saldo jht di jmo?", "Cek saldo JHT"),
    ("saldo jht ga bisa dicek di jmo, kenapa ya?", "Cek saldo JHT"),
    ("jht sy kpn bs cair lewat jmo?", "Pengajuan pencairan/klaim"),
    ("klaim jht di jmo dapat berapa?", "Pengajuan pencairan/klaim"),
    ("I can't check my jht balance in jmo", "Check your JHT (old-age savings) balance"),
])
def test_jmo_feature_answer_does_not_say_yes_to_a_question_that_is_not_can(message, feature):
    text = reply_text(ActionJmoFeature(), message, intent="ask_jmo_feature")
    assert feature in text
    assert not text.startswith(("Bisa.", "Yes.")), text


@pytest.mark.usefixtures("intent_answers_only")
@pytest.mark.parametrize("message, opening, feature", [
    ("bisa cek saldo jht di jmo?", "Bisa.", "Cek saldo JHT"),
    ("can I check my jht balance in jmo?", "Yes.", "Check your JHT (old-age savings) balance"),
    ("apakah bisa bayar iuran lewat jmo?", "Bisa.", "Pembayaran iuran"),
    ("jmo bs buat gabung saldo ga?", "Bisa.", "Penggabungan saldo"),
])
def test_jmo_feature_answer_may_say_yes_to_can_questions(message, opening, feature):
    text = reply_text(ActionJmoFeature(), message, intent="ask_jmo_feature")
    assert text.startswith(opening) and feature in text


# --- official addresses and chat words --------------------------------------------------------

@pytest.mark.parametrize("message, site", [
    ("lapakasik.bpjsketenagakerjaan.go.id beneran situs resmi?", "lapakasik.bpjsketenagakerjaan.go.id"),
    ("ada yg kirim link https://bsu.kemnaker.go.id/ itu asli kan", "bsu.kemnaker.go.id"),
])
def test_an_address_the_facts_call_official_is_not_called_a_hoax(message, site):
    text = reply_text(ActionAnswer(), message, intent="report_hoax")
    assert f"Menurut data saya, {site} adalah alamat resmi" in text
    assert "Jangan klik" not in text


def test_a_look_alike_address_gets_the_hoax_warning_without_being_repeated():
    message = "cek bsu di https://bsu-kemnaker.go.id.cek-nama.xyz/daftar asli kah?"
    text = reply_text(ActionAnswer(), message, intent="report_hoax")
    assert "tidak bisa memastikan" in text and "Jangan klik" in text
    assert "cek-nama" not in text and "https://" not in text


@pytest.mark.parametrize("message", ["ok", "oke", "no", "wkwkwk", "bot"])
def test_chat_words_keep_the_conversation_language(message):
    from actions.language import detect_language
    assert detect_language(message, "id") == "id"
    assert detect_language(message, "en") == "en"


@pytest.mark.parametrize("message, language", [
    ("bot bodoh", "id"), ("kamek nanya ke bot", "id"), ("are you a bot", "en")])
def test_bot_is_a_word_of_both_languages(message, language):
    from actions.language import detect_language
    assert detect_language(message, None) == language


@pytest.mark.parametrize("message", ["ما هي خدمة بي بي جي إس؟", "这是什么", "что это"])
def test_a_message_without_latin_letters_is_not_understood_whatever_the_model_guessed(message):
    text = reply_text(ActionAnswer(), message, intent="ask_jht")
    assert text.startswith("Maaf, saya belum paham maksud Anda")


# --- requirements follow-ups on an FAQ topic ---------------------------------------------------

@pytest.mark.parametrize("topic, expected", [
    ("ask_jht_payout", "Berkas klaim JHT karena berhenti bekerja"),
    ("ask_jht", "Berkas klaim JHT karena berhenti bekerja"),
    # who may join as BPU, an entry (a fresh-user trial, 2026-12-07: the JMO steps before)
    ("ask_bpu", "Syarat utama mendaftar BPU pertama kali"),
    ("ask_death_benefit", "Syarat dan berkas untuk itu belum ada di data saya"),
    ("ask_jkk", "Syarat dan berkas untuk itu belum ada di data saya"),
])
def test_requirements_follow_up_answers_for_the_faq_topic(topic, expected):
    text = reply_text(ActionRequirements(), "syaratnya apa?", intent="ask_requirements", topic=topic)
    assert expected in text


def test_a_documents_question_without_jht_after_the_death_benefit_is_not_about_jht():
    messages, slots = run_action(ActionAnswer(), "dokumennya apa aja", intent="ask_jht_documents",
                                 topic="ask_death_benefit")
    text = messages[0]["text"]
    assert "Syarat dan berkas untuk itu belum ada di data saya" in text and "175" in text
    assert "Berkas klaim JHT" not in text
    assert slots["topic"] == "ask_death_benefit"


@pytest.mark.parametrize("message, topic", [
    ("berkas klaim jht apa aja", "ask_death_benefit"),   # names JHT itself
    ("dokumennya apa aja", "ask_jht_payout"),            # the conversation is about JHT
    ("dokumennya apa aja", "offices"),                   # not an FAQ topic
])
def test_a_documents_question_about_jht_gets_the_jht_documents(message, topic):
    text = reply_text(ActionAnswer(), message, intent="ask_jht_documents", topic=topic)
    assert "Berkas klaim JHT karena berhenti bekerja" in text


def test_requirements_follow_up_in_english():
    """After the scholarship's answer: the scholarship's documents (an entry; the answer itself
    only says where to ask for them), in English."""
    from actions.knowledge import get_knowledge, render_answer

    text = reply_text(ActionRequirements(), "what documents do i need?", intent="ask_requirements",
                      topic="ask_scholarship")
    documents = get_knowledge().by_id["jkm_scholarship_documents"]
    assert render_answer(documents, "en", get_facts()).splitlines()[0] in text, text
    assert "A scholarship is given for up to 2 children" not in text


@pytest.mark.parametrize("message, expected", [
    # the official FAQ answers these: the knowledge entry, with its source
    ("sy kena phk, uang tunai jkp nya dapet berapa persen dr gaji?",
     "(Sumber: FAQ resmi BPJS Ketenagakerjaan, Juli 2025)"),
    ("what is the pension programme", "(Source: the official BPJS Ketenagakerjaan FAQ, July 2025)"),
    # it does not answer this one: the honest reply on the topic
    ("jht sy kira2 nanti pas umur 56 dapet brp ya kalo gaji sy 4 juta", "belum punya jawabannya"),
    ("cuaca pontianak hari ini gmn", "Maaf, pertanyaan itu di luar yang bisa saya jawab"),
])
@pytest.mark.knowledge
def test_out_of_scope_about_social_security_is_answered_from_the_knowledge_or_honestly(message,
                                                                                        expected):
    from actions.small_talk import ActionOutOfScope
    text = reply_text(ActionOutOfScope(), message, intent="out_of_scope")
    assert expected in text, text
    if "cuaca" not in message:
        assert "175" in text or "Sumber" in text or "Source" in text


@pytest.mark.parametrize("topic, expected", [
    ("ask_bpu", "Rp16.800"),
    ("ask_death_benefit", "Rp42 juta"),
    ("ask_jkk", "Rp5 juta lewat darat"),
])
def test_how_much_after_an_faq_answer_with_amounts_gives_those_amounts(topic, expected):
    text = reply_text(ActionHowMany(), "iurannya brp?", intent="ask_how_many", topic=topic)
    assert expected in text


def test_documents_after_the_partial_payout_are_the_jht_documents():
    """"syaratnya apa?" after the partial withdrawal, or "dokumennya apa aja" (placed in the JHT
    documents): the documents of a partial claim (the knowledge entry,
    followup.REQUIREMENTS_ENTRY_BY_TOPIC), not those of a resignation claim; a question that
    names JHT's documents gets them."""
    from actions.facts import get_facts
    from actions.knowledge import get_knowledge, render_answer

    text = reply_text(ActionRequirements(), "syaratnya apa?", intent="ask_requirements",
                      topic="ask_jht_partial")
    partial = get_knowledge().by_id["jht_documents_partial_claim"]
    assert render_answer(partial, "id", get_facts()).splitlines()[0] in text, text
    assert "Berkas klaim JHT karena berhenti bekerja" not in text
    for short in ("dokumennya apa aja", "what documents needed?"):
        text = reply_text(ActionAnswer(), short, intent="ask_jht_documents", topic="ask_jht_partial")
        lang = "en" if short.startswith("what") else "id"
        assert render_answer(partial, lang, get_facts()).splitlines()[0] in text, text
    messages, _ = run_action(ActionAnswer(), "berkas klaim jht apa aja", intent="ask_jht_documents",
                             topic="ask_jht_partial")
    assert "Berkas klaim JHT karena berhenti bekerja" in messages[0]["text"]


def _fallback_with_ranking(text, ranking):
    from actions.small_talk import ActionFallback
    tracker = make_tracker(text, intent="nlu_fallback")
    tracker.latest_message["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.45}] + [
        {"name": name, "confidence": confidence} for name, confidence in ranking]
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionFallback().run(dispatcher, tracker, {}))
    return " ".join(m.get("text") or "" for m in dispatcher.messages), events


def test_a_tie_between_two_agreeing_bsu_intents_is_answered():
    text, events = _fallback_with_ranking("who was eligible for the BSU in 2025?",
                                          [("ask_bsu_rules", 0.49), ("ask_bsu_year", 0.46)])
    assert "Permenaker 5/2025" in text and "did not understand" not in text
    assert {"event": "slot", "name": "topic", "value": "bsu"} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events]


@pytest.mark.parametrize("ranking", [
    [("ask_bsu_rules", 0.49), ("ask_jht", 0.46)],        # two topics: not understood
    [("ask_bsu_rules", 0.30), ("ask_bsu_year", 0.28)],   # not sure of any intent
])
def test_other_fallbacks_stay_not_understood(ranking):
    text, _ = _fallback_with_ranking("who was eligible for the BSU in 2025?", ranking)
    assert "did not understand" in text


@pytest.mark.parametrize("message", ["sy TKI mau kerja ke malaysia, bs jd peserta bpjs tk ga?",
                                     "I am going to work in Malaysia, can a migrant worker join?"])
def test_the_migrant_worker_answer_suggests_questions_the_knowledge_base_answers(message):
    """The migrant-worker answer asks for one question at a time with examples: each example is
    answered by a PMI entry of the knowledge base (not "not in my data" while it is)."""
    from actions.knowledge import get_knowledge

    text = answer(message, "ask_migrant_worker")
    examples = re.findall(r'"([^"]+\?)"', text)
    assert len(examples) == 2, text
    for example in examples:
        match = get_knowledge().match(example)
        assert match.answered and match.entry.topic == "pmi", (example, match.entry.id)


@pytest.mark.parametrize("text, intent", [
    ("jauh gk dari sini", "out_of_scope"), ("how far is it?", "out_of_scope"),
    ("brp km?", "ask_how_many"), ("jaraknya jauh ga?", "nlu_fallback")])
def test_how_far_after_an_office_answer_gives_the_distance_again(text, intent):
    """From a fresh-user trial: "jauh gk dari sini" after the nearest office got "I have no
    answer about service channels"; the nearest office again, with its distance, from the place
    the user gave (followup.route_office_distance)."""
    from actions import places
    from actions.base import ACTIONS_BY_INTENT, import_all_actions
    from actions.small_talk import ActionFallback

    import_all_actions()
    action = ACTIONS_BY_INTENT.get(intent, ActionFallback)
    anjongan = places.resolve("kecamatan anjongan").places[0]
    text_out = reply_text(action(), text, intent=intent, topic="offices", user_place=anjongan.code)
    assert "Mempawah" in text_out and "km" in text_out and "Anjongan" in text_out, text_out
    # without an office answer before, no office
    other = reply_text(action(), text, intent=intent, topic="ask_jht")
    assert "Mempawah" not in other
