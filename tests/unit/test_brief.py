"""The letter to the gezin: the right variant's text, the right people, one family per letter,
Dutch dates, every municipality's letterhead, and a PDF whose text can be read back."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from pypdf import PdfReader

from jbplein_contracts.waarden import Aanpak
from jbplein_kit import weergave
from jbplein_kit.gemeenten import Briefhoofd, Gemeente, load_gemeenten
from jbplein_notificatie.brief import (
    PDF_TITEL,
    Alinea,
    BriefGegevens,
    Geadresseerde,
    Regisseur,
    Soort,
    Vervanging,
    Vervangreden,
    datum_met_weekdag_nl,
    datum_nl,
    inhoud,
    render_pdf,
    tekst,
)

GEMEENTEN = load_gemeenten()
ROTTERDAM = GEMEENTEN["0599"]
SCHIEDAM = GEMEENTEN["0606"]

BESLUIT = date(2026, 11, 26)  # a Thursday
CONTACT = date(2026, 12, 3)  # 5 working days later: Thursday 3 December
RAAD_START = date(2026, 12, 3)

ANNA = Regisseur(naam="Anna Jansen", telefoon="010 123 45 67", email="a.jansen@jbrr.example")

FAMILIE_DE_VRIES = Geadresseerde(
    ouders=["Daniëlle de Vries", "Kees Bakker"],
    kinderen=["Zoë", "Noël"],
    postcode="3072 AB",
    huisnummer="12b",
    straat="Maasstraat",
    woonplaats="Rotterdam",
)
FAMILIE_EL_AMRANI = Geadresseerde(
    ouders=["Fatima el Amrani"],
    kinderen=["Yasmina"],
    postcode="3111 XK",
    huisnummer="7",
    straat="Hoogstraat",
    woonplaats="Schiedam",
)

# Sentences only the given variant's letter may hold.
KERN: dict[Aanpak, tuple[str, ...]] = {
    Aanpak.VRIJWILLIG: (
        "Wij hebben besloten dat de hulp die u nu krijgt, doorgaat.",
        "Uw hulpverlener blijft u helpen, net als nu.",
        "Wij vinden zwaardere maatregelen nu niet nodig.",
    ),
    Aanpak.DRANG: (
        "Daarom krijgt uw gezin een casusregisseur.",
        "Het Jeugdbeschermingsplein raadt u dringend aan om mee te werken.",
        "Dan kan dat leiden tot een onderzoek door de Raad voor de Kinderbescherming.",
        "Samen met u maakt de casusregisseur een actieplan.",
    ),
    Aanpak.RAADSONDERZOEK: (
        "Daarom hebben wij de Raad voor de Kinderbescherming gevraagd om een onderzoek te doen.",
        "De Raad begint binnen 5 werkdagen na ons besluit met het onderzoek.",
        "Dan vraagt de Raad aan de kinderrechter om een maatregel van kinderbescherming.",
        "Zo'n maatregel is voor ouders en kinderen heel ingrijpend.",
    ),
}
MET_REGISSEUR = (Aanpak.DRANG, Aanpak.RAADSONDERZOEK)
HULPVERLENER_BLIJFT = "Dan blijft die hulpverlener ook betrokken bij uw gezin."
REGISSEUR_STELT_ZICH_VOOR = "De casusregisseur stelt zich zelf aan u voor."


def gegevens(
    variant: Aanpak,
    *,
    gemeente: Gemeente = ROTTERDAM,
    geadresseerde: Geadresseerde = FAMILIE_DE_VRIES,
    regisseur: Regisseur | None = ANNA,
    referentie: str = "JBP-2026-000123",
    besluitdatum: date = BESLUIT,
    briefdatum: date = BESLUIT,
    contact: date | None = CONTACT,
    raad_start: date | None = RAAD_START,
    vervangt: Vervanging | None = None,
) -> BriefGegevens:
    """A valid letter of the variant: regisseur and deadlines only where the variant has them."""
    heeft_regisseur = variant in MET_REGISSEUR
    return BriefGegevens(
        variant=variant,
        gemeente=gemeente,
        geadresseerde=geadresseerde,
        briefdatum=briefdatum,
        besluitdatum=besluitdatum,
        referentie=referentie,
        contact_uiterlijk=contact if heeft_regisseur else None,
        raadsonderzoek_start_uiterlijk=raad_start if variant is Aanpak.RAADSONDERZOEK else None,
        regisseur=regisseur if heeft_regisseur else None,
        vervangt=vervangt,
    )


def pdf_tekst(pdf: bytes) -> str:
    """The PDF's extracted text with line breaks and spacing folded into single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def brief_tekst(variant: Aanpak, **kwargs: Any) -> str:
    return pdf_tekst(render_pdf(gegevens(variant, **kwargs)))


