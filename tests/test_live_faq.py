"""Live conversations for the answers next to the four topics (issue 9): JHT, work-accident and
death benefits, informal and migrant workers, JMO account trouble, BSU year by year, hoaxes,
official channels, office details and complaints — through Rasa's REST channel, with the trained
model and the action server on loopback. Needs a trained model (`make train`).

Every conversation is a fresh sender. Each turn asserts the exact facts of its answer and that no
other topic's facts (nor the fallback) are in the reply. Several questions in one message are
checked in the tracker store too: one bot message holding every answer, in the order asked.

Two server pairs run, on ports no other test module uses (LIVE_FAQ_PORT_BASE moves them): one
with the clock faked to 2026-11-30, one to 2025-07-01 (BOT_TODAY, actions/base.py today()), for
"this year". On a failure the whole reply is printed, with the intent the model gave.

The last section: a question with context clauses around it gets one answer.
"""

import contextlib
import json
import os
import re
import socket
import sqlite3
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Sequence, Tuple

import pytest

from channels.conversations import REST, conversation_id
from servers import LOGS, MODEL, action_server, rasa_server, send

# (actions port, rasa port) per faked date, used by no other test module; LIVE_FAQ_PORT_BASE moves
# all four ports.
BASE = int(os.environ.get("LIVE_FAQ_PORT_BASE", "14605"))
CLOCKS = {"2026-11-30": (BASE + 50, BASE), "2025-07-01": (BASE + 150, BASE + 100)}
NOW, MID_2025 = "2026-11-30", "2025-07-01"


def port_in_use(port: int) -> bool:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def bots() -> Dict[str, int]:
    """Both server pairs, started in parallel and stopped at the end; {faked date: rasa port}."""
    assert MODEL.exists(), "no trained model: run `make train` (make test does it)"
    busy = [p for ports in CLOCKS.values() for p in ports if port_in_use(p)]
    assert not busy, (f"ports {busy} are taken by another server: these tests would talk to it; "
                      "set LIVE_FAQ_PORT_BASE to move them")
    started: List = []

    def start_pair(day: str) -> None:
        actions_port, port = CLOCKS[day]
        actions = action_server(port=actions_port, env={"BOT_TODAY": day})
        started.append(actions)
        actions.start()
        rasa = rasa_server(port=port, actions_port=actions_port)
        started.append(rasa)
        rasa.start()

    try:
        with ThreadPoolExecutor(len(CLOCKS)) as pool:
            for future in [pool.submit(start_pair, day) for day in CLOCKS]:
                future.result()
        yield {day: ports[1] for day, ports in CLOCKS.items()}
    finally:
        for server in reversed(started):
            server.stop()


# --- talking to the bot --------------------------------------------------------------------------


class Reply:
    """The bot's answer to one message: the REST messages, and from the tracker store the intent,
    the questions Rasa found in the message and the bot messages the action sent."""

    def __init__(self, port: int, sender: str, message: str) -> None:
        self.message = message
        self.messages = [m.get("text", "") for m in send(sender, message, port)]
        self.text = "\n".join(self.messages)
        self.intent, self.questions, self.bot_texts = last_turn(port, sender)

    def __str__(self) -> str:
        questions = ", ".join(f"{q['intent']} <- {q['text']!r}" for q in self.questions)
        return (f"\nmessage: {self.message!r}\nintent: {self.intent}"
                + (f"\nquestions: {questions}" if questions else "")
                + f"\nreply ({len(self.messages)} REST message(s), {len(self.bot_texts)} bot "
                  f"event(s)):\n" + "\n---\n".join(self.messages) + "\n")


def last_turn(port: int, sender: str) -> Tuple[str, List[dict], List[str]]:
    """The latest user turn of a conversation in the tracker store of the Rasa server on `port`:
    (intent, questions metadata, texts of the bot events after it)."""
    database = LOGS / f"tracker-{port}.db"
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        rows = db.execute("SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id",
                          (conversation_id(REST, sender),)).fetchall()
    events = [(kind, json.loads(data)) for kind, data in rows]
    users = [i for i, (kind, _) in enumerate(events) if kind == "user"]
    if not users:
        return "?", [], []
    user = events[users[-1]][1]
    intent = (user.get("parse_data") or {}).get("intent") or {}
    label = f"{intent.get('name')} ({intent.get('confidence', 0):.2f})"
    questions = (user.get("metadata") or {}).get("questions") or []
    bots = [data.get("text") or "" for kind, data in events[users[-1] + 1:] if kind == "bot"]
    return label, questions, bots


def check(reply: Reply, must: Sequence[str] = (), must_not: Sequence[str] = (),
          ordered: bool = False) -> None:
    """Every text of `must` in the reply (in that order when `ordered`), none of `must_not`."""
    missing = [t for t in must if t not in reply.text]
    assert not missing, f"missing {missing}{reply}"
    present = [t for t in must_not if t in reply.text]
    assert not present, f"must not contain {present}{reply}"
    if ordered:
        positions = [reply.text.index(t) for t in must]
        assert positions == sorted(positions), f"not in the order {list(must)}{reply}"


def new_sender() -> str:
    return f"faq-{uuid.uuid4().hex[:10]}"


# --- what each kind of answer holds, and what belongs to other topics ---------------------------

