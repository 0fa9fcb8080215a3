"""In a real headless Chromium (Debian's ``chromium``, driven by Playwright): an ondersteuner
opens today's agenda, opens a melding, records a besluit with notulen, and sees it reflected on
the agenda and the deadline board; then every other screen. On every screen axe-core (shipped
in the ``axe-playwright-python`` package, nothing downloaded) finds no violation of WCAG 2.1 A
and AA, and the browser reports no Content-Security-Policy violation. The system runs as
``./jbplein up`` runs it; time is moved through the processes' clock file.

Screenshots of every screen go to ``$JBPLEIN_SCREENSHOTS`` (else the test's temporary folder)."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, ConsoleMessage, Page, async_playwright, expect

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
    # the plein's staff use a Dutch browser
    "--lang=nl-NL",
]

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ADRES = {
    "straat": "Hillelaan",
    "huisnummer": "12b",
    "postcode": "3072 AB",
    "woonplaats": "Rotterdam",
    "wijk": "Feijenoord",
}

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


class Screens:
    """Checks each screen it is shown: axe-core's WCAG 2.1 A/AA rules, no CSP violation in the
    console, and a full-page screenshot."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.axe = Axe()
        self.csp: list[str] = []
        self.checked: list[str] = []

    def watch(self, page: Page) -> None:
        def on_console(message: ConsoleMessage) -> None:
            if "Content Security Policy" in message.text or "Refused to" in message.text:
                self.csp.append(f"{page.url}: {message.text}")

        page.on("console", on_console)

    async def check(self, page: Page, name: str) -> None:
        await page.screenshot(path=str(self.folder / f"{name}.png"), full_page=True)
        results = await self.axe.run(
            page,
            options={
                "runOnly": {"type": "tag", "values": WCAG_21_AA},
                "resultTypes": ["violations"],
            },
        )
        assert results.violations_count == 0, f"{name} ({page.url}):\n" + (
            results.generate_report()
        )
        assert not self.csp, self.csp
        self.checked.append(name)


@pytest.fixture
def screens(tmp_path: Path) -> Screens:
    return Screens(Path(os.environ.get("JBPLEIN_SCREENSHOTS") or tmp_path / "screens"))


async def login(page: Page, base: str, user: str, password: str) -> None:
    await page.goto(f"{base}/agenda")
    await expect(page).to_have_url(f"{base}/inloggen?terug=/agenda")
    await page.fill("input[name=gebruiker]", user)
    await page.fill("input[name=wachtwoord]", password)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{base}/agenda")


