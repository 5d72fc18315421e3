"""Reply templates (actions/replies.yml) and the formatting of facts in Indonesian and English."""

import string
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Sequence

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
    """The {names} a template needs."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def render(name: str, lang: str, /, **values: Any) -> str:
    """The template `name` in language `lang`, filled with `values` (a missing value raises)."""
    return templates()[name][lang].strip().format(**values)


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
