"""Reply templates (actions/replies.yml) and the formatting of facts in Indonesian and English."""

import string
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import yaml

from actions.language import ENGLISH

REPLIES_FILE = Path(__file__).resolve().parent / "replies.yml"

MONTHS = {
    "id": ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
           "Oktober", "November", "Desember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"],
}


@lru_cache(maxsize=None)
def templates() -> Dict[str, Dict[str, str]]:
    """All reply templates, by name and language."""
    return yaml.safe_load(REPLIES_FILE.read_text(encoding="utf-8"))


def placeholders(template: str) -> List[str]:
    """The {names} a template needs (dotted fact paths included, without format specs)."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def render(name: str, lang: str, /, facts: Optional[Dict[str, Any]] = None, **values: Any) -> str:
    """The template `name` in language `lang`, filled with `values` and, for dotted fields such as
    `{jht.waiting_months}`, with `facts` (a missing value raises KeyError)."""
    return FactsFormatter(facts or {}, lang).format(templates()[name][lang].strip(), **values)


class FactsFormatter(string.Formatter):
    """str.format where a field is a value given by name or a dotted path into the facts.

    `{name}` is a value passed to format; `{jht.waiting_months}` walks the facts (a first part
    that is a passed value walks that value: `{year.recipients}`); `{x.y.1}` indexes a list and
    `{bsu_years.year2025.amount_rupiah}` picks the list's item of that year (StopIteration when
    there is none). A
    bilingual mapping {id, en} gives the text of the language. Format specs: `rupiah`, `number`,
    `percent`, `month` ('2023-01-17' -> 'Januari 2023'), `date` ('2022-12-27' -> '27 Desember 2022'),
    `months` (1 -> '1 bulan' / '1 month', 3 -> '3 months'), `and` / `or` (a list joined).
    """


    def __init__(self, facts: Dict[str, Any], lang: str) -> None:
        super().__init__()
        self.facts, self.lang = facts, lang

    def get_field(self, field_name: str, args: Sequence[Any], kwargs: Dict[str, Any]) -> Any:
        first, *rest = field_name.split(".")
        value = kwargs[first] if first in kwargs else self.facts[first]
        for part in [*rest, None]:
            if isinstance(value, dict) and set(value) == {"id", "en"}:
                value = value[self.lang]
            if part is not None and isinstance(value, list) and part.startswith("year"):
                # `{bsu_years.year2025.amount_rupiah}`: the item of that year
                value = next(item for item in value if str(item.get("year")) == part[4:])
            elif part is not None:
                value = value[int(part)] if isinstance(value, list) else value[part]
        return value, first

    def format_field(self, value: Any, format_spec: str) -> str:
        lang = self.lang
        if format_spec == "rupiah":
            return rupiah(value, lang)
        if format_spec == "number":
            return number(value, lang)
        if format_spec == "percent":
            return percent(value, lang)
        if format_spec == "month":
            return month_year(value, lang)
        if format_spec == "date":
            return day_month_year(value, lang)
        if format_spec == "months":
            word = "bulan" if lang != ENGLISH else "month" if value == 1 else "months"
            return f"{value} {word}"
        if format_spec in ("and", "or"):
            return join(value, lang, alternative=format_spec == "or")
        return super().format_field(value, format_spec)


def number(value: float, lang: str, decimals: int = 0) -> str:
    """1234567 -> '1.234.567' (id) / '1,234,567' (en); 12.5 with decimals=2 -> '12,50' / '12.50'."""
    text = f"{value:,.{decimals}f}"
    if lang != ENGLISH:
        text = text.translate(str.maketrans(",.", ".,"))
    return text


def _trimmed(value: float, lang: str) -> str:
    text = number(value, lang, 2)
    separator = "." if lang == ENGLISH else ","
    return text.rstrip("0").rstrip(separator) if separator in text else text


def rupiah(amount: int, lang: str) -> str:
    """2500000000 -> 'Rp2,5 miliar' / 'IDR 2.5 billion'; 250000 -> 'Rp250.000' / 'IDR 250,000'."""
    scales = [(10**12, "triliun", "trillion"), (10**9, "miliar", "billion"), (10**6, "juta", "million")]
    for size, word_id, word_en in scales:
        if amount >= size:
            value = _trimmed(amount / size, lang)
            return f"IDR {value} {word_en}" if lang == ENGLISH else f"Rp{value} {word_id}"
    return f"IDR {number(amount, lang)}" if lang == ENGLISH else f"Rp{number(amount, lang)}"


def percent(value: float, lang: str) -> str:
    """12.5 -> '12,5%' (id) / '12.5%' (en)."""
    return f"{_trimmed(value, lang)}%"


def month_year(as_of: str, lang: str) -> str:
    """'2023-01-17' -> 'Januari 2023' / 'January 2023'; '2021' stays '2021'."""
    parts = as_of.split("-")
    if len(parts) < 2:
        return parts[0]
    return f"{MONTHS[lang][int(parts[1]) - 1]} {parts[0]}"


def day_month_year(date: str, lang: str) -> str:
    """'2022-12-27' -> '27 Desember 2022' / '27 December 2022'; a shorter date as month_year."""
    parts = date.split("-")
    if len(parts) < 3:
        return month_year(date, lang)
    return f"{int(parts[2])} {month_year(date, lang)}"


def join(items: Sequence[str], lang: str, alternative: bool = False) -> str:
    """['a', 'b', 'c'] -> 'a, b, dan c' / 'a, b and c' ('atau' / 'or' when alternative)."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    words = {ENGLISH: ("and", "or")}.get(lang, ("dan", "atau"))
    comma = "," if lang != ENGLISH and len(items) > 2 else ""
    return f"{', '.join(items[:-1])}{comma} {words[alternative]} {items[-1]}"


def distance(km: float, lang: str) -> str:
    """Approximate distance in whole kilometres: 'sekitar 22 km' / 'kurang dari 1 km'."""
    if km < 1:
        return render("distance_under_one", lang)
    return render("distance_about", lang, km=number(round(km), lang))
