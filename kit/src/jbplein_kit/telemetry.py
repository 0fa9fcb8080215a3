"""OpenTelemetry: a tracer and meter provider per service, from settings.

* ``none``: nothing is exported (spans are still created, so trace context still travels);
* ``console``: spans as JSON on standard output;
* ``file``: spans as JSON lines in ``JBPLEIN_TELEMETRY_FILE`` and metrics next to it (the
  embedded mode and the tests), each file rolled over at a size cap;
* ``otlp``: OTLP over HTTP to ``JBPLEIN_OTLP_ENDPOINT`` (a collector, see docker-compose.yml).

The providers are passed explicitly to every instrumentation instead of being set globally, so
several services can live in one test process. Span attributes never hold personal data: the
kit's own spans carry ids, types and deadlines only.

A SQL statement is a span only within a trace (a request, a message, a letter being made): the
rounds in which a worker finds nothing to do, the relay's polling and health checks make none.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any, Protocol

from opentelemetry import trace
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.instrumentation.sqlalchemy.version import __version__ as sqlalchemy_version
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    MetricExporter,
    MetricExportResult,
    MetricsData,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SynchronousMultiSpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased
from sqlalchemy.ext.asyncio import AsyncEngine

from .bestanden import eigen_map, prive_bestand
from .settings import ServiceSettings


class Lines(Protocol):
    """Where JSON lines go: standard output, or a ``RotatingLines`` file."""

    def write(self, text: str, /) -> object: ...
    def flush(self) -> None: ...


class RotatingLines:
    """A file of lines that is rolled over when it would pass ``max_bytes``, keeping
    ``backups`` older files (``<name>.1`` the newest): logging's ``RotatingFileHandler`` does the
    rolling. Each ``write`` goes in whole into one file. One writer per file: every service
    process has its own."""

    def __init__(self, path: Path, *, max_bytes: int, backups: int) -> None:
        self._handler = RotatingFileHandler(
            path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", delay=True
        )
        self._handler.terminator = ""

    def write(self, text: str) -> int:
        # handle() takes the handler's lock, rolls over when due, writes and flushes.
        self._handler.handle(logging.makeLogRecord({"msg": text}))
        return len(text)

    def flush(self) -> None:
        self._handler.flush()

    def close(self) -> None:
        self._handler.close()


class JsonLinesSpanExporter(SpanExporter):
    """Writes each span as one line of JSON."""

    def __init__(self, out: Lines) -> None:
        self._out = out
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = "".join(
            json.dumps(json.loads(span.to_json()), separators=(",", ":")) + "\n" for span in spans
        )
        with self._lock:
            self._out.write(lines)
            self._out.flush()
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        if isinstance(self._out, RotatingLines):
            self._out.close()


class JsonLinesMetricExporter(MetricExporter):
    """Writes each collection of metrics as one line of JSON."""

    def __init__(self, out: RotatingLines) -> None:
        super().__init__()
        self._out = out

    def export(
        self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any
    ) -> MetricExportResult:
        self._out.write(metrics_data.to_json(indent=None) + "\n")
        return MetricExportResult.SUCCESS

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return True

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        self._out.close()


@dataclass
class Telemetry:
    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    tracer: trace.Tracer
    sql_tracer_provider: TracerProvider
    """Shares the exporters of ``tracer_provider``, but samples a span only within a trace."""

    def instrument(self, engine: AsyncEngine) -> None:
        """SQL statements on ``engine`` become spans of the trace they run in. (The
        instrumentor's own ``instrument()`` would also patch ``create_engine`` for the whole
        process, with the first caller's provider.)"""
        EngineTracer(  # type: ignore[no-untyped-call]  # the instrumentation has no hints
            self.sql_tracer_provider.get_tracer(
                "opentelemetry.instrumentation.sqlalchemy", sqlalchemy_version
            ),
            engine.sync_engine,
            NoOpMeterProvider()
            .get_meter("opentelemetry.instrumentation.sqlalchemy")
            .create_up_down_counter("db.client.connections.usage"),
        )

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


def setup_telemetry(service: str, settings: ServiceSettings) -> Telemetry:
    resource = Resource.create(
        {"service.name": f"jbplein-{service}", "service.namespace": "jbplein"}
    )
    processors = SynchronousMultiSpanProcessor()  # type: ignore[no-untyped-call]
    tracer_provider = TracerProvider(resource=resource, active_span_processor=processors)
    sql_tracer_provider = TracerProvider(
        sampler=ParentBased(root=ALWAYS_OFF),
        resource=resource,
        active_span_processor=processors,
        shutdown_on_exit=False,  # tracer_provider shuts the shared processors down
    )
    readers: list[PeriodicExportingMetricReader] = []
    metric_exporter: MetricExporter | None = None
    if settings.telemetry == "console":
        tracer_provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(sys.stdout)))
    elif settings.telemetry == "file":
        assert settings.telemetry_file is not None
        path = Path(settings.telemetry_file)
        eigen_map(path.parent, settings.data_dir)
        metrics_path = path.with_suffix(".metrics.jsonl")
        for own in (path, metrics_path):
            prive_bestand(own)
        cap = {
            "max_bytes": settings.telemetry_file_max_bytes,
            "backups": settings.telemetry_file_backups,
        }
        # In a background thread, in batches: serialising every SQL span in the event loop
        # cost the services most of their throughput (docs/performance.md).
        tracer_provider.add_span_processor(
            BatchSpanProcessor(
                JsonLinesSpanExporter(RotatingLines(path, **cap)), schedule_delay_millis=1000
            )
        )
        metric_exporter = JsonLinesMetricExporter(RotatingLines(metrics_path, **cap))
    elif settings.telemetry == "otlp":
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = (settings.otlp_endpoint or "").rstrip("/")
        tracer_provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces"))
        )
        metric_exporter = OTLPMetricExporter(endpoint=f"{endpoint}/v1/metrics")
    if metric_exporter is not None:
        readers.append(
            PeriodicExportingMetricReader(metric_exporter, export_interval_millis=15_000)
        )
    meter_provider = MeterProvider(resource=resource, metric_readers=readers)
    return Telemetry(
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        tracer=tracer_provider.get_tracer(f"jbplein.{service}"),
        sql_tracer_provider=sql_tracer_provider,
    )


class TraceIdFilter(logging.Filter):
    """Adds ``trace_id`` to log records so a log line can be found in its trace."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        record.trace_id = format(context.trace_id, "032x") if context.is_valid else "-"
        return True


def setup_logging(service: str, level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(TraceIdFilter())
    handler.setFormatter(
        logging.Formatter(
            f"%(asctime)s %(levelname)s jbplein-{service} %(name)s trace=%(trace_id)s %(message)s"
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
