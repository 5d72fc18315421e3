"""Every custom action, on tracker fixtures: the exact facts in the text it dispatches, in
Indonesian and English, and the slots it sets for follow-ups."""

import asyncio

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.bsu import ActionBsu, ActionBsuKalbar, ActionBsuRules
from actions.coverage import ActionCoverage
from actions.facts import DEFAULT_FACTS_FILE, reset_cache
from actions.followup import ActionHowMany, ActionRequirements
from actions.jmo import ActionJmo, ActionJmoFeature
from actions.offices import ActionNearestOffice, ActionOffices
from actions.plkk import ActionPlkkCount, ActionPlkkDefinition, ActionPlkkFind, ActionPlkkTreatment
from actions.small_talk import (ActionBotChallenge, ActionBpjsKesehatan, ActionFallback,
                                ActionGoodbye, ActionGreet, ActionHelp, ActionOutOfScope,
                                ActionThanks)
from conftest import make_tracker, reply_text, run_action

PLKK_BREAKDOWN_ID = ("54 puskesmas, 2 klinik, 11 RSUD (rumah sakit umum daerah), "
                     "1 rumah sakit TNI/Polri, dan 11 rumah sakit swasta")


def test_offices_list_indonesian():
    text = reply_text(ActionOffices(), "kntr bpjs tk di kalbar ada dmn aja")
    assert "Per Januari 2023" in text
    assert ("6 Kantor Cabang: Pontianak, Singkawang, Sanggau, Ketapang, Sintang, dan Kapuas Hulu"
            in text)
    assert ("8 unit layanan untuk peserta di Bengkayang, Kayong Utara, Landak, Melawi, Mempawah, "
            "Sekadau, Perbatasan Sambas, dan Entikong") in text
    assert "175" in text


def test_offices_list_english():
    text = reply_text(ActionOffices(), "where are the bpjs offices in west kalimantan")
    assert "6 branch offices: Pontianak, Singkawang, Sanggau, Ketapang, Sintang and Kapuas Hulu" in text
    assert "8 service units" in text


@pytest.mark.parametrize("message, place, office, km", [
    # a district is measured from its seat: Kecamatan Anjongan from Kelurahan Anjungan Melancar
    ("kantor bpjs terdekat dari anjongan", "Kecamatan Anjongan, Kab. Mempawah",
     "Unit Layanan Mempawah",
     "sekitar 21 km dari pusat Kecamatan Anjongan di Kelurahan Anjungan Melancar"),
    ("kntr bpjs di ngabang dmn", "Kecamatan Ngabang, Kab. Landak", "Unit Layanan Landak", None),
    ("kantor terdekat dari putussibau", "Kabupaten Kapuas Hulu", "Kantor Cabang Kapuas Hulu",
     "kurang dari 1 km"),
    ("kalau di ketapang?", "Kabupaten Ketapang", "Kantor Cabang Ketapang", None),
    ("nanga pinoh", "Kecamatan Nanga Pinoh, Kab. Melawi", "Unit Layanan Melawi", None),
    ("sukadana", "Kecamatan Sukadana, Kab. Kayong Utara", "Unit Layanan Kayong Utara", None),
    ("kota singkawang", "Kota Singkawang", "Kantor Cabang Singkawang", None),
    ("sy di desa peniti luar", "Desa Peniti Luar, Kec. Jongkat", "Kantor Cabang Pontianak", None),
])
def test_nearest_office(message, place, office, km):
    text = reply_text(ActionNearestOffice(), message, intent="ask_nearest_office")
    assert f"Untuk {place}" in text and f"terdekat adalah {office}" in text
    if km:
        assert km in text
    assert "openstreetmap.org/?mlat=" in text


def test_kubu_raya_has_no_office_and_pontianak_is_nearest():
    text = reply_text(ActionNearestOffice(), "kubu raya", intent="inform_place")
    assert "terdekat adalah Kantor Cabang Pontianak" in text
    assert "Kabupaten Kubu Raya belum memiliki kantor BPJS Ketenagakerjaan sendiri" in text