# --- the variants ------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", list(Aanpak))
def test_each_variant_prints_its_own_key_sentences_and_none_of_another_variant(
    variant: Aanpak,
) -> None:
    text = brief_tekst(variant)
    for zin in KERN[variant]:
        assert zin in text
    for ander, zinnen in KERN.items():
        if ander is not variant:
            for zin in zinnen:
                assert zin not in text


def test_the_vrijwillig_letter_mentions_no_casusregisseur_no_raad_and_no_judge() -> None:
    text = brief_tekst(Aanpak.VRIJWILLIG).lower()
    assert "casusregisseur" not in text
    assert "raad voor de kinderbescherming" not in text
    assert "kinderrechter" not in text
    assert HULPVERLENER_BLIJFT.lower() not in text


def test_the_drang_letter_explains_casusregisseur_actieplan_and_the_raad_but_no_judge() -> None:
    text = brief_tekst(Aanpak.DRANG)
    assert "Een casusregisseur is uw vaste contactpersoon." in text
    assert "Een actieplan is een plan op papier." in text
    assert "De Raad voor de Kinderbescherming is een organisatie van de overheid." in text
    assert "kinderrechter" not in text


@pytest.mark.parametrize("variant", MET_REGISSEUR)
def test_drang_and_raadsonderzoek_say_the_earlier_hulpverlener_stays_involved(
    variant: Aanpak,
) -> None:
    assert HULPVERLENER_BLIJFT in brief_tekst(variant)


@pytest.mark.parametrize("variant", MET_REGISSEUR)
def test_the_contact_deadline_is_printed_as_uiterlijk_weekday_and_dutch_date(
    variant: Aanpak,
) -> None:
    text = brief_tekst(variant)
    assert "contact met u op. Dat gebeurt uiterlijk donderdag 3 december 2026." in text


def test_the_raadsonderzoek_letter_prints_the_raad_start_date_in_dutch() -> None:
    text = brief_tekst(Aanpak.RAADSONDERZOEK, raad_start=date(2026, 12, 2))
    assert "met het onderzoek. Dat gebeurt uiterlijk woensdag 2 december 2026." in text


@pytest.mark.parametrize("variant", MET_REGISSEUR)
def test_without_deadline_dates_the_letter_still_promises_5_working_days(variant: Aanpak) -> None:
    text = brief_tekst(variant, contact=None, raad_start=None)
    assert "De casusregisseur neemt binnen 5 werkdagen na ons besluit contact met u op." in text
    assert "uiterlijk" not in text


# --- the casusregisseur ------------------------------------------------------------------------


@pytest.mark.parametrize("variant", MET_REGISSEUR)
def test_an_assigned_regisseur_is_named_with_phone_and_email(variant: Aanpak) -> None:
    text = brief_tekst(variant)
    assert "Uw casusregisseur is Anna Jansen." in text
    assert "telefoon: 010 123 45 67" in text
    assert "e-mail: a.jansen@jbrr.example" in text
    assert REGISSEUR_STELT_ZICH_VOOR not in text


