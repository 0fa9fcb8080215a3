"""The contracts: events, subjects, and the generated artefacts partners rely on."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest
from pydantic import ValidationError

from jbplein_contracts import generate, subjects
from jbplein_contracts.envelope import Bron
from jbplein_contracts.v1 import (
    EVENT_BY_TYPE,
    EVENTS,
    MeldingOntvangen,
    MeldingOntvangenData,
    PartnerBesluitGenomen,
    PartnerMeldingBesloten,
    PartnerMeldingBeslotenData,
    PartnerRaadsonderzoekGevraagd,
)
from jbplein_contracts.waarden import Aanpak, Zorg

NOW = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


def melding_data(**overrides: Any) -> MeldingOntvangenData:
    values: dict[str, Any] = {
        "gemeente": "0599",
        "melding_id": uuid4(),
        "gezin_ref": uuid4(),
        "melder_organisatie": "veilig-thuis",
        "ontvangen_op": NOW,
        "bespreken_uiterlijk": date(2026, 11, 24),
        "spoed": False,
        "zorgen": [Zorg.VEILIGHEID],
        "aantal_kinderen": 2,
    }
    values.update(overrides)
    return MeldingOntvangenData(**values)


def test_every_channel_has_exactly_one_event_and_its_type_matches() -> None:
    assert {e.KANAAL for e in EVENTS} == set(subjects.KANALEN)
    assert len(EVENTS) == len(subjects.KANALEN)
    for event in EVENTS:
        assert event.model_fields["type"].default == event.KANAAL.type
        assert event.KANAAL.type.count(".v") == 1
        assert EVENT_BY_TYPE[event.KANAAL.type] is event


def test_an_event_is_a_cloudevent_with_the_nl_gov_attributes() -> None:
    data = melding_data()
    event = MeldingOntvangen.maak(data, bron=Bron.INTAKE, tijd=NOW, onderwerp=data.melding_id)
    document = json.loads(event.to_bytes())
    assert document["specversion"] == "1.0"
    assert document["source"] == "urn:nld:jbplein:intake"
    assert document["type"] == "nl.jbplein.melding.ontvangen.v1"
    assert document["subject"] == str(data.melding_id)
    assert document["datacontenttype"] == "application/json"
    assert MeldingOntvangen.model_validate_json(event.to_bytes()) == event
    assert event.nats_subject() == "jbplein.intern.melding.ontvangen.v1.0599"


def test_an_event_refuses_what_the_profile_forbids() -> None:
    data = melding_data()
    base = MeldingOntvangen.maak(data, bron=Bron.INTAKE, tijd=NOW, onderwerp=data.melding_id)
    document = json.loads(base.to_bytes())
    for field, value in [
        ("time", "2026-11-20T14:00:00"),  # naive
        ("subject", "Jansen, Anna"),  # personal data as subject
        ("type", "nl.jbplein.melding.ontvangen"),  # no version
        ("source", "intake"),  # not a URN of ours
        ("dataref", "http://x/y?bsn=123456782"),  # query strings are not references
        ("extra", "x"),
    ]:
        with pytest.raises(ValidationError):
            MeldingOntvangen.model_validate({**document, field: value})
    with pytest.raises(ValidationError):
        melding_data(gemeente="Rotterdam")


def test_subjects_carry_the_municipality_and_stay_in_their_tree() -> None:
    assert subjects.BESLUIT_GENOMEN.subject("0606") == "jbplein.intern.besluit.genomen.v1.0606"
    assert (
        subjects.PARTNER_BESLUIT_GENOMEN.subject("0606")
        == "jbplein.partner.besluit.genomen.v1.0606"
    )
    assert subjects.partner_filter("1621") == "jbplein.partner.*.*.*.1621"
    assert subjects.stream_voor("jbplein.partner.besluit.genomen.v1.0599").name == "JBPLEIN_PARTNER"
    assert subjects.stream_voor(subjects.timer_gepland("tafel", "x")).allow_msg_schedules
    for bad in ("599", "05990", "*", ">", "05 9"):
        with pytest.raises(ValueError):
            subjects.MELDING_ONTVANGEN.subject(bad)
    with pytest.raises(ValueError):
        subjects.timer_gepland("tafel", "has.dot")


def test_addressed_partner_events_carry_their_organisation_in_a_tree_of_their_own() -> None:
    kanaal = subjects.PARTNER_MELDING_BESLOTEN
    subject = kanaal.subject("0599", "veilig-thuis")
    assert subject == "jbplein.partner.aan.veilig-thuis.melding.besloten.v1.0599"
    assert subject.startswith(subjects.partner_filter_aan("veilig-thuis").removesuffix(">"))
    assert not subject.startswith(subjects.partner_filter_aan("politie").removesuffix(">"))
    # The municipality-wide filter of a partner never matches what is addressed to another.
    assert len(subject.split(".")) != len(subjects.partner_filter("0599").split("."))
    assert kanaal.alle_gemeenten == "jbplein.partner.aan.*.melding.besloten.v1.*"
    assert subjects.stream_voor(subject).name == "JBPLEIN_PARTNER"
    with pytest.raises(ValueError):
        kanaal.subject("0599")
    with pytest.raises(ValueError):
        subjects.PARTNER_BESLUIT_GENOMEN.subject("0599", "veilig-thuis")
    with pytest.raises(ValueError):
        kanaal.subject("0599", "has.dot")
    with pytest.raises(ValueError):
        subjects.Kanaal(subjects.Boom.INTERN, "x", "y", geadresseerd=True)
    data = PartnerMeldingBeslotenData(
        gemeente="0599",
        ontvanger="politie",
        zaak_ref=uuid4(),
        aanpak=Aanpak.DRANG,
        besluit_datum=date(2026, 11, 20),
    )
    event = PartnerMeldingBesloten.maak(data, bron=Bron.NOTIFICATIE, tijd=NOW, onderwerp=uuid4())
    assert event.nats_subject() == "jbplein.partner.aan.politie.melding.besloten.v1.0599"


def _strings_without_bounds(schema: dict[str, Any], defs: dict[str, Any], path: str) -> list[str]:
    """String fields that could carry free text: no pattern, format, enum or const."""
    found: list[str] = []
    if "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        return _strings_without_bounds(defs[name], defs, path)
    for key in ("anyOf", "allOf", "oneOf"):
        for option in schema.get(key, []):
            found += _strings_without_bounds(option, defs, path)
    if schema.get("type") == "string" and not (
        {"pattern", "format", "enum", "const"} & schema.keys()
    ):
        found.append(path)
    if schema.get("type") == "array" and "items" in schema:
        found += _strings_without_bounds(schema["items"], defs, path + "[]")
    for name, prop in schema.get("properties", {}).items():
        found += _strings_without_bounds(prop, defs, f"{path}.{name}")
    return found


PERSONAL = {
    "naam",
    "voornaam",
    "achternaam",
    "bsn",
    "geboortedatum",
    "adres",
    "straat",
    "huisnummer",
    "postcode",
    "telefoon",
    "email",
    "toelichting",
    "notulen",
    "zorgen_tekst",
}


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.KANAAL.type)
def test_no_event_has_a_field_for_personal_data_or_free_text(event: Any) -> None:
    schema = event.model_json_schema()
    defs = schema.get("$defs", {})
    assert _strings_without_bounds(schema, defs, event.__name__) == []
    names = set(json.dumps(schema).replace('"', " ").split())
    assert not names & PERSONAL


def _velden(event: Any) -> set[str]:
    return set(event.model_fields["data"].annotation.model_fields)


VERSIE = {"besluit_versie", "vervangt_versie", "correctie"}


def test_partner_events_carry_only_the_minimum() -> None:
    assert _velden(PartnerBesluitGenomen) == VERSIE | {
        "gemeente",
        "zaak_ref",
        "aanpak",
        "besluit_datum",
        "contact_uiterlijk",
        "raadsonderzoek_start_uiterlijk",
    }
    assert _velden(PartnerMeldingBesloten) == VERSIE | {
        "gemeente",
        "ontvanger",
        "zaak_ref",
        "aanpak",
        "besluit_datum",
    }
    assert _velden(PartnerRaadsonderzoekGevraagd) == VERSIE | {
        "gemeente",
        "ontvanger",
        "zaak_ref",
        "gevraagd_op",
        "start_uiterlijk",
    }
    partner = {e for e in EVENTS if e.KANAAL.boom is subjects.Boom.PARTNER}
    assert partner == {PartnerBesluitGenomen, PartnerMeldingBesloten, PartnerRaadsonderzoekGevraagd}


@pytest.mark.parametrize(
    "event", [PartnerBesluitGenomen, PartnerMeldingBesloten, PartnerRaadsonderzoekGevraagd]
)
def test_partner_events_say_which_besluit_version_they_tell_and_stay_compatible_within_v1(
    event: Any,
) -> None:
    """The version fields are optional: an event from before them still parses. A consumer
    tells a correction by ``correctie``/``vervangt_versie`` and a late older version by a
    lower ``besluit_versie``."""
    schema = event.model_json_schema()
    data = schema["$defs"][schema["properties"]["data"]["$ref"].split("/")[-1]]
    assert set(data["properties"]) >= VERSIE
    assert not VERSIE & set(data.get("required", []))
    velden = data["properties"]
    assert velden["besluit_versie"]["anyOf"][0] == {"minimum": 1, "type": "integer"}
    assert velden["correctie"]["type"] == "boolean"
    expected = generate.artefacts()
    on_disk = {
        str(path.relative_to(generate.SCHEMAS)): path.read_text(encoding="utf-8")
        for path in generate.SCHEMAS.rglob("*.json")
    }
    stale = sorted(n for n in expected if on_disk.get(n) != expected[n])
    extra = sorted(set(on_disk) - set(expected))
    assert not stale and not extra, (
        f"stale: {stale}, extra: {extra}; run: ./jbplein run python -m jbplein_contracts.generate"
    )


def test_the_asyncapi_document_names_every_channel_with_its_municipality_parameter() -> None:
    document = json.loads(generate.asyncapi())
    assert document["asyncapi"].startswith("3.")
    addresses = {c["address"] for c in document["channels"].values()}
    assert addresses == {f"{k.basis}.{{gemeente}}" for k in subjects.KANALEN}
    refs = json.dumps(document)
    for name in document["components"]["schemas"]:
        assert f"#/components/schemas/{name}" in refs or name in document["components"]["messages"]
