"""Screenshots of each demo account's home page, from a running demo: docs/screenshots/<account>-<role>.png.

Usage: python scripts/screenshots.py [base URL, default http://127.0.0.1:8000] [output folder]
Needs Playwright (installed by `make install`) and Debian's chromium (CHROMIUM_PATH, default /usr/bin/chromium).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ACCOUNTS = [
    ("admin", "administrator"),
    ("tinh1", "province-officer"),
    ("chutich1", "chairman"),
    ("tindung1", "credit-officer"),
    ("totruong1", "group-leader"),
    ("canbo1", "cadre"),
    ("canbo2", "cadre"),
]
PASSWORD = "sinhke-demo"  # noqa: S105 (the documented demo password)


def main(base: str = "http://127.0.0.1:8000", out: str = "docs/screenshots") -> None:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for username, role in ACCOUNTS:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
            page = context.new_page()
            page.goto(f"{base}/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            path = folder / f"{username}-{role}.png"
            page.screenshot(path=str(path), full_page=True)
            print(f"{username}: {page.url} → {path}")
            context.close()
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:3])