@pytest.mark.parametrize("variant", MET_REGISSEUR)
def test_without_a_regisseur_the_letter_names_nobody_and_says_they_will_introduce_themselves(
    variant: Aanpak,
) -> None:
    text = brief_tekst(variant, regisseur=None)
    assert REGISSEUR_STELT_ZICH_VOOR in text
    assert "Anna" not in text
    assert "Jansen" not in text
    assert "010 123 45 67" not in text
    assert "jbrr.example" not in text
    assert "Uw casusregisseur is" not in text


def test_a_regisseur_without_phone_or_email_gets_no_empty_contact_list() -> None:
    text = brief_tekst(Aanpak.DRANG, regisseur=Regisseur(naam="Anna Jansen"))
    assert "Uw casusregisseur is Anna Jansen." in text
    assert "zo bereiken" not in text


# --- the frame of every letter -----------------------------------------------------------------


@pytest.mark.parametrize("variant", list(Aanpak))
def test_every_letter_has_letterhead_address_date_reference_salutation_and_closing(
    variant: Aanpak,
) -> None:
    text = brief_tekst(variant)
    assert text.startswith("Gemeente Rotterdam - Jeugdbeschermingsplein")
    assert "Daniëlle de Vries Kees Bakker Maasstraat 12b 3072 AB ROTTERDAM" in text
    assert "Rotterdam, 26 november 2026" in text
    assert "Ons kenmerk: JBP-2026-000123" in text
    assert "Beste Daniëlle de Vries en Kees Bakker," in text
    assert "Op 26 november 2026 heeft het Jeugdbeschermingsplein gesproken" in text
    assert "over Zoë en Noël." in text
    assert "Met vriendelijke groet, Jeugdbeschermingsplein Rotterdam-Rijnmond" in text
    assert "Heeft u vragen?" in text
    assert "geen bezwaar" in text
    assert "klacht indienen bij de gemeente Rotterdam" in text


@pytest.mark.parametrize("variant", list(Aanpak))
def test_the_body_is_structured_as_headings_paragraphs_and_never_empty(variant: Aanpak) -> None:
    alineas = tekst(gegevens(variant))
    assert alineas[0].soort is Soort.TEKST
    assert all(isinstance(a, Alinea) and a.tekst.strip() for a in alineas)
    koppen = [a.tekst for a in alineas if a.soort is Soort.KOP]
    assert "Heeft u vragen?" in koppen
    assert "Bent u het niet eens met het besluit?" in koppen
    assert alineas[-1].soort is not Soort.KOP  # a heading is always followed by its text


def test_the_letterhead_prints_address_phone_and_website_when_configured() -> None:
    gemeente = ROTTERDAM.model_copy(
        update={
            "briefhoofd": Briefhoofd(
                afzender="Gemeente Rotterdam - Jeugdbeschermingsplein",
                adres="Postbus 70012, 3000 KP Rotterdam",
                telefoon="14 010",
                website="rotterdam.nl/jeugdbeschermingsplein",
            )
        }
    )
    text = brief_tekst(Aanpak.DRANG, gemeente=gemeente)
    assert text.startswith(
        "Gemeente Rotterdam - Jeugdbeschermingsplein Postbus 70012, 3000 KP Rotterdam "
        "Telefoon: 14 010 rotterdam.nl/jeugdbeschermingsplein"
    )
    assert "Bel dan naar 14 010." in text
    assert "Of kijk op rotterdam.nl/jeugdbeschermingsplein." in text
    assert "Vraag naar het Jeugdbeschermingsplein." not in text


def test_without_phone_or_website_questions_go_to_the_municipality_in_a_generic_sentence() -> None:
    text = brief_tekst(Aanpak.DRANG)
    assert "Telefoon:" not in text
    assert "Bel dan naar" not in text
    assert (
        "Neem dan contact op met de gemeente Rotterdam. Vraag naar het Jeugdbeschermingsplein."
        in text
    )


def test_the_municipality_afzender_appears_and_another_municipality_does_not() -> None:
    text = brief_tekst(Aanpak.DRANG, gemeente=SCHIEDAM)
    assert "Gemeente Schiedam - Jeugdbeschermingsplein" in text
    assert "Schiedam, 26 november 2026" in text
    assert "Gemeente Rotterdam" not in text
    assert "gemeente Rotterdam" not in text


