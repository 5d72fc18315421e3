"""`make report` (scripts/report.py) on a small store written by scripts/generate_conversations.py
whose every figure is known: on SQLite and PostgreSQL (tests/infra.py), the files it writes (in
Indonesian, the default), the purge record, and the HTML in headless chromium with its charts
rendered. tests/test_report_operator.py has the operator's view: one day and ninety days, both
languages, the answers not accepted."""

import io
import os
import subprocess
import sys
from datetime import date, datetime, time as clock, timedelta

import pytest
import yaml

from infra import Postgres, running
from servers import PROJECT

sys.path.insert(0, str(PROJECT / "scripts"))
import generate_conversations as generator  # noqa: E402
import report  # noqa: E402
from generate_conversations import Conversation, Turn  # noqa: E402

POSTGRES_PORT = 14933
TODAY = datetime.now(report.WIB).date()
DAY0, DAY1, DAY2 = TODAY - timedelta(4), TODAY - timedelta(3), TODAY - timedelta(2)
OLD = TODAY - timedelta(100)  # removed by the purge before the report
RESULTS = PROJECT / "results" / "report-test"


def at(day: date, hour: int) -> float:
    """Epoch seconds of `hour`:00 WIB on `day`."""
    return datetime.combine(day, clock(hour), report.WIB).timestamp()


CONVERSATIONS = [
    Conversation("telegram:1", at(DAY1, 9), [
        Turn("jht itu apa", "ask_jht"),
        Turn("gmn caranya ya min??", "nlu_fallback", "fallback"),
        Turn("Gmn caranya ya", "nlu_fallback", "fallback"),
        Turn("kantor singkawang", "ask_nearest_office", "place", place="Kota Singkawang"),
        Turn("jht itu apa", "ask_jht", "busy"),
    ]),
    Conversation("web:abc", at(DAY1, 23) + 1800, [  # 23:30 WIB: turns 2-4 are on DAY2
        Turn("how many plkk", "ask_plkk_count", lang="en"),
        Turn("recipe for fried rice", "out_of_scope", "out_of_scope", lang="en"),
        Turn("saldo kpj [KPJ]", "ask_jht", lang="en", masked=["KPJ"]),
        Turn('{"lng": 110.34, "lat": 1.55}', "share_location", "location_outside", lang="en",
             location=(1.55, 110.34)),
    ], gap=1800),
    Conversation("rest:x", at(DAY2, 10), [
        Turn("sy bingung", "nlu_fallback", "fallback"),
        Turn("dkt pasar lama", "inform_place", "place_unknown"),
        Turn("kantor di kuching", "ask_nearest_office", "place_outside", place="Kuching"),
        Turn("sungai raya", "inform_place", "place_ambiguous", place="Sungai Raya"),
        Turn("jht kpn cair? plkk ada brp?", "ask_jht_payout",
             questions=["ask_jht_payout", "ask_plkk_count"]),
    ]),
    Conversation("shell:y", at(DAY2, 15), [Turn("kantor singkawang", "ask_nearest_office",
                                                "place", place="Kota Singkawang")]),
    Conversation("telegram:2", at(DAY0, 12), [Turn("sy bingung", "nlu_fallback", "fallback")]),
    Conversation("telegram:old", at(OLD, 12), [Turn("halo", "greet")]),
]


