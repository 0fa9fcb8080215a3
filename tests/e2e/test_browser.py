"""In a real headless Chromium (Debian's ``chromium``, driven by Playwright): an ondersteuner
opens today's agenda, opens a melding, records a besluit with notulen, and sees it reflected on
the agenda and the deadline board. The system runs as ``./jbplein up`` runs it; time is moved
through the processes' clock file."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from jbplein_contracts.werkdagen import AMSTERDAM

from ..conftest import bearer, eventually
from ..support.meldingen import melding
from .conftest import Up

CHROMIUM = os.environ.get("JBPLEIN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# As the machine's notes advise: no background networking in a closed network.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

FRIDAY = datetime(2026, 11, 27, 15, 0, tzinfo=AMSTERDAM)
TUESDAY_MORNING = datetime(2026, 12, 1, 8, 30, tzinfo=AMSTERDAM)
TUESDAY_SESSION = datetime(2026, 12, 1, 10, 5, tzinfo=AMSTERDAM)

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Debian's chromium is needed for the browser test ({CHROMIUM} is missing); "
            "./jbplein test installs it where it can"
        )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        await browser.close()


async def login(page: Page, base: str, user: str, password: str) -> None:
    await page.goto(f"{base}/agenda")
    await expect(page).to_have_url(f"{base}/inloggen?terug=/agenda")
    await page.fill("input[name=gebruiker]", user)
    await page.fill("input[name=wachtwoord]", password)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{base}/agenda")


async def test_an_ondersteuner_records_a_besluit_and_sees_it_on_the_agenda_and_the_board(
    up: Up, browser: Browser, tmp_path: Path
) -> None:
    tokens = up.tokens
    up.set_time(FRIDAY)
    async with httpx.AsyncClient(timeout=10) as client:
        created = await client.post(
            f"{up.url('intake')}/api/v1/meldingen",
            json=melding(),
            headers=bearer(tokens["veilig-thuis-api"]),
        )
        assert created.status_code == 201, created.text
        referentie, melding_id = created.json()["referentie"], created.json()["id"]
        assert created.json()["bespreken_uiterlijk"] == "2026-12-01"

        async def planned_on(day: str) -> bool:
            r = await client.get(
                f"{up.url('tafel')}/api/v1/meldingen/{melding_id}",
                headers=bearer(tokens["ondersteuner"]),
            )
            return (
                r.status_code == 200
                and bool(r.json()["sessie"])
                and r.json()["sessie"]["datum"] == day
            )

        await eventually(lambda: planned_on("2026-11-30"))
        # Monday's session passes without a besluit; on Tuesday morning it is on today's agenda.
        up.set_time(TUESDAY_MORNING)
        await eventually(lambda: planned_on("2026-12-01"), timeout=30)

    tafel = up.url("tafel")
    passwords = __import__("jbplein_runner.accounts", fromlist=["x"]).read_credentials(
        up.data_dir / "credentials.toml"
    )["wachtwoorden"]
    page = await browser.new_page()
    try:
        await login(page, tafel, "ondersteuner", passwords["ondersteuner"])
        await expect(page.locator("h1")).to_contain_text("01-12-2026")
        await expect(page.locator("h1")).to_contain_text("vandaag")
        row = page.locator(f"tr[data-melding='{melding_id}']")
        await expect(row).to_contain_text(referentie)

        await page.goto(f"{tafel}/termijnen")
        await expect(page.locator("#vandaag")).to_contain_text(referentie)

        await page.goto(f"{tafel}/agenda")
        await page.click(f"text={referentie}")
        await expect(page.locator("h1")).to_contain_text(referentie)
        await expect(page.locator("table.details")).to_contain_text("Anna Oudermans")
        up.set_time(TUESDAY_SESSION)  # the besluit is recorded during the session
        await page.check("input[name=aanpak][value=drang]")
        await page.select_option("select[name=casusregie]", "jbrr")
        await page.select_option("select[name=voorzitter]", "voorzitter")
        await page.check("input[name=jeugdbeschermingsteam][value=jbrr]")
        await page.check("input[name=aanwezigen][value=veilig-thuis]")
        await page.fill(
            "textarea[name=notulen]",
            "Zorgen over veiligheid bevestigd. Besluit: drang, casusregie bij JBRR.",
        )
        await page.click("#besluit button[type=submit]")
        await expect(page.locator(".besluit[data-versie='1']")).to_contain_text("Aanpak: drang")
        await expect(page.locator(".besluit .notulen")).to_contain_text("casusregie bij JBRR")

        await page.goto(f"{tafel}/agenda")
        await expect(page.locator(f"tr[data-melding='{melding_id}']")).to_contain_text(
            "besloten: drang"
        )
        await page.goto(f"{tafel}/termijnen")
        await expect(page.locator("#vandaag")).not_to_contain_text(referentie)
        await expect(page.locator("#vandaag")).to_contain_text("Geen melding die vandaag")
    except Exception:
        await page.screenshot(path=str(tmp_path / "browser-failure.png"), full_page=True)
        raise
    finally:
        await page.close()