# Facts that only the answers of one group of topics hold: a reply of another group must not
# contain them (e.g. no BSU figures in a JHT answer, no office named when no place was).
SIGNATURES: Dict[str, List[str]] = {
    "jht": ["Permenaker 4/2022", "Lapak Asik", "lapakasik", "Tracking Klaim", "56 tahun",
            "turns 56"],
    "benefits": ["PP 82/2019", "e-PLKK", "48 kali", "48 times", "Rp42 juta", "IDR 42 million",
                 "Rp174 juta", "IDR 174 million", "tanpa batas biaya", "no cost ceiling"],
    "membership": ["Rp16.800", "IDR 16,800", "Rp36.800", "IDR 36,800", "pekerja migran",
                   "migrant worker"],
    "jmo_account": ["Lupa password", "Lupa akun", "Cari akun", "Kartu Digital", "biometrik",
                    "biometric", "pembaruan data", "data-update"],
    "bsu": ["BSU", "Rp600.000", "IDR 600,000", "Permenaker 5/2025", "Permenaker 10/2022",
            "bsu.kemnaker.go.id"],
    "channels": ["@BPJSTKinfo", "@bpjs.ketenagakerjaan", "WhatsApp"],
    "offices": ["Kantor Cabang", "Unit Layanan", "terdekat adalah", "branch office:",
                "nearest BPJS Ketenagakerjaan office is", "openstreetmap"],
}
# Never in an answer to a question the bot knows.
NOT_UNDERSTOOD = ["belum paham maksud", "di luar yang bisa saya jawab", "did not understand",
                  "outside what I can answer"]

GROUP = {
    **dict.fromkeys(["ask_jht", "ask_jht_payout", "ask_jht_partial", "ask_jht_documents",
                     "ask_jht_claim", "ask_claim_status"], "jht"),
    **dict.fromkeys(["ask_jkk", "ask_death_benefit", "ask_scholarship", "ask_membership_check"],
                    "benefits"),
    **dict.fromkeys(["ask_bpu", "ask_register", "ask_migrant_worker"], "membership"),
    **dict.fromkeys(["ask_jmo_password", "ask_jmo_account", "ask_jmo_face", "ask_lost_card",
                     "ask_jmo_phone", "ask_jmo_error"], "jmo_account"),
    **dict.fromkeys(["ask_bsu_year", "report_hoax"], "bsu"),
    **dict.fromkeys(["ask_contact", "ask_complaint"], "channels"),
    "ask_office_details": "offices",
}
# Groups an answer of a kind may touch besides its own: office details give the call centre's
# hours; the hoax answer says where JHT is really claimed and the official email.
ALSO = {"ask_office_details": {"channels"}, "report_hoax": {"jht", "channels"}}


def foreign_facts(kinds: Sequence[str], also: Sequence[str] = ()) -> List[str]:
    """The facts of every group that none of `kinds` (nor `also`) belongs to, and the fallback."""
    allowed = {GROUP[k] for k in kinds} | set(also)
    for kind in kinds:
        allowed |= ALSO.get(kind, set())
    return NOT_UNDERSTOOD + [t for group, texts in SIGNATURES.items() if group not in allowed
                             for t in texts]


