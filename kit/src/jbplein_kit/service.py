"""One service's runtime, built in a factory at start-up: settings → telemetry → database →
broker → consumers → ASGI app. Nothing here connects at import time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from sqlalchemy import MetaData, select, text

from jbplein_contracts import werkdagen
from jbplein_contracts.envelope import CloudEvent
from jbplein_contracts.subjects import STREAM_TIMER, Stream, timer_verlopen

from . import apidocs, openapi, problems, screens
from .auth import Accounts
from .bestanden import prive_proces, sqlite_prive
from .clock import Clock, OffsetFileClock, SystemClock
from .db import is_sqlite, make_engine, make_sessionmaker, sqlite_file
from .dienst import Diensten
from .gemeenten import load_gemeenten
from .guards import ApiRequestGuard
from .headers import SecurityHeaders
from .inbox import already_processed, record
from .inloggen import Inloggen, request_bron
from .messaging import Messaging, Subscription
from .migrations import upgrade
from .outbox import OutboxMessage, OutboxRelay
from .settings import ServiceSettings
from .telemetry import setup_logging, setup_telemetry
from .timers import GEPLAND, VERLOPEN, ScheduledTimer, Timer
from .uow import UnitOfWork, unit_of_work
from .werker import Ronde, Werker

log = logging.getLogger("jbplein.service")

Werk = type[Any] | tuple[type[Any], ...]
"""The rows that are a worker's work: a model class, or several (as for ``issubclass``)."""

E = TypeVar("E", bound=CloudEvent[Any])
M = TypeVar("M")
H = TypeVar("H", bound=Callable[..., Awaitable[None]])


def clock_from(settings: ServiceSettings) -> Clock:
    if settings.clock_file is not None:
        return OffsetFileClock(settings.clock_file)
    return SystemClock()


