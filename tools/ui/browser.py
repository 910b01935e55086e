#!/usr/bin/env python3
"""Drives Quarry's browser UI (served by `quarry serve`) in headless Chromium through Selenium.

  browser.py check --base http://127.0.0.1:PORT
      The end-to-end test (run by Tests/QuarryServerTests/UIBrowserTests.swift): a query in both
      columns with different expanders, a judged topic with grades and metrics, the experiment view,
      a document holding <script>alert(1)</script> shown as text (and no alert), the document view,
      an expander's generated text, the keyboard and a narrow window. The server must have been
      started over an index with the sample collection plus the document X-SCRIPT, with --topics and
      --qrels, and with --set precomputed.file=F replaying GENERATED_TEXT for topic 1 (as
      UIBrowserTests starts it).
      Prints one line per check and ends with 'N passed, N failed'.

  browser.py screenshots --base URL --out docs/ui
      The README's screenshots of the main views (tools/ui-screenshots.sh).

Uses Debian's chromium and chromium-driver (tools/install-deps.sh --ui installs them and selenium).
"""
import argparse
import json
import os
import shutil
import sys
import time
import traceback
import urllib.request

os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never try to download a driver
from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException, TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

SCRIPT_DOC = "X-SCRIPT"
SCRIPT_TEXT = "<script>alert(1)</script>"
# What the server's precomputed expander replays for topic 1 (UIBrowserTests writes the file).
GENERATED_TEXT = "Stars die as <b>supernovae</b>, white dwarfs or neutron stars."


def start_browser(width, height):
    options = webdriver.ChromeOptions()
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if not binary:
        sys.exit("chromium is not installed (tools/install-deps.sh --ui)")
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-extensions", "--no-first-run", "--hide-scrollbars", "--lang=en-US",
                f"--window-size={width},{height}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = shutil.which("chromedriver") or "/usr/lib/chromium/chromedriver"
    if not os.path.exists(driver_path):
        sys.exit("chromedriver is not installed (Debian's chromium-driver: tools/install-deps.sh --ui)")
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    return driver


def api(base, method, path, body=None):
    request = urllib.request.Request(base + path, method=method, headers={"Accept": "application/json", "Content-Type": "application/json"},
                                     data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(request, timeout=60) as r:
        return json.load(r)


class UI:
    """The page, with waits for what the script draws."""

    def __init__(self, driver, base):
        self.d = driver
        self.base = base

    def wait(self, condition, what, timeout=30):
        try:
            return WebDriverWait(self.d, timeout, poll_frequency=0.1,
                                 ignored_exceptions=[StaleElementReferenceException]).until(lambda d: condition())
        except TimeoutException:
            status = self.d.find_element(By.ID, "status").text
            raise AssertionError(f"timed out waiting for {what} (status line: {status!r})")

    def open(self, path="/"):
        self.d.get(self.base + path)
        self.wait(lambda: self.d.execute_script("return document.body.dataset.ready === 'true'"), "the page to be ready")

    def css(self, selector):
        return self.d.find_elements(By.CSS_SELECTOR, selector)

    def hits(self, column):
        return self.css(f"#column-{column} li.hit[data-docid]")

    def search_done(self):
        return "Searched" in self.d.find_element(By.ID, "status").text or "failed" in self.d.find_element(By.ID, "status").text

    def choose(self, select_id, value):
        Select(self.d.find_element(By.ID, select_id)).select_by_value(value)

    def search(self, text):
        """Types a query and presses Enter (the form's submit), as a keyboard user does."""
        self.d.execute_script("document.getElementById('status').textContent = ''")
        box = self.d.find_element(By.ID, "query")
        box.clear()
        box.send_keys(text, Keys.ENTER)
        self.wait(self.search_done, f"the search for {text!r}")

    def no_alert(self):
        try:
            alert = self.d.switch_to.alert
            text = alert.text
            alert.dismiss()
            raise AssertionError(f"an alert fired: {text!r}")
        except NoAlertPresentException:
            pass

    def console_errors(self):
        return [e for e in self.d.get_log("browser") if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]]


