"""The tests' PostgreSQL: a server that is named (``TEST_DATABASE_URL``) but cannot be reached
makes the PostgreSQL variants skip with the reason, checked once per test process; it never
fails them one by one with connection errors."""

from __future__ import annotations

import pytest

from jbplein_runner import processes

from ..support import databases


def test_an_unreachable_postgres_skips_its_tests_saying_why_and_is_tried_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = processes.free_port()  # nothing listens there
    monkeypatch.setenv("TEST_DATABASE_URL", f"postgresql://postgres:geheim@127.0.0.1:{port}/t")
    monkeypatch.delenv("JBPLEIN_REQUIRE_POSTGRES", raising=False)
    tried: list[str] = []
    probe = databases._probe

    async def counted(url: str) -> None:
        tried.append(url)
        await probe(url)

    monkeypatch.setattr(databases, "_probe", counted)
    for _ in range(3):
        with pytest.raises(pytest.skip.Exception) as skipped:
            databases.postgres_server()
        reason = str(skipped.value)
        assert f"PostgreSQL at postgresql://postgres:***@127.0.0.1:{port}/t unreachable" in reason
        assert "geheim" not in reason, "the password stays out of the test report"
    assert len(tried) == 1, "the server is tried once per test process"


def test_no_postgres_named_and_no_docker_skips_saying_how_to_get_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    monkeypatch.delenv("JBPLEIN_REQUIRE_POSTGRES", raising=False)
    monkeypatch.setattr(databases, "_container_url", None)
    monkeypatch.setattr(databases, "_docker_reachable", lambda: False)
    with pytest.raises(pytest.skip.Exception, match="set TEST_DATABASE_URL"):
        databases.postgres_server()


def test_where_postgres_is_required_an_unreachable_one_fails_the_test_saying_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = processes.free_port()
    monkeypatch.setenv("TEST_DATABASE_URL", f"postgresql://postgres@127.0.0.1:{port}/t")
    monkeypatch.setenv("JBPLEIN_REQUIRE_POSTGRES", "1")
    with pytest.raises(pytest.fail.Exception, match=f"127.0.0.1:{port}/t unreachable"):
        databases.postgres_server()
