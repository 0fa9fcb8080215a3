"""The staff screens' shared parts: login with a session cookie, CSRF tokens, templates.

Staff log in with their account and password (scrypt hash in the accounts file). The session is
a signed cookie (HMAC-SHA256 with ``JBPLEIN_SESSION_SECRET``), HttpOnly and SameSite=Strict;
with one secret for all services, one login serves the screens of every service on the host.
The cookie is honoured only while its session is live in the shared register, so logging out
ends it everywhere; attempts are limited across all services (see ``inloggen``).
Forms carry a CSRF token bound to the session. Login and logout, which have no session token
to bind to (or end it), refuse a request a browser marks as sent from another site
(``Sec-Fetch-Site``) or whose ``Origin`` is not one of the plein's own services
(``herkomst_ok``). The APIs never accept the cookie: they take a Bearer credential only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from jbplein_contracts.werkdagen import AMSTERDAM

from . import weergave
from .auth import Accounts, Actor, Rol
from .inloggen import (
    APPARAAT_MAX_AGE,
    OPSLAG_RETRY_AFTER,
    Inloggen,
    OpslagWeg,
    TeDruk,
    TeVeel,
    request_bron,
)
from .settings import ServiceSettings

COOKIE = "jbplein_sessie"
KIT_TEMPLATES = Path(__file__).parent / "templates"
KIT_STATIC = Path(__file__).parent / "static"
MAX_AGE = 8 * 3600


class LoginRequired(Exception):
    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class Forbidden(Exception):
    pass


class VreemdeHerkomst(Exception):
    """A login or logout form sent from another site (login CSRF)."""


ZELFDE_HERKOMST = frozenset({"same-origin", "none"})
STANDAARD_POORT = {"http": 80, "https": 443}


def herkomst(url: str | None) -> str | None:
    """The origin of ``url`` as a browser writes it in ``Origin``: scheme://host[:port],
    lower case, without the scheme's default port."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in STANDAARD_POORT or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6
        host = f"[{host}]"
    if port is None or port == STANDAARD_POORT[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


def eigen_herkomsten(settings: ServiceSettings) -> frozenset[str]:
    """The origins of this service and of the plein's other services (they share the
    session). A loopback URL (the embedded mode's) stands for its other loopback names too:
    ``localhost`` is this machine whatever the URL says (browsers never ask DNS for it)."""
    urls = [settings.base_url(), *settings.links().values()]
    herkomsten = {o for o in map(herkomst, urls) if o is not None}
    for origin in list(herkomsten):
        scheme, _, rest = origin.partition("://")
        for naam in LOOPBACK:
            if rest == naam or rest.startswith(f"{naam}:"):
                poort = rest[len(naam) :]
                herkomsten.update(f"{scheme}://{ander}{poort}" for ander in LOOPBACK)
    return frozenset(herkomsten)


def herkomst_ok(request: Request, settings: ServiceSettings) -> bool:
    """Whether a form post may have come from the plein's own pages. A browser that sends
    ``Sec-Fetch-Site`` tells where the form was; ``Origin``, when sent, must be one of the
    plein's services: the configured URLs, or, without a public URL, the host the request was
    sent to. A client that sends neither (an old browser, a script) is left to SameSite and
    the limits: it is not a browser being abused by another site."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site.strip().lower() not in ZELFDE_HERKOMST:
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    toegestaan = set(eigen_herkomsten(settings))
    if settings.public_url is None:
        eigen = herkomst(f"{request.url.scheme}://{request.headers.get('host', '')}")
        if eigen is not None:
            toegestaan.add(eigen)
    return herkomst(origin) in toegestaan


class Sessions:
    def __init__(self, secret: bytes, *, secure: bool = False, max_age: int = MAX_AGE) -> None:
        self._secret = secret
        self.secure = secure
        self.max_age = max_age

    def _sign(self, text: str) -> str:
        return hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()

    def new(self, account_id: str) -> tuple[str, str]:
        """A new session: (cookie value, session key for the register)."""
        key = secrets.token_hex(16)
        payload = f"{account_id}|{int(time.time()) + self.max_age}|{key}"
        return f"{payload}|{self._sign(payload)}", key

    def issue(self, account_id: str) -> str:
        return self.new(account_id)[0]

    def read_session(self, value: str | None) -> tuple[str, str] | None:
        """(account id, session key) of a validly signed, unexpired cookie. Whether the session
        is still live is the register's to say (``Inloggen.sessie_geldig``)."""
        if not value or value.count("|") != 3:
            return None
        payload, signature = value.rsplit("|", 1)
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        account_id, expires, key = payload.split("|")
        if not expires.isdigit() or int(expires) < time.time():
            return None
        return account_id, key

    def read(self, value: str | None) -> str | None:
        session = self.read_session(value)
        return session[0] if session else None

    def csrf(self, session_value: str) -> str:
        return self._sign(f"csrf|{session_value}")

    def csrf_ok(self, session_value: str | None, token: str | None) -> bool:
        return bool(
            session_value and token and hmac.compare_digest(self.csrf(session_value), token)
        )


def lokaal(moment: datetime) -> datetime:
    """A moment in the plein's time zone (Europe/Amsterdam), as staff read the clock."""
    return moment.astimezone(AMSTERDAM)


def make_templates(service_templates: Path | None, globals_: dict[str, Any]) -> Jinja2Templates:
    loaders = [FileSystemLoader(str(service_templates))] if service_templates else []
    loaders.append(FileSystemLoader(str(KIT_TEMPLATES)))
    environment = Environment(
        loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html"]), auto_reload=False
    )
    environment.globals.update({"lokaal": lokaal, **globals_})
    weergave.install(environment)
    return Jinja2Templates(env=environment)


def screen_actor(request: Request) -> Actor | None:
    sessions: Sessions = request.app.state.sessions
    accounts: Accounts = request.app.state.accounts
    account_id = sessions.read(request.cookies.get(COOKIE))
    if account_id is None or account_id not in accounts.accounts:
        return None
    return accounts.actor(accounts.accounts[account_id])


async def _session_live(request: Request) -> bool:
    sessions: Sessions = request.app.state.sessions
    inloggen: Inloggen = request.app.state.inloggen
    session = sessions.read_session(request.cookies.get(COOKIE))
    return session is not None and await inloggen.sessie_geldig(session[1], session[0])


def requires_screen(*rollen: Rol) -> Callable[[Request], Awaitable[Actor]]:
    """A dependency for a screen: the logged-in staff member holding one of ``rollen``;
    otherwise a redirect to the login page."""

    async def dependency(request: Request) -> Actor:
        actor = screen_actor(request)
        if actor is None or not await _session_live(request):
            raise LoginRequired(request.url.path)
        # before the role check: the 403 page shows the header of whoever is logged in
        request.state.actor = actor
        if rollen and not actor.heeft(*rollen):
            raise Forbidden
        return actor

    return dependency


async def zelfde_herkomst(request: Request) -> None:
    """A dependency for login and logout: refuse a form sent from another site."""
    inloggen: Inloggen = request.app.state.inloggen
    if not herkomst_ok(request, inloggen.settings):
        raise VreemdeHerkomst


def csrf_token(request: Request) -> str:
    sessions: Sessions = request.app.state.sessions
    return sessions.csrf(request.cookies.get(COOKIE, ""))


async def verify_csrf(request: Request) -> None:
    form = await request.form()
    sessions: Sessions = request.app.state.sessions
    token = form.get("csrf")
    if not sessions.csrf_ok(request.cookies.get(COOKIE), token if isinstance(token, str) else None):
        raise Forbidden


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """A screen with the logged-in actor and a CSRF token for its forms."""
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        name,
        {"actor": getattr(request.state, "actor", None), "csrf": csrf_token(request), **context},
        status_code=status_code,
    )


