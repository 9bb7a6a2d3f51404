"""Statements in a real headless Chromium, and their PDFs rendered back to pixels and text.

The HTML: Chromium builds the page without console errors or network requests and shows the bonus;
a screenshot goes to test-artifacts/statement.png. The PDF (printed by pmrules' own DevTools-pipe
client): A4 or Letter, rendered to an image by `pdftoppm` and checked non-blank, its text
(`pdftotext`) holds the bonus. Needs Debian's chromium, chromium-driver and poppler-utils; skipped
when missing, except under CI, where that is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pmrules.cli import cli
from pmrules.statements.chromium import Browser, find_chromium

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "northwind-bank"
PLAN_YEAR = REPO / "tests" / "workspaces" / "plan-year"
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = REPO / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _require(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        reason = f"{', '.join(missing)} missing (apt-get install -y chromium chromium-driver poppler-utils)"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but the statement browser test cannot run: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _require("chromium", "pdftoppm", "pdftotext")
    out = tmp_path_factory.mktemp("statements") / "out"
    result = CliRunner().invoke(cli, ["statements", str(EXAMPLE), "--output", str(out)],
                                env={"PMRULES_LOAD_PLUGINS": "banking"})
    assert result.exit_code == 0, result.output
    return out


def test_pdf_per_statement_a4_non_blank_with_the_bonus(written: Path, tmp_path: Path) -> None:
    pdfs = sorted(written.glob("*.pdf"))
    assert len(pdfs) == 16 and len(sorted(written.glob("*.html"))) == 16
    pdf = written / "E013.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Your bonus" in text and "$4,912.22" in text  # README: E013 is paid 4,912.22
    assert "Lena Fischer" in text and "Morgan Hale" not in text
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)", info), info
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    image = next(tmp_path.glob("page*.ppm")).read_bytes()
    pixels = _ppm_pixels(image)
    dark = sum(1 for i in range(0, len(pixels), 3) if pixels[i] < 128)
    assert dark > 1_000, "the first page is (nearly) blank"
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(ARTIFACTS / "statement-pdf")], check=True)


def _ppm_pixels(data: bytes) -> bytes:
    """The RGB bytes of a binary PPM (P6) as pdftoppm writes it."""
    fields = []
    position = 0
    while len(fields) < 4:
        while data[position:position + 1].isspace():
            position += 1
        end = position
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[position:end])
        position = end
    assert fields[0] == b"P6", fields
    return data[position + 1:]


def test_letter_paper(tmp_path: Path) -> None:
    _require("chromium", "pdfinfo")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["statements", str(PLAN_YEAR), "--employee", "A1", "--paper", "letter",
                                      "--output", str(out)], env={"PMRULES_LOAD_PLUGINS": ""})
    assert result.exit_code == 0, result.output
    info = subprocess.run(["pdfinfo", str(out / "A1.pdf")], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+612 x 792 pts \(letter\)", info), info


def test_one_browser_prints_many_pages() -> None:
    _require("chromium")
    with Browser(find_chromium()) as browser:
        first = browser.pdf("<!DOCTYPE html><p>one</p>")
        second = browser.pdf("<!DOCTYPE html><p>two</p>", paper="letter")
        pid = browser._process.pid
        assert first.startswith(b"%PDF-") and second.startswith(b"%PDF-")
    assert browser._process.poll() is not None, f"chromium {pid} still runs after close()"


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    _require("chromium")
    if not CHROMEDRIVER.exists():
        _require("chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(find_chromium())
    for flag in [*FLAGS, "--window-size=900,1400", f"--user-data-dir={tmp_path_factory.mktemp('profile')}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield browser
    finally:
        browser.quit()


def test_html_statement_in_the_browser(driver: Any, written: Path) -> None:
    from selenium.webdriver.common.by import By

    driver.get((written / "E013.html").as_uri())
    assert driver.title == "Bonus statement FY2026 — Lena Fischer"
    bonus = driver.find_element(By.ID, "bonus")
    assert bonus.is_displayed() and "$4,912.22" in bonus.text
    tables = driver.find_elements(By.CSS_SELECTOR, "table.measures")
    assert len(tables) == 2 and all(t.size["width"] > 300 for t in tables)
    assert not driver.find_elements(By.ID, "changes")  # no adjustments or discretion: no section
    urls = driver.execute_script("return performance.getEntriesByType('resource').map(function(e){return e.name;})")
    assert urls == []
    ARTIFACTS.mkdir(exist_ok=True)
    assert driver.save_screenshot(str(ARTIFACTS / "statement.png"))
    errors = [entry for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]
    assert errors == []