async def test_an_ondersteuner_records_a_besluit_and_every_screen_meets_wcag_21_aa(
    up: Up, browser: Browser, screens: Screens
) -> None:
    tokens = up.tokens
    up.set_time(FRIDAY)
    async with httpx.AsyncClient(timeout=10) as client:
        created = await client.post(
            f"{up.url('intake')}/api/v1/meldingen",
            json=melding(gezin__adres=ADRES),
            headers=bearer(tokens["veilig-thuis-api"]),
        )
        assert created.status_code == 201, created.text
        referentie, melding_id = created.json()["referentie"], created.json()["id"]
        assert created.json()["bespreken_uiterlijk"] == "2026-12-01"
        # a second melding about the same gezin (the same child), from another organisation
        tweede = await client.post(
            f"{up.url('intake')}/api/v1/meldingen",
            json=melding(gezin__adres=ADRES),
            headers=bearer(tokens["politie-api"]),
        )
        assert tweede.status_code == 201, tweede.text
        referentie_2, melding_2 = tweede.json()["referentie"], tweede.json()["id"]

        async def planned_on(day: str, melding: str = melding_id) -> bool:
            r = await client.get(
                f"{up.url('tafel')}/api/v1/meldingen/{melding}",
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
        await eventually(lambda: planned_on("2026-12-01", melding_2), timeout=30)

    intake, tafel, notificatie = up.url("intake"), up.url("tafel"), up.url("notificatie")
    passwords = __import__("jbplein_runner.accounts", fromlist=["x"]).read_credentials(
        up.data_dir / "credentials.toml"
    )["wachtwoorden"]
    # as the plein's staff browse: in Dutch
    page = await browser.new_page(locale="nl-NL")
    screens.watch(page)
    try:
        await page.goto(f"{tafel}/inloggen")
        await screens.check(page, "inloggen")
        await login(page, tafel, "ondersteuner", passwords["ondersteuner"])
        await expect(page.locator("h1")).to_contain_text("01-12-2026")
        await expect(page.locator("h1")).to_contain_text("vandaag")
        row = page.locator(f"tr[data-melding='{melding_id}']")
        await expect(row).to_contain_text(referentie)
        await expect(row).to_contain_text(f"zelfde gezin als {referentie_2}")
        await expect(page.locator(f"tr[data-melding='{melding_2}']")).to_contain_text(
            f"zelfde gezin als {referentie}"
        )
        await expect(page.locator("nav")).to_contain_text("Melding registreren")
        await screens.check(page, "tafel-agenda")

        await page.goto(f"{tafel}/termijnen")
        await expect(page.locator("#vandaag")).to_contain_text(referentie)
        await screens.check(page, "tafel-termijnen")

        await page.goto(f"{tafel}/agenda")
        await page.click(f"text={referentie}")
        await expect(page.locator("h1")).to_contain_text(referentie)
        details = page.locator("table.details")
        await expect(details).to_contain_text("Anna Oudermans")
        await expect(details).to_contain_text("Hillelaan 12B, 3072 AB Rotterdam")
        await expect(details).to_contain_text("01-03-2019")  # the birth date, dd-mm-jjjj
        await expect(details).to_contain_text("Veilig Thuis")  # the melder's organisation
        await screens.check(page, "tafel-melding")
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
        bevestiging = page.locator(".gelukt[role=status]")
        await expect(bevestiging).to_contain_text("Besluit vastgelegd")
        await expect(bevestiging).to_contain_text("Jeugdbescherming Rotterdam Rijnmond")
        await expect(page.locator(".besluit[data-versie='1']")).to_contain_text("Aanpak: drang")
        await expect(page.locator(".besluit .notulen")).to_contain_text("casusregie bij JBRR")
        await expect(page.locator(".besluit[data-versie='1']")).not_to_contain_text(
            "Casusregie: jbrr"
        )
        await screens.check(page, "tafel-melding-besloten")

        await page.goto(f"{tafel}/agenda")
        await expect(page.locator(f"tr[data-melding='{melding_id}']")).to_contain_text(
            "besloten: drang"
        )
        await page.goto(f"{tafel}/termijnen")
        await expect(page.locator("#vandaag")).not_to_contain_text(referentie)

        # intake's screens: one login serves every service of the host
        await page.goto(f"{intake}/meldingen")
        await expect(page.locator("table")).to_contain_text("Rotterdam")  # not 0599
        await screens.check(page, "intake-meldingen")
        await page.goto(f"{intake}/meldingen/{melding_id}")
        await expect(page.locator("table")).to_contain_text("Hillelaan 12B, 3072 AB Rotterdam")
        await screens.check(page, "intake-melding")
        await page.goto(f"{intake}/meldingen/nieuw")
        await screens.check(page, "intake-melding-nieuw")

        # notificatie's screens, once the letter is made
        async with httpx.AsyncClient(timeout=10) as client:

            async def brief_gereed() -> str | None:
                r = await client.get(
                    f"{notificatie}/api/v1/brieven", headers=bearer(tokens["ondersteuner"])
                )
                gereed = [b for b in r.json() if b["status"] == "gereed"]
                return str(gereed[0]["id"]) if gereed else None

            brief_id = await eventually(brief_gereed, timeout=60)
        await page.goto(f"{notificatie}/brieven")
        await screens.check(page, "notificatie-brieven")
        await page.goto(f"{notificatie}/brieven/{brief_id}")
        # the casusregisseur by name, not by code
        await expect(page.locator("table.details")).not_to_contain_text("jb-")
        await screens.check(page, "notificatie-brief")
        await page.goto(f"{notificatie}/leveringen")
        await screens.check(page, "notificatie-leveringen")

        # the API docs work without internet (Swagger UI from the package, under the CSP)
        await page.goto(f"{intake}/api/v1/docs")
        await expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
        await expect(page.locator(".authorize")).to_be_visible()
        await page.screenshot(path=str(screens.folder / "intake-api-docs.png"), full_page=True)
        assert not screens.csp, screens.csp
    finally:
        await page.close()

    # a voorzitter may not register a melding: the 403 page keeps the header and the menu
    voorzitter = await browser.new_page(locale="nl-NL")
    screens.watch(voorzitter)
    try:
        await login(voorzitter, tafel, "voorzitter", passwords["voorzitter"])
        await expect(voorzitter.locator("nav")).not_to_contain_text("Melding registreren")
        await expect(voorzitter.locator("nav")).not_to_contain_text("Leveringen")
        answer = await voorzitter.goto(f"{intake}/meldingen/nieuw")
        assert answer is not None and answer.status == 403
        await expect(voorzitter.locator("h1")).to_contain_text("Geen toegang")
        await expect(voorzitter.locator("header")).to_contain_text("voorzitter (voorzitter)")
        await expect(voorzitter.locator("nav")).to_contain_text("Agenda")
        await screens.check(voorzitter, "geen-toegang")
    finally:
        await voorzitter.close()
    assert len(screens.checked) == 12


async def test_the_accessibility_check_finds_what_it_should(
    backend: str, browser: Browser, screens: Screens
) -> None:
    """The axe-core check is real: a page without language, title, alt text or labels fails."""
    page = await browser.new_page()
    try:
        await page.set_content('<html><body><img src="x.png"><input name="q"></body></html>')
        with pytest.raises(AssertionError) as found:
            await screens.check(page, "slecht-voorbeeld")
        for rule in ("html-has-lang", "document-title", "image-alt", "label"):
            assert rule in str(found.value), rule
    finally:
        await page.close()
