"""`make report` as an operator of BPJS Ketenagakerjaan reads it (scripts/report.py): Indonesian by
default and English, topics named in words, charts for one day (per hour) and ninety days, plurals,
postal codes and places answered counted as answered, the lists of messages not understood and
out of scope (masked, grouped, counted), and the answers users did not accept (a rejection, or the
same question in other words, within two minutes). Two small SQLite stores are written here from
event lists (scripts/generate_conversations.py): one day and ninety days; the four pages are
opened in headless Chromium."""

import re
import sys
from datetime import date, datetime, time as clock, timedelta

import pytest
import yaml

from servers import PROJECT

sys.path.insert(0, str(PROJECT / "scripts"))
import generate_conversations as generator  # noqa: E402
import report  # noqa: E402
from generate_conversations import Conversation, Turn  # noqa: E402

DAY = date(2025, 3, 3)  # the one-day store
FIRST, LAST = date(2025, 1, 6), date(2025, 4, 5)  # the ninety-day store
KB_ENTRY = "jht_paid_when"
KB_TITLE = {"id": "Kapan JHT dibayarkan?", "en": "When is JHT paid?"}
KNOWLEDGE_TOPICS = """topics:
  jht:
    name: {id: Jaminan Hari Tua (JHT), en: old-age savings (JHT)}
    summary: {id: JHT., en: JHT.}
    keywords: [jht]
"""
KNOWLEDGE_ENTRIES = {"entries": [{"id": KB_ENTRY, "topic": "jht", "title": KB_TITLE}]}
KB_ANSWER = "JHT dibayarkan sekaligus setelah satu bulan berhenti bekerja."


def at(day: date, hour: int, minute: int = 0) -> float:
    """Epoch seconds of hour:minute WIB on `day`."""
    return datetime.combine(day, clock(hour, minute), report.WIB).timestamp()


def one_day(day: date = DAY) -> list:
    """A day of conversations whose every figure the tests know."""
    return [
        # a knowledge answer rejected 40 s later, then the question again in other words
        Conversation("telegram:1", at(day, 8), [
            Turn("kapan jht bisa cair", "ask_jht_payout", topic="kb:" + KB_ENTRY, answer=KB_ANSWER),
            Turn("bukan itu maksud saya", "nlu_fallback", "fallback", wait=40),
            Turn("jht sy kpn bs dicairkan", "ask_jht_payout", wait=30),
            Turn("makasih min", "thanks", wait=20),
        ]),
        # an answer asked again in other words within two minutes; then a follow-up, not counted
        Conversation("web:2", at(day, 10), [
            Turn("syarat klaim jht", "ask_jht_documents"),
            Turn("klaim jht syaratnya apa aja ya", "ask_jht_documents", wait=70),
            Turn("kalau bpu?", "ask_bpu", wait=30),
        ]),
        # a postal code and a place the model did not place, answered with the nearest office
        Conversation("rest:3", at(day, 13), [
            Turn("78557", "out_of_scope", "place", action="action_out_of_scope",
                 place="kode pos 78557 (Kecamatan Sungai Pinyuh, Kab. Mempawah)"),
            Turn("sy di desa peniti luar", "nlu_fallback", "place", action="action_fallback",
                 place="Desa Peniti Luar, Kec. Segedong, Kab. Mempawah", wait=60),
            Turn("salah", "nlu_fallback", "fallback", wait=30),  # the office answer rejected
        ]),
        # not understood and out of scope, one with a NIK stored unmasked (before masking)
        Conversation("telegram:4", at(day, 20), [
            Turn("gmn caranya ya min??", "nlu_fallback", "fallback"),
            Turn("resep nasi goreng", "out_of_scope", "out_of_scope"),
            Turn("resep nasi goreng dong", "out_of_scope", "out_of_scope"),
            Turn("cek nik 6171012345670001 punya siapa", "out_of_scope", "out_of_scope",
                 masked=["NIK"]),
        ], gap=200),  # 200 s apart: too late to be reactions
        # English: an answer rejected; a late "wrong" (three minutes) is not counted
        Conversation("web:5", at(day, 20, 30), [
            Turn("when is my jht paid", "ask_jht_payout", lang="en"),
            Turn("that's not what I asked", "nlu_fallback", "fallback", lang="en", wait=50),
            Turn("what is jht", "ask_jht", lang="en", wait=10),
            Turn("wrong", "nlu_fallback", "fallback", lang="en", wait=180),
        ]),
        # small talk is never judged; the same text again is a repeat, not other words
        Conversation("telegram:6", at(day, 21), [
            Turn("halo", "greet"), Turn("bukan", "nlu_fallback", "fallback", wait=10),
            Turn("lupa password jmo", "ask_jmo_password", wait=10),
            Turn("lupa password jmo", "ask_jmo_password", wait=10),
        ]),
    ]