@pytest.mark.parametrize("variant", list(Aanpak))
@pytest.mark.parametrize("code", sorted(GEMEENTEN))
def test_every_default_municipality_gets_its_own_letterhead_and_no_other(
    code: str, variant: Aanpak
) -> None:
    gemeente = GEMEENTEN[code]
    pdf = render_pdf(gegevens(variant, gemeente=gemeente))
    text = pdf_tekst(pdf)
    assert text.startswith(gemeente.briefhoofd.afzender)
    assert f"{gemeente.naam}, 26 november 2026" in text
    assert f"klacht indienen bij de gemeente {gemeente.naam}." in text
    for ander in GEMEENTEN.values():
        if ander.code != code:
            assert ander.briefhoofd.afzender not in text
    reader = PdfReader(io.BytesIO(pdf))
    assert 1 <= len(reader.pages) <= 3
    assert reader.metadata is not None
    assert reader.metadata.title == PDF_TITEL


# --- dates -------------------------------------------------------------------------------------


def test_the_letter_writes_its_dates_with_the_kits_dutch_names() -> None:
    """The letter has no table of its own: every month and weekday is tested in the kit
    (tests/unit/test_weergave.py), the letter uses the same functions."""
    assert datum_nl is weergave.datum_nl
    assert datum_met_weekdag_nl is weergave.datum_met_weekdag_nl
    assert datum_met_weekdag_nl(date(2026, 12, 3)) == "donderdag 3 december 2026"


def test_the_letter_date_and_the_besluit_date_are_printed_in_dutch() -> None:
    text = brief_tekst(
        Aanpak.VRIJWILLIG, besluitdatum=date(2026, 3, 2), briefdatum=date(2026, 3, 3)
    )
    assert "Rotterdam, 3 maart 2026" in text
    assert "Op 2 maart 2026 heeft het Jeugdbeschermingsplein gesproken" in text


# --- one family per letter ---------------------------------------------------------------------


def family_words(wie: Geadresseerde) -> list[str]:
    assert wie.straat and wie.woonplaats
    return [
        *wie.ouders,
        *(naam for volledig in wie.ouders for naam in volledig.split() if len(naam) > 3),
        *wie.kinderen,
        wie.straat,
        wie.postcode,
        wie.woonplaats.upper(),
    ]


def test_a_letter_holds_no_text_of_another_family() -> None:
    brief_a = brief_tekst(Aanpak.DRANG, geadresseerde=FAMILIE_DE_VRIES)
    brief_b = brief_tekst(
        Aanpak.DRANG,
        geadresseerde=FAMILIE_EL_AMRANI,
        gemeente=SCHIEDAM,
        regisseur=Regisseur(naam="Bram Visser", telefoon="010 765 43 21", email="b@jbrr.example"),
        referentie="JBP-2026-000999",
    )
    for woord in family_words(FAMILIE_DE_VRIES):
        assert woord in brief_a
        assert woord not in brief_b
    for woord in family_words(FAMILIE_EL_AMRANI):
        assert woord in brief_b
        assert woord not in brief_a
    assert "JBP-2026-000123" in brief_a and "JBP-2026-000123" not in brief_b
    assert "Anna Jansen" in brief_a and "Anna Jansen" not in brief_b
    assert "Bram Visser" in brief_b and "Bram Visser" not in brief_a


_NAAMLETTERS = "abcdefghijklmnopqrstuvwxyzéëïöüèáç"