def check(args):
    results = []

    def test(name):
        def run(fn):
            t0 = time.time()
            try:
                fn()
                results.append((name, None))
                print(f"ok    {name} ({time.time() - t0:.1f} s)", flush=True)
            except Exception as e:  # one failing check does not hide the others
                results.append((name, e))
                where = traceback.extract_tb(e.__traceback__)[-1]
                print(f"FAIL  {name}: {type(e).__name__} at line {where.lineno} ({where.line}): {e}", flush=True)
                if args.failure_screenshots:
                    os.makedirs(args.failure_screenshots, exist_ok=True)
                    driver.save_screenshot(os.path.join(args.failure_screenshots, f"failed-{len(results)}.png"))
            return fn
        return run

    driver = start_browser(1400, 1000)
    # Every page records alert() calls instead of blocking on a dialog: a document's markup that ran
    # would leave its trace here (a real dialog is checked for as well).
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {
        "source": "window.__alerts = []; window.alert = (m) => { window.__alerts.push(String(m)); };"})
    ui = UI(driver, args.base)
    try:
        ui.open()

        @test("a query in both columns, no expansion against RM3: results, final queries, rank changes")
        def _():
            ui.choose("A-expander", "none")
            ui.choose("B-expander", "rm3")
            ui.search("how do glaciers move")
            a, b = ui.hits("a"), ui.hits("b")
            assert len(a) == 10 and len(b) == 10, (len(a), len(b))
            in_force = [e.text for e in ui.css(".in-force")]
            assert "--expander rm3" in in_force[1] and "rm3" not in in_force[0], in_force
            terms_a = [e.text for e in ui.css("#column-a .term-row .term")]
            terms_b = [e.text for e in ui.css("#column-b .term-row .term")]
            assert terms_a == ["how", "do", "glacier", "move"], terms_a   # the index keeps Lucene's 33 stop words out only
            assert len(terms_b) > len(terms_a) + 5, terms_b   # RM3's expansion terms, each with a bar
            assert len(ui.css("#column-b .term-row .bar")) == len(terms_b)
            # The same answers the API gives for the same pipelines. RM3 sums its weights in hash order,
            # so its near-ties may swap between two calls: B is compared as sets.
            want_a = api(args.base, "POST", "/search", {"query": "how do glaciers move", "expander": "none"})
            want_b = api(args.base, "POST", "/search", {"query": "how do glaciers move", "expander": "rm3"})
            assert [h.get_attribute("data-docid") for h in a] == [h["docid"] for h in want_a["hits"]]
            got_b = {h.get_attribute("data-docid") for h in b}
            assert len(got_b & {h["docid"] for h in want_b["hits"]}) >= 9, got_b
            assert set(terms_b) == {t["term"] for t in want_b["expanded"]}, terms_b
            # Every B hit is marked against A (up, down, same or new); query words are highlighted.
            marks = [h.find_elements(By.CSS_SELECTOR, ".change") for h in b]
            assert all(len(m) == 1 for m in marks), "a B hit without a rank-change mark"
            kinds = {m[0].get_attribute("class").split()[-1] for m in marks}
            assert kinds <= {"up", "down", "same", "new"}, kinds
            assert ui.css("#column-a .hit-title mark"), "no highlighted word in A's titles"
            assert any(m.text.lower().startswith("glacier") for m in ui.css("#column-b .snippet mark"))

        @test("a judged topic: grades on judged documents, nDCG@10 and AP per column")
        def _():
            ui.d.execute_script("document.getElementById('status').textContent = ''")
            ui.choose("topic", "1")   # the change event searches
            ui.wait(lambda: len(ui.css(".evaluation")) == 2 and ui.search_done(), "the topic's metrics")
            assert ui.d.find_element(By.ID, "query").get_attribute("value") == "how do stars die"
            grades = ui.css("#column-a .hit .grade[data-grade]")
            assert grades, "no graded document in A"
            assert any(g.get_attribute("data-grade") == "2" for g in grades)
            assert ui.css("#column-a .hit .grade.unjudged") or len(grades) == 10
            for i, body in enumerate([{"expander": "none"}, {"expander": "rm3"}]):
                want = api(args.base, "POST", "/search", {"query": "how do stars die", "id": "1", "k": 1000, **body})["evaluation"]["metrics"]
                column = "ab"[i]
                for metric in ("nDCG@10", "AP"):
                    shown = ui.css(f"#column-{column} .evaluation [data-metric='{metric}'] b")[0].text
                    assert shown == f"{want[metric]:.4f}", (column, metric, shown, want[metric])

        @test("the experiment view: sorted per-topic bars (wins above, losses below) and the table")
        def _():
            ui.d.find_element(By.ID, "tab-experiment").click()
            ui.d.find_element(By.ID, "experiment-run").click()
            ui.wait(lambda: ui.css("#experiment-chart g.bar"), "the chart", timeout=60)
            bars = ui.css("#experiment-chart g.bar")
            topics = api(args.base, "GET", "/topics")["topics"]
            assert len(bars) == sum(1 for t in topics if t["judged"]), len(bars)
            kinds = [b.get_attribute("class").split()[-1] for b in bars]
            order = {"win": 0, "tie": 1, "loss": 2}
            assert [order[k] for k in kinds] == sorted(order[k] for k in kinds), kinds
            mid = 160  # the chart's zero line (viewBox height 320)
            for b in bars:
                rect = b.find_element(By.TAG_NAME, "rect")
                y, h = float(rect.get_attribute("y")), float(rect.get_attribute("height"))
                kind = b.get_attribute("class").split()[-1]
                assert (kind != "win" or y + h <= mid + 1e-6) and (kind != "loss" or y >= mid - 1e-6), (kind, y, h)
            table = ui.d.find_element(By.ID, "experiment-table").text
            assert "(baseline)" in table and "queries; Δ from A" in table, table
            assert "wins" in ui.d.find_element(By.ID, "experiment-caption").text
            # A bar opens its topic, from the keyboard too.
            topic = bars[0].get_attribute("data-topic")  # read first: Enter re-renders the page, staling the bar
            bars[0].send_keys(Keys.ENTER)
            ui.wait(lambda: not ui.d.find_element(By.ID, "view-search").get_attribute("hidden") and len(ui.css(".evaluation")) == 2
                    and ui.css(".evaluation")[0].get_attribute("data-topic") == topic, "the bar's topic")

        @test("a document holding <script>alert(1)</script> is shown as text, and no script runs")
        def _():
            ui.choose("topic", "")
            ui.search("glacier trap markup")
            hit = ui.css(f"#column-a li.hit[data-docid='{SCRIPT_DOC}']")
            assert hit, "the fixture document was not found"
            title = hit[0].find_element(By.CSS_SELECTOR, ".hit-title").text
            snippet = hit[0].find_element(By.CSS_SELECTOR, ".snippet").text
            assert SCRIPT_TEXT in title, title
            assert "<img src=x onerror=alert(2)>" in snippet, snippet
            # Titles and snippets hold text and the highlights' <mark>s, nothing else.
            assert not ui.css(".hit-title :not(mark), .snippet :not(mark), main script, main img"), "document markup became elements"
            ui.no_alert()
            # Its document view, reached by its link.
            hit[0].find_element(By.CSS_SELECTOR, "a.docid").click()
            ui.wait(lambda: ui.d.execute_script("return document.body.dataset.ready === 'true'") and ui.d.find_element(By.ID, "doc-text").text,
                    "the document view")
            assert SCRIPT_TEXT in ui.d.find_element(By.ID, "doc-title").text
            assert "<img src=x onerror=alert(2)>" in ui.d.find_element(By.ID, "doc-text").text
            assert not ui.css("#doc-title :not(mark), #doc-text :not(mark), main script, main img")
            ui.no_alert()
            assert ui.d.execute_script("return window.__alerts") == [], "alert() was called"

        @test("the document view of a judged document shows its text and grade")
        def _():
            ui.open("/doc/S001?topic=1")
            ui.wait(lambda: ui.d.find_element(By.ID, "doc-text").text, "the document")
            assert ui.d.find_element(By.ID, "doc-title").text == "Red Giant Stars"
            assert "grade 2 for topic 1" in ui.d.find_element(By.ID, "doc-meta").text

        @test("keyboard: / focuses the query box, Tab reaches the pickers, Enter searches")
        def _():
            ui.open()
            ui.d.find_element(By.TAG_NAME, "body").click()
            ui.d.find_element(By.TAG_NAME, "body").send_keys("/")
            assert ui.d.switch_to.active_element.get_attribute("id") == "query"
            ui.search("bee sting")
            assert len(ui.hits("a")) > 0 and len(ui.hits("b")) > 0
            seen = set()
            for _ in range(40):
                ui.d.switch_to.active_element.send_keys(Keys.TAB)
                seen.add(ui.d.switch_to.active_element.get_attribute("id"))
            assert {"A-model", "A-expander", "A-reranker", "B-expander"} <= seen, seen

        @test("text an expander generated (here replayed by precomputed) is shown above the results, as text")
        def _():
            ui.choose("B-expander", "precomputed")
            ui.d.execute_script("document.getElementById('status').textContent = ''")
            ui.choose("topic", "1")
            ui.wait(lambda: ui.search_done() and ui.css("#column-b .in-force"), "the topic's search")
            generated = ui.css("#column-b .generated")
            assert generated, ui.d.find_element(By.ID, "column-b").text[:300]
            assert generated[0].text == GENERATED_TEXT, generated[0].text
            assert not ui.css("#column-a .generated"), "A's plain query generated nothing"
            assert not ui.css(".generated *"), "generated text became elements"

        @test("a narrow window stacks the two columns")
        def _():
            ui.d.set_window_size(480, 900)
            time.sleep(0.3)
            a = ui.d.find_element(By.ID, "column-a").rect
            b = ui.d.find_element(By.ID, "column-b").rect
            assert b["y"] >= a["y"] + a["height"] - 1 and a["width"] <= 480, (a, b)
            width = ui.d.execute_script("return document.documentElement.scrollWidth")
            assert width <= 480, f"the page scrolls sideways: {width}px"
            ui.d.set_window_size(1400, 1000)

        @test("no errors in the browser console (none from the Content-Security-Policy either)")
        def _():
            errors = ui.console_errors()
            assert not errors, errors
    finally:
        driver.quit()
    failed = sum(1 for _, e in results if e)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


