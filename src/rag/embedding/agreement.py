"""How closely a faster backend's vectors agree with the reference (float32 PyTorch) model.

A fixed, built-in set of 64 texts (Dutch and English; short queries, passages of a few sentences,
one long passage over the 512-token sliding window) so that every build is measured the same way,
offline, before the artefact is marked usable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.embedding.base import Embedder

QUERIES = (
    "Hoe vraag ik een paspoort aan?",
    "Wanneer wordt het grofvuil opgehaald?",
    "Mag ik een dakkapel plaatsen zonder vergunning?",
    "Wat kost een parkeervergunning voor bewoners?",
    "Hoe kan ik meepraten over het nieuwe bestemmingsplan?",
    "Wie zit er in de wijkraad?",
    "Kan ik bezwaar maken tegen de WOZ-waarde van mijn huis?",
    "Waar meld ik een kapotte lantaarnpaal?",
    "Wat is een burgerberaad?",
    "Hoeveel geld is er voor het buurtbudget?",
    "Wanneer is de volgende gemeenteraadsvergadering?",
    "Hoe dien ik een Woo-verzoek in?",
    "Wat doet de ombudsman?",
    "mijn buurman maakt 's nachts veel lawaai, wat kan ik doen",
    "subsidie zonnepanelen 2025",
    "Hoe lang duurt het voordat mijn omgevingsvergunning wordt verleend?",
    "How do I register as a new resident in the municipality?",
    "What can I do if I disagree with a decision of the council?",
    "When is the deadline for the participation survey?",
    "Who decides on the neighbourhood budget?",
    "Is er een inspraakavond over de nieuwe fietsbrug?",
    "Welke documenten heb ik nodig voor een rijbewijs?",
    "Kan ik stemmen als ik geen Nederlandse nationaliteit heb?",
    "Wat gebeurt er met mijn zienswijze?",
    "Waarom worden de bomen in het park gekapt?",
    "Hoe hoog is de afvalstoffenheffing voor een eenpersoonshuishouden?",
    "Waar kan ik terecht met vragen over de Wmo?",
    "Is de bibliotheek op zondag open?",
    "Wat zijn de regels voor een evenementenvergunning?",
    "participatie jongeren gemeente",
    "1 maart",
    "€ 2.500",
)

_LONG = (
    "De gemeenteraad heeft in zijn vergadering van 14 maart besloten om bewoners nauwer te betrekken "
    "bij de herinrichting van het stationsgebied. Er komen drie inloopavonden, een online enquête en "
    "een klankbordgroep van twaalf bewoners, ondernemers en vertegenwoordigers van de fietsersbond. "
) * 12

DOCUMENTS = (
    (
        "Paspoort aanvragen",
        "Een paspoort vraagt u persoonlijk aan bij de gemeente waar u woont. Neem "
        "een recente pasfoto mee. Na ongeveer een week kunt u het paspoort ophalen.",
    ),
    (
        "Grofvuil",
        "Grofvuil wordt op afspraak aan huis opgehaald. Maak online een afspraak; de eerste "
        "vier keer per jaar zijn gratis, daarna betaalt u € 25 per keer.",
    ),
    (
        "Omgevingsvergunning",
        "Wilt u uw huis verbouwen of uitbreiden, bijvoorbeeld met een dakkapel of "
        "een aanbouw? Dan heeft u vaak een omgevingsvergunning nodig. Die vraagt u aan via het "
        "Omgevingsloket.",
    ),
    (
        "Parkeren",
        "Bewoners van het centrum kunnen één parkeervergunning per adres aanvragen. De "
        "vergunning kost € 120 per jaar en is geldig in de eigen parkeerzone.",
    ),
    (
        "Bestemmingsplan De Hoven",
        "Het ontwerpbestemmingsplan ligt zes weken ter inzage. In die "
        "periode kan iedereen een zienswijze indienen bij de gemeenteraad, schriftelijk of mondeling.",
    ),
    (
        "Wijkraad Zuid",
        "De wijkraad bestaat uit negen bewoners die eens per vier jaar worden gekozen. "
        "De wijkraad adviseert het college gevraagd en ongevraagd over zaken in de wijk.",
    ),
    (
        "WOZ-beschikking",
        "Bent u het niet eens met de WOZ-waarde? Dien dan binnen zes weken na de "
        "dagtekening van de beschikking een bezwaarschrift in.",
    ),
    (
        "Meldingen openbare ruimte",
        "Een kapotte lantaarnpaal, een losse stoeptegel of zwerfafval meldt "
        "u via de app of de website. U krijgt binnen vijf werkdagen bericht.",
    ),
    (
        "Burgerberaad klimaat",
        "Een burgerberaad is een groep van honderd ingelote inwoners die samen "
        "een advies opstellen. De raad heeft toegezegd het advies over te nemen, tenzij er zwaarwegende "
        "redenen zijn om dat niet te doen.",
    ),
    (
        "Buurtbudget",
        "Elke wijk krijgt jaarlijks € 50.000 voor initiatieven van bewoners. Een commissie "
        "van zeven buurtbewoners beslist over de aanvragen die vóór 1 maart zijn ingediend.",
    ),
    (
        "Vergaderschema",
        "De gemeenteraad vergadert op donderdagavond om 19.30 uur in de raadszaal. "
        "De vergaderingen zijn openbaar en worden live uitgezonden.",
    ),
    (
        "Woo-verzoek",
        "Met een Woo-verzoek vraagt u de overheid om informatie openbaar te maken. U "
        "hoeft niet te zeggen waarom u de informatie wilt hebben.",
    ),
    (
        "Nationale ombudsman",
        "De ombudsman behandelt klachten over de overheid, nadat u eerst bij de "
        "organisatie zelf een klacht heeft ingediend.",
    ),
    (
        "Geluidsoverlast",
        "Heeft u last van lawaai van buren? Praat er eerst samen over. Lukt dat niet, "
        "dan kan buurtbemiddeling helpen; dat is gratis.",
    ),
    (
        "Subsidie verduurzaming",
        "Huiseigenaren kunnen tot 31 december subsidie aanvragen voor "
        "isolatie en zonnepanelen, tot een maximum van € 2.500 per woning.",
    ),
    (
        "Inschrijven",
        "New residents must register with the municipality within five days of moving. "
        "Bring a valid passport or identity card and proof of address, such as a rental contract.",
    ),
    (
        "Objection",
        "If you disagree with a decision, you can file an objection within six weeks. The "
        "municipality will invite you to explain your objection at a hearing.",
    ),
    (
        "Participation survey",
        "The participation survey on the new cycling bridge is open until 15 "
        "April. Results will be presented at a public meeting in May.",
    ),
    ("", "De vergadering werd om 21.45 uur gesloten."),
    (
        "Fietsbrug",
        "Op 3 oktober is er een inspraakavond over de nieuwe fietsbrug over het kanaal. "
        "Aanmelden is niet nodig.",
    ),
    (
        "Rijbewijs",
        "Voor een nieuw rijbewijs heeft u een pasfoto, uw oude rijbewijs en een "
        "geldige Verklaring van Geschiktheid nodig.",
    ),
    (
        "Kiesrecht",
        "Inwoners zonder Nederlandse nationaliteit mogen stemmen bij de "
        "gemeenteraadsverkiezingen als zij hier vijf jaar legaal wonen.",
    ),
    (
        "Zienswijzen",
        "Alle zienswijzen worden samengevat in een nota van beantwoording. De raad "
        "betrekt die bij zijn besluit over het plan.",
    ),
    (
        "Bomenkap",
        "In het Wilhelminapark worden veertig zieke essen gekapt. Er komen zestig nieuwe "
        "bomen voor terug, vooral linden en eiken.",
    ),
    (
        "Afvalstoffenheffing",
        "Een eenpersoonshuishouden betaalt in 2025 € 298 afvalstoffenheffing, "
        "een meerpersoonshuishouden € 386.",
    ),
    (
        "Wmo-loket",
        "Met vragen over hulp bij het huishouden, vervoer of een scootmobiel kunt u "
        "terecht bij het Wmo-loket in het stadhuis.",
    ),
    (
        "Bibliotheek",
        "De centrale bibliotheek is open van maandag tot en met zaterdag; op zondag is "
        "alleen de leeszaal open van 12.00 tot 17.00 uur.",
    ),
    (
        "Evenementen",
        "Voor een evenement met meer dan 250 bezoekers heeft u een evenementenvergunning "
        "nodig. Vraag die minstens acht weken van tevoren aan.",
    ),
    (
        "Jongerenraad",
        "De jongerenraad geeft jongeren tussen 14 en 23 jaar een stem in het beleid van "
        "de gemeente. Leden worden voor twee jaar benoemd.",
    ),
    (
        "Tabel begroting",
        "| Post | Bedrag |\n| --- | --- |\n| Participatie | € 1.200.000 |\n| Wijkbudgetten | € 850.000 |",
    ),
    (
        "Notulen",
        "Aanwezig: de voorzitter, mevrouw De Vries (secretaris), de heer Bakker. Afwezig met "
        "kennisgeving: mevrouw Jansen. 1. Opening en vaststelling van de agenda.",
    ),
    ("Stationsgebied", _LONG),
)


@dataclass(frozen=True)
class Agreement:
    """Cosine between the two backends' vectors of the same text, over all samples."""

    mean_cosine: float
    min_cosine: float
    samples: int

    def passed(self, threshold: float) -> bool:
        return self.mean_cosine >= threshold


def measure_agreement(reference: Embedder, candidate: Embedder) -> Agreement:
    """Embed the built-in queries and documents with both backends and compare row by row."""
    cosines = np.concatenate(
        [
            _row_cosines(reference.encode_queries(QUERIES), candidate.encode_queries(QUERIES)),
            _row_cosines(reference.encode_documents(DOCUMENTS), candidate.encode_documents(DOCUMENTS)),
        ]
    )
    return Agreement(float(cosines.mean()), float(cosines.min()), len(cosines))


def _row_cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
