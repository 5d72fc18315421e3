"""Live conversations: the trained model and the action server on loopback, talked to through
Rasa's REST channel. Each turn asserts the facts in the bot's reply. Needs `make train` first
(`make test` does it)."""

import uuid

import pytest
import yaml

from servers import action_server, say

PLKK_TYPES_ID = "54 puskesmas, 2 klinik, 11 RSUD"

# (name, [(message, [texts the reply must contain])])
CONVERSATIONS = [
    ("greeting and menu", [
        ("halo min", ["Halo, selamat datang!", "BPJS Ketenagakerjaan", "Kalimantan Barat"])]),
    ("english greeting", [("hi there, good morning", ["Hello and welcome!"])]),
    ("office list", [
        ("kantor bpjs tk di kalbar ada dimana aja",
         ["6 Kantor Cabang: Pontianak, Singkawang, Sanggau, Ketapang, Sintang, dan Kapuas Hulu",
          "8 unit layanan"])]),
    ("office count, colloquial", [("brp jumlah kntr bpjamsostek di kalbar", ["6 Kantor Cabang", "8 unit layanan"])]),
    ("office list in english", [
        ("list of bpjs ketenagakerjaan offices in west kalimantan", ["6 branch offices", "8 service units"])]),
    ("nearest office from a district", [
        ("kantor bpjs terdekat dari anjongan",
         ["Kecamatan Anjongan, Kab. Mempawah", "Unit Layanan Mempawah", "sekitar 21 km",
          "Kantor Cabang Pontianak"])]),
    ("nearest office then follow-up place", [
        ("kntr bpjs tk di sintang dmn", ["Kantor Cabang Sintang"]),
        ("kalau di ketapang?", ["Kabupaten Ketapang", "Kantor Cabang Ketapang"])]),
    ("nearest office asks for the place", [
        ("kantor bpjs terdekat dimana ya", ["Boleh tahu Anda berada di mana?"]),
        ("ngabang", ["Kecamatan Ngabang, Kab. Landak", "Unit Layanan Landak"])]),
    ("seat towns", [
        ("kantor terdekat dari putussibau", ["Kantor Cabang Kapuas Hulu"]),
        ("klo nanga pinoh gmn", ["Unit Layanan Melawi"]),
        ("sukadana", ["Unit Layanan Kayong Utara"])]),
    ("kubu raya has no office", [
        ("kantor bpjs di kubu raya dimana", ["Kantor Cabang Pontianak",
                                             "Kabupaten Kubu Raya belum memiliki kantor"])]),
    ("village", [("sy di desa peniti luar", ["Desa Peniti Luar", "Kantor Cabang Pontianak"])]),
    ("a place given earlier answers a later office request", [
        ("sy tinggal di sanggau", ["Kantor Cabang Sanggau"]),
        ("kantor bpjs tk dmn", ["Kantor Cabang Sanggau", "tempat yang Anda sebut tadi"])]),
    ("a place given in passing, in english", [
        ("hi, I live in Sambas. I got hurt at work last week, where can I get treated?", ["PLKK"]),
        ("where is the nearest bpjs office?", ["Kabupaten Sambas", "the place you gave earlier"])]),
    ("an office question the model could not place", [
        ("Is there a BPJS office in Putussibau? I live in Kapuas Hulu", ["the Kapuas Hulu branch office"])]),
    ("postal code", [("kode pos 78557", ["kode pos 78557", "Unit Layanan Entikong"])]),
    ("ambiguous place, button", [
        ("sungai raya", ['bernama "Sungai Raya"']),
        ('/inform_place{"place": "611201"}', ["Kab. Kubu Raya", "Kantor Cabang Pontianak"])]),
    ("ambiguous place, typed", [
        ("sungai jawi", ['bernama "Sungai Jawi"']),
        ("yg di ketapang", ["Kab. Ketapang", "Kantor Cabang Ketapang"])]),
    ("typo in the place and the words", [
        ("kantor bpjs ketenagakrjaan terdekar dr sinkawang", ["Kantor Cabang Singkawang"])]),
    ("outside kalbar", [("kantor bpjs di jakarta", ["Jakarta berada di luar Kalimantan Barat", "175"])]),
    ("nearest office in english", [
        ("where is the nearest bpjs office to sanggau", ["the Sanggau branch office"])]),
    ("telegram location", [
        ('{"lng": 109.33, "lat": -0.02}', ["lokasi Anda", "Kantor Cabang Pontianak"])]),
    ("web location payload", [
        ('/share_location{"lat": 0.9, "lon": 108.98}', ["Kantor Cabang Singkawang"])]),
    ("plkk definition then count follow-up", [
        ("apa itu plkk", ["Pusat Layanan Kecelakaan Kerja", "PP 44/2015"]),
        ("di kalbar ada berapa?", ["79 fasilitas kesehatan", PLKK_TYPES_ID])]),
    ("plkk count", [("ada berapa faskes yg kerjasama bpjs tk", ["79", PLKK_TYPES_ID])]),
    ("plkk one type", [("berapa puskesmas yang jadi plkk", ["ada 54 puskesmas"])]),
    ("plkk in english", [("how many PLKK hospitals are there", ["79 first-level and advanced"])]),
    ("work accident treatment", [
        ("sy jatuh waktu kerja, berobat kemana ya", ["PLKK terdekat", "79 PLKK", "175"])]),
    ("find a plkk", [("plkk terdekat dimana", ["belum tersedia", "JMO", PLKK_TYPES_ID])]),
    ("jmo features", [("aplikasi jamsostek mobile bisa apa aja", ["Cek saldo JHT", "Tracking klaim"])]),
    ("jmo single feature", [("bisa bayar iuran lewat jmo?", ["Bisa.", "Pembayaran iuran"])]),
    ("jmo in english", [("what is the JMO app", ["JMO (Jamsostek Mobile) is", "Pay contributions"])]),
    ("bsu", [
        ("apa itu bsu", ["Bantuan Subsidi Upah", "Rp131 miliar", "218.132 pekerja"]),
        ("syaratnya apa aja", ["Permenaker 10/2022", "Rp600.000", "Rp3,5 juta"])]),
    ("bsu, then other years in few words", [
        ("bsu 2022 brp?", ["BSU 2022", "Rp600.000"]),
        ("kalau 2023?", ["Tidak ada BSU pada 2023"]),
        ("trus yg thn 2025?", ["BSU 2025", "Permenaker 5/2025"])]),
    ("plkk, then a place", [
        ("plkk tu ape bah?", ["Pusat Layanan Kecelakaan Kerja"]),
        ("yg di ketapang ade ke?", ["Daftar nama fasilitas PLKK", "Kantor Cabang Ketapang"])]),
    ("plkk in english, then a count in few words", [
        ("what is PLKK", ["Pusat Layanan Kecelakaan Kerja"]),
        ("total di kalbar?", ["79 fasilitas kesehatan", PLKK_TYPES_ID])]),
    ("bsu figures", [("brp total bsu di kalbar", ["Rp131 miliar", "218.132 pekerja"])]),
    ("bsu in english", [("how much BSU was paid in west kalimantan", ["IDR 131 billion", "218,132 workers"])]),
    ("coverage", [("cakupan kepesertaan bpjs tk di kalbar brp persen", ["31,98%"])]),
    ("bpjs kesehatan", [("kartu kis saya hilang gmn", ["BPJS Kesehatan adalah badan yang berbeda"])]),
    ("out of scope", [("resep rendang padang dong", ["175"])]),
    ("bot challenge, thanks, goodbye", [
        ("kamu robot ya", ["bukan petugas manusia"]),
        ("makasih ya", ["Sama-sama"]),
        ("dadah", ["175"])]),
    ("bad input", [
        ("", ["belum berisi pertanyaan"]),
        ("😀😀😀", ["belum berisi pertanyaan"]),
        ("x" * 3000, ["Pesan Anda terlalu panjang, jadi hanya 2.000 karakter pertama"]),
        ("'; DROP TABLE events; --", ["175"]),
        ("apa itu jmo", ["Jamsostek Mobile"])]),
]


