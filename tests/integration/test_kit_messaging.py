"""The kit's messaging guarantees, against a real nats-server and a real database."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import nats
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy
from sqlalchemy import select

from jbplein_contracts import subjects
from jbplein_kit.clock import ManualClock, wall_now
from jbplein_kit.inbox import InboxEntry
from jbplein_kit.messaging import (
    DLQ_CONSUMER,
    DLQ_DELIVERIES,
    DLQ_ERROR,
    DLQ_REASON,
    ensure_streams,
)
from jbplein_kit.outbox import OutboxMessage, event_message
from jbplein_kit.settings import ServiceSettings
from jbplein_kit.timers import Timer
from jbplein_runner import processes
from jbplein_runner.nats_server import NatsServer

from ..conftest import eventually, fast_settings, running
from ..support.probe.service import count, create_probe, effects, melding

ROOT = Path(__file__).resolve().parents[2]
CONSUMER = "probe-melding-ontvangen-v1"


def probe_settings(
    database_url: str, nats_server: NatsServer, tmp_path: Path, **kw: object
) -> ServiceSettings:
    return fast_settings(
        ServiceSettings,
        database_url=database_url,
        nats_url=nats_server.url,
        data_dir=tmp_path,
        **kw,
    )


async def jetstream(server: NatsServer):  # type: ignore[no-untyped-def]
    connection = await nats.connect(server.url)
    js = connection.jetstream()
    await ensure_streams(js)
    return connection, js


async def dead_letters(js, consumer: str) -> list:  # type: ignore[no-untyped-def]
    sub = await js.pull_subscribe(
        subjects.dlq(consumer),
        stream=subjects.STREAM_DLQ.name,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
    )
    try:
        return await sub.fetch(10, timeout=1)
    except TimeoutError:  # nats-py raises its own and, at times, the builtin one
        return []
    finally:
        await sub.unsubscribe()


async def test_consumer_killed_after_commit_before_ack_does_not_apply_the_event_twice(
    nats_server: NatsServer, database_url: str, tmp_path: Path
) -> None:
    connection, js = await jetstream(nats_server)
    event = melding()
    await js.publish(event.nats_subject(), event.to_bytes(), headers={"Nats-Msg-Id": str(event.id)})
    env = {
        **os.environ,
        "JBPLEIN_DATABASE_URL": database_url,
        "JBPLEIN_NATS_URL": nats_server.url,
        "JBPLEIN_DATA_DIR": str(tmp_path),
        "JBPLEIN_ACK_WAIT_SECONDS": "2",
        "JBPLEIN_TELEMETRY": "none",
        "PYTHONPATH": str(ROOT),
    }
    log = (tmp_path / "probe.log").open("ab")
    first = processes.spawn(
        [sys.executable, "-m", "tests.support.probe.process"],
        env={**env, "PROBE_KILL_AFTER_COMMIT": "1"},
        log=log,
        cwd=ROOT,
    )
    returncode = await asyncio.to_thread(first.wait, 60)
    assert returncode == -9, (tmp_path / "probe.log").read_text()

    reader = create_probe(probe_settings(database_url, nats_server, tmp_path), consume=False)
    assert len(await effects(reader)) == 1, "the handler's effect was committed before the kill"
    info = await js.consumer_info(subjects.STREAM_INTERN.name, CONSUMER)
    assert info.num_ack_pending == 1, "the kill came before the ack"

    second = processes.spawn(
        [sys.executable, "-m", "tests.support.probe.process"], env=env, log=log, cwd=ROOT
    )
    try:

        async def redelivered_and_acked() -> bool:
            i = await js.consumer_info(subjects.STREAM_INTERN.name, CONSUMER)
            return i.delivered.consumer_seq >= 2 and i.num_ack_pending == 0 and i.num_pending == 0

        await eventually(redelivered_and_acked, timeout=30)
    finally:
        processes.stop(second)
        log.close()
    assert len(await effects(reader)) == 1, "the redelivered event was not applied again"
    assert await count(reader, InboxEntry) == 1
    await reader.engine.dispose()
    await connection.close()


async def test_failing_handler_is_redelivered_a_bounded_number_of_times_then_dead_lettered(
    nats_server: NatsServer, database_url: str, tmp_path: Path
) -> None:
    attempts: Counter[str] = Counter()
    bad, good = melding(), melding()

    async def before_apply(event) -> None:  # type: ignore[no-untyped-def]
        attempts[str(event.id)] += 1
        if event.id == bad.id:
            raise RuntimeError("this handler keeps failing")

    service = create_probe(
        probe_settings(database_url, nats_server, tmp_path, max_deliver=3),
        before_apply=before_apply,
    )
    connection, js = await jetstream(nats_server)
    async with running(service):
        for event in (bad, good):
            await js.publish(
                event.nats_subject(), event.to_bytes(), headers={"Nats-Msg-Id": str(event.id)}
            )
        await eventually(lambda: effects(service))
        letters = await eventually(lambda: dead_letters(js, CONSUMER))

        async def settled() -> bool:
            i = await js.consumer_info(subjects.STREAM_INTERN.name, CONSUMER)
            return i.num_ack_pending == 0 and i.num_pending == 0

        await eventually(settled)
    assert [e.message_id for e in await effects(service)] == [str(good.id)]
    assert attempts[str(bad.id)] == 3, "delivered exactly max_deliver times"
    assert attempts[str(good.id)] == 1
    assert len(letters) == 1
    letter = letters[0]
    assert letter.data == bad.to_bytes()
    assert letter.headers[DLQ_CONSUMER] == CONSUMER
    assert letter.headers[DLQ_REASON] == "failed"
    assert letter.headers[DLQ_ERROR] == "RuntimeError"
    assert letter.headers[DLQ_DELIVERIES] == "3"
    assert service.messaging.dead_letters == 1
    await connection.close()


async def test_unparseable_message_goes_to_the_dead_letter_subject_at_once(
    nats_server: NatsServer, database_url: str, tmp_path: Path
) -> None:
    service = create_probe(probe_settings(database_url, nats_server, tmp_path))
    connection, js = await jetstream(nats_server)
    good = melding()
    async with running(service):
        subject = subjects.MELDING_ONTVANGEN.subject("0599")
        await js.publish(subject, b'{"not": "a cloudevent"}')
        await js.publish(subject, b"\xff\x00 not even json")
        await js.publish(good.nats_subject(), good.to_bytes())
        await eventually(lambda: effects(service))
        letters = await eventually(lambda: _at_least(dead_letters(js, CONSUMER), 2))
    assert {letter.headers[DLQ_REASON] for letter in letters} == {"invalid"}
    assert {letter.headers[DLQ_DELIVERIES] for letter in letters} == {"1"}
    assert [e.message_id for e in await effects(service)] == [str(good.id)]
    await connection.close()


async def _at_least(awaitable, n: int):  # type: ignore[no-untyped-def]
    result = await awaitable
    return result if len(result) >= n else None


async def test_event_written_while_nats_is_down_is_delivered_when_nats_is_back(
    nats_server: NatsServer, database_url: str, tmp_path: Path
) -> None:
    service = create_probe(probe_settings(database_url, nats_server, tmp_path))
    event = melding()
    async with running(service):
        nats_server.stop()
        async with service.unit_of_work() as uow:
            uow.publish(event)
        await eventually(lambda: _tried_and_kept(service), timeout=30)
        assert await service.relay.pending() == 1, "kept in the outbox while NATS is down"
        assert await effects(service) == []
        nats_server.start()
        applied = await eventually(lambda: effects(service), timeout=30)
        assert [e.message_id for e in applied] == [str(event.id)]
        await eventually(lambda: _is_zero(service.relay.pending()))


async def _is_zero(awaitable) -> bool:  # type: ignore[no-untyped-def]
    return await awaitable == 0


async def _tried_and_kept(service) -> bool:  # type: ignore[no-untyped-def]
    """The relay tried to publish the one outbox row, failed, and kept it."""
    async with service.sessions() as session:
        rows = (await session.execute(select(OutboxMessage.attempts, OutboxMessage.sent_at))).all()
    return len(rows) == 1 and rows[0].attempts >= 1 and rows[0].sent_at is None


async def _fired(service, timer: Timer) -> list:  # type: ignore[no-untyped-def]
    """The timer effects, once ``timer`` has fired (its handler ran); else []. The consumer
    handles messages in the order they fire, so any timer that fired before it is there too."""
    fired = await effects(service, "timer")
    return fired if str(timer.id) in {e.message_id for e in fired} else []


async def test_outbox_publish_carries_the_event_id_so_a_retry_is_deduplicated(
    nats_server: NatsServer, database_url: str, tmp_path: Path
) -> None:
    service = create_probe(probe_settings(database_url, nats_server, tmp_path), consume=False)
    event = melding()
    async with running(service):
        row: OutboxMessage = event_message(event, wall_now())
        await service.messaging.publish_outbox(row)
        await service.messaging.publish_outbox(row)  # as after a crash before marking it sent
        connection, js = await jetstream(nats_server)
        message = await js.get_last_msg(subjects.STREAM_INTERN.name, event.nats_subject())
        info = await js.stream_info(subjects.STREAM_INTERN.name)
        assert info.state.messages == 1
        assert message.headers["Nats-Msg-Id"] == str(event.id)
        await connection.close()


async def test_scheduled_deadline_fires_after_a_nats_server_restart_on_the_same_store(
    nats_server: NatsServer, database_url: str, tmp_path: Path
) -> None:
    service = create_probe(probe_settings(database_url, nats_server, tmp_path))
    async with running(service):
        due = wall_now() + timedelta(seconds=4)
        timer = Timer(soort="test", sleutel="deadline-1", verloopt_op=due)
        async with service.unit_of_work() as uow:
            await uow.schedule(timer)
        await eventually(lambda: _is_zero(service.relay.pending()))
        nats_server.stop()
        nats_server.start()
        fired = await eventually(lambda: effects(service, "timer"), timeout=30)
    assert [e.message_id for e in fired] == [str(timer.id)]
    assert fired[0].at >= due, "a timer never fires before it is due"


async def test_a_clock_that_runs_ahead_fires_timers_by_its_own_time(
    nats_server: NatsServer, database_url: str, tmp_path: Path
) -> None:
    clock = ManualClock(wall_now() + timedelta(days=3))
    service = create_probe(probe_settings(database_url, nats_server, tmp_path), clock=clock)
    async with running(service):
        timer = Timer(
            soort="test", sleutel="skewed", verloopt_op=clock.now() + timedelta(seconds=2)
        )
        async with service.unit_of_work() as uow:
            await uow.schedule(timer)
        clock.advance(timedelta(seconds=3))
        started = wall_now()
        await eventually(lambda: effects(service, "timer"), timeout=20)
    assert wall_now() - started < timedelta(seconds=15), "fired at the shifted wall-clock time"


async def test_moving_the_clock_past_a_deadline_makes_its_timer_fire(
    nats_server: NatsServer, database_url: str, tmp_path: Path
) -> None:
    clock = ManualClock(wall_now())
    service = create_probe(probe_settings(database_url, nats_server, tmp_path), clock=clock)
    async with running(service):
        timer = Timer(
            soort="test", sleutel="over-twee-dagen", verloopt_op=clock.now() + timedelta(days=2)
        )
        async with service.unit_of_work() as uow:
            await uow.schedule(timer)
        await eventually(lambda: _is_zero(service.relay.pending()))
        # A timer due in two seconds: once it has fired, one due in two days would have too,
        # had it been scheduled wrongly.
        wachter = Timer(
            soort="test", sleutel="wachter", verloopt_op=clock.now() + timedelta(seconds=2)
        )
        async with service.unit_of_work() as uow:
            await uow.schedule(wachter)
        clock.advance(timedelta(seconds=2))
        fired = await eventually(lambda: _fired(service, wachter), timeout=20)
        assert [e.message_id for e in fired] == [str(wachter.id)], "not due yet"
        clock.advance(timedelta(days=2, seconds=1))
        assert await service.reschedule_timers() == 1
        await eventually(lambda: _at_least(effects(service, "timer"), 2), timeout=20)
        # Once a timer due after it has fired, a second firing of the replaced schedule would
        # have shown.
        na = Timer(soort="test", sleutel="na", verloopt_op=clock.now())
        async with service.unit_of_work() as uow:
            await uow.schedule(na)
        fired = await eventually(lambda: _fired(service, na), timeout=20)
    assert len(fired) == 3, "wachter, the timer once (the replaced schedule not as well), na"


async def test_a_cancelled_timer_does_not_reach_its_handler(
    nats_server: NatsServer, database_url: str, tmp_path: Path
) -> None:
    service = create_probe(probe_settings(database_url, nats_server, tmp_path))
    async with running(service):
        cancelled = Timer(
            soort="test", sleutel="gestopt", verloopt_op=wall_now() + timedelta(seconds=2)
        )
        kept = Timer(soort="test", sleutel="loopt", verloopt_op=wall_now() + timedelta(seconds=3))
        async with service.unit_of_work() as uow:
            await uow.schedule(cancelled)
            await uow.schedule(kept)
        async with service.unit_of_work() as uow:
            assert await uow.cancel_timer("gestopt")
            assert not await uow.cancel_timer("onbekend")
        # The cancelled one was due first: had it fired, it would be there before the kept one.
        fired = await eventually(lambda: effects(service, "timer"), timeout=20)
    assert [e.message_id for e in fired] == [str(kept.id)]


@pytest.mark.parametrize("gemeente", ["0599", "1621"])
async def test_events_are_published_on_their_municipality_subject(
    nats_server: NatsServer, database_url: str, tmp_path: Path, gemeente: str
) -> None:
    service = create_probe(probe_settings(database_url, nats_server, tmp_path), consume=False)
    event = melding(gemeente)
    async with running(service):
        async with service.unit_of_work() as uow:
            uow.publish(event)
        connection, js = await jetstream(nats_server)

        async def stored():  # type: ignore[no-untyped-def]
            try:
                return await js.get_last_msg(
                    subjects.STREAM_INTERN.name, subjects.MELDING_ONTVANGEN.subject(gemeente)
                )
            except nats.js.errors.NotFoundError:
                return None

        message = await eventually(stored)
        assert message.subject.endswith(f".{gemeente}")
        await connection.close()


async def test_moving_a_file_clock_reschedules_pending_timers_by_itself(
    nats_server: NatsServer, database_url: str, tmp_path: Path
) -> None:
    clock_file = tmp_path / "clock-offset"
    settings = probe_settings(database_url, nats_server, tmp_path, clock_file=clock_file)
    service = create_probe(settings)
    async with running(service):
        timer = Timer(
            soort="test", sleutel="morgen", verloopt_op=service.clock.now() + timedelta(days=1)
        )
        async with service.unit_of_work() as uow:
            await uow.schedule(timer)
        await eventually(lambda: _is_zero(service.relay.pending()))
        clock_file.write_text(str(timedelta(days=1, seconds=2).total_seconds()))
        await eventually(lambda: effects(service, "timer"), timeout=20)
        # Once a timer due after it has fired, a second firing would have shown.
        na = Timer(soort="test", sleutel="na", verloopt_op=service.clock.now())
        async with service.unit_of_work() as uow:
            await uow.schedule(na)
        fired = await eventually(lambda: _fired(service, na), timeout=20)
    assert len(fired) == 2, "the new schedule replaced the old one; it fired once (and na)"