def ninety_days() -> list:
    """Ninety days: synthetic traffic, and one rejected answer on the last day."""
    conversations = list(generator.synthetic(400, 90, LAST, seed=5))
    conversations += one_day(LAST)[:1]
    return conversations


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory):
    """A knowledge folder of one entry, so the tests do not follow data/knowledge's edits."""
    folder = tmp_path_factory.mktemp("knowledge")
    (folder / "topics.yml").write_text(KNOWLEDGE_TOPICS, encoding="utf-8")
    (folder / "jht.yml").write_text(yaml.safe_dump(KNOWLEDGE_ENTRIES), encoding="utf-8")
    patch = pytest.MonkeyPatch()
    patch.setenv("KNOWLEDGE_DIR", str(folder))
    report.knowledge_names.cache_clear()
    yield folder
    patch.undo()
    report.knowledge_names.cache_clear()


def store(folder, conversations, first: date, last: date) -> "report.Report":
    """The report of `conversations` written into a SQLite store of their own."""
    patch = pytest.MonkeyPatch()
    try:
        patch.delenv("TRACKER_DB_DIALECT", raising=False)
        patch.setenv("TRACKER_DB", str(folder / "tracker.db"))
        generator.write(iter(conversations))
        from purge import engine_from_environment

        engine = engine_from_environment()
        try:
            return report.read(engine, first, last)
        finally:
            engine.dispose()
    finally:
        patch.undo()


@pytest.fixture(scope="module")
def day_report(knowledge, tmp_path_factory):
    return store(tmp_path_factory.mktemp("one-day"), one_day(), DAY, DAY)


@pytest.fixture(scope="module")
def ninety_report(knowledge, tmp_path_factory):
    return store(tmp_path_factory.mktemp("ninety-days"), ninety_days(), FIRST, LAST)


@pytest.fixture(scope="module")
def pages(day_report, ninety_report, tmp_path_factory):
    """The four reports written: {(period, lang): folder}."""
    folders = {}
    for period, found in (("day", day_report), ("ninety", ninety_report)):
        for lang in report.LANGUAGES:
            folder = tmp_path_factory.mktemp(f"{period}-{lang}")
            report.write(found, folder, lang)
            folders[period, lang] = folder
    return folders


# --- the rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize("message", [
    "bukan itu", "Bukan itu min!", "bukan itu maksud saya", "maksud saya yang JKM", "salah",
    "salah itu min", "Salah!!", "ndak nyambung bah", "bukan gitu maksud kamek", "bkn",
    "that's not what I asked", "wrong", "Wrong answer", "I meant the pension", "jawabannya salah",
    "ga nyambung jawabannya"])
def test_rejections_count(message):
    assert report.rejects(message)


@pytest.mark.parametrize("message", [
    "nama saya salah di kartu", "salah input nik gmn", "tidak", "no", "makasih", "ok",
    "bukan pekerja formal bisa daftar?", "syaratnya apa", "kapan jht cair"])
def test_other_messages_are_no_rejection(message):
    assert not report.rejects(message)


@pytest.mark.parametrize("first, second", [
    ("kapan jht bisa cair", "jht sy kpn bs dicairkan"),
    ("syarat klaim jht", "klaim jht syaratnya apa aja ya"),
    ("kantor bpjs sangau", "kantor bpjs sanggau dimana"),
    ("berapa iuran bpu", "iuran bpu berapa sebulan"),
    ("how do i claim jht", "how can i claim my jht benefit")])
def test_the_same_question_in_other_words(first, second):
    assert report.same_question(first, second)


@pytest.mark.parametrize("first, second", [
    ("jht itu apa", "syarat jht apa"),  # another question on the same topic
    ("syarat klaim jht", "syarat klaim jkm"),  # another programme
    ("kantor sanggau dimana", "kantor sintang dimana"),  # another place
    ("kantor bpjs di sanggau", "jam buka kantor bpjs sanggau"),
    ("syarat klaim jht", "kalau bpu?"),  # a short follow-up
    ("lupa password jmo", "lupa password jmo"),  # a repeat, not other words
    ("lupa password jmo", "nomor hp sy sudah ganti")])
