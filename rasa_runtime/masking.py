"""Personal data masked in a user message before anything else sees it (UU 27/2022, docs/security.md).

`mask(text)` replaces, in this order:

| what | how it is recognised | token |
| --- | --- | --- |
| email address | `name@domain.tld` | `[EMAIL]` |
| phone number | mobile: `+62`, `62` or `0`, then `8` and 8-11 more digits (10-14 digits in all), groups separated by one space, dot or dash; landline: `+62` or `0`, an area code of 2-4 digits (optionally in brackets), then 5-8 digits: `(0561) 734567` | `[TELEPON]` |
| NIK | 16 digits, or 4-4-4-4 / 6-6-4 groups separated by one space, dot or dash (four years in a row, "2020 2021 2022 2023", are not a NIK) | `[NIK]` |
| KPJ number | 11 digits | `[KPJ]` |
| bank account-like number | any other run of 10 or more digits (Indonesian account numbers have 10-16) | `[REKENING]` |
| any of the last three, written in groups | groups of digits joined by one space, dot or dash ("1234 5678 901", "61.71.01.234567.0001", "0123-01-000123-50-1"): 16 digits in all `[NIK]`, 11 `[KPJ]`, any other count from 10 `[REKENING]` | as said |

A run of digits counts only as a whole: not when it touches more digits, nor when it is part of a
decimal or grouped number ("109.3312345678901", "1.500.000.000"), nor when it is an amount after
"Rp"/"IDR" or before "rupiah" ("Rp 1500000000"). So postal codes (5 digits), years, amounts
("Rp 250.000", "250000", "1.500.000"), dates ("17-08-2023", "17/08/2023") and coordinates ("-0.02,
109.33", a shared location's JSON) are never masked.

A grouped number is kept when it reads as a date or a time ("03-06-2025 10.30"), a decimal
("109.3312345678"), an amount in thousands ("1.500.000.000") or years.

In a button payload (`/intent{"place": "6101012001"}`) the account rule is not applied: the
gazetteer's village codes are 10 digits. Everything else is masked there too.
"""

import re
from typing import List, Tuple

EMAIL, PHONE, NIK, KPJ, ACCOUNT = "EMAIL", "TELEPON", "NIK", "KPJ", "REKENING"
GROUPED = "GROUPED"  # a pattern, not a kind: NIK, KPJ or REKENING by the number of digits
TOKENS = {kind: f"[{kind}]" for kind in (EMAIL, PHONE, NIK, KPJ, ACCOUNT)}
# A token as it appears in a masked text ("[NIK]"), to find masked messages again (the report).
TOKEN = re.compile(r"\[(?:EMAIL|TELEPON|NIK|KPJ|REKENING)\]")

# Not inside a longer number: no digit (or "+") before, no digit, and no decimal/grouped number
# around it ("109.33123...", "1.500.000.000").
_START = r"(?<![\d+])(?<!\d[.,])"
_END = r"(?!\d)(?![.,]\d)"
_SEP = r"[ .-]?"

PATTERNS = [
    # every repetition is bounded (RFC 5321: local part <= 64, a label <= 63 characters), so the
    # time is linear in the text's length even on a long run of word characters
    (EMAIL, re.compile(r"(?<![\w.%+-])[\w.%+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}\.[A-Za-z]{2,24}")),
    (PHONE, re.compile(_START + r"(?:\+62|62|0)" + _SEP + r"8\d(?:" + _SEP + r"\d){7,10}" + _END)),
    (PHONE, re.compile(_START + r"(?:\(\s?(?:\+62\s?|0)[2-9]\d{1,3}\s?\)|(?:\+62" + _SEP
                       + r"|0)[2-9]\d{1,3})" + _SEP + r"\d{2,4}" + _SEP + r"\d{2,4}" + _END)),
    (NIK, re.compile(_START + r"(?:\d{16}|\d{4}([ .-])\d{4}\1\d{4}\1\d{4}|\d{6}([ .-])\d{6}\2\d{4})"
                     + _END)),
    (KPJ, re.compile(_START + r"\d{11}" + _END)),
    (ACCOUNT, re.compile(_START + r"\d{10,2000}" + _END)),
    (GROUPED, re.compile(_START + r"\d{1,20}(?:[ .-]\d{1,20}){1,12}" + _END)),
]
# what a grouped number with this many digits is (any other count from 10: an account number)
GROUPED_KINDS = {16: NIK, 11: KPJ}
# a grouped number that is no personal data: one with a date in it, a decimal, thousands
DECIMAL = re.compile(r"\d{1,3}\.\d+")
THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+")
AMOUNT_BEFORE = re.compile(r"(?:rp|idr)\.?\s*$", re.I)
AMOUNT_AFTER = re.compile(r"\s*(?:rupiah|rp\b)", re.I)
YEAR = re.compile(r"(?:19|20)\d\d")
PAYLOAD = re.compile(r"^/\w+(?:@[\w.]+)?(?:\{.*\})?\s*$", re.S)  # as actions/language.py


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _has_date(groups: List[str]) -> bool:
    """Whether three groups in a row read as a date: day-month-year or year-month-day."""
    for a, b, c in zip(groups, groups[1:], groups[2:]):
        if (len(a) <= 2 and 1 <= int(a) <= 31 and len(b) <= 2 and 1 <= int(b) <= 12
                and len(c) in (2, 4)):
            return True
        if len(a) == 4 and len(b) <= 2 and 1 <= int(b) <= 12 and len(c) <= 2 and 1 <= int(c) <= 31:
            return True
    return False


def _keep(kind: str, match: "re.Match[str]") -> bool:
    """Whether a match is not personal data after all: an amount, four years, a short landline."""
    text, found = match.string, match.group()
    if kind in (ACCOUNT, KPJ, NIK) and (AMOUNT_BEFORE.search(text, 0, match.start())
                                        or AMOUNT_AFTER.match(text, match.end())):
        return True
    if kind == NIK and not found.isdigit() and all(YEAR.fullmatch(g) for g in re.split(r"\D", found)):
        return True
    if kind == PHONE and not 9 <= _digits(found) <= 14:
        return True
    if kind == GROUPED:
        groups = re.split(r"\D", found)
        return (_digits(found) < 10 or _has_date(groups)
                or sum(len(g) == 1 for g in groups) * 2 > len(groups)  # "1 2 3 ... 10"
                or bool(DECIMAL.fullmatch(found) or THOUSANDS.fullmatch(found))
                or all(YEAR.fullmatch(g) for g in groups)
                or bool(AMOUNT_BEFORE.search(text, 0, match.start())
                        or AMOUNT_AFTER.match(text, match.end())))
    return False


def mask(text: str) -> Tuple[str, List[str]]:
    """(`text` with personal data replaced by tokens, the kinds masked in order, each once).

    mask("NIK 6171012345670001, hp 0812-3456-7890") == ("NIK [NIK], hp [TELEPON]", ["TELEPON",
    "NIK"]); a text without personal data comes back unchanged, with [].
    """
    if not text or ("@" not in text and _digits(text) < 9):  # the common case: nothing to mask
        return text, []
    payload = bool(PAYLOAD.match(text))
    kinds: List[str] = []
    for kind, pattern in PATTERNS:
        if payload and kind == ACCOUNT:
            continue

        def replace(match: "re.Match[str]", kind: str = kind) -> str:
            if _keep(kind, match):
                return match.group()
            found = kind
            if kind == GROUPED:
                found = GROUPED_KINDS.get(_digits(match.group()), ACCOUNT)
            if found not in kinds:
                kinds.append(found)
            return TOKENS[found]

        text = pattern.sub(replace, text)
    return text, kinds
