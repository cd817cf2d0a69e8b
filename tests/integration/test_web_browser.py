"""The installer's page in a real browser (Debian's headless Chromium, selenium), against `evse run` on the bench.

Screenshots of each step land in test-artifacts/web/ (EVSE_TEST_ARTIFACTS to move them).
"""

import asyncio
import csv
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from browser import Chromium, screenshot
from web_client import PASSWORD, started_with_password

pytestmark = pytest.mark.alone  # a real browser watching a live session: under load its numbers lagged past 20 s



def text(driver, element_id: str) -> str:
    """Read in one script call: the live page replaces its elements at every update."""
    return driver.execute_script("const e = document.getElementById(arguments[0]); return e ? e.textContent : '';",
                                 element_id)


def selected_text(driver, css: str) -> str:
    return driver.execute_script("const e = document.querySelector(arguments[0]); return e ? e.textContent : '';",
                                 css)


def wait(driver, condition, timeout=20.0):
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition)


def log_in(driver, base: str, password: str) -> None:
    driver.get(base + "/")
    wait(driver, ec.presence_of_element_located((By.ID, "password")))
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "login-button").click()


async def in_browser(fn, *args):
    return await asyncio.to_thread(fn, *args)


@pytest.fixture
async def page(csms, tmp_path):
    proc = await started_with_password(csms, tmp_path / "data")
    with Chromium(tmp_path / "downloads") as driver:
        yield proc, driver
    await proc.close()
    print(f"---- controller log ----\n{proc.log()}")


async def test_an_installer_logs_in_and_watches_a_session(page, csms, tmp_path):
    proc, driver = page
    await in_browser(log_in, driver, proc.web, "not the password")
    await in_browser(wait, driver, lambda d: "Wrong password" in text(d, "login-error"))
    await in_browser(screenshot, driver, "01-wrong-password")
    await in_browser(log_in, driver, proc.web, PASSWORD)
    await in_browser(wait, driver, lambda d: text(d, "status-1") == "Available")
    await in_browser(screenshot, driver, "02-dashboard")

    await proc.post("/ev", {"connector": 1, "state": "C"})
    await proc.post("/rfid", {"connector": 1, "id_tag": "BROWSER"})
    await in_browser(wait, driver, lambda d: text(d, "status-1") == "Charging" and text(d, "power-1") != "0.00 kW")
    first = await in_browser(text, driver, "energy-1")
    await in_browser(wait, driver, lambda d: text(d, "energy-1") not in ("", first))  # live numbers, no reload
    assert "BROWSER" in await in_browser(text, driver, "session-1")
    await in_browser(screenshot, driver, "03-charging")

    await proc.post("/fault", {"kind": "estop", "active": True})
    fault = '[data-fault="estop"]'
    await in_browser(wait, driver, lambda d: "emergency stop is pressed" in selected_text(d, fault))
    await in_browser(screenshot, driver, "04-fault")
    await proc.post("/fault", {"kind": "estop", "active": False})
    await in_browser(wait, driver, lambda d: selected_text(d, fault) == "")

    await proc.post("/ev", {"connector": 1, "state": "A"})
    await in_browser(wait, driver, lambda d: "BROWSER" in text(d, "tx-rows"))
    await in_browser(driver.find_element(By.ID, "csv").click)
    target = tmp_path / "downloads" / "transactions.csv"
    for _ in range(100):
        if target.exists() and target.stat().st_size:
            break
        await asyncio.sleep(0.1)
    rows = list(csv.DictReader(target.open()))
    assert [r["id_tag"] for r in rows] == ["BROWSER"] and float(rows[0]["energy_wh"]) > 0
    await in_browser(screenshot, driver, "05-transactions")


async def test_an_installer_changes_the_charge_point_id(page, csms):
    proc, driver = page
    await in_browser(log_in, driver, proc.web, PASSWORD)
    await in_browser(wait, driver, lambda d: d.find_element(By.ID, "charge_point_id").get_attribute("value")
                     == "CP001")

    def change_id(d):
        field = d.find_element(By.ID, "charge_point_id")
        field.clear()
        field.send_keys("CP-BROWSER")
        d.find_element(By.ID, "settings-save").click()

    await in_browser(change_id, driver)
    await in_browser(wait, driver, lambda d: "Saved: charge_point_id" in text(d, "settings-result"))
    await in_browser(screenshot, driver, "06-settings-saved")
    await csms.wait_for(lambda c: "CP-BROWSER" in c.charge_points, 30)
    await proc.wait_api()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the restarted controller forgot the login: the page asks again
        await in_browser(driver.get, proc.web + "/")
        if await in_browser(driver.find_elements, By.ID, "password"):
            break
        await asyncio.sleep(0.3)
    await in_browser(log_in, driver, proc.web, PASSWORD)
    await in_browser(wait, driver, lambda d: d.find_element(By.ID, "charge_point_id").get_attribute("value")
                     == "CP-BROWSER")