# (kind, message, facts the reply must hold, extra texts it must not hold)
SINGLE: List[Tuple[str, str, List[str], List[str]]] = [
    # JHT
    ("ask_jht", "jht itu sebenarnya apa sih min",
     ["Jaminan Hari Tua", "tabungan hari tua", "Permenaker 4/2022", "56 tahun"], []),
    # the entry that says what JHT is (0.59 from it, not nearer to the intent's own examples)
    ("ask_jht", "what does JHT mean exactly",
     ["Jaminan Hari Tua", "old-age savings", "one lump sum", "retirement age"], []),
    ("ask_jht_payout", "sy resign bulan lalu, kpn jht sy bs dicairkan",
     ["Permenaker 4/2022", "masa tunggu 1 bulan", "56 tahun", "minimal 10 tahun"], []),
    ("ask_jht_payout", "how long do I have to wait after resigning to cash out my JHT",
     ["Permenaker 4/2022", "waiting period of 1 month", "turns 56"], []),
    ("ask_jht_payout", "jht kamek bile bise cair kalau udah berhenti kerje?",
     ["masa tunggu 1 bulan", "Permenaker 4/2022"], []),
    ("ask_jht_partial", "msh kerja tp mau ambil sebagian jht buat beli rumah bisa ga",
     ["paling sedikit 10 tahun", "paling banyak 10%", "paling banyak 30%", "kepemilikan rumah",
      "(Sumber: FAQ resmi BPJS Ketenagakerjaan, Juli 2025)"], []),
    ("ask_jht_partial", "can i take out 30 percent of my jht while still employed",
     ["at least 10 years", "up to 10%", "up to 30% of the JHT balance for owning a home"], []),
    ("ask_jht_documents", "berkas apa aja yg hrs dibawa utk klaim jht",
     ["kartu peserta BPJS Ketenagakerjaan (KPJ)", "KTP", "bukti sudah berhenti bekerja",
      "lapakasik.bpjsketenagakerjaan.go.id"], []),
    ("ask_jht_documents", "what documents do i need for a jht claim",
     ["membership card (KPJ)", "KTP", "proof that you stopped working"], []),
    ("ask_jht_claim", "ngajukan klaim jht bisa lewat mana",
     ["aplikasi JMO", "Lapak Asik", "panggilan video", "kantor cabang", "Tracking Klaim"], []),
    ("ask_jht_claim", "where can i file my JHT claim",
     ["JMO app", "Lapak Asik", "video call", "branch office", "Tracking Klaim"], []),
    ("ask_claim_status", "berapa hari sih proses klaim jht sampe cair",
     ["paling lama 5 hari", "lengkap dan benar", "aplikasi JMO",
      "(Sumber: FAQ resmi BPJS Ketenagakerjaan, Juli 2025)"], []),
    ("ask_claim_status",
     "my jht claim was submitted weeks ago and nothing happened, how long does the process take",
     ["cannot promise a time", "Tracking Klaim", "care@bpjsketenagakerjaan.go.id"], []),
    # work accident and death
    ("ask_jkk", "kecelakaan kerja biaya rumah sakitnya ditanggung sampai berapa",
     ["PP 82/2019", "sampai sembuh", "tanpa batas biaya", "Rp5 juta lewat darat",
      "Rp2 juta lewat laut", "Rp10 juta lewat udara", "12 bulan", "Rp20 juta"], []),
    # a contribution question the model puts on the JKK intent, surely: the rates entry
    ("ask_jkk", "iuran jkk brp ya", ["risiko sangat rendah: 0,24%", "risiko sangat tinggi: 1,74%",
                                     "(Sumber: FAQ resmi"], ["PP 82/2019"]),
    ("ask_jkk", "what does the work accident insurance JKK cover",
     ["PP 82/2019", "until you recover", "no cost ceiling", "IDR 5 million by land",
      "IDR 10 million by air", "12 months"], []),
    ("ask_death_benefit", "kitak tau ndak berape santunan kalau peserta meninggal?",
     ["48 kali upah", "Rp42 juta", "santunan sekaligus Rp20 juta", "santunan berkala Rp12 juta",
      "biaya pemakaman Rp10 juta"], ["e-PLKK"]),
    ("ask_death_benefit",
     "what death benefit does the family receive when a BPJS participant passes away",
     ["IDR 42 million", "IDR 20 million", "funeral costs of IDR 10 million"], ["e-PLKK"]),
    ("ask_scholarship", "beasiswa anak peserta bpjs tk berapa",
     ["2 anak", "Rp174 juta", "minimal 3 tahun"], ["48 kali"]),
    ("ask_scholarship", "is there a scholarship for the children of a deceased member",
     ["2 children", "IDR 174 million", "at least 3"], ["48 times"]),
    ("ask_membership_check", "rumah sakit bilang kepesertaan sy tdk aktif, jd bayar sendiri?",
     ["e-PLKK", "dibayar sendiri oleh pasien", "fitur pengaduan"], ["Rp42 juta"]),
    ("ask_membership_check",
     "how does the hospital check if my membership is active after an accident",
     ["e-PLKK", "the patient pays", "JMO app"], ["IDR 42 million"]),
    # informal and migrant workers, registering
    ("ask_bpu", "kamek ni ojol, bisa ikut bpjs tk ndak, iurannya brp sebulan",
     ["Bukan Penerima Upah (BPU)", "Rp16.800 per bulan", "JKK dan JKM", "Rp36.800"], []),
    ("ask_bpu", "can freelancers and self employed people join BPJS Ketenagakerjaan",
     ["Bukan Penerima Upah (BPU)", "IDR 16,800 a month", "IDR 36,800"], []),
    ("ask_register", "gmn cara daftar bpjs tk sendiri lewat hp",
     ["NIK, nama, email, dan nomor HP", "kode konfirmasi", "email dan SMS"], ["Rp16.800"]),
    ("ask_register",
     "how do I register myself as a BPJS Ketenagakerjaan participant in the JMO app?",
     ["NIK, name, email and phone number", "codes sent by email and SMS"], ["IDR 16,800"]),
    # the entry on whether migrant workers must join (2026-12-06: before, the intent's pointer
    # to questions to ask)
    ("ask_migrant_worker", "sy mau jadi pekerja migran ke brunei, ada kepesertaan bpjs tk nya kah",
     ["Calon PMI dan PMI juga wajib terdaftar", "(Sumber: FAQ resmi BPJS Ketenagakerjaan"],
     ["Rp16.800", "belum ada di data saya"]),
    ("ask_migrant_worker",
     "is there BPJS Ketenagakerjaan membership for Indonesian migrant workers",
     ["Indonesian migrant workers", "how much is the PMI contribution?", "175"],
     ["IDR 16,800", "not have its benefits"]),
    # JMO account trouble
    ("ask_jmo_password", "kamek lupa password jmo bah, ape carenye",
     ['"Lupa password"', "email dan nomor KPJ", "password baru"], ["Lupa akun"]),
    ("ask_jmo_password", "I forgot my JMO password",
     ["forgotten-password button", "verification code to your e-mail", "new JMO password"],
     ["forgotten-account"]),
    ("ask_jmo_account", "lupa akun jmo, email pun lupa",
     ["tombol lupa akun", "Kode verifikasi", "175"], []),
    ("ask_jmo_account", "forgot which JMO account I registered with",
     ["forgotten-account button", "verification code", "175"], []),
    ("ask_jmo_face", "verifikasi wajah di jmo gagal terus",
     ["biometrik", "cari tempat yang terang", "hadapkan wajah lurus ke kamera",
      "pegang ponsel dengan stabil"], ["Lupa password"]),
    ("ask_jmo_face", "face recognition keeps failing in jmo",
     ["biometric", "find good light", "face the camera straight on", "hold the phone steady"],
     []),
    ("ask_lost_card", "kartu bpjs tk sy hilang",
     ["Kartu Digital", "nomor KPJ", "aplikasi JMO"], ["Lupa password"]),
    # names BPJS Ketenagakerjaan: the official FAQ's entry on a lost card answers it
    ("ask_lost_card", "I lost my BPJS Ketenagakerjaan card",
     ["duplicate card", "digital card", "JMO app", "(Source: the official"], []),
    ("ask_jmo_phone", "nomor hp kamek yg lama udah ndak aktif, kode otp ndak masok",
     ["kode OTP tidak masuk", "pembaruan data", "175"], ["Kartu Digital"]),
    ("ask_jmo_phone", "the OTP code never arrives, my old phone number is inactive",
     ["OTP code does not arrive", "data-update feature", "175"], []),
    ("ask_jmo_error", "jmo sy ga bisa dibuka dr kemarin, loading terus",
     ["gangguan pada aplikasi JMO", "175", "care@bpjsketenagakerjaan.go.id"], ["Lupa password"]),
    ("ask_jmo_error", "the JMO app crashes every time I open it",
     ["problems with the JMO app", "175", "care@bpjsketenagakerjaan.go.id"], []),
    # BSU year by year (the clock says 2026-11-30)
    ("ask_bsu_year", "besaran bsu tahun 2025 brp",
     ["Permenaker 5/2025", "Rp600.000 per pekerja", "Rp300.000 per bulan", "16.048.472",
      "Tidak ada BSU tahap kedua pada 2025"], ["12.111.906"]),
    ("ask_bsu_year", "how much was the BSU in 2025?",
     ["Permenaker 5/2025", "IDR 600,000 per worker", "IDR 300,000 a month", "16,048,472"],
     ["12,111,906"]),
    ("ask_bsu_year", "was there a BSU wage subsidy in 2023",
     ["There was no BSU in 2023", "bsu.kemnaker.go.id", "175"], ["IDR 600,000"]),
    ("ask_bsu_year", "bsu thn 2024 ada ga",
     ["Saya tidak punya data BSU untuk tahun 2024", "BSU 2022 ada", "2023 tidak ada BSU",
      "BSU 2025 ada", "bsu.kemnaker.go.id", "175"], ["Rp600.000", "Permenaker"]),
    ("ask_bsu_year", "bsu 2022 cair brp dulu",
     ["Permenaker 10/2022", "Rp600.000", "12.111.906", "27 Desember 2022"], ["16.048.472"]),
    ("ask_bsu_year", "was BSU paid in 2022?",
     ["Permenaker 10/2022", "IDR 600,000", "12,111,906", "27 December 2022"], ["16,048,472"]),
    ("ask_bsu_year", "is there BSU in 2027",
     ["I have no BSU data for 2027", "no new BSU policy", "bsu.kemnaker.go.id"], ["IDR 600,000"]),
    ("ask_bsu_rules", "syarat dapat bsu 2025 apa aja ya",
     ["Permenaker Nomor 5 Tahun 2025", "paling banyak Rp3,5 juta", "sampai April 2025", "BSI"],
     ["12.111.906"]),
    ("ask_bsu_rules", "who was eligible for the BSU in 2025?",
     ["Permenaker) No. 5 of 2025", "earn at most IDR 3.5 million", "up to April 2025",
      "Bank Syariah Indonesia"], ["12,111,906"]),
    # official channels: no WhatsApp number, ever
    ("ask_contact", "how can I contact BPJS Ketenagakerjaan, what's the call centre number",
     ["call centre 175", "24 hours a day, every day", "care@bpjsketenagakerjaan.go.id",
      "bpjsketenagakerjaan.go.id", "@BPJSTKinfo", "WhatsApp chatbot 0813-8007-0175"], []),
    ("ask_contact", "alamat email resmi bpjs ketenagakerjaan apa?",
     ["care@bpjsketenagakerjaan.go.id", "call centre 175", "24 jam setiap hari",
      "@bpjs.ketenagakerjaan"], []),
    # office details: the office named, "not in my data", never an invented time or street
    ("ask_office_details", "jam buka kantor bpjs ketenagakerjaan di putussibau",
     ["Kantor Cabang Kapuas Hulu", "belum ada di data saya", "call centre 175"], []),
    ("ask_office_details", "what are the opening hours of the bpjs office in sanggau",
     ["Sanggau branch office", "do not have the address", "175"], []),
    ("ask_office_details", "alamat lengkap kantor bpjs tk singkawang dimana, ada no telp nya?",
     ["Kantor Cabang Singkawang", "belum ada di data saya", "175"], []),
    # complaints and disputes: no ruling, the channels
    ("ask_complaint", "perusahaan sy ga daftarin sy ke bpjs tk, mau lapor kemana",
     ["tidak bisa menilai", "fitur pengaduan", "care@bpjsketenagakerjaan.go.id", "175"], []),
    ("ask_complaint",
     "my employer deducts BPJS from my salary but never pays the contributions, where do I "
     "report this",
     ["cannot judge", "complaint feature", "care@bpjsketenagakerjaan.go.id", "175"], []),
]