def test_service_unit_answer_names_the_nearest_branch_office():
    text = reply_text(ActionNearestOffice(), "anjongan", intent="inform_place")
    assert "Kantor cabang terdekat: Kantor Cabang Pontianak, sekitar 45 km" in text


def test_nearest_office_without_place_asks_and_the_next_message_answers():
    messages, slots = run_action(ActionNearestOffice(), "kantor terdekat dmn",
                                 intent="ask_nearest_office")
    assert "Boleh tahu Anda berada di mana?" in messages[0]["text"]
    assert slots["awaiting_place"] is True
    text = reply_text(ActionNearestOffice(), "sintang", intent="inform_place", awaiting_place=True)
    assert "terdekat adalah Kantor Cabang Sintang" in text


def test_a_place_given_earlier_answers_a_later_office_request_without_a_place():
    messages, slots = run_action(ActionNearestOffice(), "sy di sintang", intent="inform_place")
    assert "terdekat adalah Kantor Cabang Sintang" in messages[0]["text"]
    remembered = slots["user_place"]
    text = reply_text(ActionNearestOffice(), "kantor bpjs tk dmn", intent="ask_nearest_office",
                      user_place=remembered)
    assert "terdekat adalah Kantor Cabang Sintang" in text
    assert "tempat yang Anda sebut tadi, Kabupaten Sintang" in text
    assert "Boleh tahu Anda berada di mana?" not in text
    # a place named in the request wins over the remembered one
    text = reply_text(ActionNearestOffice(), "kantor terdekat dari ketapang",
                      intent="ask_nearest_office", user_place=remembered)
    assert "Kantor Cabang Ketapang" in text and "sebut tadi" not in text


def test_a_place_named_in_passing_is_kept_for_a_later_office_request():
    from actions.plkk import ActionPlkkTreatment

    text = "hi, I live in Sambas. I got hurt at work last week, where can I get treated?"
    _, slots = run_action(ActionPlkkTreatment(), text, intent="ask_plkk_treatment",
                          entities=[{"entity": "place", "value": "Sambas"}])
    assert slots["user_place"]
    text = reply_text(ActionNearestOffice(), "where is the nearest office?",
                      intent="ask_nearest_office", user_place=slots["user_place"])
    assert "Kabupaten Sambas" in text and "the place you gave earlier" in text
    # an everyday word the model took for a place is no place in that message
    _, slots = run_action(ActionPlkkTreatment(), "sy baru kecelakaan kerja, berobat dmn",
                          intent="ask_plkk_treatment", entities=[{"entity": "place", "value": "baru"}])
    assert "user_place" not in slots


def test_place_outside_kalbar():
    text = reply_text(ActionNearestOffice(), "kantor bpjs di surabaya", intent="ask_nearest_office")
    assert "Surabaya berada di luar Kalimantan Barat" in text and "175" in text


def test_nearest_office_in_english():
    text = reply_text(ActionNearestOffice(), "where is the nearest office to sintang",
                      intent="ask_nearest_office")
    assert "the nearest BPJS Ketenagakerjaan office is the Sintang branch office" in text


@pytest.mark.parametrize("message, lang_text, office", [
    ("yg di ketapang ade ke?", "Daftar nama fasilitas", "Kantor Cabang Ketapang"),
    ("any in singkawang?", "I do not have a verified list", "the Singkawang branch office"),
])
def test_a_place_after_a_plkk_answer_without_the_list_says_so_then_gives_the_office(
        message, lang_text, office):
    """The facts file lists no facilities: not the office alone as if asked for one, but that no
    verified names are there yet (with the counts, from the facts file), then the office."""
    from actions.facts import get_facts

    plkk = get_facts()["plkk"]
    assert not plkk["facilities"]
    messages, slots = run_action(ActionNearestOffice(), message, intent="inform_place", topic="plkk")
    text = "\n".join(m["text"] for m in messages)
    assert lang_text in messages[0]["text"] and office in text
    assert str(plkk["total"]) in messages[0]["text"]
    assert slots["topic"] == "plkk"  # the next place is read in the PLKK conversation too
    after_offices = reply_text(ActionNearestOffice(), message, intent="inform_place", topic="offices")
    assert lang_text not in after_offices and office in after_offices