def _naam(lengte: int = 6) -> st.SearchStrategy[str]:
    return st.text(_NAAMLETTERS, min_size=lengte, max_size=10).map(str.capitalize)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ouder_a=_naam(),
    ouder_b=_naam(),
    kind_a=_naam(),
    kind_b=_naam(),
    huis_a=st.integers(1, 999),
    huis_b=st.integers(1, 999),
)
def test_any_two_families_never_share_text_between_their_letters(
    ouder_a: str, ouder_b: str, kind_a: str, kind_b: str, huis_a: int, huis_b: int
) -> None:
    namen_a = {ouder_a, kind_a}
    namen_b = {ouder_b, kind_b}
    # Only names that cannot be part of the other family's names or of the fixed text.
    assume(not any(x in y or y in x for x in namen_a for y in namen_b))
    a = Geadresseerde(
        ouders=[f"{ouder_a} Aaa"], kinderen=[kind_a], postcode="3072 AB", huisnummer=f"{huis_a}a"
    )
    b = Geadresseerde(
        ouders=[f"{ouder_b} Bbb"], kinderen=[kind_b], postcode="3111 XK", huisnummer=f"{huis_b}b"
    )
    brief_a = brief_tekst(Aanpak.VRIJWILLIG, geadresseerde=a)
    brief_b = brief_tekst(Aanpak.VRIJWILLIG, geadresseerde=b)
    assert f"{ouder_a} Aaa" in brief_a and f"{ouder_a} Aaa" not in brief_b
    assert f"{ouder_b} Bbb" in brief_b and f"{ouder_b} Bbb" not in brief_a
    assert f"Huisnummer {huis_a}a" in brief_a and f"Huisnummer {huis_a}a" not in brief_b
    assert "3072 AB" not in brief_b and "3111 XK" not in brief_a


# --- the address -------------------------------------------------------------------------------


def test_without_street_and_town_the_address_prints_postcode_and_house_number() -> None:
    wie = Geadresseerde(ouders=["Kees Bakker"], kinderen=["Sem"], postcode="3072ab", huisnummer="4")
    assert inhoud(gegevens(Aanpak.VRIJWILLIG, geadresseerde=wie)).adresblok == (
        "Kees Bakker",
        "Huisnummer 4",
        "3072 AB",
    )
    text = brief_tekst(Aanpak.VRIJWILLIG, geadresseerde=wie)
    assert "Kees Bakker Huisnummer 4 3072 AB" in text


def test_without_parents_names_the_letter_goes_to_the_parents_of_the_children() -> None:
    wie = Geadresseerde(kinderen=["Sem", "Lotte", "Daan"], postcode="3072 AB", huisnummer="4")
    text = brief_tekst(Aanpak.DRANG, geadresseerde=wie)
    assert "Aan de ouders/verzorgers van Sem, Lotte en Daan" in text
    assert "Beste ouders/verzorgers," in text


def test_without_any_names_the_letter_goes_to_the_parents() -> None:
    wie = Geadresseerde(ongeboren=1, postcode="3072 AB", huisnummer="4")
    brief = inhoud(gegevens(Aanpak.DRANG, geadresseerde=wie))
    assert brief.adresblok[0] == "Aan de ouders/verzorgers"
    assert brief.aanhef == "Beste ouders/verzorgers,"


def test_a_letter_without_any_child_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least one child"):
        Geadresseerde(ouders=["Kees Bakker"], postcode="3072 AB", huisnummer="4")


@pytest.mark.parametrize("postcode", ["3072", "ABCD EF", "0123 AB", "3072 A", "３０７２ AB"])
def test_an_invalid_postcode_is_refused(postcode: str) -> None:
    with pytest.raises(ValidationError):
        Geadresseerde(postcode=postcode, huisnummer="1")


# --- the PDF itself ----------------------------------------------------------------------------


def test_dutch_characters_are_real_text_and_others_lose_only_their_accent() -> None:
    wie = Geadresseerde(
        ouders=["José Ïsa Müller", "Mehmet Şahin", "Łukasz Wiśniewski"],
        kinderen=["Zoë"],
        postcode="3072 AB",
        huisnummer="1",
    )
    text = brief_tekst(Aanpak.DRANG, geadresseerde=wie)
    assert "José Ïsa Müller" in text
    assert "Zoë" in text
    assert "één kind" in text
    # Helvetica cannot print ş, ł or ś: the letter writes the plain letter, never a black box.
    assert "Mehmet Sahin" in text
    assert "Lukasz Wisniewski" in text
    assert "■" not in text


