"""OpenTelemetry: a tracer and meter provider per service, from settings.

* ``none``: nothing is exported (spans are still created, so trace context still travels);
* ``console``: spans as JSON on standard output;
* ``file``: spans as JSON lines in ``JBPLEIN_TELEMETRY_FILE`` (the embedded mode and the tests);
* ``otlp``: OTLP over HTTP to ``JBPLEIN_OTLP_ENDPOINT`` (a collector, see docker-compose.yml).

The providers are passed explicitly to every instrumentation instead of being set globally, so
several services can live in one test process. Span attributes never hold personal data: the
kit's own spans carry ids, types and deadlines only.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    ConsoleMetricExporter,
    MetricExporter,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)

from .bestanden import eigen_map, prive_bestand
from .settings import ServiceSettings


class JsonLinesSpanExporter(SpanExporter):
    """Writes each span as one line of JSON; safe to share a file between processes (each line is
    written with one ``write`` call in append mode)."""

    def __init__(self, out: IO[str]) -> None:
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
        if self._out not in (sys.stdout, sys.stderr):
            self._out.close()


@dataclass
class Telemetry:
    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    tracer: trace.Tracer

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


def setup_telemetry(service: str, settings: ServiceSettings) -> Telemetry:
    resource = Resource.create(
        {"service.name": f"jbplein-{service}", "service.namespace": "jbplein"}
    )
    tracer_provider = TracerProvider(resource=resource)
    readers: list[PeriodicExportingMetricReader] = []
    metric_exporter: MetricExporter | None = None
    if settings.telemetry == "console":
        tracer_provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(sys.stdout)))
    elif settings.telemetry == "file":
        assert settings.telemetry_file is not None
        path = Path(settings.telemetry_file)
        eigen_map(path.parent, settings.data_dir)
        handle = prive_bestand(path).open("a", encoding="utf-8")
        # In a background thread, in batches: serialising every SQL span in the event loop
        # cost the services most of their throughput (docs/performance.md).
        tracer_provider.add_span_processor(
            BatchSpanProcessor(JsonLinesSpanExporter(handle), schedule_delay_millis=1000)
        )
        metrics_path = path.with_suffix(".metrics.jsonl")
        metric_exporter = ConsoleMetricExporter(
            out=prive_bestand(metrics_path).open("a", encoding="utf-8"),
            formatter=lambda data: data.to_json(indent=None) + "\n",
        )
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
