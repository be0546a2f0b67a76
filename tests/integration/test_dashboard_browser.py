"""The dashboard in a real browser: Debian's headless Chromium driven by Selenium.

pynutd runs as a subprocess (tests.integration.harness) with two dummy-ups
UPSes; the test watches the page follow a power cut live, logs in, runs a
command and changes a setting, and saves a screenshot (``docs/dashboard.png``
when ``PYNUTD_UPDATE_SCREENSHOT=1``, else a temporary file).

The browser and its driver are Debian's packages ``chromium`` and
``chromium-driver`` (scripts/install-test-deps.sh); nothing is downloaded:
the driver's path is given, so Selenium never runs its selenium-manager.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from pynutd.records.db import EntryKind, HistoryDB, LogEntry
from tests.integration.harness import ROOT, Pynutd

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOT = ROOT / "docs" / "dashboard.png"

UPS_CONF = """\
[dummy]
    driver = dummy-ups
    port = dummy.dev
    desc = "Server closet"

[rack2]
    driver = dummy-ups
    port = rack2.dev
    desc = "Network rack"

[spare]
    driver = dummy-ups
    port = spare.dev
    desc = "Spare (cable pulled during the test)"
"""

UPSD_USERS = """\
[admin]
    password = admin
    actions = SET
    instcmds = ALL
"""

COMMON = """\
battery.charge.low: 20
battery.voltage: 27.3
battery.voltage.nominal: 24
input.frequency: 50.0
input.voltage.nominal: 230
output.frequency: 50.0
ups.mfr: Example Power
"""


def dev_file(status: str, charge: int, runtime: int, vin: float, load: int,
             temperature: float, model: str, serial: str) -> str:
    """A dummy-ups .dev dump with the given readings."""
    return COMMON + f"""\
battery.charge: {charge}
battery.runtime: {runtime}
input.voltage: {vin}
output.voltage: 230.0
ups.load: {load}
ups.model: {model}
ups.serial: {serial}
ups.status: {status}
ups.temperature: {temperature}
"""


ONLINE: dict[str, Any] = {"status": "OL", "charge": 100, "runtime": 2400, "vin": 231.5,
                          "load": 23, "temperature": 31.5, "model": "Smart 1500",
                          "serial": "EX1500-0042"}
# The same UPS a few minutes into a power cut.
ON_BATTERY = {**ONLINE, "status": "OB DISCHRG", "charge": 55, "runtime": 1260, "vin": 0.0}
# A UPS in a warm rack: pynutd's temperature alert (40 C) is raised.
WARM: dict[str, Any] = {"status": "OL CHRG", "charge": 96, "runtime": 3300, "vin": 229.0,
                        "load": 41, "temperature": 43.5, "model": "Smart 750",
                        "serial": "EX0750-0007"}

SPARE: dict[str, Any] = {"status": "OL", "charge": 100, "runtime": 1800, "vin": 230.0,
                         "load": 5, "temperature": 25.0, "model": "Smart 500",
                         "serial": "EX0500-0001"}


def write_dev(path: Path, readings: dict[str, Any]) -> None:
    """Write a .dev file so that dummy-ups sees a new modification time."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(dev_file(**readings))
    if path.stat().st_mtime_ns == before:   # coarse file-system clocks
        os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