def test_markup_characters_in_input_are_printed_as_text() -> None:
    wie = Geadresseerde(
        ouders=["A & B <b>Jansen</b>"], kinderen=["Sem"], postcode="3072 AB", huisnummer="1 & 2"
    )
    text = brief_tekst(Aanpak.VRIJWILLIG, geadresseerde=wie)
    assert "A & B <b>Jansen</b>" in text
    assert "Huisnummer 1 & 2" in text


def test_the_pdf_is_a4_with_its_pages_numbered() -> None:
    reader = PdfReader(io.BytesIO(render_pdf(gegevens(Aanpak.RAADSONDERZOEK))))
    totaal = len(reader.pages)
    for nummer, page in enumerate(reader.pages, start=1):
        assert round(float(page.mediabox.width)) == 595
        assert round(float(page.mediabox.height)) == 842
        assert f"JBP-2026-000123 - pagina {nummer} van {totaal}" in page.extract_text()


def test_the_metadata_has_a_fixed_title_and_no_personal_data() -> None:
    pdf = render_pdf(gegevens(Aanpak.DRANG))
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata is not None
    assert metadata.title == PDF_TITEL
    waarden = " ".join(str(v) for v in metadata.values())
    for persoonlijk in ("Daniëlle", "Vries", "Bakker", "Zoë", "Maasstraat", "3072", "Anna"):
        assert persoonlijk not in waarden
    assert "JBP-" not in waarden


def test_the_same_input_gives_the_same_bytes_dated_on_the_letter_date() -> None:
    eerste = render_pdf(gegevens(Aanpak.DRANG, briefdatum=date(2026, 11, 27)))
    tweede = render_pdf(gegevens(Aanpak.DRANG, briefdatum=date(2026, 11, 27)))
    assert eerste == tweede
    metadata = PdfReader(io.BytesIO(eerste)).metadata
    assert metadata is not None
    assert metadata["/CreationDate"].startswith("D:20261127")
    assert render_pdf(gegevens(Aanpak.DRANG, briefdatum=date(2026, 11, 30))) != eerste


# --- input that would make a letter contradict itself ------------------------------------------


def test_contradictory_input_is_refused_without_echoing_personal_data() -> None:
    with pytest.raises(ValidationError) as fout:
        BriefGegevens(
            variant=Aanpak.VRIJWILLIG,
            gemeente=ROTTERDAM,
            geadresseerde=FAMILIE_DE_VRIES,
            briefdatum=BESLUIT,
            besluitdatum=BESLUIT,
            referentie="JBP-2026-000123",
            regisseur=ANNA,
        )
    melding = str(fout.value)
    for persoonlijk in ("Daniëlle", "Maasstraat", "Anna", "Zoë"):
        assert persoonlijk not in melding


@pytest.mark.parametrize(
    "wijziging",
    [
        {"variant": Aanpak.VRIJWILLIG, "contact_uiterlijk": CONTACT},
        {"variant": Aanpak.DRANG, "raadsonderzoek_start_uiterlijk": RAAD_START},
        {"variant": Aanpak.DRANG, "contact_uiterlijk": BESLUIT},
        {"variant": Aanpak.DRANG, "briefdatum": date(2026, 11, 25)},
        {"variant": Aanpak.DRANG, "referentie": "Jansen"},
    ],
)
def test_a_letter_that_would_contradict_itself_is_refused(wijziging: dict[str, Any]) -> None:
    basis: dict[str, Any] = {
        "gemeente": ROTTERDAM,
        "geadresseerde": FAMILIE_DE_VRIES,
        "briefdatum": BESLUIT,
        "besluitdatum": BESLUIT,
        "referentie": "JBP-2026-000123",
    }
    with pytest.raises(ValidationError):
        BriefGegevens(**(basis | wijziging))


