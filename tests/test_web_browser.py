"""The web chat in a real browser: `make web` on the web tests' ports, Debian's chromium driven
headless by Playwright (no browser download). The greeting's menu, a question typed into the
widget, a page reload that keeps the conversation, a quick reply, the location button, and Ctrl-C,
which stops all three servers and makes the page show that the connection is lost. Screenshots go
to results/web/.
Needs the trained model, `make web-install` and the chromium package (`make test` does all)."""

import os
import signal
import subprocess
import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from servers import MODEL, PROJECT

WEB_PORT, RASA_PORT, ACTIONS_PORT = 16080, 16005, 16055
PAGE = f"http://127.0.0.1:{WEB_PORT}/"
RESULTS = PROJECT / "results" / "web"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PONTIANAK = {"latitude": -0.02, "longitude": 109.33}
REPLY_MS = 60_000
REQUESTS = []  # every request of the page


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_until_gone(process: subprocess.Popen, seconds: float) -> bool:
    """Waits until no process of the group that `process` leads is left (zombies reaped)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        process.poll()
        if not _group_alive(process.pid):
            return True
        time.sleep(0.5)
    return False


@pytest.fixture(scope="module")
def make_web():
    """`make web` in its own process group; yields (process, log). It never trains: `make test`
    has made the model before, and -o keeps a change elsewhere from starting a training here."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = RESULTS / "make-web.log"
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", WEB_PORT=str(WEB_PORT),
               RASA_PORT=str(RASA_PORT), ACTIONS_PORT=str(ACTIONS_PORT))
    command = ["make", "--no-print-directory", "-o", str(MODEL.relative_to(PROJECT)), "web"]
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while f"Web chat: {PAGE}" not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"make web did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield process, log
    finally:
        if _group_alive(process.pid):
            os.killpg(process.pid, signal.SIGTERM)
            if not _wait_until_gone(process, 30):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    """Headless Debian chromium."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(make_web, browser):
    """The web chat page, in a browser whose position is in Pontianak; records every request."""
    context = browser.new_context(geolocation=PONTIANAK, permissions=["geolocation"],
                                  viewport={"width": 900, "height": 1000}, locale="id-ID")
    page = context.new_page()
    page.on("request", lambda request: REQUESTS.append(request))
    page.goto(PAGE)
    yield page
    context.close()


def last_response(page):
    """The widget's last bot message."""
    return page.locator(".rw-response").last


def type_message(page, text: str) -> None:
    """Types a message into the widget and sends it with Enter."""
    page.locator(".rw-new-message").fill(text)
    page.locator(".rw-new-message").press("Enter")


def test_page_shows_the_bot_and_its_greeting_menu(page):
    expect(page).to_have_title("Asisten BPJS Ketenagakerjaan Kalimantan Barat")
    expect(page.locator("h1")).to_have_text("Asisten BPJS Ketenagakerjaan Kalimantan Barat")
    expect(last_response(page)).to_contain_text("Halo, selamat datang!", timeout=REPLY_MS)
    expect(page.locator(".rw-reply")).to_have_text(
        ["Kantor terdekat", "Daftar kantor", "Apa itu PLKK?", "Jumlah PLKK", "Aplikasi JMO",
         "BSU di Kalimantan Barat"])
    expect(page.locator("#connection-banner")).to_be_hidden()


def test_typed_question_gets_its_answer(page):
    type_message(page, "apa itu plkk")
    expect(page.locator(".rw-client").last).to_have_text("apa itu plkk")
    expect(last_response(page)).to_contain_text("Pusat Layanan Kecelakaan Kerja", timeout=REPLY_MS)


def test_reload_keeps_the_conversation(page):
    page.reload()
    # The history is still shown, and the session goes on: the follow-up needs the PLKK topic
    # of the question before the reload (a new session asks "Maksud Anda jumlah apa?").
    expect(page.locator(".rw-client").last).to_have_text("apa itu plkk", timeout=REPLY_MS)
    type_message(page, "di kalbar ada berapa?")
    expect(page.locator(".rw-client").last).to_have_text("di kalbar ada berapa?")
    expect(last_response(page)).to_contain_text("54 puskesmas, 2 klinik, 11 RSUD",
                                                timeout=REPLY_MS)


def test_quick_reply_of_the_help_menu_gets_its_answer(page):
    type_message(page, "menu")
    expect(page.locator(".rw-reply", has_text="Aplikasi JMO")).to_be_visible(timeout=REPLY_MS)
    page.locator(".rw-reply", has_text="Aplikasi JMO").click()
    # the widget shows each paragraph of a long answer as a bubble of its own
    expect(page.locator(".rw-response", has_text="Jamsostek Mobile")).to_be_visible(timeout=REPLY_MS)
    expect(last_response(page)).to_contain_text("Aplikasi ini menggantikan aplikasi BPJSTKU")
    page.screenshot(path=str(RESULTS / "web-chat.png"))


def test_location_button_sends_the_position(page):
    page.get_by_role("button", name="Bagikan lokasi saya").click()
    expect(page.locator(".rw-client").last).to_have_text("Lokasi saya")
    expect(last_response(page)).to_contain_text("Kantor Cabang Pontianak", timeout=REPLY_MS)


def test_location_refused_says_what_to_do(make_web, browser):
    context = browser.new_context(locale="id-ID")  # no geolocation permission
    try:
        page = context.new_page()
        page.goto(PAGE)
        button = page.get_by_role("button", name="Bagikan lokasi saya")
        expect(page.locator(".rw-response").first).to_contain_text("Halo", timeout=REPLY_MS)
        button.click()
        expect(page.locator("#location-status")).to_contain_text(
            "Sebutkan kecamatan atau desa Anda", timeout=30_000)
    finally:
        context.close()


def test_page_loads_nothing_from_the_internet(page):
    # The widget's stylesheet asks for a web font: the page's Content-Security-Policy blocks it
    # before any request leaves the machine.
    for request in REQUESTS:
        if urlsplit(request.url).hostname not in ("127.0.0.1", "localhost"):
            assert request.failure == "csp", f"{request.url} was fetched"
    assert any(urlsplit(r.url).port == RASA_PORT for r in REQUESTS)


def test_ctrl_c_stops_all_three_and_the_page_says_the_connection_is_lost(make_web, page):
    process, log = make_web
    os.killpg(process.pid, signal.SIGINT)
    assert _wait_until_gone(process, 60), f"still running:\n{log.read_text()[-2000:]}"
    assert "Stopped." in log.read_text()
    banner = page.locator("#connection-banner")
    expect(banner).to_be_visible(timeout=30_000)
    expect(banner).to_contain_text("Koneksi ke server terputus")
    expect(page.get_by_role("button", name="Bagikan lokasi saya")).to_be_disabled()
    page.screenshot(path=str(RESULTS / "web-chat-disconnected.png"))