def test_plkk_definition():
    text = reply_text(ActionPlkkDefinition(), "apa itu plkk")
    assert "PLKK (Pusat Layanan Kecelakaan Kerja) adalah fasilitas kesehatan" in text
    assert "PP 44/2015" in text and "ada 79 fasilitas kesehatan" in text


def test_plkk_count_by_type():
    text = reply_text(ActionPlkkCount(), "brp jumlah plkk di kalbar")
    assert "79 fasilitas kesehatan" in text and PLKK_BREAKDOWN_ID in text


@pytest.mark.parametrize("message, expected", [
    ("berapa puskesmas yg jadi plkk", "ada 54 puskesmas"),
    ("rs swasta yg kerjasama ada brp", "ada 11 rumah sakit swasta"),
    ("rsud nya berapa", "ada 11 RSUD"),
    ("klinik brp", "ada 2 klinik"),
    ("rs polri ada?", "ada 1 rumah sakit TNI/Polri"),
    ("how many private hospitals are plkk", "11 of the PLKK partners in Kalimantan Barat are private hospitals"),
])
def test_plkk_count_of_one_type(message, expected):
    assert expected in reply_text(ActionPlkkCount(), message)


def test_plkk_treatment_and_find_do_not_invent_names():
    treatment = reply_text(ActionPlkkTreatment(), "kalo kecelakaan kerja berobat kemana")
    assert "PLKK terdekat" in treatment and "79 PLKK" in treatment and "175" in treatment
    find = reply_text(ActionPlkkFind(), "nama rs plkk di pontianak apa aja")
    assert "belum tersedia" in find and "JMO" in find and PLKK_BREAKDOWN_ID in find


def test_plkk_find_lists_facilities_when_the_facts_file_has_them(tmp_path, monkeypatch):
    facts = yaml.safe_load(DEFAULT_FACTS_FILE.read_text(encoding="utf-8"))
    facts["plkk"]["by_type"] = [t for t in facts["plkk"]["by_type"] if t["key"] == "rs_swasta"]
    facts["plkk"]["by_type"][0]["count"] = facts["plkk"]["total"] = 2
    facts["plkk"].update(facilities_source="kalbarnews_2023", facilities_as_of="2023-01-17")
    facts["plkk"]["facilities"] = [
        {"name": "RS Contoh Satu", "type": "rs_swasta", "regency_code": "6171"},
        {"name": "RS Contoh Dua", "type": "rs_swasta", "regency_code": "6104"}]
    path = tmp_path / "facts.yml"
    path.write_text(yaml.safe_dump(facts), encoding="utf-8")
    monkeypatch.setenv("FACTS_FILE", str(path))
    reset_cache()
    text = reply_text(ActionPlkkFind(), "plkk di pontianak apa aja")
    assert "RS Contoh Satu" in text and "RS Contoh Dua" not in text


def test_jmo_lists_every_feature():
    text = reply_text(ActionJmo(), "apa itu jmo")
    assert text.startswith("JMO (Jamsostek Mobile) adalah")
    for feature in ("Cek saldo JHT", "Pembaruan data", "Pembayaran iuran", "Pengajuan pencairan/klaim",
                    "Tracking klaim", "Penggabungan saldo", "Layanan pelaporan dan pengaduan",
                    "Informasi mitra PLKK", "Kartu digital"):
        assert f"- {feature}:" in text
    assert "BPJSTKU" in text


@pytest.mark.parametrize("message, feature, yes", [
    ("bisa cek saldo jht lewat jmo?", "Cek saldo JHT", True),
    ("bayar iuran bisa di aplikasi?", "Pembayaran iuran", True),
    ("cara klaim jht di jmo gmn", "Pengajuan pencairan/klaim", False),
    ("tracking klaim dmn", "Tracking klaim", False),
    ("gabung saldo dua kartu bisa?", "Penggabungan saldo", True),
    ("mau ngadu lewat jmo", "Layanan pelaporan dan pengaduan", False),
    ("ganti no hp di jmo", "Pembaruan data", False),
    ("info plkk ada di jmo?", "Informasi mitra PLKK", True),
])
def test_jmo_single_feature(message, feature, yes):
    """'Bisa.' only for a yes/no question about what the app can do."""
    text = reply_text(ActionJmoFeature(), message)
    assert text.startswith(f"{'Bisa. ' if yes else ''}Di aplikasi JMO ada fitur {feature}:"), text


