"""One gezin, one letter: which approach the gezin's letter says, and when a besluit makes no
letter (pure rules of ``jbplein_notificatie.gezin``)."""

from __future__ import annotations

from jbplein_contracts.waarden import Aanpak
from jbplein_notificatie.gezin import Geldig, brief_nodig, zwaarste_aanpak

R, D, V = Aanpak.RAADSONDERZOEK, Aanpak.DRANG, Aanpak.VRIJWILLIG


def test_the_strongest_current_besluit_holds_for_the_gezin() -> None:
    assert zwaarste_aanpak([D, R, V]) is R
    assert zwaarste_aanpak([V, D]) is D
    assert zwaarste_aanpak([]) is V


def test_a_weaker_besluit_makes_no_letter_when_the_valid_letters_say_what_holds() -> None:
    # Drang about a later melding while the raadsonderzoek letter holds: nothing new to say.
    assert not brief_nodig(D, R, [Geldig("raadsonderzoek")])
    # A correction to vrijwillig while another melding's drang holds, but the valid letter
    # says raadsonderzoek: the gezin needs a letter (drang) saying what holds now.
    assert brief_nodig(V, D, [Geldig("raadsonderzoek")])
    # A vrijwillig besluit about a later melding while the gezin's drang case holds: the drang
    # letter still says what holds (no letter that says "the help goes on" beside it).
    assert not brief_nodig(V, D, [Geldig("drang")])
    # No valid letter at all (the earlier ones were withdrawn): a letter.
    assert brief_nodig(D, R, [])
    # This besluit is what holds: always a letter (it replaces the others).
    assert brief_nodig(R, R, [Geldig("raadsonderzoek")])
    assert brief_nodig(D, D, [Geldig("drang"), Geldig("drang")])
