"""The report in a real headless Chromium: renders without console errors, the tree and charts are there,
the search box filters the tree; a screenshot is saved to test-artifacts/report.png.

Needs /usr/bin/chromium and /usr/bin/chromedriver (Debian: apt-get install -y chromium chromium-driver) and
selenium >= 4.10. Skipped when they are missing, except under CI (env CI set), where that is a failure.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pmrules.api import open_workspace
from pmrules.report import render_report

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "northwind-bank"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = REPO / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _missing() -> str | None:
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        return f"{CHROMIUM} or {CHROMEDRIVER} is missing (apt-get install -y chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install 'selenium>=4.10')"
    return None


def _require_browser() -> None:
    reason = _missing()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but the browser test cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    opened = open_workspace(EXAMPLE)
    path.write_text(render_report(opened.workspace, opened.catalog), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, "--window-size=1400,2000", f"--user-data-dir={tmp_path_factory.mktemp('profile')}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield browser
    finally:
        browser.quit()


def test_dump_dom_has_tree_and_charts(report_file: Path, tmp_path: Path) -> None:
    """The plain `--dump-dom` route: what Chromium builds from the file, with no driver in between."""
    _require_browser()
    done = subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr",
                           "--v=0", "--dump-dom", report_file.as_uri()], capture_output=True, text=True, timeout=120,
                          check=True)
    dom = done.stdout
    assert dom.count('<details class="n"') == 9
    assert dom.count("<svg") >= 15
    assert 'id="q"' in dom


def test_renders_without_console_errors_and_search_filters(driver: Any, report_file: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(report_file.as_uri())
    assert "northwind-bank" in driver.title
    nodes = driver.find_elements(By.CSS_SELECTOR, "details.n")
    assert len(nodes) == 9
    charts = driver.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert len(charts) >= 15 and all(c.size["width"] > 0 for c in charts[:3])
    assert driver.find_elements(By.CSS_SELECTOR, "ul.lines li")

    ARTIFACTS.mkdir(exist_ok=True)
    assert driver.save_screenshot(str(ARTIFACTS / "report.png"))
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000

    def visible_ids() -> list[str]:
        return [n.get_attribute("id") for n in driver.find_elements(By.CSS_SELECTOR, "details.n") if n.is_displayed()]

    box = driver.find_element(By.ID, "q")
    box.send_keys("mill")
    WebDriverWait(driver, 5).until(lambda d: d.find_element(By.ID, "qn").text.startswith("1 centre"))
    assert visible_ids() == ["c-corp", "c-north", "c-mill"]  # the match and the way down to it
    box.clear()
    box.send_keys("cost_variance")  # a KPI: hr and it are scored on it
    WebDriverWait(driver, 5).until(lambda d: d.find_element(By.ID, "qn").text.startswith("2 centre"))
    assert visible_ids() == ["c-corp", "c-hr", "c-it"]
    driver.execute_script("var b=document.getElementById('q'); b.value=''; b.dispatchEvent(new Event('input'));")
    WebDriverWait(driver, 5).until(lambda d: d.find_element(By.ID, "qn").text == "")
    assert len(visible_ids()) == 9

    errors = [entry for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]
    assert errors == []


def test_no_network_requests(driver: Any, report_file: Path) -> None:
    driver.get(report_file.as_uri())
    urls = driver.execute_script("return performance.getEntriesByType('resource').map(function(e){return e.name;})")
    assert urls == []