@pytest.mark.parametrize("kind, message, must, must_not", SINGLE,
                         ids=[f"{c[0]}: {c[1][:40]}" for c in SINGLE])
def test_single_question(bots, kind, message, must, must_not):
    intent = "ask_bsu_year" if kind == "ask_bsu_rules" else kind
    reply = Reply(bots[NOW], new_sender(), message)
    check(reply, must, [*must_not, *foreign_facts([intent])])
    assert not reply.text.startswith("Bisa."), f"a 'yes' nobody asked for{reply}"
    assert len(reply.bot_texts) == 1, f"one answer expected{reply}"


# --- answers that must hold more (or less) than a template -----------------------------------

NO_PHONE_NUMBER = re.compile(r"(\+62|\b0)8\d[\d\- ]{6,}")
TIME_OF_DAY = re.compile(r"\b\d{1,2}[.:]\d{2}\b")


WHATSAPP = ["nomor whatsapp bpjs tk ada?", "minta nomor whatsapp cs bpjs ketenagakerjaan dong",
            "what is the official whatsapp number of bpjs ketenagakerjaan"]


@pytest.mark.parametrize("message", WHATSAPP)
def test_whatsapp_question_offers_only_the_official_chatbot(bots, message):
    reply = Reply(bots[NOW], new_sender(), message)
    check(reply, ["0813-8007-0175", "175", "care@bpjsketenagakerjaan.go.id"],
          foreign_facts(["ask_contact"]))
    numbers = [m.group() for m in NO_PHONE_NUMBER.finditer(reply.text)]
    assert all(n.strip() == "0813-8007-0175" for n in numbers), f"another number offered{reply}"
    assert "wa.me" not in reply.text and "+62" not in reply.text, reply