def test_jmo_feature_in_english():
    text = reply_text(ActionJmoFeature(), "can I track my claim in JMO")
    assert 'Yes. The JMO app has the feature "Track a claim"' in text


def test_bsu_answers():
    what = reply_text(ActionBsu(), "apa itu bsu")
    assert "BSU (Bantuan Subsidi Upah) adalah" in what and "Rp131 miliar untuk 218.132 pekerja" in what
    kalbar = reply_text(ActionBsuKalbar(), "brp total bsu di kalbar")
    assert "senilai total Rp131 miliar kepada 218.132 pekerja di Kalimantan Barat" in kalbar
    english = reply_text(ActionBsuKalbar(), "how much BSU was paid in west kalimantan")
    assert "totalling IDR 131 billion to 218,132 workers" in english


def test_bsu_rules():
    text = reply_text(ActionBsuRules(), "syarat dapat bsu 2022 apa")
    for fact in ("Permenaker 10/2022", "Rp600.000 per pekerja, dibayar sekali", "Rp3,5 juta",
                 "bukan PNS, TNI, atau Polri", "BNI, BRI, Mandiri, BTN, dan PT Pos", "Juli 2022"):
        assert fact in text
    english = reply_text(ActionBsuRules(), "who was eligible for bsu in 2022")
    assert "IDR 600,000 per worker" in english and "IDR 3.5 million" in english


def test_coverage():
    assert "mencapai 31,98%" in reply_text(ActionCoverage(), "cakupan bpjs tk kalbar brp persen")
    assert "reached 31.98%" in reply_text(ActionCoverage(), "what is the coverage in west kalimantan")


@pytest.mark.parametrize("topic, expected", [
    ("plkk", "79 fasilitas kesehatan"), ("offices", "6 Kantor Cabang"),
    ("bsu", "218.132 pekerja"), ("coverage", "31,98%"),
])
def test_how_many_follows_the_topic(topic, expected):
    assert expected in reply_text(ActionHowMany(), "di kalbar ada berapa?", topic=topic)


def test_how_many_without_topic_asks_which():
    messages, _ = run_action(ActionHowMany(), "ada berapa?")
    assert "Maksud Anda jumlah apa?" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        "/ask_offices", "/ask_plkk_count", "/ask_bsu_kalbar"]


def test_topic_slot_is_set_for_follow_ups():
    _, slots = run_action(ActionPlkkDefinition(), "apa itu plkk")
    # a new topic also forgets a pending "which place?" question
    assert slots == {"language": "id", "topic": "plkk", "place_candidates": None,
                     "awaiting_place": False}


def test_greet_and_help_show_the_menu():
    for action in (ActionGreet(), ActionHelp()):
        messages, _ = run_action(action, "halo")
        assert [b["payload"] for b in messages[0]["buttons"]] == [
            "/ask_nearest_office", "/ask_offices", "/ask_plkk_definition", "/ask_plkk_count",
            "/ask_jmo", "/ask_bsu_kalbar"]
    english, _ = run_action(ActionGreet(), "hello good morning")
    assert english[0]["text"].startswith("Hello and welcome!")
    assert english[0]["buttons"][0]["title"] == "Nearest office"


@pytest.mark.parametrize("message, office", [
    ("kalo di sintag ade ndak?", True), ("trus yg di ketapang?", True),
    ("hai, sy di sintang", False), ("halo min", False), ("selamat pagi", False),
    # no greeting word and no place: still the welcome
    ("/greet", False), ("/start", False), ("yo bro", False)])
def test_a_place_placed_on_the_greeting_without_a_greeting_word_gets_the_office(message, office):
    """From a fresh-user trial: "kalo di sintag ade ndak?" after an office answer was placed on
    greet (0.61) and got the welcome; a message with a Kalbar place and no greeting word is the
    place follow-up it reads as (the nearest office); a greeting keeps the welcome."""
    messages, _ = run_action(ActionGreet(), message, intent="greet")
    text = "\n".join(m.get("text") or "" for m in messages)
    assert ("Kantor Cabang" in text) == office, text
    assert ("selamat datang" in text) != office, text


