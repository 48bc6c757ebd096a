"""Follow-up questions become standalone queries before retrieval, and only follow-up questions.

"En wat deed de vader?" retrieves nothing useful on its own; the conversation says whose father.
But "Wat is een kinegram?" after a question about passports is a question of its own, and gluing
the two together would search for a mix of two topics. So a question is rewritten only when it
leans on the conversation: a pronoun with nothing in the question it could stand for, a fragment
("Waarom zo kort?", "En in de zorg?"), or "En …?" without enough of its own to stand alone.
Tuned on `eval/followups.jsonl`, `followups_check.jsonl` and `followups_check2.jsonl`, measured on
the blind `followups_check3.jsonl` (`benchmarks/followups.py`, figures in benchmarks/README.md).

A language model rewrites when one is configured; otherwise the previous question is put in front.
"""

from __future__ import annotations

import re

from rag.errors import LLMError
from rag.llm.base import LLM
from rag.terms import tokenize
from rag.types import Message

_WORD = re.compile(r"\w+")
# Words that point back at something said before, wherever they stand.
_REFERRING = frozenset(
    "hij zij ze hem haar hun hen daar daarvan daarover daarmee daarvoor daarbij daarna ervan erover "
    "erbij ermee ervoor hiervan hierover hiermee "
    "he she they him her them his their its it there "
    "andere overige anders other others else rest".split()
)
# Content words before a pronoun that can be what it stands for.
_ANTECEDENT_WORDS = 2
# Words in a question too short to say what its closing "dat"/"that" stands for.
_SHORT = 10
# "dat", "die", "this" point back as a pronoun ("Kan dat ook?") or before a noun ("dat voorstel"),
# not when they open a clause ("Klopt het dat ik …", "spullen die ik vind", "the form that I need").
_DEMONSTRATIVES = frozenset("dat dit die deze this that these those".split())
_SUBJECTS = frozenset(
    "ik je jij u we wij men er de het een mijn zijn haar hun onze uw i you the a an my".split()
)
_QUESTION_WORDS = frozenset(
    "wat wie waar wanneer waarom hoe welke welk hoeveel waarvoor waarmee waarvan "
    "what who where when why how which whose whom".split()
)
# "Wat kost het om …", "Hoe lang duurt het voordat …": "het" stands for what follows.
_EXPLETIVE_AFTER_HET = frozenset("om te voordat dat als".split())
# Verbs that open a question ("Is there …", "Does it …") without naming its topic.
_ASKING_VERBS = frozenset(
    "is are was were do does did can could may might must has have had will would should shall "
    "kan kun kunt mag moet heeft hebben wordt zal zou wil".split()
)
_ELSE = frozenset("else anders".split())
_SOMEONE = frozenset("someone somebody anyone anybody something anything iemand niemand iets".split())
_ADJECTIVES_OF_OTHERNESS = frozenset("andere other".split())
_DEICTIC_NOUNS = frozenset("moment ogenblik jaar week maand keer year month time".split())
# "hoe lang", "how many": still the question word, so "zijn" after them is the verb.
_QUESTION_WORD_TAILS = frozenset("lang laat vaak veel oud groot hoog duur long often many much old".split())
# "En …" continues the previous question ("En in de zorg?", "And for children?") …
_CONTINUING = frozenset("en and maar but of or".split())
_FRAGMENT_OPENERS = frozenset(
    "een de het in op bij voor van met naar uit aan namens tijdens na zonder als "
    "the a an in on at for from with by of to without during after if".split()
)
# … unless it is a whole question that names enough of its own topic or is long.
_OWN_TOPIC_WORDS = 3
_OWN_LENGTH = 8
# "ook"/"also" asks for more of the same when little else is said ("Kan ik ook een derde aanvragen?").
_MORE_OF_THE_SAME = frozenset("ook also too".split())
# A question word followed by one of these, or ending the question, makes a fragment: "Waarom zo
# kort?", "Why not on Sunday?", "Voor wie?".
_FRAGMENT_AFTER_QUESTION_WORD = frozenset("zo niet dan nou precies not then so exactly".split())
# "Tot hoe laat kan ik dan stemmen?", "What happens then?": "dan"/"then" points at a moment or a
# condition said before, unless the question states its own ("Als ik verhuis, moet ik dan …?") or
# it compares ("meer dan").
_THEN = frozenset("dan then".split())
_CONDITIONS = frozenset("als wanneer indien zodra if when once".split())
_COMPARATIVES = frozenset("meer minder anders eerder later liever ander more less rather other".split())
# Nouns and predicates that ask about something without naming it: "Wat zijn de voorwaarden?",
# "Is there a deadline?", "Hoeveel is toegestaan?". A question with no other topic word leans on
# the conversation for what they are of.
_OF_SOMETHING = frozenset(
    tokenize(
        "voorwaarden uitzonderingen regels kosten prijs termijn deadline leeftijd eisen gevolgen "
        "redenen verschil toegestaan verplicht mogelijk nodig geldig "
        "conditions exceptions rules costs price deadline age requirements consequences reasons "
        "difference allowed required possible necessary valid"
    )
)
_PREPOSITIONS = frozenset("vanaf tot sinds tussen until since from between".split())