def fill(env: dict, monkeypatch) -> None:
    """The CONVERSATIONS in the store of `env`, then a purge of the old one (scripts/purge.py)."""
    for name in [n for n in os.environ if n.startswith("TRACKER_DB")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert generator.write(iter(CONVERSATIONS)) > 0
    with pytest.raises(SystemExit):  # never into a store with events
        generator.write(iter(CONVERSATIONS[:1]))
    purged = subprocess.run([sys.executable, "scripts/purge.py", "--days", "50"], cwd=PROJECT,
                            env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert "Deleted 1 conversation(s)" in purged.stdout, purged.stderr


def read(env: dict):
    from purge import engine_from_environment

    engine = engine_from_environment()
    try:
        return report.read(engine, DAY1, DAY2)
    finally:
        engine.dispose()


def check_counts(found: "report.Report") -> None:
    assert found.days == [DAY1, DAY2]
    assert found.total_messages == 15 and found.total_conversations == 4
    assert found.messages_on(DAY1) == 6 and found.messages_on(DAY2) == 9
    assert found.conversations_on(DAY1) == 2 and found.conversations_on(DAY2) == 3
    assert found.by_channel() == [("telegram", 1, 5), ("web", 1, 4), ("rest", 1, 5), ("shell", 1, 1)]
    assert found.messages[DAY1, "web"] == 1 and found.messages[DAY2, "web"] == 3
    intents = found.intents()
    assert intents["nlu_fallback"] == 3 and intents["ask_jht"] == 3
    assert intents["ask_plkk_count"] == 2 and intents["ask_jht_payout"] == 1  # two questions
    assert sum(intents.values()) == 16
    assert found.not_understood_by_day == {DAY1: 2, DAY2: 1}
    assert found.out_of_scope_by_day == {DAY2: 1}
    groups = report.near_duplicate_groups(found.not_understood)
    assert groups[0] == (2, "gmn caranya ya", ["gmn caranya ya", "gmn caranya ya min"])
    assert groups[1][:2] == (1, "sy bingung") and len(groups) == 2
    assert found.places_found == {"Kota Singkawang": 2}
    assert found.places_ambiguous == {"Sungai Raya": 1}
    assert found.places_unknown == {"dkt pasar lama": 1}
    assert found.places_outside == {"Kuching": 1}
    assert found.locations_outside == {(1.6, 110.3): 1}
    assert found.busy_by_day == {DAY1: 1}
    assert found.languages == {"id": 11, "en": 4}  # the busy turn keeps the conversation's
    assert found.masked_messages == 1 and found.masked == {"KPJ": 1}
    assert found.purged["runs"] == 1 and found.purged["conversations"] == 1


def test_report_counts_on_sqlite_and_its_files(tmp_path, monkeypatch):
    env = {"TRACKER_DB": str(tmp_path / "tracker.db")}
    fill(env, monkeypatch)
    check_counts(read(env))

    result = subprocess.run([sys.executable, "scripts/report.py", "--since", DAY1.isoformat(),
                             "--until", DAY2.isoformat(), "--out", str(RESULTS)], cwd=PROJECT,
                            env={**os.environ, **env}, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Laporan: 15 pesan dalam 4 percakapan" in result.stdout
    markdown = (RESULTS / "report.md").read_text(encoding="utf-8")
    assert (f"Dari {report.long_date(DAY1, 'id')} sampai {report.long_date(DAY2, 'id')} (WIB), "
            "2 hari.") in markdown
    assert "`make purge` sudah menghapus 1 percakapan (" in markdown
    assert "| 2 | gmn caranya ya | gmn caranya ya min |" in markdown
    assert "| Telegram | 1 | 5 |" in markdown and "| Terminal | 1 | 1 |" in markdown
    assert "| di luar Kalbar | Kuching | 1 |" in markdown and "| 1,6 | 110,3 | 1 |" in markdown
    page = (RESULTS / "report.html").read_text(encoding="utf-8")
    assert page.count("src='data:image/png;base64,") == 5
    candidates = yaml.safe_load((RESULTS / "nlu_candidates.yml").read_text(encoding="utf-8"))
    assert candidates["nlu"] == [
        {"intent": None, "examples": "- gmn caranya ya\n- gmn caranya ya min\n"},
        {"intent": None, "examples": "- sy bingung\n"}]


def test_report_counts_on_postgresql(monkeypatch):
    with running(Postgres(port=POSTGRES_PORT)) as postgres:
        fill(postgres.env(), monkeypatch)
        check_counts(read(postgres.env()))


def test_without_a_purge_the_report_says_it_is_not_known(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "tracker.db"))
    monkeypatch.delenv("TRACKER_DB_DIALECT", raising=False)
    generator.write(iter(CONVERSATIONS[:1]))
    found = read({})
    assert found.purged is None and found.total_messages == 5
    assert "Belum ada pembersihan yang tercatat" in report.period_text(found)
    assert "No purge is recorded" in report.period_text(found, "en")


@pytest.mark.parametrize("args", [["--since", "2025-13-01"], ["--since", "2025-03-02",
                                                               "--until", "2025-03-01"]])
def test_bad_dates_are_refused(args):
    with pytest.raises(SystemExit):
        report.parse_arguments(args)


def test_make_report_passes_the_dates_and_the_language():
    def make(*args, lang=None):
        env = {**os.environ, "LANG": lang} if lang else os.environ
        return subprocess.run(["make", "--no-print-directory", "-n", "report", *args], cwd=PROJECT,
                              capture_output=True, text=True, timeout=60, env=env).stdout

    assert "scripts/report.py --since 2025-03-01 --until 2025-03-31" in make(
        "SINCE=2025-03-01", "UNTIL=2025-03-31")
    assert "scripts/report.py --lang en" in make("LANG=en")
    assert "--lang" not in make(lang="en_US.UTF-8")  # a locale is no report language


def test_the_html_report_renders_its_charts_in_chromium(tmp_path, monkeypatch):
    from PIL import Image
    from playwright.sync_api import sync_playwright

    from test_web_browser import CHROMIUM, CHROMIUM_ARGS

    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "tracker.db"))
    monkeypatch.delenv("TRACKER_DB_DIALECT", raising=False)
    generator.write(iter(CONVERSATIONS))
    report.write(read({}), tmp_path / "out")
    RESULTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            requests = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto((tmp_path / "out" / "report.html").as_uri())
            images = page.locator("img")
            assert images.count() == 5
            sizes = page.evaluate("[...document.images].map(i => [i.complete, i.naturalWidth, "
                                  "i.naturalHeight])")
            assert all(complete and width > 300 and height > 150 for complete, width, height in sizes)
            page.screenshot(path=str(RESULTS / "report.png"), full_page=True)
            chart = images.first.screenshot()
        finally:
            browser.close()
    assert all(url.startswith(("file:", "data:")) for url in requests)  # self-contained
    colours = Image.open(io.BytesIO(chart)).convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 20  # a drawn chart, not a blank image
    assert (RESULTS / "report.png").stat().st_size > 50_000