# --- grammar: the verbs agree with one child, several children, an unborn child -----------------

EEN_KIND = Geadresseerde(
    ouders=["Fatima el Amrani"], kinderen=["Yasmina"], postcode="3111 XK", huisnummer="7"
)
TWEE_KINDEREN = Geadresseerde(
    ouders=["Kees Bakker"], kinderen=["Sem", "Lotte"], postcode="3072 AB", huisnummer="4"
)
ONGEBOREN = Geadresseerde(
    ouders=["Fatima el Amrani"], ongeboren=1, postcode="3111 XK", huisnummer="7"
)
KIND_EN_ONGEBOREN = Geadresseerde(
    ouders=["Kees Bakker"], kinderen=["Sem"], ongeboren=1, postcode="3072 AB", huisnummer="4"
)

# Per gezin: how the letter names the children in its opening, and the sentences whose verb
# must agree with them (checked in every variant that has the sentence).
ENKELVOUD = {
    Aanpak.VRIJWILLIG: ["Zo krijgt uw kind de hulp die nodig is."],
    Aanpak.DRANG: [
        "Het doel is dat uw kind veilig en goed kan opgroeien.",
        "De casusregisseur werkt samen met u, met uw kind en met andere hulpverleners.",
        "Werkt u of werkt uw kind niet mee? Of gaat het niet genoeg vooruit?",
    ],
    Aanpak.RAADSONDERZOEK: [
        "Wij maken ons grote zorgen over de veiligheid of de ontwikkeling van uw kind.",
        "Na het onderzoek beslist de Raad wat er nodig is om uw kind veilig te laten opgroeien.",
        "De casusregisseur werkt samen met u, met uw kind en met andere hulpverleners.",
    ],
}
MEERVOUD = {
    Aanpak.VRIJWILLIG: ["Zo krijgen uw kinderen de hulp die nodig is."],
    Aanpak.DRANG: [
        "Het doel is dat uw kinderen veilig en goed kunnen opgroeien.",
        "De casusregisseur werkt samen met u, met uw kinderen en met andere hulpverleners.",
        "Werkt u of werken uw kinderen niet mee? Of gaat het niet genoeg vooruit?",
    ],
    Aanpak.RAADSONDERZOEK: [
        "Wij maken ons grote zorgen over de veiligheid of de ontwikkeling van uw kinderen.",
        "Na het onderzoek beslist de Raad wat er nodig is om uw kinderen veilig te laten "
        "opgroeien.",
        "De casusregisseur werkt samen met u, met uw kinderen en met andere hulpverleners.",
    ],
}
# An unborn child: one child (singular verbs), named as the child the parents expect, and not
# asked to cooperate or to work with the casusregisseur.
ONGEBOREN_ZINNEN = {
    Aanpak.VRIJWILLIG: ["Zo krijgt uw kind de hulp die nodig is."],
    Aanpak.DRANG: [
        "Het doel is dat uw kind veilig en goed kan opgroeien.",
        "De casusregisseur werkt samen met u en met andere hulpverleners.",
        "Werkt u niet mee? Of gaat het niet genoeg vooruit?",
    ],
    Aanpak.RAADSONDERZOEK: [
        "Wij maken ons grote zorgen over de veiligheid of de ontwikkeling van uw kind.",
        "Na het onderzoek beslist de Raad wat er nodig is om uw kind veilig te laten opgroeien.",
        "De casusregisseur werkt samen met u en met andere hulpverleners.",
    ],
}
GEZINNEN = {
    "een kind": (EEN_KIND, "over uw gezin en over Yasmina.", ENKELVOUD),
    "twee kinderen": (TWEE_KINDEREN, "over uw gezin en over Sem en Lotte.", MEERVOUD),
    "ongeboren kind": (
        ONGEBOREN,
        "over uw gezin en over het kind dat u verwacht.",
        ONGEBOREN_ZINNEN,
    ),
    "kind en ongeboren kind": (
        KIND_EN_ONGEBOREN,
        "over uw gezin en over Sem en het kind dat u verwacht.",
        MEERVOUD,
    ),
}
# Subject and verb that do not agree: 'uw kind' with a plural verb, 'uw kinderen' with a
# singular one, in either word order.
NIET_IN_OVEREENSTEMMING = [
    r"uw kind (?:\w+ ){0,4}(?:kunnen|krijgen|werken|groeien) ",
    r"(?:krijgen|werken|kunnen) uw kind\b(?!eren)",
    r"(?:krijgt|werkt|kan) uw kinderen",
    r"uw kinderen (?:\w+ ){0,4}(?:kan|krijgt|werkt) ",
    r"uw kind of kinderen",
]