class Service:
    """Everything one service needs at run time."""

    def __init__(
        self,
        name: str,
        settings: ServiceSettings,
        *,
        metadata: MetaData,
        migrations: Path,
        clock: Clock | None = None,
    ) -> None:
        self.name = name
        self.settings = settings
        self.metadata = metadata
        self.migrations = migrations
        self.clock = clock or clock_from(settings)
        self.telemetry = setup_telemetry(name, settings)
        self.tracer = self.telemetry.tracer
        self.database_url = settings.database_url_for(name)
        database_file = sqlite_file(self.database_url)
        if database_file is not None:
            sqlite_prive(database_file, settings.data_dir)
        self.engine = make_engine(self.database_url)
        self.telemetry.instrument(self.engine)
        self.sessions = make_sessionmaker(self.engine)
        self.messaging = Messaging(name, settings, self.telemetry)
        self.relay = OutboxRelay(
            self.sessions,
            self.messaging.publish_outbox,
            self.clock,
            poll_seconds=settings.outbox_poll_seconds,
            lock_rows=not is_sqlite(self.database_url),
        )
        self.accounts = Accounts.from_file(settings.accounts_file)
        self.gemeenten = load_gemeenten(settings.gemeenten_file)
        self.kalender = werkdagen.kalender(settings.gesloten_dagen, settings.open_dagen)
        self.diensten = Diensten(settings)
        secret = settings.session_secret
        self.session_secret = (
            secret.get_secret_value().encode() if secret else secrets.token_bytes(32)
        )
        self.inloggen = Inloggen(
            settings,
            self.session_secret,
            lambda: self.messaging.jetstream,
            session_max_age=screens.MAX_AGE,
        )
        self.started = False
        self._on_start: list[Callable[[Service], Awaitable[None]]] = []
        self._on_stop: list[Callable[[Service], Awaitable[None]]] = []
        self.werkers: list[Werker] = []
        self._werk: list[tuple[Werk, Werker]] = [(OutboxMessage, self.relay.werker)]
        self._clock_watch: asyncio.Task[None] | None = None

    def on_start(
        self, hook: Callable[[Service], Awaitable[None]]
    ) -> Callable[[Service], Awaitable[None]]:
        """Run ``hook`` at start-up, after the migrations and before consuming."""
        self._on_start.append(hook)
        return hook

    def on_stop(
        self, hook: Callable[[Service], Awaitable[None]]
    ) -> Callable[[Service], Awaitable[None]]:
        """Run ``hook`` at shut-down, after the workers have stopped."""
        self._on_stop.append(hook)
        return hook

    def werker(self, naam: str, ronde: Ronde, *, werk: Werk, parallel: int = 1) -> Werker:
        """A background worker that runs while the service does. ``werk`` names the model
        whose rows are its work: a transaction that inserts or changes such a row wakes it at
        once; otherwise it polls. Its own empty rounds write nothing, so wake nobody."""
        werker = Werker(
            f"{self.name}-{naam}",
            ronde,
            poll_seconds=self.settings.outbox_poll_seconds,
            parallel=parallel,
        )
        self.werkers.append(werker)
        self._werk.append((werk, werker))
        return werker

    # --- transactions ----------------------------------------------------------------------

    def unit_of_work(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """One transaction; after its commit the workers whose work it added are woken (the
        outbox relay when it wrote events or timers)."""
        return unit_of_work(self.sessions, self.clock, self.name, self._na_commit)

    def _na_commit(self, written: frozenset[type[Any]]) -> None:
        for werk, werker in self._werk:
            if any(issubclass(cls, werk) for cls in written):
                werker.notify()

    # --- consumers -------------------------------------------------------------------------

    def consume(
        self,
        name: str,
        filter_subject: str,
        stream: Stream,
        parse: Callable[[bytes], tuple[str, M]],
        handler: Callable[[M, UnitOfWork], Awaitable[None]],
    ) -> None:
        """Register a durable consumer whose handler runs once per message id, in one
        transaction with its inbox row and its outgoing events."""
        consumer = f"{self.name}-{name}"

        async def process(message_id: str, parsed: M) -> None:
            async with self.unit_of_work() as uow:
                if await already_processed(uow.session, consumer, message_id):
                    log.info("%s: %s already processed; skipped", consumer, message_id)
                    return
                await handler(parsed, uow)
                record(uow.session, consumer, message_id, uow.now)

        self.messaging.subscribe(
            Subscription(
                name=consumer,
                filter_subject=filter_subject,
                stream=stream,
                parse=parse,
                process=process,
            )
        )

    def on_event(self, event_type: type[E]) -> Callable[[H], H]:
        """Decorator: handle every event of ``event_type`` (all municipalities)."""
        kanaal = event_type.KANAAL

        def parse(body: bytes) -> tuple[str, E]:
            event = event_type.model_validate_json(body)
            return str(event.id), event

        def register(handler: H) -> H:
            self.consume(
                f"{kanaal.domein}-{kanaal.gebeurtenis}-v{kanaal.versie}",
                kanaal.alle_gemeenten,
                kanaal.stream,
                parse,
                handler,
            )
            return handler

        return register

    def on_timer(self, soort: str) -> Callable[[H], H]:
        """Decorator: handle this service's timers of one kind when they fire."""

        def parse(body: bytes) -> tuple[str, Timer]:
            timer = Timer.model_validate_json(body)
            return f"timer-{timer.id}", timer

        def register(handler: H) -> H:
            async def fired(timer: Timer, uow: UnitOfWork) -> None:
                row = await uow.session.get(ScheduledTimer, timer.sleutel)
                if row is None or row.timer_id != str(timer.id) or row.status != GEPLAND:
                    log.info("%s: timer %s is no longer current; ignored", self.name, timer.id)
                    return
                if uow.now < timer.verloopt_op:
                    # Fired before its logical time (the clock was moved back): plan it again.
                    await uow.schedule(timer.opnieuw())
                    return
                row.status = VERLOPEN
                with self.tracer.start_as_current_span(
                    f"termijn {soort} verlopen",
                    attributes={
                        "jbplein.timer.soort": soort,
                        "jbplein.timer.verloopt_op": timer.verloopt_op.isoformat(),
                    },
                ):
                    await handler(timer, uow)

            self.consume(
                f"timer-{soort}", timer_verlopen(self.name, soort), STREAM_TIMER, parse, fired
            )
            return handler

        return register

    async def reschedule_timers(self) -> int:
        """Schedule every pending timer again, at the wall-clock moment the clock now implies
        (after the clock was moved, or the calendar changed), and wake the workers: what the
        clock now says may have made their work due. Returns how many timers."""
        async with self.unit_of_work() as uow:
            rows = (
                await uow.session.scalars(
                    select(ScheduledTimer).where(ScheduledTimer.status == GEPLAND)
                )
            ).all()
            for row in rows:
                await uow.schedule(Timer.model_validate(row.payload).opnieuw())
        for werker in self.werkers:
            werker.notify()
        return len(rows)

    async def _watch_clock(self) -> None:
        """With a test clock from a file: when its offset changes, move the timers along."""
        last = self.clock.skew()
        while True:
            await asyncio.sleep(0.25)
            skew = self.clock.skew()
            if abs((skew - last).total_seconds()) >= 1:
                last = skew
                count = await self.reschedule_timers()
                log.info("%s: clock moved; %d timers scheduled again", self.name, count)

    # --- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        await upgrade(self.engine, self.migrations)
        for hook in self._on_start:
            await hook(self)
        await self.messaging.start()
        await self.inloggen.start()
        self.relay.start()
        self.relay.notify()
        for werker in self.werkers:
            werker.start()
        if isinstance(self.clock, OffsetFileClock):
            self._clock_watch = asyncio.create_task(self._watch_clock(), name="clock-watch")
        self.started = True
        log.info("%s started", self.name)

    async def stop(self) -> None:
        self.started = False
        for werker in self.werkers:
            await werker.stop()
        for hook in self._on_stop:
            await hook(self)
        if self._clock_watch is not None:
            self._clock_watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._clock_watch
            self._clock_watch = None
        await self.relay.stop()
        await self.messaging.stop()
        self.inloggen.close()
        await self.diensten.close()
        await self.engine.dispose()
        self.telemetry.shutdown()

    async def ready(self) -> dict[str, Any]:
        """What /readyz reports: database reachable, NATS connected, outbox backlog."""
        status: dict[str, Any] = {"service": self.name}
        try:
            async with self.engine.connect() as connection:
                await asyncio.wait_for(connection.execute(text("SELECT 1")), timeout=2)
            status["database"] = "ok"
            status["outbox_pending"] = await self.relay.pending()
        except Exception as exc:
            status["database"] = f"unavailable ({type(exc).__name__})"
        status["nats"] = "ok" if self.messaging.connected else "unavailable"
        status["dead_letters"] = self.messaging.dead_letters
        return status

    # --- HTTP ------------------------------------------------------------------------------

    def create_app(
        self,
        *,
        title: str,
        description: str,
        version: str = "1.0.0",
        templates: Path | None = None,
        home: str = "/api/v1/docs",
    ) -> FastAPI:
        service = self

        @asynccontextmanager
        async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
            await service.start()
            try:
                yield
            finally:
                await service.stop()

        app = FastAPI(
            title=title,
            description=description,
            version=version,
            lifespan=lifespan,
            openapi_url="/api/v1/openapi.json",
            docs_url=None,
            redoc_url=None,
        )
        app.state.service = self
        app.state.accounts = self.accounts
        problems.install(app)
        openapi.install(app)
        apidocs.install(app, "/api/v1/openapi.json")
        app.add_middleware(ApiRequestGuard, max_body_bytes=self.settings.max_body_bytes)
        app.add_middleware(SecurityHeaders)
        screens.install(
            app,
            screens.make_templates(templates, {"links": self.settings.links()}),
            screens.Sessions(
                self.session_secret, secure=self.settings.base_url().startswith("https://")
            ),
            home,
            self.inloggen,
        )

        @app.get("/healthz", include_in_schema=False)
        async def healthz() -> dict[str, str]:
            return {"status": "ok", "service": service.name}

        @app.get("/readyz", include_in_schema=False)
        async def readyz() -> JSONResponse:
            status = await service.ready()
            ok = status["database"] == "ok" and status["nats"] == "ok"
            return JSONResponse(status, status_code=200 if ok else 503)

        FastAPIInstrumentor.instrument_app(
            app,
            tracer_provider=self.telemetry.tracer_provider,
            meter_provider=self.telemetry.meter_provider,
            excluded_urls="healthz,readyz",
        )
        return app


def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


def client_address(request: Request) -> str | None:
    """Where a request comes from: the peer, or behind a configured proxy the address it
    forwarded (``JBPLEIN_VERTROUWDE_PROXIES``); never a header from anyone else."""
    if request.client is None:
        return None
    service: Service = request.app.state.service
    return request_bron(request, service.inloggen.proxies)


def serve(app_factory: Callable[[], FastAPI], settings: ServiceSettings, name: str) -> None:
    """Run a service with uvicorn (the ``python -m jbplein_<service>`` entry point)."""
    import uvicorn

    prive_proces()
    setup_logging(name, settings.log_level)
    uvicorn.run(
        app_factory,
        factory=True,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        # The kit reads X-Forwarded-For itself, and only from configured proxies: uvicorn's
        # default would believe it from any connection from 127.0.0.1.
        proxy_headers=False,
        timeout_graceful_shutdown=10,
    )
