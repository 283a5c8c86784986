#!/usr/bin/env python3
"""The UI in headless Chromium (Debian's, driven by Playwright from PyPI): create a collection, upload the
sample documents, ask, wait for the streamed answer and a citation, open it and check the highlighted span,
compare, runs, the memory plan, and the phone-width layout; one screenshot per view.
Usage: web_browser.py BASE_URL SCREENSHOT_DIR"""
import os
import sys

from playwright.sync_api import expect, sync_playwright

BASE, OUT = sys.argv[1], sys.argv[2]
os.makedirs(OUT, exist_ok=True)
SAMPLE = [os.path.abspath(os.path.join("examples/sample", n)) for n in sorted(os.listdir("examples/sample"))]
Q = "In what year was Nikola Tesla born?"
CITED = "Where was Nikola Tesla born?"  # SmolLM2 quotes the passage here, so the answer carries a citation


def shot(page, name):
    page.screenshot(path=os.path.join(OUT, name + ".png"), full_page=True)


with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                args=["--no-sandbox", "--disable-gpu"])
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: errors.append("external request " + r.url) if not r.url.startswith(BASE) else None)

    page.goto(BASE + "/")
    expect(page.locator("h1")).to_have_text("Collections")
    page.fill("#newname", "demo")
    page.click("#create button")
    expect(page.locator("h1")).to_have_text("demo")
    # The drop zone's file input (drag and drop feeds the same upload function).
    page.set_input_files("#files", SAMPLE)
    expect(page.locator("#upres")).to_contain_text("3 added", timeout=60000)
    expect(page.locator("tbody tr")).to_have_count(3)
    shot(page, "collection")
    page.goto(BASE + "/#/collections")
    expect(page.locator("tbody tr")).to_have_count(1)
    shot(page, "collections")

    page.goto(BASE + "/#/ask?c=demo")
    page.select_option("#mode", "rag")
    page.fill("#q", CITED)
    page.fill("#maxtok", "32")
    page.click("#go")
    expect(page.locator("#status .pill")).to_have_text("rag", timeout=120000)
    expect(page.locator("#answer")).not_to_be_empty()
    expect(page.locator("#reason")).to_contain_text("Why rag")
    expect(page.locator("#metrics")).to_contain_text("prompt tokens")
    shot(page, "ask")
    cites = page.locator("#cites a")
    assert cites.count() > 0, "no citation in the answer: " + page.locator("#answer").inner_text()
    cites.first.click()
    expect(page.locator("#chunk")).to_be_visible()
    hl = page.locator("#hl")
    if hl.count():
        quote = page.evaluate("decodeURIComponent(new URLSearchParams(location.hash.split('?')[1]).get('quote'))")
        assert hl.inner_text().strip() == quote.strip(), (hl.inner_text(), quote)
    else:  # a citation without a quote highlights the whole chunk
        assert page.locator("#chunk").inner_text().strip()
    shot(page, "citation")

    page.goto(BASE + "/#/ask?c=demo")
    page.select_option("#mode", "lc")
    page.wait_for_timeout(300)  # the plan check runs on change; no warning for a collection that fits
    assert page.locator("#fit").inner_text() == "", page.locator("#fit").inner_text()

    page.goto(BASE + "/#/compare")
    page.fill("#q", Q)
    page.fill("#maxtok", "16")
    page.click("#go")
    expect(page.locator("#chart")).to_be_visible(timeout=180000)
    expect(page.locator("#rows .card")).to_have_count(3)
    expect(page.locator(".bars").first).to_be_visible()
    shot(page, "compare")

    page.goto(BASE + "/#/runs")
    expect(page.locator("tbody tr").first).to_be_visible()
    assert page.locator("tbody tr").count() >= 2
    shot(page, "runs")
    page.locator("tbody tr a").first.click()
    expect(page.locator("h1")).to_contain_text("Run")

    page.goto(BASE + "/#/plan?c=demo")
    page.click("#planf button")
    expect(page.locator("#plan")).to_contain_text("Long context fits")
    shot(page, "plan")

    # Keyboard: the nav is reachable with Tab and follows Enter.
    page.goto(BASE + "/#/collections")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Collections")

    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(BASE + "/#/c/demo")
    expect(phone.locator("tbody tr")).to_have_count(3)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"page scrolls sideways at phone width: {width}px"
    shot(phone, "phone")
    browser.close()
    assert not errors, errors
print("web_browser.py: ok, screenshots in", OUT)