def seed_history(db_path: Path, now: float) -> None:
    """Six hours of past polls for both UPSes, with a power cut two hours ago.

    Written with pynutd's own history module before pynutd starts, so the
    charts have something to draw; the last minutes come from live polls.
    """
    samples: list[tuple[str, float, str, float]] = []
    cut_start, cut_end = now - 2 * 3600, now - 2 * 3600 + 12 * 60
    for ups, base_load, base_temp in (("dummy", 23.0, 31.0), ("rack2", 41.0, 38.0)):
        charge = 100.0
        for i in range(6 * 60, 1, -1):
            t = now - i * 60
            wave = math.sin(i / 37.0)
            on_battery = ups == "dummy" and cut_start <= t < cut_end
            if on_battery:
                charge = max(60.0, charge - 3.2)
            else:
                charge = min(100.0, charge + 0.6)
            load = base_load + 4 * wave + (2 if i % 7 == 0 else 0)
            temp = base_temp + 2.5 * math.sin(i / 90.0) + (5.0 if ups == "rack2" and i < 40 else 0)
            vin = 0.0 if on_battery else 230.0 + 3 * math.sin(i / 11.0)
            for var, value in (("battery.charge", charge), ("ups.load", load),
                               ("input.voltage", vin), ("output.voltage", 230.0),
                               ("battery.voltage", 26.0 if on_battery else 27.3),
                               ("input.frequency", 0.0 if on_battery else 50.0),
                               ("output.frequency", 50.0), ("ups.temperature", temp)):
                samples.append((ups, t, var, round(value, 1)))
    events = [
        LogEntry("dummy", cut_start, EntryKind.STATUS, "on battery (OL -> OB DISCHRG)", None,
                 {"old": "OL", "new": "OB DISCHRG"}),
        LogEntry("dummy", cut_end, EntryKind.STATUS, "back on line (OB DISCHRG -> OL CHRG)", None,
                 {"old": "OB DISCHRG", "new": "OL CHRG"}),
    ]
    db = HistoryDB(str(db_path))
    try:
        db.write(samples, events)
    finally:
        db.close()


