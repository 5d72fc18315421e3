"""BSU (Bantuan Subsidi Upah): what it is, the 2022 figures for Kalbar, the rules, and BSU year by
year (2022, 2023, 2025 in the facts file; any other year, and "this year" resolved against today's
date, gets "I have no data for <year>" with what the bot knows and where to ask)."""

import re
from typing import Any, Dict, List, Optional

from rasa_sdk.events import EventType

from actions import replies
from actions.base import BotAction, Turn, today

YEAR = re.compile(r"\b(20\d\d)\b")
THIS_YEAR = re.compile(r"\b(tahun ini|thn ini|th ini|taun ini|tahun skrg|tahun sekarang|this year|"
                       r"sekarang|skrg|skrng|now)\b", re.I)
LAST_YEAR = re.compile(r"\b(tahun lalu|thn lalu|taun lalu|tahun kemarin|thn kemarin|last year)\b", re.I)
NEXT_YEAR = re.compile(r"\b(tahun depan|thn depan|taun depan|next year)\b", re.I)


def asked_year(text: str) -> Optional[int]:
    """The year a message asks about: '2024', 'tahun ini' (today's year, see base.today), 'tahun
    lalu', 'tahun depan'; None when it names none."""
    match = YEAR.search(text or "")
    if match:
        return int(match.group(1))
    for pattern, offset in ((THIS_YEAR, 0), (LAST_YEAR, -1), (NEXT_YEAR, 1)):
        if pattern.search(text or ""):
            return today().year + offset
    return None


def kalbar_figures(turn: Turn) -> dict:
    """Year, total and recipients of BSU in Kalbar, formatted for the turn's language."""
    figures = turn.facts["bsu"]["kalbar_2022"]
    return {"year": figures["year"], "total": replies.rupiah(figures["total_rupiah"], turn.lang),
            "recipients": replies.number(figures["recipients"], turn.lang)}


def year_entry(turn: Turn, year: int) -> Optional[Dict[str, Any]]:
    """The facts of one BSU year, or None."""
    return next((y for y in turn.facts["bsu_years"] if y["year"] == year), None)


def latest_held_year(turn: Turn) -> Dict[str, Any]:
    """The facts of the latest year BSU was paid."""
    return max((y for y in turn.facts["bsu_years"] if y["held"]), key=lambda y: y["year"])


# (template, the field of the year it needs): one line each, when the year has that field.
HELD_LINES = [("bsu_year_basis", None), ("bsu_year_amends", "amends"),
              ("bsu_year_monthly", "monthly_rupiah"), ("bsu_year_conditions", "citizenship"),
              ("bsu_year_priority", "priority"), ("bsu_year_channels", "channels"), ("bsu_year_closed", "closed"),
              ("bsu_year_recipients", None)]


def year_answer(turn: Turn, year: int, kalbar_asked: bool = False) -> str:
    """Everything the facts say about BSU in `year`, or that the bot has no data for it;
    kalbar_asked: the question was about Kalbar's figures (said when the year has none)."""
    entry = year_entry(turn, year)
    if entry and entry["held"]:
        lines = [turn.render(t, year=entry) for t, needs in HELD_LINES if not needs or needs in entry]
        if year == turn.facts["bsu"]["kalbar_2022"]["year"]:
            figures = kalbar_figures(turn)
            lines.append(turn.render("bsu_year_kalbar", total=figures["total"],
                                     recipients=figures["recipients"]))
        elif kalbar_asked:
            lines.append(turn.render("bsu_year_no_kalbar", year=entry))
        if entry.get("second_round") is False:
            lines.append(turn.render("bsu_year_no_second_round", year=entry))
        lines.append(turn.render("bsu_year_as_of", year=entry))
        return " ".join(lines)
    if entry:
        return " ".join([turn.render("bsu_year_not_held", year=entry), turn.render("bsu_year_where")])
    lines = [turn.render("bsu_year_unknown", asked=year)]
    if year >= int(turn.facts["bsu_info"]["no_new_policy_as_of"][:4]):
        lines.append(turn.render("bsu_year_no_policy"))
    known = [turn.render("bsu_year_known_held" if y["held"] else "bsu_year_known_not_held",
                         year=y["year"]) for y in sorted(turn.facts["bsu_years"], key=lambda y: y["year"])]
    lines.append(turn.render("bsu_year_known", known=replies.join(known, turn.lang)))
    lines.append(turn.render("bsu_year_where"))
    return " ".join(lines)


class ActionBsu(BotAction):
    """What BSU is, with the Kalbar figures; a question about another year gets that year."""

    action_name = "action_bsu"
    intents = ("ask_bsu",)
    topic = "bsu"

    def respond(self, turn: Turn) -> List[EventType]:
        year = asked_year(turn.text)
        if year and year != turn.facts["bsu"]["kalbar_2022"]["year"]:
            turn.say_text(year_answer(turn, year))
            return []
        turn.say("bsu", description=turn.facts["bsu"]["description"][turn.lang], **kalbar_figures(turn))
        return []


class ActionBsuKalbar(BotAction):
    """BSU paid in Kalbar in 2022: total and number of workers; another year gets that year."""

    action_name = "action_bsu_kalbar"
    intents = ("ask_bsu_kalbar",)
    topic = "bsu"

    def respond(self, turn: Turn) -> List[EventType]:
        year = asked_year(turn.text)
        if year and year != turn.facts["bsu"]["kalbar_2022"]["year"]:
            turn.say_text(year_answer(turn, year, kalbar_asked=True))
            return []
        turn.say("bsu_kalbar", as_of=turn.as_of(turn.facts["bsu"]["kalbar_2022"]), **kalbar_figures(turn))
        return []


class ActionBsuRules(BotAction):
    """Who could get BSU, how much and through which channels: of the year asked, else of the
    latest year it was paid."""

    action_name = "action_bsu_rules"
    intents = ("ask_bsu_rules",)
    topic = "bsu"

    def respond(self, turn: Turn) -> List[EventType]:
        rules, lang = turn.facts["bsu"]["rules_2022"], turn.lang
        year = asked_year(turn.text) or latest_held_year(turn)["year"]
        if year != rules["year"]:
            turn.say_text(year_answer(turn, year))
            return []
        turn.say("bsu_rules", year=rules["year"], legal_basis=rules["legal_basis"],
                 amount=replies.rupiah(rules["amount_rupiah"], lang), paid=rules["paid"][lang],
                 citizenship=rules["citizenship"][lang], membership=rules["membership"][lang],
                 max_wage=replies.rupiah(rules["max_wage_rupiah"], lang),
                 max_wage_exception=rules["max_wage_exception"][lang],
                 excluded=replies.join(rules["excluded"], lang, alternative=True),
                 channels=replies.join(rules["channels"], lang))
        return []


class ActionBsuYear(BotAction):
    """BSU in the year asked ("bsu 2024 cair ga?"), this year when the message names none."""

    action_name = "action_bsu_year"
    intents = ("ask_bsu_year",)
    topic = "bsu"

    def respond(self, turn: Turn) -> List[EventType]:
        turn.say_text(year_answer(turn, asked_year(turn.text) or today().year))
        return []
