"""Several questions in one message ("jht kapan cair? kantor di ngabang dimana?").

After Rasa parses a message, the message is split into clauses at question marks, full stops,
semicolons and line breaks, and at a comma or "and" only before a word that starts a new question
("..., trus bsu 2025 brp?"; never at other commas: "1,2 juta", "sy TKI ke brunei, bs ikut ga?"), and
each clause is parsed on its own with the same model. A clause is a question of its own when its
intent is confident, is not small talk or out of scope, and either is the intent of the whole message or reads as a question (a question
mark, a question word, or a problem people state: "lupa password jmo"; a clause such as "sy
resign bulan lalu" is context). A follow-up that leans on a topic ("iurannya brp?", "syaratnya
apa?") is a question only after another question of the message, whose topic it takes ("daftar
bpu gmn? iurannya brp?"). When at least two
questions with different intents remain, the message's metadata gets
`{"questions": [{"text", "intent", "confidence", "entities"}, ...]}` in the order they were
written. A message that as a whole is out of scope or not understood, but holds one such question
("I quit my job last month. How long until I can withdraw my JHT?"), gets that one question,
unless another question of it was not understood or leans on the context ("suami sy meninggal
bulan lalu. sy dapet apa aja? dokumennya apa?": "dokumennya apa?" alone reads as the JHT
documents); the whole message then goes to the fallback and the knowledge base.
The custom action that runs (actions/base.py) then answers each question in one reply.
The intent of the whole message is left as Rasa predicted it, so rules and stories see one turn.

Cost: one more NLU pass per clause, only for messages with more than one clause. Rasa parses on
its event loop, so a message of many clauses would hold every other user meanwhile (a pasted
2,000-character message of 125 clauses took 1.4 s, and other users waited): a clause repeated
word for word is parsed once, at most MAX_CLAUSES clauses are read (the first ones), and the loop
is given back to other users between two clauses.
"""

import asyncio
import re
from typing import Any, Callable, Dict, List, Optional, Tuple

from rasa.core import processor as rasa_processor
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.trackers import DialogueStateTracker

QUESTIONS = "questions"
MAX_CLAUSES = 12  # clauses of one message read as questions, the first ones
MIN_CONFIDENCE = 0.6
# a clause whose intent differs from the whole message's needs more confidence
OTHER_INTENT_MIN_CONFIDENCE = 0.75
# Intents that are not a question of their own inside a longer message ("halo min, ...", "sy
# resign bulan lalu", "brp dpt nya").
NOT_QUESTIONS = {"greet", "goodbye", "thanks", "nlu_fallback", "out_of_scope", "share_location",
                 "inform_place"}
# Follow-ups that lean on the question before them ("daftar bpu gmn? iurannya brp?"): a question
# of their own only after another question of the same message, answered on that one's topic
# (actions/base.py).
FOLLOW_UPS = {"ask_how_many", "ask_requirements"}
# Intents people state rather than ask ("kartu sy hilang", "lupa password jmo"): a question of its
# own without a question word.
PROBLEM_REPORTS = {"ask_lost_card", "ask_jmo_password", "ask_jmo_account", "ask_jmo_face",
                   "ask_jmo_phone", "ask_complaint", "report_hoax"}
# A whole message of these intents is not answered as such: one question inside it is enough.
NOT_ANSWERED = {"nlu_fallback", "out_of_scope"}
MARK = "_bpjstk_questions"

# Clause ends: ? ! ; line breaks, a full stop after a word, a comma before a word that starts a
# new question ("lupa password jmo, trus bsu 2025 brp?"), "and" before an English question word
# ("What is PLKK and how do I reset my password?") and "dan"/"sama" before an Indonesian one
# ("klaim jkm dpt brp dan syaratnya apa?"; never "iuran jkk dan jkm brp").
CLAUSE_END = re.compile(
    r"([?!;\n]+|(?<=\w)\.(?:\s+|$)|,\s*(?=(?:trus|terus|trs|lalu|kalau|klo|kalo|sama|"
    r"plus|and|also|then)\b)|\s+and\s+(?=(?:how|what|where|when|why|who|which|can|could|do|does|"
    r"is|are)\b)|\s+(?:dan|sama)\s+(?=(?:syarat\w*|berapa|brp|gimana|gmn|bagaimana|dimana|dmn|"
    r"dimane|kapan|kpn|cara\w*)\b))", re.I)
