"""Partners hear exactly what they may: minimised events on the partner subjects (over NATS),
and the same events to the webhook subscriptions they match. Pure rules first, then the one
function that publishes an event and plans its deliveries in the caller's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from uuid import uuid4

from pydantic import Field
from sqlalchemy import select

from jbplein_contracts.envelope import CloudEvent, GeadresseerdeGegevens
from jbplein_contracts.subjects import Boom
from jbplein_contracts.v1 import EVENTS
from jbplein_kit.outbox import trace_headers
from jbplein_kit.uow import UnitOfWork

from .models import TE_BEZORGEN, Abonnement, Levering

PARTNER_TYPES: frozenset[str] = frozenset(
    e.KANAAL.type for e in EVENTS if e.KANAAL.boom is Boom.PARTNER
)
"""The event types a webhook subscription may name."""

PartnerType = Annotated[str, Field(json_schema_extra={"enum": sorted(PARTNER_TYPES)})]
"""A field holding a partner event type: an enum in the OpenAPI document (the API checks it and
names the field when it is not one)."""

ADRESSEERBAAR: frozenset[str] = frozenset(
    e.KANAAL.type for e in EVENTS if e.KANAAL.boom is Boom.PARTNER and e.KANAAL.geadresseerd
)


def past(
    abonnement_organisatie: str,
    event_types: list[str],
    gemeenten: list[str],
    event: CloudEvent[Any],
) -> bool:
    """Does a subscription get this event? Its type and municipality are named in the
    subscription, and an event addressed to an organisation goes to that organisation only."""
    if event.type not in event_types or event.data.gemeente not in gemeenten:
        return False
    if isinstance(event.data, GeadresseerdeGegevens):
        return event.data.ontvanger == abonnement_organisatie
    return True


async def publiceer(uow: UnitOfWork, event: CloudEvent[Any], opgeven_na: timedelta) -> int:
    """Publish a partner event (outbox) and plan a delivery for every active subscription it
    matches, in the same transaction. Returns how many deliveries were planned."""
    assert event.KANAAL.boom is Boom.PARTNER, "only minimised partner events go to partners"
    uow.publish(event)
    abonnementen = (
        await uow.session.scalars(select(Abonnement).where(Abonnement.actief.is_(True)))
    ).all()
    gepland = 0
    for abonnement in abonnementen:
        if not past(abonnement.organisatie, abonnement.event_types, abonnement.gemeenten, event):
            continue
        uow.session.add(nieuwe_levering(abonnement, event, uow.now, opgeven_na))
        gepland += 1
    return gepland


def nieuwe_levering(
    abonnement: Abonnement, event: CloudEvent[Any], nu: datetime, opgeven_na: timedelta
) -> Levering:
    return Levering(
        id=uuid4(),
        abonnement_id=abonnement.id,
        event_id=event.id,
        event_type=event.type,
        gemeente=event.data.gemeente,
        payload=event.to_bytes(),
        trace_context=trace_headers(),
        status=TE_BEZORGEN,
        pogingen=0,
        aangemaakt_op=nu,
        volgende_poging_op=nu,
        opgeven_na=nu + opgeven_na,
    )