def test_other_questions_are_not_the_same(first, second):
    assert not report.same_question(first, second)


def test_every_intent_is_named_in_both_languages():
    domain = yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))
    names = report.words()["topics"]
    for intent in domain["intents"] + ["nlu_fallback"]:
        assert set(names.get(intent) or {}) == {"id", "en"}, intent
        assert report.topic_name(intent, "id") != intent
    assert report.topic_name("ask_jht_payout", "id") == "Kapan JHT cair"
    assert report.topic_name("nlu_fallback", "en") == "Not understood"


def test_counts_are_written_with_the_right_plural():
    assert report.amount(1, "day", "en") == "1 day" and report.amount(2, "day", "en") == "2 days"
    assert report.amount(1, "answer", "en") == "1 answer"
    assert report.amount(1, "day", "id") == "1 hari" and report.amount(90, "day", "id") == "90 hari"
    assert report.amount(1234, "message", "id") == "1.234 pesan"
    assert report.amount(1234, "message", "en") == "1,234 messages"
    assert report.percent(1, 8, "id") == "12,5 %" and report.percent(1, 8, "en") == "12.5 %"


def test_the_language_comes_from_lang_only_when_it_is_id_or_en(monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert report.parse_arguments([]).lang == "id"
    monkeypatch.setenv("LANG", "en")
    assert report.parse_arguments([]).lang == "en"
    assert report.parse_arguments(["--lang", "id"]).lang == "id"


# --- one day -------------------------------------------------------------------------------------


def test_one_day_counts(day_report):
    found = day_report
    assert found.days == [DAY] and found.total_messages == 22 and found.total_conversations == 6
    assert found.outcomes() == {"not_understood": 6, "out_of_scope": 3, "busy": 0, "answered": 13}
    # the postal code and the place the model did not place are answered, with the office
    assert found.places_found == {"kode pos 78557 (Kecamatan Sungai Pinyuh, Kab. Mempawah)": 1,
                                  "Desa Peniti Luar, Kec. Segedong, Kab. Mempawah": 1}
    topics = found.intents()
    assert topics["ask_nearest_office"] == 2 and topics["out_of_scope"] == 3
    assert topics["ask_jht_payout"] == 3 and "kb:jht" not in topics  # placed: its own intent
    assert report.topic_name("kb:jht", "id") == "FAQ: Jaminan Hari Tua (JHT)"


def test_one_day_lists_out_of_scope_and_not_understood_masked_and_grouped(day_report):
    out_of_scope = report.near_duplicate_groups(day_report.out_of_scope)
    assert out_of_scope[0] == (2, "resep nasi goreng", ["resep nasi goreng", "resep nasi goreng dong"])
    assert out_of_scope[1] == (1, "cek nik [NIK] punya siapa", ["cek nik [NIK] punya siapa"])
    not_understood = report.near_duplicate_groups(day_report.not_understood)
    assert (1, "gmn caranya ya min", ["gmn caranya ya min"]) in not_understood
    assert all("6171012345670001" not in text for text in day_report.out_of_scope)


def test_one_day_answers_not_accepted(day_report):
    groups = dict(day_report.not_accepted_groups())
    assert set(groups) == {("kb", KB_ENTRY), ("intent", "ask_jht_documents"),
                           ("office", "Desa Peniti Luar, Kec. Segedong, Kab. Mempawah"),
                           ("intent", "ask_jht_payout")}
    kb = groups["kb", KB_ENTRY]
    assert (kb.rejected, kb.asked_again) == (1, 0)
    example = kb.examples[0]
    assert (example.question, example.answer, example.reaction) == (
        "kapan jht bisa cair", KB_ANSWER, "bukan itu maksud saya")
    assert groups["intent", "ask_jht_documents"].asked_again == 1
    assert groups["intent", "ask_jht_payout"].rejected == 1  # the English one; "wrong" came late
    assert day_report.answers_given["intent", "ask_jht_payout"] == 2  # the rephrase and English
    assert ("intent", "greet") not in day_report.answers_given  # small talk is not judged
    assert report.answer_name(("kb", KB_ENTRY), "id") == 'FAQ: "Kapan JHT dibayarkan?"'
    assert report.answer_name(("kb", KB_ENTRY), "en") == 'FAQ: "When is JHT paid?"'


def test_one_day_is_charted_per_hour(day_report):
    unit, buckets, messages, conversations = report.activity_series(day_report)
    assert unit == "hour" and len(buckets) == 24
    assert [hour.hour for hour, n in zip(buckets, conversations) if n] == [8, 10, 13, 20, 21]
    assert sum(sum(values) for values in messages.values()) == 22
    bars = report.topic_bars(day_report, "id")
    assert bars[0] == ("Tidak dipahami", 6) and ("Kapan JHT cair", 3) in bars
    assert all("_" not in label for label, _ in bars) and sum(n for _, n in bars) == 22


def test_one_day_report_in_both_languages(pages):
    page = (pages["day", "id"] / "report.md").read_text(encoding="utf-8")
    assert "# Apa yang ditanyakan pengguna" in page
    assert "Tanggal 3 Maret 2025 (WIB), 1 hari." in page
    assert page.index("## Jawaban yang tidak diterima pengguna") < page.index("## Topik yang")
    assert '| FAQ: "Kapan JHT dibayarkan?" | 1 | 1 | 100,0 % | 1 | 0 |' in page
    assert '"kapan jht bisa cair" → "' + KB_ANSWER + '" → "bukan itu maksud saya" (ditolak)' in page
    assert "| Kantor terdekat | 2 |" in page and "nlu_fallback" not in page
    assert "| 2 | resep nasi goreng | resep nasi goreng dong |" in page
    assert "6171012345670001" not in page
    english = (pages["day", "en"] / "report.md").read_text(encoding="utf-8")
    assert "# What users asked" in english and "On 3 March 2025 (WIB), 1 day." in english
    assert "## Answers not accepted" in english and "(rejected)" in english
    assert "| When JHT is paid | 3 |" in english and "| Nearest office | 2 |" in english
    assert not re.search(r"(?<![\d.,])1 (days|answers|messages|conversations|groups|questions)\b",
                         english)
    assert "1 message held personal data" in english
    html = (pages["day", "id"] / "report.html").read_text(encoding="utf-8")
    assert "<html lang='id'>" in html and html.count("src='data:image/png;base64,") == 4


# --- ninety days ---------------------------------------------------------------------------------


def test_ninety_days(ninety_report, pages):
    found = ninety_report
    assert len(found.days) == 90 and found.total_messages == 404
    unit, buckets, _, conversations = report.activity_series(found)
    assert unit == "day" and len(buckets) == 90 and sum(1 for n in conversations if n) > 30
    assert found.not_accepted["kb", KB_ENTRY].rejected == 1
    page = (pages["ninety", "id"] / "report.md").read_text(encoding="utf-8")
    assert "Dari 6 Januari 2025 sampai 5 April 2025 (WIB), 90 hari." in page
    english = (pages["ninety", "en"] / "report.md").read_text(encoding="utf-8")
    assert "From 6 January 2025 to 5 April 2025 (WIB), 90 days." in english
    html = (pages["ninety", "en"] / "report.html").read_text(encoding="utf-8")
    assert html.count("src='data:image/png;base64,") == 6  # with the topics' share per week


# --- in a browser --------------------------------------------------------------------------------


def test_the_four_pages_render_in_chromium(pages):
    from playwright.sync_api import sync_playwright

    from test_web_browser import CHROMIUM, CHROMIUM_ARGS

    headings = {"id": ["Ringkasan", "Jawaban yang tidak diterima pengguna", "Topik yang ditanyakan",
                       "Pesan di luar cakupan (50 terbanyak)"],
                "en": ["Summary", "Answers not accepted", "Topics asked",
                       "Out-of-scope messages (the 50 most frequent)"]}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            requests = []
            page.on("request", lambda request: requests.append(request.url))
            for (period, lang), folder in sorted(pages.items()):
                page.goto((folder / "report.html").as_uri())
                found = page.locator("h2").all_inner_texts()
                assert all(h in found for h in headings[lang]), (period, lang, found)
                assert found.index(headings[lang][1]) == 1  # read first, after the summary
                sizes = page.evaluate("[...document.images].map(i => [i.complete, i.naturalWidth])")
                assert len(sizes) >= 4 and all(done and width > 300 for done, width in sizes)
        finally:
            browser.close()
    assert all(url.startswith(("file:", "data:")) for url in requests)  # self-contained