OFFICE_HOURS = ["kantor bpjs tk di sintang bukak jam berape?",
                "kantor bpjs ketenagakerjaan sintang jam brp tutupnya"]


@pytest.mark.parametrize("message", OFFICE_HOURS)
def test_office_hours_of_a_named_regency(bots, message):
    reply = Reply(bots[NOW], new_sender(), message)
    general = "Senin–Jumat pukul 08.00–15.30"  # the official FAQ's hours of branch offices
    check(reply, ["Kantor Cabang Sintang", "belum ada di data saya", general, "bisa berbeda",
                  "call centre 175"], foreign_facts(["ask_office_details"]))
    invented = TIME_OF_DAY.findall(reply.text.replace(general, ""))
    assert not invented, f"an opening time of this office {invented}{reply}"
    assert not re.search(r"\bJl\.|\bJalan\b", reply.text), f"a street{reply}"


COMPLAINTS_NAMING_A_PLACE = [
    ("hrd menolak urus klaim kecelakaan sy di ngabang, sy mau komplain",
     "Kecamatan Ngabang, Kab. Landak", "Unit Layanan Landak"),
    ("klaim jht sy ditolak, mau komplain, sy tinggal di sambas",
     "Kabupaten Sambas", "Unit Layanan Perbatasan Sambas"),
]


@pytest.mark.parametrize("message, place, office", COMPLAINTS_NAMING_A_PLACE)
def test_complaint_naming_a_place_gets_the_nearest_office(bots, message, place, office):
    reply = Reply(bots[NOW], new_sender(), message)
    check(reply, ["tidak bisa menilai", "fitur pengaduan", "care@bpjsketenagakerjaan.go.id",
                  f"Untuk {place}", f"terdekat adalah {office}"],
          foreign_facts(["ask_complaint"], also=["offices"]), ordered=True)
    assert len(reply.bot_texts) == 1, f"the office is part of the one answer{reply}"


HOAXES = [
    ("ada broadcast katanya bsu tahap 3 cair rp 900 rb, daftar di "
     "https://bsu-kemnaker.cair-id.site/daftar biar dpt, beneran ga",
     "https://bsu-kemnaker.cair-id.site/daftar", "cair-id.site",
     ["tidak bisa memastikan", "tidak saya buka atau teruskan",
      "BSU tidak perlu didaftarkan sendiri",
      "bsu.kemnaker.go.id", "Jangan klik tautannya"]),
    ("someone forwarded me a BSU chain message with a link http://subsidi-upah2026.xyz/cek-nik "
     "to check my name, is this a hoax?",
     "http://subsidi-upah2026.xyz/cek-nik", "subsidi-upah2026.xyz",
     ["cannot confirm", "do not open or pass on its link", "nobody registers for BSU",
      "bsu.kemnaker.go.id", "Do not click the link"]),
]


@pytest.mark.parametrize("message, url, domain, must", HOAXES, ids=["id", "en"])
def test_hoax_link_is_never_echoed(bots, message, url, domain, must):
    reply = Reply(bots[NOW], new_sender(), message)
    check(reply, must, [url, domain, domain.split(".")[0], "http://", "https://",
                        *foreign_facts(["report_hoax"])])


# --- several questions in one message ------------------------------------------------------------

# (name, kinds in order, message, facts in the order they must come)
MULTI = [
    ("lost card then password", ["ask_lost_card", "ask_jmo_password"],
     "kartu bpjs sy hilang. trs lupa password jmo jg",
     ["Kartu Digital", '"Lupa password"']),
    ("bsu year then partial jht", ["ask_bsu_year", "ask_jht_partial"],
     "bsu 2025 brp? jht bisa diambil sebagian ga?",
     ["Permenaker 5/2025", "Rp600.000", "paling banyak 30%"]),
    ("bpu then office hours", ["ask_bpu", "ask_office_details"],
     "berapa iuran bpu sebulan? kantor bpjs tk di sanggau buka jam brp?",
     ["Rp16.800", "Kantor Cabang Sanggau", "belum ada di data saya"]),
    ("what is jht then payout, english", ["ask_jht", "ask_jht_payout"],
     "what is JHT? when can I cash it out after resigning?",
     ["old-age savings", "waiting period of 1 month"]),
    ("face check then bsu 2024, english", ["ask_jmo_face", "ask_bsu_year"],
     "face verification in JMO keeps failing; also is there BSU in 2024?",
     ["find good light", "I have no BSU data for 2024"]),
    ("password then dead phone", ["ask_jmo_password", "ask_jmo_phone"],
     "lupa password jmo gmn? nomor hp lama sy juga udh mati",
     ["tombol lupa kata sandi", "pembaruan data"]),
]


@pytest.mark.parametrize("name, kinds, message, in_order", MULTI, ids=[m[0] for m in MULTI])
def test_several_questions_in_one_message(bots, name, kinds, message, in_order):
    reply = Reply(bots[NOW], new_sender(), message)
    also = ["channels"] if "ask_office_details" in kinds else []
    check(reply, in_order, foreign_facts(kinds, also=also), ordered=True)
    # one answer: Rasa's REST channel shows its paragraphs as separate messages, but the action
    # sent one message holding every answer, in the order asked
    assert len(reply.bot_texts) == 1, f"one bot message expected{reply}"
    positions = [reply.bot_texts[0].find(t) for t in in_order]
    assert -1 not in positions and positions == sorted(positions), reply
    assert [q["intent"] for q in reply.questions] == kinds, reply


