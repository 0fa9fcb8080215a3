"""The staff form's Dutch messages, keyed on pydantic's error types (and their context)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from jbplein_intake.formulier import (
    NEDERLANDS,
    ONBEKEND,
    fouten_uit_probleem,
    fouten_uit_validatie,
    nederlands,
    uit_formulier,
)
from jbplein_intake.schemas import MeldingIn
from jbplein_kit.problems import validation_problem

FORMULIER = {
    "gemeente": "0622",
    "melder.naam": "Piet Politie",
    "melder.functie": "Wijkagent",
    "melder.telefoon": "010 7654321",
    "melder.email": "piet@example.org",
    "gezin.adres.postcode": "3131 AB",
    "gezin.adres.huisnummer": "7",
    "gezin.kinderen.1.voornaam": "Sem",
    "gezin.kinderen.1.achternaam": "Visser",
    "gezin.kinderen.1.geboortedatum": "05-05-2014",
    "gezin.ouders.0.voornaam": "Vera",
    "gezin.ouders.0.achternaam": "Visser",
    "gezin.ouders.0.rol": "moeder",
    "zorgen.soorten": "ontwikkeling",
    "zorgen.toelichting": "Verzuimt al weken van school.",
    "waarom_vrijwillig_onvoldoende": "Ouders reageren niet op het wijkteam.",
}


def fouten(**anders: str) -> dict[str, str]:
    """The form's messages for FORMULIER with some fields changed ('' leaves one out)."""
    velden = {**FORMULIER, **anders}
    paren = [(k, v) for k, v in velden.items() if k != "zorgen.soorten"]
    paren += [("zorgen.soorten", s) for s in velden["zorgen.soorten"].split(",") if s]
    data, rijen = uit_formulier(paren)
    try:
        MeldingIn.model_validate(data)
    except ValidationError as fout:
        return fouten_uit_validatie(fout, rijen)
    return {}


def test_the_form_as_staff_fill_it_in_is_valid() -> None:
    assert fouten() == {}


@pytest.mark.parametrize(
    ("veld", "waarde", "melding"),
    [
        ("melder.naam", "", "Verplicht."),  # missing
        ("gezin.kinderen.1.bsn", "123456789", "Dit BSN klopt niet (11-proef)."),
        ("gezin.kinderen.1.voornaam", "Sem\x00", "Bevat een teken dat niet kan worden opgeslagen."),
        ("gezin.ouders.0.rol", "buurvrouw", "Kies een van de mogelijkheden."),
        ("gezin.kinderen.1.geboortedatum", "31-02-2014", "Geen geldige datum (dd-mm-jjjj)."),
        ("zorgen.soorten", "ontwikkeling,ontwikkeling", "Twee keer dezelfde soort zorg."),
        ("spoed", "ja", "Geef de reden van spoed."),
        ("spoed_reden", "Acuut", "Vink spoed aan, of laat de reden leeg."),
        # Where the old string matching said only "Ongeldig formaat." (a pattern mismatch):
        ("gezin.adres.postcode", "12345 AB", "Geen Nederlandse postcode (1234 AB)."),
        ("gezin.adres.huisnummer", "0", "Geen huisnummer (bijv. 12, 12A)."),
        ("gezin.kinderen.1.bsn", "12345", "Een BSN heeft 9 cijfers."),
        ("melder.telefoon", "bel me", "Geen telefoonnummer."),
        ("melder.email", "piet", "Geen e-mailadres."),
        ("gemeente", "Rotterdam", "Kies een gemeente."),
        # Where the old code said "Te lang." without the limit pydantic's context gives:
        ("melder.naam", "x" * 101, "Te lang: ten hoogste 100 tekens."),
        # Passes the pattern, refused by python-stdnum: PostNL never issues SS.
        ("gezin.adres.postcode", "3131 SS", "Geen Nederlandse postcode (1234 AB)."),
    ],
)
def test_each_error_type_has_its_dutch_message(veld: str, waarde: str, melding: str) -> None:
    assert fouten(**{veld: waarde}) == {
        veld.replace("spoed", "spoed_reden", veld == "spoed"): melding
    }