@pytest.fixture
def confdir(tmp_path: Path) -> Path:
    """A configuration directory with two dummy UPSes and an admin user."""
    (tmp_path / "ups.conf").write_text(UPS_CONF)
    (tmp_path / "upsd.users").write_text(UPSD_USERS)
    write_dev(tmp_path / "dummy.dev", ONLINE)
    write_dev(tmp_path / "rack2.dev", WARM)
    write_dev(tmp_path / "spare.dev", SPARE)
    (tmp_path / "pynutd.conf").write_text(
        f"[history]\ndatabase = {tmp_path / 'history.sqlite'}\n")
    seed_history(tmp_path / "history.sqlite", time.time())
    return tmp_path


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Debian's Chromium, headless, through Debian's chromedriver."""
    monkeypatch.setenv("SE_OFFLINE", "true")   # never let Selenium fetch anything
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--window-size=1280,900",
                "--force-device-scale-factor=1", "--lang=en-GB",
                f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver: Any, what: str, predicate: Callable[[], Any], timeout: float = 10) -> Any:
    """Wait until ``predicate()`` is truthy; fail naming ``what``."""
    def check(_: Any) -> Any:
        try:
            return predicate()
        except StaleElementReferenceException:
            return False
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(check)
    except TimeoutException:
        pytest.fail(f"timed out waiting for {what}")


def text(driver: Any, css: str) -> str:
    """The visible text of the first element matching ``css`` ('' if none)."""
    found = driver.find_elements(By.CSS_SELECTOR, css)
    return found[0].text if found else ""


def card(ups: str) -> str:
    """CSS selector of the overview card of ``ups``."""
    return f'.card[data-ups="{ups}"]'


def reading(ups: str, key: str) -> str:
    """CSS selector of one reading on a card."""
    return f'{card(ups)} [data-reading="{key}"]'


def test_dashboard_in_chromium(confdir: Path, browser: Any, tmp_path: Path) -> None:
    """The page shows every UPS, follows a power cut live, and logs in to control it."""
    # MAXAGE 5: the spare UPS goes stale 5 s after its data stops.
    with Pynutd(confdir, web=True, wait_for_ups="dummy", upsd_extra="MAXAGE 5") as server:
        url = f"http://127.0.0.1:{server.web_port}/"
        browser.get(url)

        # Every UPS at a glance, with the values of its .dev file.
        wait_for(browser, "the dummy card online",
                 lambda: text(browser, f"{card('dummy')} .badge") == "Online")
        assert browser.find_element(By.CSS_SELECTOR, card("dummy")).get_attribute("data-state") == "ol"
        assert text(browser, f"{card('dummy')} .gauge .pct") == "100%"
        assert text(browser, reading("dummy", "runtime")) == "40 min"
        assert text(browser, reading("dummy", "load")) == "23 %"
        assert text(browser, reading("dummy", "input")) == "231.5 V · 50 Hz"
        assert text(browser, reading("dummy", "temperature")) == "31.5 °C"
        assert "Example Power Smart 1500" in text(browser, f"{card('dummy')} .model")
        assert "Server closet" in text(browser, f"{card('dummy')} .model")
        wait_for(browser, "rack2's temperature alarm",
                 lambda: "High temperature" in text(browser, f"{card('rack2')} .alarms"))
        assert text(browser, f"{card('rack2')} .badge") == "Online"
        assert "charging" in text(browser, f"{card('rack2')} .chips")
        assert text(browser, f"{card('spare')} .badge") == "Online"
        # The spare UPS's driver loses its device; the card turns grey below.
        (confdir / "spare.dev").unlink()
        assert [c.get_attribute("data-ups") for c in browser.find_elements(
            By.CSS_SELECTOR, ".card")] == ["dummy", "rack2", "spare"]

        # The first UPS is selected: history charts drawn from the database.
        wait_for(browser, "history charts", lambda: len(browser.find_elements(
            By.CSS_SELECTOR, '#charts .chart[data-chart="percent"] canvas')) == 1)
        percent = browser.find_element(By.CSS_SELECTOR, '#charts .chart[data-chart="percent"]')
        wait_for(browser, "six hours of history in the chart",
                 lambda: int(percent.get_attribute("data-points") or 0) >= 300)
        assert float(percent.get_attribute("data-since")) < time.time() - 5.5 * 3600
        charts = [c.get_attribute("data-chart")
                  for c in browser.find_elements(By.CSS_SELECTOR, "#charts .chart")]
        assert charts == ["percent", "voltage", "battery", "frequency", "temperature"]
        wait_for(browser, "the seeded power cut in the event log",
                 lambda: "on battery" in text(browser, "#events tbody"))
        # Every optional part runs: no notice (test_parts_that_are_off has one).
        # A check made while the database was still opening said "not
        # started"; the next one (10 s at most) says ok.
        notice = browser.find_element(By.ID, "parts-notice")
        wait_for(browser, "no parts notice", lambda: not notice.is_displayed(), timeout=12)

        # The UPS changes: the page follows without reloading.
        browser.execute_script("window.__sameDocument = true;")
        write_dev(confdir / "dummy.dev", ON_BATTERY)
        wait_for(browser, "the card to show the power cut",
                 lambda: text(browser, f"{card('dummy')} .badge") == "On battery")
        wait_for(browser, "the gauge to fall to 55%",
                 lambda: text(browser, f"{card('dummy')} .gauge .pct") == "55%")
        assert browser.find_element(By.CSS_SELECTOR, card("dummy")).get_attribute("data-state") == "ob"
        assert text(browser, reading("dummy", "runtime")) == "21 min"
        assert "discharging" in text(browser, f"{card('dummy')} .chips")
        assert browser.execute_script("return window.__sameDocument === true;"), "page reloaded"
        wait_for(browser, "the status change in the event log",
                 lambda: "OB DISCHRG" in text(browser, "#events tbody"))

        wait_for(browser, "the spare UPS to go stale", timeout=20, predicate=lambda: browser.find_element(
            By.CSS_SELECTOR, card("spare")).get_attribute("data-state") == "stale")
        assert text(browser, f"{card('spare')} .badge") == "No data"
        assert "DATA-STALE" in text(browser, f"{card('spare')} .updated")
        check_status_classes(browser)

        # Commands and settings appear only after logging in.
        assert not browser.find_elements(By.CSS_SELECTOR, "#commands button")
        assert browser.find_element(By.ID, "control-hint").is_displayed()
        browser.find_element(By.ID, "login-btn").click()
        browser.find_element(By.ID, "login-user").send_keys("admin")
        browser.find_element(By.ID, "login-password").send_keys("wrong")
        browser.find_element(By.ID, "login-submit").click()
        wait_for(browser, "the login to be refused",
                 lambda: "Wrong user name or password" in text(browser, "#login-error"))
        browser.find_element(By.ID, "login-password").clear()
        browser.find_element(By.ID, "login-password").send_keys("admin")
        browser.find_element(By.ID, "login-submit").click()
        wait_for(browser, "the login", lambda: text(browser, "#who") == "Logged in as admin")
        wait_for(browser, "the command buttons", lambda: browser.find_elements(
            By.CSS_SELECTOR, '#commands button[data-cmd="load.off"]'))

        # load.off, confirmed.  NUT 2.8.0's dummy-ups lists load.off but
        # handles no command, so the device's refusal must be shown as such,
        # and the attempt logged with the user's name.
        browser.find_element(By.CSS_SELECTOR, '#commands button[data-cmd="load.off"]').click()
        wait_for(browser, "the confirmation", lambda: browser.find_element(
            By.ID, "confirm-dialog").is_displayed())
        assert "load.off" in text(browser, "#confirm-title")
        browser.find_element(By.ID, "confirm-ok").click()
        wait_for(browser, "the command's outcome", lambda: browser.find_element(
            By.ID, "control-result").get_attribute("data-kind") in ("ok", "error"))
        outcome = text(browser, "#control-result")
        assert "load.off" in outcome and "dummy" in outcome
        assert browser.find_element(By.ID, "control-result").get_attribute("data-kind") == "error"
        assert "does not handle load.off" in outcome
        wait_for(browser, "the command in the event log", lambda: any(
            row.get_attribute("data-kind") == "instcmd" and "admin" in row.text
            for row in browser.find_elements(By.CSS_SELECTOR, "#events tbody tr")))

        # A setting, through the form built from the variable's type.
        field = browser.find_element(By.CSS_SELECTOR, '#settings [data-var="battery.charge.low"]')
        assert field.get_attribute("value") == "20"
        # Select and replace while the field has the focus: a live update
        # between a clear() and the typing would refill the unfocused field.
        field.send_keys(Keys.CONTROL, "a", Keys.NULL, "25")
        assert field.get_attribute("value") == "25"
        browser.find_element(By.CSS_SELECTOR, '#settings [data-set-var="battery.charge.low"]').click()
        wait_for(browser, "the setting's outcome", lambda: text(browser, "#control-result").startswith(
            "Variable battery.charge.low"))
        assert browser.find_element(By.ID, "control-result").get_attribute("data-kind") == "ok"
        assert "saved successfully" in text(browser, "#control-result")
        wait_for(browser, "the new value in the variables table", lambda: any(
            (row.get_attribute("textContent") or "") == "battery.charge.low25"
            for row in browser.find_elements(By.CSS_SELECTOR, "#vars tbody tr")))
        wait_for(browser, "the setting in the event log", lambda: any(
            row.get_attribute("data-kind") == "setvar" and "admin" in row.text
            for row in browser.find_elements(By.CSS_SELECTOR, "#events tbody tr")))

        save_screenshot(browser, tmp_path)
        check_phone_layout(browser)
        check_console(browser)


def test_parts_that_are_off(tmp_path: Path, browser: Any) -> None:
    """A history database pynutd cannot open is named on the page, with why, until it can."""
    (tmp_path / "ups.conf").write_text(
        "[dummy]\n    driver = dummy-ups\n    port = dummy.dev\n")
    (tmp_path / "upsd.users").write_text(UPSD_USERS)
    write_dev(tmp_path / "dummy.dev", ONLINE)
    database = tmp_path / "history.sqlite"
    database.write_bytes(b"not a database\n" * 500)
    (tmp_path / "pynutd.conf").write_text(f"[history]\ndatabase = {database}\n")
    with Pynutd(tmp_path, web=True, wait_for_ups="dummy") as server:
        browser.get(f"http://127.0.0.1:{server.web_port}/")
        notice = browser.find_element(By.ID, "parts-notice")
        wait_for(browser, "the notice", notice.is_displayed)
        item = browser.find_element(By.CSS_SELECTOR, '#parts-off li[data-part="history"]')
        assert item.text.startswith("History database: cannot open the history database")
        assert item.text.endswith("file is not a database")
        assert [li.get_attribute("data-part") for li in
                browser.find_elements(By.CSS_SELECTOR, "#parts-off li")] == ["history"]
        wait_for(browser, "the dummy card", lambda: text(browser, f"{card('dummy')} .badge")
                 == "Online")   # the UPS is served all the same

        # The file is fixed; SIGHUP retries at once; the notice goes with the next check.
        database.unlink()
        server.reload()
        wait_for(browser, "the notice to go", lambda: not notice.is_displayed(), timeout=25)
        # The history and the event log answered 503 while the database was off.
        problems = [entry["message"] for entry in browser.get_log("browser")
                    if entry["level"] == "SEVERE" and not (
                        entry["source"] == "network" and "503" in entry["message"]
                        and ("/history?" in entry["message"] or "/events?" in entry["message"]))]
        assert problems == []


def check_status_classes(browser: Any) -> None:
    """Every ups.status maps to the card colour its worst token calls for."""
    cases = {"OL": "ol", "OL CHRG": "ol", "OB DISCHRG": "ob", "OB LB": "lb",
             "OL LB": "lb", "FSD OB LB": "fsd", "OFF": "unknown", "": "unknown"}
    for status, expected in cases.items():
        got = browser.execute_script("return PynutdFormat.classify(arguments[0], false).state;", status)
        assert got == expected, status
    assert browser.execute_script("return PynutdFormat.classify('OL', true).state;") == "stale"
    formats = browser.execute_script(
        "const F = PynutdFormat; return [F.runtime('3725'), F.runtime(45), F.runtime(''),"
        " F.quantity('231.50', 'V', 1), F.quantity('49.96', 'Hz', 1), F.quantity('x', 'V')];")
    assert formats == ["1 h 02 min", "45 s", "–", "231.5 V", "50 Hz", "–"]
    # Each state has its own colour on the page's stylesheet.
    colours = browser.execute_script("""
        const out = {};
        for (const st of ['ol', 'ob', 'lb', 'fsd', 'stale']) {
            const el = document.createElement('article');
            el.className = 'card'; el.dataset.state = st;
            document.body.append(el);
            out[st] = getComputedStyle(el).borderTopColor;
            el.remove();
        }
        return out;""")
    assert len(set(colours.values())) == 5, colours


def save_screenshot(browser: Any, tmp_path: Path) -> None:
    """Save the whole page: into docs/ when asked to, else a temporary file."""
    browser.execute_script("window.scrollTo(0, 0); document.getElementById('toast').hidden = true;")
    height = browser.execute_script("return document.documentElement.scrollHeight;")
    browser.set_window_size(1280, min(int(height) + 140, 4000))
    time.sleep(0.5)   # let the charts follow the new size
    update = os.environ.get("PYNUTD_UPDATE_SCREENSHOT") == "1"
    target = SCREENSHOT if update else tmp_path / "dashboard.png"
    assert browser.save_screenshot(str(target))
    assert target.stat().st_size > 20_000


def check_phone_layout(browser: Any) -> None:
    """On a phone-sized window nothing is wider than the screen."""
    browser.set_window_size(400, 900)
    wait_for(browser, "a one-column layout", lambda: browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth;"))
    widths = browser.execute_script(
        "return Array.from(document.querySelectorAll('.card, .panel'))"
        ".map(e => e.getBoundingClientRect().right <= window.innerWidth);")
    assert widths and all(widths)


def check_console(browser: Any) -> None:
    """No script error and no Content-Security-Policy violation."""
    problems = [entry for entry in browser.get_log("browser")
                if entry["level"] == "SEVERE"
                # Expected HTTP errors: the wrong password (401) and the
                # device's refusal of load.off (500).
                and not (entry["source"] == "network"
                         and ("api/v1/whoami" in entry["message"]
                              or "command/load.off" in entry["message"]))]
    assert problems == []