# --- follow-ups in one conversation -----------------------------------------------------------

FOLLOW_UPS = [
    ("bsu 2025, then 2023, then thanks", [
        ("bsu 2025 cair brp per orang", ["Permenaker 5/2025", "Rp600.000"], ["ask_bsu_year"]),
        ("kalau tahun 2023 ada bsu ga?", ["Tidak ada BSU pada 2023", "bsu.kemnaker.go.id"],
         ["ask_bsu_year"]),
        ("makasih min", ["Sama-sama"], None)]),
    ("password, then lost card, then jht documents", [
        ("lupa password jmo sy", ["tombol lupa kata sandi"], ["ask_jmo_password"]),
        ("kalau kartu peserta sy hilang gmn?", ["Kartu Digital"], ["ask_lost_card"]),
        ("trus berkas klaim jht apa aja", ["KTP", "bukti sudah berhenti bekerja"],
         ["ask_jht_documents"])]),
    ("migrant, then informal worker", [
        ("pekerja migran bisa ikut bpjs tk?",
         ["pekerja migran Indonesia", "iuran PMI berapa?"],
         ["ask_migrant_worker"]),
        ("kalau pekerja informal iurannya brp", ["Rp16.800", "Rp36.800"], ["ask_bpu"])]),
    ("jht in english, then 'part of it'", [
        ("what's JHT anyway?", ["old-age savings"], ["ask_jht"]),
        ("can I take part of it while I'm still working?", ["up to 10%", "up to 30%"],
         ["ask_jht_partial"])]),
    # a requirements follow-up leans on the FAQ topic of the conversation
    ("death benefit, then its documents", [
        ("klo peserta meninggal keluarganya dapet brp", ["48 kali upah", "Rp42 juta"],
         ["ask_death_benefit"]),
        # the JKM claim documents, read with the question before (with fewer examples it was
        # the honest reply on JKM with that entry as the first button; test_knowledge allows
        # both)
        ("dokumennya apa aja?", ["klaim JKM", "surat kematian"], ["ask_death_benefit"])]),
    ("jht, then its requirements", [
        ("jht tu ape sebenarnya", ["Jaminan Hari Tua", "56 tahun"], ["ask_jht"]),
        ("syaratnya apa?", ["KTP", "bukti sudah berhenti bekerja"], ["ask_jht_documents"])]),
]