QUESTION_WORD = re.compile(
    r"\b(apa|apakah|ape|gimana|gmn|bagaimana|gmna|dimana|dmn|dimane|mana|kemana|kapan|kpn|"
    r"berapa|brp|bisa|bs|bisakah|bise|boleh|kenapa|knp|mengapa|siapa|adakah|tolong|mohon|"
    r"how|what|where|when|why|who|which|can|could|is|are|do|does|should)\b", re.I)


def clauses(text: str) -> List[Tuple[str, bool]]:
    """The clauses of a message, each with whether it reads as a question, the first MAX_CLAUSES
    different ones: 'sy resign. kapan jht cair?' -> [('sy resign', False), ('kapan jht cair',
    True)]."""
    parts = CLAUSE_END.split(text or "")
    found: List[Tuple[str, bool]] = []
    seen = set()
    for i in range(0, len(parts), 2):
        clause = parts[i].strip()
        end = parts[i + 1] if i + 1 < len(parts) else ""
        if re.search(r"\w", clause) and clause.lower() not in seen:
            seen.add(clause.lower())
            found.append((clause, "?" in end or bool(QUESTION_WORD.search(clause))))
            if len(found) == MAX_CLAUSES:
                break
    return found


def questions_in(parse_clause: Callable[[str], Dict[str, Any]], text: str,
                 message_intent: Optional[str] = None) -> Optional[List[Dict[str, Any]]]:
    """The questions of a message, or None when it holds fewer than two different ones (one is
    enough when the whole message is out of scope or not understood).

    parse_clause: text -> Rasa parse data ({"intent": {"name", "confidence"}, "entities"});
    message_intent: the intent of the whole message.
    """
    parts = clauses(text)
    if len(parts) < 2:
        return None
    found = []
    # a question of the message that is not understood, or that leans on what was said before
    # it ("sy dapet apa aja?" after "suami sy meninggal"): one other question alone is then not
    # the message's question
    unread_question = False
    for part, is_question in parts:
        parsed = parse_clause(part)
        intent = parsed.get("intent") or {}
        name, confidence = intent.get("name"), float(intent.get("confidence") or 0)
        if name in NOT_QUESTIONS or confidence < MIN_CONFIDENCE:
            unread_question |= is_question and (name == "nlu_fallback" or confidence < MIN_CONFIDENCE)
            continue
        if name in FOLLOW_UPS:
            if found and is_question:
                found.append({"text": part, "intent": name, "confidence": round(confidence, 4),
                              "entities": parsed.get("entities") or []})
            else:
                unread_question |= is_question
            continue
        asks = is_question or name in PROBLEM_REPORTS
        if name != message_intent and (not asks or confidence < OTHER_INTENT_MIN_CONFIDENCE):
            continue
        found.append({"text": part, "intent": name, "confidence": round(confidence, 4),
                      "entities": parsed.get("entities") or []})
    if message_intent in NOT_ANSWERED and len(found) == 1 and not unread_question:
        return found
    if len({q["intent"] for q in found}) < 2:
        return None
    return found


def _parse_message(parse: Callable[..., Any]) -> Callable[..., Any]:
    async def parse_message(self: rasa_processor.MessageProcessor, message: UserMessage,
                            tracker: Optional[DialogueStateTracker] = None,
                            only_output_properties: bool = True) -> Dict[str, Any]:
        parse_data = await parse(self, message, tracker, only_output_properties)
        if self.http_interpreter is None and message.text and not message.text.startswith("/"):
            context = tracker or DialogueStateTracker.from_events(message.sender_id, [])

            parsed: Dict[str, Dict[str, Any]] = {}
            parts = clauses(message.text)
            for clause, _ in parts if len(parts) > 1 else []:
                await asyncio.sleep(0)  # other users' turns between two clauses
                parsed[clause] = self._parse_message_with_graph(
                    UserMessage(clause, sender_id=message.sender_id), context, True)

            found = questions_in(parsed.__getitem__, message.text,
                                 (parse_data.get("intent") or {}).get("name"))
            if found:
                message.metadata = {**(message.metadata or {}), QUESTIONS: found}
        return parse_data

    setattr(parse_message, MARK, True)
    return parse_message


def register() -> None:
    """Installs the clause parsing (idempotent)."""
    processor = rasa_processor.MessageProcessor
    if not getattr(processor.parse_message, MARK, False):
        processor.parse_message = _parse_message(processor.parse_message)  # type: ignore
