"""The web chat page on a cheap phone with a poor connection
(`python -m bench.web_chat`). Never run by the tests.

Starts the api alone (uvicorn, a fresh SQLite database, Redis db 11) with a
stand-in Rasa on loopback that answers at once, so the figures are the
page's and the api's, not the model's. Prints:

- page weight: the bytes of HTML, CSS and JavaScript a first visit fetches,
  as sent (CSS and JS gzipped by the api; HTML as sent, and gzipped as a
  proxy in front would send it), and the widget script;
- in Debian's chromium, median of several cold loads (empty cache) and warm
  loads (CSS and JS cached), on a good connection and on a poor one (400 ms
  round trip, 400 kbit/s each way, the CPU slowed 4 times, like a cheap
  phone): first paint, and time to interactive (DOMContentLoaded end: the
  chat script is a plain script at the end of the page, so by then it has
  run and the page answers to typing; nothing runs after it);
- one message from pressing Enter to the reply on screen (api + stand-in).
"""
from __future__ import annotations

import argparse
import gzip
import re
import statistics
import tempfile
from pathlib import Path

import httpx

from tests.support.scripted_rasa import ScriptedRasa, reply
from tests.support.stack import Stack, prepare_database, stack_env

BENCH_REDIS_DB = 11
CHROMIUM = "/usr/bin/chromium"
POOR = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
CHEAP_PHONE_CPU = 4
PHONE = {"width": 390, "height": 844}


def page_weight(api_url: str) -> list[tuple[str, int, int]]:
    """(what, bytes as sent, bytes uncompressed) for a first visit and the widget."""
    rows = []
    with httpx.Client(base_url=api_url, headers={"Accept-Encoding": "gzip"}) as client:
        html = client.get("/chat")
        rows.append(("HTML /chat", int(html.headers.get("content-length", len(html.content))), len(html.content)))
        rows.append(("HTML /chat if a proxy gzips it", len(gzip.compress(html.content, 6)), len(html.content)))
        for path in sorted(set(re.findall(r'(?:href|src)="(/chat/[^"]+)"', html.text))):
            asset = client.get(path)
            rows.append((path.split("?")[0], int(asset.headers["content-length"]), len(asset.content)))
        widget = client.get("/chat/widget.js")
        rows.append(("/chat/widget.js (council sites)", int(widget.headers["content-length"]), len(widget.content)))
    return rows


def load_times(browser, api_url: str, poor: bool, runs: int) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {"cold paint": [], "cold interactive": [], "warm paint": [],
                                       "warm interactive": [], "message": []}
    for _ in range(runs):
        context = browser.new_context(base_url=api_url, viewport=PHONE, is_mobile=True, has_touch=True)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        if poor:
            cdp.send("Network.emulateNetworkConditions", POOR)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": CHEAP_PHONE_CPU})
        for visit in ("cold", "warm"):
            page.goto("/chat", wait_until="load")
            timing = page.evaluate("""() => {
                const nav = performance.getEntriesByType('navigation')[0];
                const paint = performance.getEntriesByName('first-contentful-paint')[0];
                return {paint: paint ? paint.startTime : nav.responseEnd, interactive: nav.domContentLoadedEventEnd};
            }""")
            figures[f"{visit} paint"].append(timing["paint"])
            figures[f"{visit} interactive"].append(timing["interactive"])
        page.fill("#chat-input", "hello")
        started = page.evaluate("performance.now()")
        page.press("#chat-input", "Enter")
        page.wait_for_selector("#messages li.assistant")
        figures["message"].append(page.evaluate("performance.now()") - started)
        context.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="bench-webchat-"))
    with ScriptedRasa(lambda text: [reply("Riverside Family Hub is open today from 9am to 5pm. "
                                          "Call 01632 960000.")]) as rasa:
        env = stack_env(workdir, BENCH_REDIS_DB, RASA_URL=rasa.url)
        prepare_database(env)
        api = Stack(workdir=workdir, env=env)
        api.start("api")
        try:
            api.wait_until_healthy(timeout=60, path="/chat")
            print("Web chat page weight (first visit)")
            rows = page_weight(api.api_url)
            for what, sent, raw in rows:
                print(f"  {what:<36} {sent:>7,} bytes sent   {raw:>7,} uncompressed")
            first_visit = [r for r in rows if not r[0].startswith(("HTML /chat if", "/chat/widget"))]
            print(f"  {'total, as sent':<36} {sum(r[1] for r in first_visit):>7,} bytes sent   "
                  f"{sum(r[2] for r in first_visit):>7,} uncompressed")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                     args=["--headless=new", "--no-sandbox", "--disable-gpu"])
                for label, poor in (("good connection, this machine's CPU", False),
                                    ("poor connection (400 ms, 400 kbit/s) and a CPU 4x slower", True)):
                    figures = load_times(browser, api.api_url, poor, args.runs)
                    print(f"In chromium, {label}: median of {args.runs}")
                    for name, samples in figures.items():
                        print(f"  {name:<18} {statistics.median(samples):8.0f} ms")
                browser.close()
        finally:
            api.stop_all()


if __name__ == "__main__":
    main()