REWRITE_PROMPT = """Rewrite the last question as one standalone search question that can be understood without the conversation. Keep the language of the last question. Reply with the question only, no explanation.

Conversation:
{history}

Last question: {question}"""


def leans_on_conversation(question: str) -> bool:
    """Whether `question` cannot be understood without the questions before it."""
    words = [w.lower() for w in _WORD.findall(question)]
    if not words:
        return False
    topic = _topic(words)
    return (
        _refers_back(words)
        or _is_fragment(words, topic)
        or _continues(words, topic)
        or _then_points_back(words)
        or _asks_of_something_unnamed(words, topic)
    )


def _refers_back(words: list[str]) -> bool:
    """A pronoun or a demonstrative that stands for something said before, not for something
    named earlier in the question itself ("Welke taken heeft de beleidsmedewerker in haar gemeente?")."""
    return any(
        (
            word in _REFERRING
            or (word in _DEMONSTRATIVES and _demonstrative_points_back(words, i))
            or (word == "het" and _het_is_pronoun(words, i))
            or (word == "zijn" and _zijn_is_possessive(words, i))
        )
        and not _is_exception(words, i)
        and (len(_topic(words[:i])) < _ANTECEDENT_WORDS or _ends_with_demonstrative(words, i))
        for i, word in enumerate(words)
    )


def _ends_with_demonstrative(words: list[str], index: int) -> bool:
    """ "Sinds wanneer doen we dat?", "… can one person do that?": a short question's closing
    demonstrative stands for something said before, whatever it names before it (a long one
    may have said it itself: "Dat ik bezwaar kan maken weet ik, maar binnen hoeveel weken moet dat?")."""
    return index == len(words) - 1 and words[index] in _DEMONSTRATIVES and len(words) <= _SHORT


def _then_points_back(words: list[str]) -> bool:
    return not _CONDITIONS.intersection(words) and any(
        word in _THEN
        and (i == 0 or words[i - 1] not in _COMPARATIVES)
        and len(_topic(words[:i])) < _ANTECEDENT_WORDS
        for i, word in enumerate(words)
    )


def _asks_of_something_unnamed(words: list[str], topic: list[str]) -> bool:
    named = [t for t in topic if t not in _PREPOSITIONS]
    return bool(named) and all(t in _OF_SOMETHING for t in named)


