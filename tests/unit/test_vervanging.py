"""Which earlier letters a new letter withdraws, and which posted letter it says it replaces."""

from __future__ import annotations

from datetime import UTC, datetime

from jbplein_notificatie.vervanging import Eerder, plan

NOV_26 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
NOV_30 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_a_first_letter_replaces_nothing() -> None:
    assert plan([]).intrekken == () and plan([]).vervangt is None


def test_every_letter_not_posted_is_withdrawn_whatever_its_state() -> None:
    eerdere = [
        Eerder("wacht_op_regisseur", None),
        Eerder("te_maken", None),
        Eerder("adres_onvolledig", None),
        Eerder("gereed", None),
    ]
    assert plan(eerdere).intrekken == (0, 1, 2, 3)
    assert plan(eerdere).vervangt is None


def test_a_posted_letter_is_never_withdrawn_and_the_newest_posted_one_is_replaced() -> None:
    eerdere = [
        Eerder("verzonden", NOV_26),
        Eerder("ingetrokken", None),
        Eerder("verzonden", NOV_30),
        Eerder("gereed", None),
    ]
    gekozen = plan(eerdere)
    assert gekozen.intrekken == (3,), "posted and withdrawn letters stay as they are"
    assert gekozen.vervangt == 2