def screenshots(args):
    os.makedirs(args.out, exist_ok=True)
    driver = start_browser(1400, 1100)
    ui = UI(driver, args.base)
    try:
        ui.open()
        ui.choose("A-expander", "none")
        ui.choose("B-expander", "rm3")
        ui.choose("topic", args.topic)
        ui.wait(lambda: len(ui.css(".evaluation")) == 2 and ui.search_done(), "the topic's search")
        driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
        shot(driver, os.path.join(args.out, "search.png"), 1400)

        ui.d.find_element(By.ID, "tab-experiment").click()
        ui.d.find_element(By.ID, "experiment-run").click()
        ui.wait(lambda: ui.css("#experiment-chart g.bar"), "the chart", timeout=120)
        driver.execute_script("document.activeElement.blur()")
        shot(driver, os.path.join(args.out, "experiment.png"), 1400)

        first = api(args.base, "POST", "/search", {"query": args.query, "id": args.topic, "snippets": True, "k": 1})["hits"][0]
        ui.open(f"/doc/{first['docid']}?topic={args.topic}&hl={'+'.join(first['highlight'])}")
        shot(driver, os.path.join(args.out, "document.png"), 1000)

        driver.set_window_size(480, 1000)
        ui.open()
        ui.choose("B-expander", "rm3")
        ui.search(args.query)
        driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
        shot(driver, os.path.join(args.out, "narrow.png"), 480, max_height=1500)
    finally:
        driver.quit()
    print(f"screenshots written to {args.out}")


def shot(driver, path, width, max_height=2400):
    """The page at `width`, its viewport as tall as its content (capped)."""
    driver.set_window_size(width, 600)
    time.sleep(0.2)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    chrome = driver.execute_script("return window.outerHeight - window.innerHeight")
    driver.set_window_size(width, min(height, max_height) + chrome)
    time.sleep(0.3)
    driver.save_screenshot(path)
    print(f"wrote {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check")
    c.add_argument("--base", required=True)
    c.add_argument("--failure-screenshots", metavar="DIR", help="save a screenshot of the page where a check fails")
    s = sub.add_parser("screenshots")
    s.add_argument("--base", required=True)
    s.add_argument("--out", default="docs/ui")
    s.add_argument("--topic", default="1")
    s.add_argument("--query", default="how do stars die")
    args = parser.parse_args()
    sys.exit(check(args) if args.command == "check" else screenshots(args))


if __name__ == "__main__":
    main()