@pytest.mark.parametrize("action, message, expected", [
    (ActionGoodbye(), "dadah", "call centre 175"),
    (ActionThanks(), "makasih min", "Sama-sama"),
    (ActionThanks(), "thank you", "You're welcome"),
    (ActionBotChallenge(), "kamu robot ya", "bukan petugas manusia"),
    (ActionBpjsKesehatan(), "iuran bpjs kesehatan brp", "BPJS Kesehatan adalah badan yang berbeda"),
    (ActionOutOfScope(), "resep rendang dong", "call centre 175"),
    (ActionOutOfScope(), "what's the capital of france", "For anything else, call the call centre on 175"),
    (ActionFallback(), "asdfghjkl", "belum paham"),
    (ActionOutOfScope(), "jakarta", "Jakarta berada di luar Kalimantan Barat"),
    (ActionFallback(), "kuching", "Kuching berada di luar Kalimantan Barat"),
    (ActionOutOfScope(), "and in Sintang?", "Sintang branch office"),
])
def test_small_talk(action, message, expected):
    assert expected in reply_text(action, message)


@pytest.mark.parametrize("message", ["", "   ", "😀😀😀", "???", "\u200b"])
def test_empty_or_emoji_only_gets_a_clear_answer(message):
    text = reply_text(ActionFallback(), message)
    assert "belum berisi pertanyaan" in text


def test_fallback_answers_a_place_when_the_bot_asked_for_one():
    text = reply_text(ActionFallback(), "di sekitar sungai pinyuh", awaiting_place=True)
    assert "Kecamatan Sungai Pinyuh, Kab. Mempawah" in text


def cut_message_reply(action, text: str, truncated_from: int) -> list:
    """The messages an action sends for a message Rasa cut (rasa_runtime/input_limits.py)."""
    tracker = make_tracker(text)
    tracker.latest_message["metadata"] = {"truncated_from": truncated_from}
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, {}))
    return [m["text"] for m in dispatcher.messages]


def test_very_long_and_injection_messages_get_an_answer():
    note = "Pesan Anda terlalu panjang, jadi hanya 2.000 karakter pertama yang saya baca."
    question = "apa itu plkk " + "x" * 1987
    texts = cut_message_reply(ActionPlkkDefinition(), question, truncated_from=3000)
    assert texts[0] == note and "PLKK (Pusat Layanan Kecelakaan Kerja) adalah" in texts[1]
    texts = cut_message_reply(ActionThanks(), "thank you " + "x" * 1990, truncated_from=2500)
    assert texts[0] == "Your message was too long, so I read only the first 2,000 characters."
    assert texts[1].startswith("You're welcome")
    texts = cut_message_reply(ActionFallback(), "x" * 2000, truncated_from=5000)
    assert texts[0] == note and "Maaf, saya belum paham maksud Anda" in texts[1]
    assert "terlalu panjang" not in reply_text(ActionFallback(), "x" * 2000)  # not cut: no note
    injection = reply_text(ActionOutOfScope(), "'; DROP TABLE events; --")
    assert "175" in injection


def test_changing_the_facts_file_changes_the_answer(tmp_path, monkeypatch):
    facts = yaml.safe_load(DEFAULT_FACTS_FILE.read_text(encoding="utf-8"))
    facts["coverage"]["percent"] = 42.5
    facts["bsu"]["kalbar_2022"]["recipients"] = 300001
    path = tmp_path / "facts.yml"
    path.write_text(yaml.safe_dump(facts), encoding="utf-8")
    monkeypatch.setenv("FACTS_FILE", str(path))
    reset_cache()
    assert "mencapai 42,5%" in reply_text(ActionCoverage(), "cakupan brp persen")
    assert "300.001 pekerja" in reply_text(ActionBsuKalbar(), "total bsu kalbar")


def test_requirements_follow_the_topic():
    assert "Permenaker 10/2022" in reply_text(ActionRequirements(), "syaratnya apa", topic="bsu")
    assert "PLKK terdekat" in reply_text(ActionRequirements(), "syaratnya apa", topic="plkk")
    assert "Saya bisa membantu Anda" in reply_text(ActionRequirements(), "syaratnya apa")


