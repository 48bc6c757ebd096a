"""A question is rewritten with the conversation only when it cannot be understood without it."""

from __future__ import annotations

import pytest

from rag.followup import leans_on_conversation, rewrite_query

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "question",
    [
        "En wat deed de vader?",  # "En …?" with little of its own
        "En in de zorg?",  # a fragment: no question word, no verb
        "And for the House of Representatives?",
        "Hoe oud was ze toen?",  # a pronoun with nothing in the question it could stand for
        "Wat was zijn boodschap?",  # "zijn" as "his"
        "Kan ik het verlengen?",  # "het" as a pronoun
        "Waarom is dat voorstel niet doorgegaan?",  # "dat" before a noun
        "Hoe lang duurt dat?",
        "Waarom zo kort?",  # a question word without a verb
        "Voor wie?",
        "Why?",
        "Kan ik ook een derde aanvragen?",  # "ook" with little else
        "What impressed them there?",
        "Kan ik dan nog stemmen?",  # "dan": the moment or condition said before
        "How often can a person do that?",  # a short question's closing "that"
        "Wat zijn de voorwaarden?",  # asks about something without naming it
        "Is there a deadline?",
        "Hoeveel is toegestaan?",
    ],
)
def test_questions_that_lean_on_the_conversation_are_recognised(question: str) -> None:
    assert leans_on_conversation(question)


@pytest.mark.parametrize(
    "question",
    [
        "Wat is een kinegram?",
        "Hoe vraag ik DigiD aan?",
        "En wie betaalt de toeristenbelasting als ik in een hotel overnacht?",  # "En …" but whole
        "En wat moet ik doen als ik mijn paspoort kwijt ben?",
        "Wat moet ik doen met spullen die ik op straat vind?",  # "die" opens a clause
        "Welke functie vervult de deelnemer uit Kirgizië bij haar eigen gemeente?",  # "haar": in-question
        "Wat kost het om een partijnaam te laten registreren?",  # "het om": stands for what follows
        "Is there a phone number I can call to report discrimination?",  # "there" points nowhere
        "Hoeveel deelnemers uit andere landen deden mee?",  # "andere" before its noun
        "Wie is op dit moment de Kinderombudsman?",
        "Wat zijn de hoofdtaken van de beleidsmedewerker?",  # "zijn" as the verb
        "Wat zijn de voorwaarden voor huurtoeslag?",  # names what the conditions are of
        "Als ik verhuis, moet ik dan een nieuwe parkeervergunning aanvragen?",  # its own condition
        "Krijgen grote gemeenten meer dan kleine gemeenten?",  # "dan" compares
        "Dat ik bezwaar kan maken weet ik, maar binnen hoeveel weken moet dat?",  # long: says it itself
    ],
)
def test_standalone_questions_are_left_alone(question: str) -> None:
    assert not leans_on_conversation(question)


def test_a_follow_up_is_searched_with_the_previous_question_and_a_standalone_one_as_typed() -> None:
    history = [
        {"role": "user", "content": "Hoe hielpen winkeliers een moeder met schulden?"},
        {"role": "assistant", "content": "Ze richtten een fondsje op [1]."},
    ]
    assert rewrite_query("En wat deed de vader?", history, llm=None) == (
        "Hoe hielpen winkeliers een moeder met schulden? En wat deed de vader?"
    )
    assert rewrite_query("Wat is een kinegram?", history, llm=None) == "Wat is een kinegram?"