@pytest.mark.parametrize("variant", list(Aanpak))
@pytest.mark.parametrize("gezin", list(GEZINNEN))
def test_the_verbs_agree_with_one_child_several_children_or_an_unborn_child(
    variant: Aanpak, gezin: str
) -> None:
    wie, opening, zinnen = GEZINNEN[gezin]
    text = brief_tekst(variant, geadresseerde=wie)
    assert opening in text
    for zin in zinnen[variant]:
        assert zin in text
    for patroon in NIET_IN_OVEREENSTEMMING:
        assert re.search(patroon, text) is None, patroon
    if wie.kinderen == ():
        assert "werken uw kinderen" not in text and "met uw kind en" not in text


# --- a letter that replaces one the gezin received ---------------------------------------------


def test_a_replacing_letter_names_the_letter_it_replaces_its_date_and_what_changed() -> None:
    vervangt = Vervanging(verzonden_op=date(2026, 11, 26), vorige_variant=Aanpak.VRIJWILLIG)
    text = brief_tekst(Aanpak.DRANG, briefdatum=date(2026, 12, 1), vervangt=vervangt)
    assert "Onderwerp: nieuw besluit van het Jeugdbeschermingsplein over uw gezin" in text
    assert "Deze brief vervangt onze brief van 26 november 2026" in text
    assert "Op 26 november 2026 hebben wij u een brief gestuurd over ons besluit." in text
    assert "Wij hebben ons besluit veranderd." in text
    assert "De brief die u eerder kreeg, geldt niet meer." in text
    assert "Eerst hadden wij besloten: de hulp die u krijgt, gaat door." in text
    assert "Nu hebben wij besloten: uw gezin krijgt een casusregisseur." in text
    # It comes first, before the rest of the letter.
    assert text.index("vervangt onze brief") < text.index("Wat is het Jeugdbeschermingsplein?")


def test_a_replacing_letter_of_the_same_aanpak_says_the_agreements_changed() -> None:
    vervangt = Vervanging(verzonden_op=date(2026, 11, 26), vorige_variant=Aanpak.DRANG)
    text = brief_tekst(Aanpak.DRANG, vervangt=vervangt)
    assert "Het soort hulp blijft hetzelfde. Maar er zijn afspraken veranderd." in text
    assert "Eerst hadden wij besloten" not in text


def test_a_letter_after_another_discussion_says_so_instead_of_a_correction() -> None:
    vervangt = Vervanging(
        verzonden_op=date(2026, 11, 26),
        vorige_variant=Aanpak.DRANG,
        reden=Vervangreden.NIEUWE_BESPREKING,
    )
    text = brief_tekst(Aanpak.RAADSONDERZOEK, vervangt=vervangt)
    assert "Wij hebben opnieuw over uw gezin gesproken en een nieuw besluit genomen." in text
    assert "Wij hebben ons besluit veranderd." not in text


def test_a_letter_without_a_replaced_letter_says_nothing_of_one() -> None:
    text = brief_tekst(Aanpak.DRANG)
    assert "vervangt" not in text and "Onderwerp: besluit van" in text


def test_a_letter_cannot_replace_a_letter_posted_after_it() -> None:
    with pytest.raises(ValidationError, match="posted before"):
        gegevens(Aanpak.DRANG, vervangt=Vervanging(verzonden_op=date(2026, 11, 27)))