def test_a_child_row_names_the_row_of_the_form() -> None:
    assert fouten(**{"gezin.ouders.0.achternaam": ""}) == {
        "gezin.ouders.0.achternaam": "Verplicht."
    }
    kind = fouten(**{"gezin.kinderen.1.geboortedatum": ""})
    assert kind == {"gezin.kinderen.1": NEDERLANDS["kind_geboren_of_ongeboren"]}
    ongeboren = fouten(
        **{
            "gezin.kinderen.1.geboortedatum": "",
            "gezin.kinderen.1.verwachte_geboortedatum": "01-03-2027",
            "gezin.kinderen.1.bsn": "111222333",
        }
    )
    assert ongeboren == {"gezin.kinderen.1": "Een ongeboren kind heeft nog geen BSN."}
    geen_naam = fouten(**{"gezin.kinderen.1.voornaam": ""})
    assert geen_naam == {"gezin.kinderen.1": "Een geboren kind heeft een voor- en achternaam."}


def test_lists_too_short_or_too_long() -> None:
    assert fouten(**{"zorgen.soorten": ""}) == {"zorgen.soorten": "Verplicht."}
    assert nederlands({"type": "too_short", "ctx": {"min_length": 1}}) == (
        "Vul er ten minste één in."
    )
    drie = "ontwikkeling,veiligheid,ontwikkeling"
    assert fouten(**{"zorgen.soorten": drie}) == {"zorgen.soorten": "Te veel: ten hoogste 2."}


def test_the_message_is_chosen_by_type_whatever_the_english_text_says() -> None:
    """The old code looked the English message up first: an error whose text happened to be
    one of our reasons got that reason's translation, whatever its type."""
    fout: dict[str, Any] = {"type": "missing", "msg": "fails the 11-proef", "loc": ("x",)}
    assert nederlands(fout) == "Verplicht."
    assert nederlands({"type": "bsn_11_proef", "msg": "anything"}) == (
        "Dit BSN klopt niet (11-proef)."
    )


def test_an_unknown_type_never_shows_the_english_text() -> None:
    """The English message may quote what was typed; the old code showed it as it was."""
    fout = {"type": "int_parsing", "msg": "Input should be a valid integer, got 'geheim'"}
    assert nederlands(fout) == ONBEKEND


def test_the_problem_of_registratie_is_dutch_by_its_reason() -> None:
    params = [
        {"name": "gemeente", "reason": "is not a municipality of the plein", "code": "unknown"},
        {
            "name": "gezin.kinderen[0].geboortedatum",
            "reason": "lies in the future; give verwachte_geboortedatum for an unborn child",
            "code": "out_of_range",
        },
    ]
    assert fouten_uit_probleem(params, {"gezin.kinderen": [1]}) == {
        "gemeente": "Geen gemeente van het plein.",
        "gezin.kinderen.1.geboortedatum": (
            "Ligt in de toekomst; geef voor een ongeboren kind de verwachte datum."
        ),
    }


def test_the_api_problem_names_the_same_type_as_its_code() -> None:
    """The partner API shows our own type as the invalid param's code, and our reason without
    pydantic's 'Value error, ' prefix (before: code value_error for all of them)."""
    paren = [(k, v) for k, v in FORMULIER.items()] + [("gezin.kinderen.1.bsn", "123456789")]
    data, _ = uit_formulier(paren)
    with pytest.raises(ValidationError) as fout:
        MeldingIn.model_validate(data)
    [param] = validation_problem(fout.value.errors(include_url=False)).invalid_params
    assert param == {
        "name": "gezin.kinderen[0].bsn",
        "code": "bsn_11_proef",
        "reason": "fails the 11-proef",
    }