def _safe_return(path: str | None) -> str:
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def install(
    app: FastAPI, templates: Jinja2Templates, sessions: Sessions, home: str, inloggen: Inloggen
) -> None:
    """Add login, logout, the static files and the redirect-to-login handling to ``app``."""
    app.state.sessions = sessions
    app.state.inloggen = inloggen
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=str(KIT_STATIC)), name="static")
    router = APIRouter(include_in_schema=False)

    @router.get("/inloggen", response_class=HTMLResponse)
    async def login_form(request: Request, terug: str | None = None) -> Response:
        return templates.TemplateResponse(
            request, "inloggen.html", {"terug": _safe_return(terug), "fout": None}
        )

    @router.post("/inloggen")
    async def login(
        request: Request,
        _herkomst: Annotated[None, Depends(zelfde_herkomst)],
        gebruiker: Annotated[str, Form(max_length=64)],
        wachtwoord: Annotated[str, Form(max_length=200)],
        terug: Annotated[str, Form(max_length=500)] = "/",
    ) -> Response:
        accounts: Accounts = request.app.state.accounts

        def refused(fout: str, status: int, retry_after: int | None = None) -> Response:
            return templates.TemplateResponse(
                request,
                "inloggen.html",
                {"terug": _safe_return(terug), "fout": fout},
                status_code=status,
                headers={"Retry-After": str(retry_after)} if retry_after else None,
            )

        apparaat = inloggen.apparaten.lees(
            request.cookies.get(inloggen.apparaten.cookie_naam(gebruiker)), gebruiker
        )
        session: str | None = None
        try:
            actor = await inloggen.probeer(
                accounts.by_password,
                gebruiker,
                wachtwoord,
                request_bron(request, inloggen.proxies),
                apparaat,
            )
            if actor is not None and actor.is_staf:
                session, key = sessions.new(actor.id)
                await inloggen.sessie_open(key, actor.id)
        except TeVeel as exc:
            minuten = max(1, -(-exc.retry_after // 60))
            return refused(
                f"Te veel inlogpogingen. Probeer het over {minuten} "
                f"{'minuut' if minuten == 1 else 'minuten'} opnieuw.",
                429,
                exc.retry_after,
            )
        except (OpslagWeg, TeDruk):
            return refused(
                "Inloggen kan op dit moment niet. Probeer het over enkele ogenblikken opnieuw.",
                503,
                OPSLAG_RETRY_AFTER,
            )
        if actor is None or session is None:
            return refused("Onbekende gebruiker of onjuist wachtwoord.", 401)
        response = RedirectResponse(_safe_return(terug), status_code=303)
        response.set_cookie(
            COOKIE,
            session,
            max_age=sessions.max_age,
            httponly=True,
            samesite="strict",
            secure=sessions.secure,
            path="/",
        )
        if apparaat is None:
            response.set_cookie(
                inloggen.apparaten.cookie_naam(actor.id),
                inloggen.apparaten.issue(actor.id),
                max_age=APPARAAT_MAX_AGE,
                httponly=True,
                samesite="strict",
                secure=sessions.secure,
                path="/inloggen",
            )
        return response

    @router.post("/uitloggen")
    async def logout(
        request: Request,
        _herkomst: Annotated[None, Depends(zelfde_herkomst)],
        _: Annotated[None, Depends(verify_csrf)],
    ) -> Response:
        session = sessions.read_session(request.cookies.get(COOKIE))
        response: Response = RedirectResponse("/inloggen", status_code=303)
        if session is not None:
            try:
                await inloggen.sessie_sluit(session[1])
            except OpslagWeg:
                # The session's key cannot be deleted now: it ends by its TTL (the session's
                # lifetime). This browser forgets the cookie at once all the same.
                response = templates.TemplateResponse(
                    request,
                    "fout.html",
                    {
                        "titel": "Uitloggen",
                        "tekst": "U bent in deze browser uitgelogd. De sessie kon nu niet "
                        "overal worden beëindigd; zij verloopt vanzelf binnen "
                        f"{sessions.max_age // 3600} uur.",
                    },
                    status_code=503,
                    headers={"Retry-After": str(OPSLAG_RETRY_AFTER)},
                )
        response.delete_cookie(
            COOKIE, path="/", httponly=True, samesite="strict", secure=sessions.secure
        )
        return response

    @router.get("/")
    async def root() -> Response:
        return RedirectResponse(home, status_code=303)

    app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/inloggen?terug={quote(exc.path)}", status_code=303)

    @app.exception_handler(OpslagWeg)
    async def _opslag_weg(request: Request, exc: OpslagWeg) -> Response:
        return templates.TemplateResponse(
            request,
            "fout.html",
            {
                "titel": "Tijdelijk niet beschikbaar",
                "tekst": "Uw sessie kan nu niet worden gecontroleerd. "
                "Probeer het over enkele ogenblikken opnieuw.",
            },
            status_code=503,
            headers={"Retry-After": str(OPSLAG_RETRY_AFTER)},
        )

    @app.exception_handler(VreemdeHerkomst)
    async def _vreemde_herkomst(request: Request, exc: VreemdeHerkomst) -> Response:
        return templates.TemplateResponse(
            request,
            "fout.html",
            {
                "titel": "Geweigerd",
                "tekst": "Dit formulier is niet vanaf het JB-plein zelf verstuurd en is daarom "
                "geweigerd. Ga naar de inlogpagina van het JB-plein en probeer het daar opnieuw.",
            },
            status_code=403,
        )

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        if getattr(request.state, "actor", None) is None:
            # Refused before the screen's dependency (a form's CSRF check): show the account
            # only while its session is live, never from a signed cookie alone.
            actor = screen_actor(request)
            try:
                live = actor is not None and await _session_live(request)
            except OpslagWeg:
                live = False
            request.state.actor = actor if live else None
        return render(
            request,
            "fout.html",
            {
                "titel": "Geen toegang",
                "tekst": "Uw rol geeft geen toegang tot dit scherm, of het formulier is verlopen.",
            },
            status_code=403,
        )