def _is_exception(words: list[str], index: int) -> bool:
    """Uses of the referring words that point nowhere: "is there", "someone else", "andere landen"
    (an adjective before its noun), "op dit moment"."""
    word, following = words[index], words[index + 1 : index + 2]
    if word == "there":
        return index > 0 and words[index - 1] in _ASKING_VERBS
    if word in _ELSE:
        return index > 0 and words[index - 1] in _SOMEONE
    if word in _ADJECTIVES_OF_OTHERNESS:
        return bool(following and tokenize(following[0]))
    return bool(following and following[0] in _DEICTIC_NOUNS)


def _topic(words: list[str]) -> list[str]:
    """The content words, as BM25 sees them, without the words that only make it a question."""
    asking = _QUESTION_WORDS | _QUESTION_WORD_TAILS | _ASKING_VERBS
    return tokenize(" ".join(w for w in words if w not in asking))


def _demonstrative_points_back(words: list[str], index: int) -> bool:
    following = words[index + 1] if index + 1 < len(words) else None
    if following is None:
        return True
    opens_clause = following in _SUBJECTS or (
        words[index] == "die" and index > 0 and bool(tokenize(words[index - 1]))
    )
    return not opens_clause


def _het_is_pronoun(words: list[str], index: int) -> bool:
    """At the end, before a word without content ("het aan"), or before a closing infinitive
    ("Kan ik het verlengen?"); otherwise an article ("het verschil")."""
    following = words[index + 1 : index + 2]
    if following and following[0] in _EXPLETIVE_AFTER_HET:
        return False
    if not following or not tokenize(following[0]):
        return True
    return index + 2 == len(words) and following[0].endswith("en")


def _zijn_is_possessive(words: list[str], index: int) -> bool:
    """In "Wat was zijn boodschap?" between a verb and a noun; in "Wat zijn de taken?" the verb."""
    if index == 0 or index + 1 == len(words):
        return False
    previous, following = words[index - 1], words[index + 1]
    is_verb = previous in _QUESTION_WORDS or previous in _QUESTION_WORD_TAILS
    return not is_verb and bool(tokenize(following))


def _is_fragment(words: list[str], topic: list[str]) -> bool:
    """No topic of its own ("Waarom?", "Voor wie?"), or a question word followed by no verb."""
    if not topic or (len(words) <= 3 and words[-1] in _QUESTION_WORDS):
        return True
    if len(words) > 1 and words[0] in _QUESTION_WORDS and words[1] in _FRAGMENT_AFTER_QUESTION_WORD:
        return True
    return any(w in _MORE_OF_THE_SAME for w in words) and len(set(topic)) < _OWN_TOPIC_WORDS


def _continues(words: list[str], topic: list[str]) -> bool:
    """A continuation without a question of its own: "En in de zorg?", "En wat deed de vader?"."""
    if words[0] not in _CONTINUING:
        return False
    if len(words) == 1 or words[1] in _FRAGMENT_OPENERS:
        return True
    return len(set(topic)) < _OWN_TOPIC_WORDS and len(words) < _OWN_LENGTH


def rule_based_rewrite(question: str, history: list[Message]) -> str:
    """The previous question in front of this one."""
    earlier = [m["content"] for m in history if m["role"] == "user"]
    return f"{earlier[-1]} {question}" if earlier else question


def rewrite_query(question: str, history: list[Message], llm: LLM | None) -> str:
    """The standalone query for retrieval; unchanged unless the question leans on the conversation.

    The rule is the fallback when the language model fails or gives something unusable.
    """
    if not history or not leans_on_conversation(question):
        return question
    if llm is None:
        return rule_based_rewrite(question, history)
    transcript = "\n".join(f"{m['role']}: {m['content'][:500]}" for m in history[-6:])
    prompt = REWRITE_PROMPT.format(history=transcript, question=question)
    try:
        rewritten = "".join(llm.stream([{"role": "user", "content": prompt}])).strip()
    except LLMError:
        return rule_based_rewrite(question, history)
    first_line = rewritten.splitlines()[0].strip() if rewritten else ""
    return first_line if 3 <= len(first_line) <= 400 else rule_based_rewrite(question, history)