def unsure_tracker_reply(action, text: str, ranking: list, **slots) -> str:
    """The reply of `action` to `text`, placed by the model with `ranking` [(intent, confidence)]
    (best first), with the given slots."""
    tracker = make_tracker(text, ranking[0][0], **slots)
    tracker.latest_message["intent"]["confidence"] = ranking[0][1]
    tracker.latest_message["intent_ranking"] = [{"name": n, "confidence": c} for n, c in ranking]
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, {}))
    return "\n".join(m["text"] for m in dispatcher.messages)


def test_an_unsure_count_of_another_topic_is_how_many_for_the_conversation_topic():
    """'total di kalbar?' after what a PLKK is: the model's unsure guess (BSU in Kalbar) with "how
    many" next gives the PLKK count, as ActionPlkkCount says it."""
    ranking = [("ask_bsu_kalbar", 0.48), ("ask_how_many", 0.32), ("ask_offices", 0.08)]
    plkk_count = reply_text(ActionPlkkCount(), "total di kalbar?", intent="ask_plkk_count")
    bsu_kalbar = reply_text(ActionBsuKalbar(), "total di kalbar?", intent="ask_bsu_kalbar")
    assert unsure_tracker_reply(ActionBsuKalbar(), "total di kalbar?", ranking, topic="plkk") \
        == plkk_count
    assert PLKK_BREAKDOWN_ID in plkk_count
    # sure of its intent, on the same topic, naming its topic, or "how many" not among the
    # guesses: the intent's own answer
    sure = [("ask_bsu_kalbar", 0.9), ("ask_how_many", 0.05)]
    assert unsure_tracker_reply(ActionBsuKalbar(), "total di kalbar?", sure, topic="plkk") == bsu_kalbar
    assert unsure_tracker_reply(ActionBsuKalbar(), "total di kalbar?", ranking, topic="bsu") == bsu_kalbar
    assert unsure_tracker_reply(ActionBsuKalbar(), "total bsu di kalbar?", ranking, topic="plkk") \
        == reply_text(ActionBsuKalbar(), "total bsu di kalbar?", intent="ask_bsu_kalbar")
    other = [("ask_bsu_kalbar", 0.48), ("ask_offices", 0.32), ("greet", 0.02),
             ("ask_how_many", 0.01)]
    assert unsure_tracker_reply(ActionBsuKalbar(), "total di kalbar?", other, topic="plkk") \
        == bsu_kalbar


@pytest.mark.parametrize("action, message, year", [
    (ActionFallback(), "kalau 2026?", 2026),
    (ActionFallback(), "klo thn ini gmn?", None),
    (ActionOutOfScope(), "and in 2023?", 2023),
    (ActionFallback(), "trus yg 2022?", 2022),
])
def test_another_year_after_a_bsu_answer_is_bsu_of_that_year(action, message, year):
    """A short message the model did not place, naming a year, after a BSU answer: the BSU answer
    of that year (this year for "tahun ini"), as ActionBsuYear gives it; after another topic,
    the action's own reply."""
    from actions.base import today
    from actions.bsu import ActionBsuYear

    year = year or today().year
    intent = "out_of_scope" if isinstance(action, ActionOutOfScope) else "nlu_fallback"
    in_english = message.startswith("and")
    expected = reply_text(ActionBsuYear(), f"{'what about bsu in' if in_english else 'bsu'} {year}?",
                          intent="ask_bsu_year")
    assert str(year) in expected
    assert unsure_tracker_reply(action, message, [(intent, 0.45)], topic="bsu") == expected
    after_plkk = unsure_tracker_reply(action, message, [(intent, 0.45)], topic="plkk")
    assert str(year) not in after_plkk


def test_a_long_message_with_a_year_after_a_bsu_answer_is_not_read_as_another_year():
    message = "tolong jelaskan kenapa pada tahun 2026 saya belum menerima apa apa"
    assert "2026" not in unsure_tracker_reply(ActionFallback(), message, [("nlu_fallback", 0.45)],
                                              topic="bsu")