# Follow-ups that lean on the question before an intent's own answer, ask within a group of
# participants (actions/faq.py asks_within_group) or ask for the percentages the answer before
# states: (name, [(message, must, must_not)]).
QUESTION_BEFORE_FOLLOW_UPS = [
    # a message that only asks for the other language: the answer before again in it
    ("jht balance in english, then 'in Indonesian please'", [
        ("how do i check my JHT balance?", ["sso.bpjsketenagakerjaan.go.id"], []),
        ("and in Indonesian please?", ["ini jawaban tadi dalam Bahasa Indonesia", "saldo JHT",
                                       "sso.bpjsketenagakerjaan.go.id"], NOT_UNDERSTOOD),
        ("in english please", ["here is that answer in English", "JHT balance"], NOT_UNDERSTOOD)]),
    # a follow-up that only names a programme or group asks the question before again of it,
    # whatever intent the model chose (faq.answer_asked_again)
    ("jkk fee, then 'kalau pekerja migran?'", [
        ("berapa iuran jkk", ["0,24%"], []),
        ("kalau pekerja migran?", ["Rp37.500"], ["0,24%"])]),
    ("jht fee in english, then 'what about pension?'", [
        ("how much is the JHT contribution?", ["5.7%"], []),
        ("what about pension?", ["3%"], ["5.7%"] + NOT_UNDERSTOOD)]),
    ("jht documents, then 'klo yg pekerja informal?'", [
        ("syarat klaim jht apa aja", ["KTP"], []),
        # no BPU entry gives the JHT claim documents: the honest reply on BPU, not the BPU fee
        ("klo yg pekerja informal?", ["persis itu tentang peserta bukan penerima upah", "175"],
         ["Daftar sendiri lewat aplikasi JMO"])]),
    ("bpu fee, then 'plus jht'", [
        ("iuran bpu brp?", ["Rp16.800"], []),
        # BPU's own entry or the honest reply on BPU; never the wage earners' JHT fee
        ("plus jht brp?", ["bukan penerima upah"], ["5,7%", "pekerja penerima upah, iuran JHT"])]),
    ("bpu fee in english, then 'and JHT?'", [
        ("how much is the BPU fee per month?", ["IDR 16,800"], []),
        ("and for JHT?", ["informal workers (BPU)"], ["5.7%", "turns 56"])]),
    ("pmi fee, then 'and jht?'", [
        ("iuran pmi brp?", ["Rp13.500"], []),
        # a PMI entry or the honest reply on PMI; not JHT for everyone (paid in full at 56)
        ("klo jht nya?", ["PMI"], ["56 tahun"])]),
    ("jht documents, then 'by proxy?'", [
        ("syarat klaim jht apa aja", ["KTP", "bukti sudah berhenti bekerja"], []),
        ("bisa diwakilkan?", ["dikuasakan", "rekening atas nama peserta"], ["Tracking Klaim"])]),
    ("jht documents in english, then 'someone else?'", [
        ("what documents do I need to claim JHT?", ["KTP"], []),
        ("can someone else submit it?", ["account in the participant's own name"],
         NOT_UNDERSTOOD)]),
    ("self-employed registration in english, then 'my wife too?'", [
        ("I am a grab driver, how do I register as self-employed?", ["IDR 16,800"], []),
        ("can my wife do it too?", [], ["destination country"] + NOT_UNDERSTOOD)]),
    # the percentages the answer before states, not the JHT contribution rate
    ("partial jht, then 'brp persen?'", [
        ("jht bisa diambil sebagian ga?", ["30%", "10%"], []),
        ("brp persen?", ["30%", "10%"], ["5,7%"])]),
    ("partial jht in english, then 'what percent?'", [
        ("can I take some of my JHT out while still employed?", ["30%", "10%"], []),
        ("what percent?", ["30%", "10%"], ["5.7%"])]),
    # eight words in English are still a follow-up (faq.is_follow_up_length): on BSU, not the
    # membership check at a hospital
    ("what BSU is in english, then 'how do I check if I got it?'", [
        ("what is BSU?", ["wage subsidy"], []),
        ("how do I check if I got it?",
         ["do not have the answer to that exact question about the wage subsidy (BSU)", "175"],
         ["e-PLKK"] + NOT_UNDERSTOOD)]),
    # placed on BSU unsure (faq.leans_on_another_topic): the JKK death benefit
    ("jkk benefits in english, then 'what about if the worker dies?'", [
        ("what does the work accident insurance cover exactly?", ["IDR 5 million"], []),
        ("what about if the worker dies?", ["60% × 80 months"], ["Bantuan Subsidi Upah", "218,132"])]),
    # an accident on the way to work is beyond the JKK benefits' answer (faq.ON_THE_WAY); a
    # short follow-up the model does not place gets the honest reply on JKK, not "I did not
    # understand" (faq.known_short_message)
    ("jkk on the way to work, then 'klo cacat dpt santunan brp?'", [
        ("klo kecelakaan pas berangkat kerja naik motor, ditanggung jkk ga?", [], ["PP 82/2019"]),
        ("klo cacat dpt santunan brp?", ["Jaminan Kecelakaan Kerja (JKK)", "175"], NOT_UNDERSTOOD)]),
    ("a contribution question the coverage intent takes", [
        ("iuran bpjs tk brp persen", ["belum punya jawabannya", "175"], ["31,98%"])]),
    # a follow-up that points back (faq.REFERS_BACK), placed in the JKK benefits however sure:
    # on the migrant workers, not the JKK list for everyone
    ("pmi fee, then 'what does it cover?'", [
        ("iuran pmi berapa?", ["Rp37.500"], []),
        ("what does it cover?", ["migrant workers"], ["IDR 2 million by sea"] + NOT_UNDERSTOOD)]),
    # placed in the intent that just answered (faq.repeats_last_answer): not the same amounts again
    ("death benefit, then 'ahli warisnya siapa aja?'", [
        ("santunan kematian jkm brp?", ["Rp42 juta"], []),
        ("ahli warisnya siapa aja?", ["Jaminan Kematian (JKM)", "175"],
         ["48 kali upah"] + NOT_UNDERSTOOD)]),
    # "where", not "how many?" (followup.NOT_A_COUNT): where to pay, not the fee again
    ("bpu fee, then 'bayarnye dimane?'", [
        ("iuran bpu brp sebulan?", ["Rp16.800"], []),
        ("bayarnye dimane?", ["Indomaret", "Kantor Pos"], ["Rp16.800"] + NOT_UNDERSTOOD)]),
    ("jkp requirements, then 'dapetnya brp?'", [
        ("syarat dapat jkp apa aja?", ["12 bulan dalam 24 bulan"], []),
        ("dapetnya brp?", ["60%", "Rp5 juta"], NOT_UNDERSTOOD)]),
]


@pytest.mark.parametrize("name, turns", QUESTION_BEFORE_FOLLOW_UPS,
                         ids=[f[0] for f in QUESTION_BEFORE_FOLLOW_UPS])
def test_follow_ups_that_lean_on_the_question_before(bots, name, turns):
    sender = new_sender()
    for message, must, must_not in turns:
        check(Reply(bots[NOW], sender, message), must, must_not)


@pytest.mark.parametrize("name, turns", FOLLOW_UPS, ids=[f[0] for f in FOLLOW_UPS])
def test_follow_ups_in_one_conversation(bots, name, turns):
    sender = new_sender()
    for message, must, kinds in turns:
        reply = Reply(bots[NOW], sender, message)
        check(reply, must, foreign_facts(kinds) if kinds else NOT_UNDERSTOOD)


# --- "this year" against a faked clock ----------------------------------------------------------

CLOCK = [
    (MID_2025, "bsu tahun ini ada?",
     ["BSU 2025 diatur dalam Permenaker 5/2025", "Rp600.000 per pekerja", "16.048.472"],
     ["Saya tidak punya data BSU"]),
    (MID_2025, "will there be a BSU wage subsidy this year?",
     ["BSU 2025 was set by Permenaker 5/2025", "IDR 600,000 per worker", "16,048,472"],
     ["I have no BSU data"]),
    (MID_2025, "bsu taun ini cair brp?",
     ["Permenaker 5/2025", "Rp600.000"], ["Saya tidak punya data BSU"]),
    (NOW, "bsu tahun ini ada?",
     ["Saya tidak punya data BSU untuk tahun 2026", "belum ada kebijakan BSU baru",
      "BSU 2025 ada", "bsu.kemnaker.go.id", "175"], ["Rp600.000", "Permenaker 5/2025"]),
    (NOW, "will there be a BSU wage subsidy this year?",
     ["I have no BSU data for 2026", "no new BSU policy", "BSU 2025 was paid",
      "bsu.kemnaker.go.id"], ["IDR 600,000", "Permenaker 5/2025"]),
]