@pytest.fixture(scope="module")
def bot(project_bot):
    """Rasa and the action server (shared with other modules, tests/conftest.py); yields the
    action server."""
    return project_bot.actions


def test_enough_conversations():
    assert len(CONVERSATIONS) >= 30


@pytest.mark.parametrize("name, turns", CONVERSATIONS, ids=[c[0] for c in CONVERSATIONS])
def test_conversation(bot, name, turns):
    sender = f"live-{uuid.uuid4().hex[:8]}"
    for message, expected in turns:
        reply = say(sender, message)
        for text in expected:
            assert text in reply, f"{message[:60]!r}: {text!r} not in reply {reply!r}"


def test_a_changed_facts_file_changes_the_answer_without_retraining(bot, tmp_path):
    from actions.facts import DEFAULT_FACTS_FILE

    facts = yaml.safe_load(DEFAULT_FACTS_FILE.read_text(encoding="utf-8"))
    facts["coverage"]["percent"] = 44.25
    facts["plkk"]["by_type"][0]["count"] += 6
    facts["plkk"]["total"] += 6
    changed = tmp_path / "facts.yml"
    changed.write_text(yaml.safe_dump(facts, allow_unicode=True), encoding="utf-8")
    sender = f"live-{uuid.uuid4().hex[:8]}"
    assert "31,98%" in say(sender, "cakupan jamsostek di kalbar brp persen")
    bot.stop()  # the same port, now served from the changed file; Rasa keeps running
    try:
        with action_server(changed):
            assert "mencapai 44,25%" in say(sender, "cakupan jamsostek di kalbar brp persen")
            assert "85 fasilitas kesehatan" in say(sender, "ada berapa plkk di kalbar")
    finally:
        bot.start()
