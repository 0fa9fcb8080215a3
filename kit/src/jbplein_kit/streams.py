"""The plein's JetStream streams, declared from the contracts' registry. Apart from the
services, the runner declares them too, before it starts them: this module needs nats-py and the
subject registry only, so the runner stays a small process."""

from __future__ import annotations

from nats.js.api import StorageType, StreamConfig
from nats.js.client import JetStreamContext
from nats.js.errors import NotFoundError

from jbplein_contracts import subjects
from jbplein_contracts.subjects import Stream


def stream_config(stream: Stream, replicas: int) -> StreamConfig:
    return StreamConfig(
        name=stream.name,
        description=stream.description,
        subjects=list(stream.subjects),
        storage=StorageType.FILE,
        num_replicas=replicas,
        duplicate_window=600.0,
        allow_msg_schedules=stream.allow_msg_schedules or None,
    )


async def ensure_streams(js: JetStreamContext, replicas: int = 1) -> None:
    """Create the plein's streams, or bring their configuration up to date."""
    for stream in subjects.STREAMS:
        config = stream_config(stream, replicas)
        try:
            await js.stream_info(stream.name)
        except NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)