@pytest.mark.parametrize("day, message, must, must_not", CLOCK,
                         ids=[f"{c[0]}: {c[1]}" for c in CLOCK])
def test_this_year_follows_the_clock(bots, day, message, must, must_not):
    reply = Reply(bots[day], new_sender(), message)
    check(reply, must, [*must_not, *foreign_facts(["ask_bsu_year"])])


# --- a question with clauses around it ------------------------------------------------------

# Only the question is answered: a clause the model calls out of scope ('I quit my job.'), a
# context clause ('sy mau jd TKI, ...'), half of a decimal number ('1,2 juta') is no question.
CLAUSES_AROUND_ONE_QUESTION = [
    ("out_of_scope clause answered", "ask_jht_payout",
     "I resigned last month. When can I withdraw my JHT?",
     ["waiting period of 1 month"], ["outside what I can answer"]),
    ("one question inside an out-of-scope message", "ask_jht_payout",
     "I quit my job last month. How long do I have to wait before I can withdraw my JHT?",
     ["waiting period of 1 month"], ["outside what I can answer"]),
    ("context clause answered as informal worker", "ask_migrant_worker",
     "sy mau berangkat jd TKI ke brunei, bs ikut bpjs tk ga",
     ["Calon PMI dan PMI juga wajib terdaftar"], ["Rp16.800", "Bukan Penerima Upah"]),
    ("context clause answered as informal worker, Pontianak Malay", "ask_migrant_worker",
     "kamek nak kerje ke sarawak jadi pekerja migran, bise ikut bpjs tk ndak",
     ["Calon PMI dan PMI juga wajib terdaftar"], ["Rp16.800", "Bukan Penerima Upah"]),
    ("decimal comma splits a hoax", "report_hoax",
     "ada pesan wa katanya bsu cair 1,2 juta cek nama di http://bsu-cair2026.info/cek beneran kah?",
     ["tidak bisa memastikan", "Jangan klik tautannya"],
     ["Saya tidak punya data BSU", "bsu-cair2026", "http://"]),
]


@pytest.mark.parametrize("name, kind, message, must, must_not", CLAUSES_AROUND_ONE_QUESTION,
                         ids=[b[0] for b in CLAUSES_AROUND_ONE_QUESTION])
def test_one_question_with_a_clause_around_it_gets_one_answer(bots, name, kind, message, must,
                                                               must_not):
    reply = Reply(bots[NOW], new_sender(), message)
    check(reply, must, [*must_not, *foreign_facts([kind])])
    # one bot message (a knowledge answer's source line is a paragraph of it, which Rasa's REST
    # channel sends as a message of its own)
    assert len(reply.bot_texts) == 1, f"one answer expected{reply}"


# --- held-out questions of the official FAQ, end to end ------------------------------------------

# Floors just under what the bot reaches on four held-out sets of the knowledge base, replies
# judged as the user gets them (scripts/evaluate_knowledge.py --end-to-end: the entry that answers,
# another entry, the honest reply, "I did not understand", an intent's own answer). fresh12 to
# fresh14 were written blind: a failure prints only figures. (2026-12-07, night: fresh11 0.745
# right / 0.026 wrong, fresh12 0.746 / 0.025, fresh13 0.743 / 0.030, fresh14 0.730 / 0.023.)
END_TO_END_FLOORS = {"knowledge_holdout_fresh11": (0.72, 0.035),
                     "knowledge_holdout_fresh12": (0.72, 0.035),
                     "knowledge_holdout_fresh13": (0.72, 0.035),
                     "knowledge_holdout_fresh14": (0.71, 0.035)}


@pytest.mark.parametrize("name", sorted(END_TO_END_FLOORS))
def test_held_out_faq_questions_end_to_end(bots, name):
    from actions import knowledge
    from actions.facts import load_facts
    from scripts import evaluate_knowledge

    facts = load_facts()
    holdout = evaluate_knowledge.load_holdout(evaluate_knowledge.PROJECT_ROOT / "tests" / f"{name}.yml")
    figures = evaluate_knowledge.end_to_end(
        knowledge.load_knowledge(facts), facts, holdout,
        lambda message: [m.get("text") or "" for m in send(new_sender(), message, bots[NOW])])["all"]
    right_floor, wrong_ceiling = END_TO_END_FLOORS[name]
    assert figures["right_on_answerable"] >= right_floor, figures
    assert figures["wrong_of_all"] <= wrong_ceiling, figures


# --- the suite itself --------------------------------------------------------------------------

# kinds each test function asks, besides SINGLE and MULTI
OTHER_KINDS = (["ask_contact"] * len(WHATSAPP) + ["ask_office_details"] * len(OFFICE_HOURS)
               + ["ask_complaint"] * len(COMPLAINTS_NAMING_A_PLACE)
               + ["report_hoax"] * len(HOAXES) + ["ask_bsu_year"] * len(CLOCK))


def test_every_kind_is_asked_at_least_twice():
    kinds = ([c[0] for c in SINGLE] + [k for c in MULTI for k in c[1]] + OTHER_KINDS
             + [k for _, turns in FOLLOW_UPS for _, _, ks in turns for k in ks or []])
    for kind in GROUP:
        assert kinds.count(kind) >= 2, kind


def test_enough_conversations():
    conversations = len(SINGLE) + len(OTHER_KINDS) + len(MULTI) + len(FOLLOW_UPS)
    assert conversations >= 45 and len(MULTI) >= 4 and len(FOLLOW_UPS) >= 2
