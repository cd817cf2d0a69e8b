"""Debian's Chromium, headless, driven by selenium through Debian's chromedriver: nothing is downloaded."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from controller import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(os.environ.get("EVSE_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "web"


def have_chromium() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


class Chromium:
    """One headless browser with its own empty profile; `with Chromium(downloads) as driver:`."""

    def __init__(self, downloads: Path):
        self.downloads = downloads
        self.profile = tempfile.mkdtemp(prefix="evse-chromium-")
        self.driver = None

    def __enter__(self) -> webdriver.Chrome:
        if not have_chromium():
            raise RuntimeError("the browser tests need Debian's chromium and chromium-driver: "
                               "bash scripts/test.sh installs them")
        self.driver = start_chromium(self.downloads, self.profile)
        return self.driver

    def __exit__(self, *exc) -> None:
        if self.driver is not None:
            self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)


def start_chromium(downloads: Path, profile: str) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--ignore-certificate-errors",  # the charger's own self-signed certificate
                 "--window-size=1280,1600", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def screenshot(driver, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path
