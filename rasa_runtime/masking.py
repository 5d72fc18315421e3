"""Personal data masked in a user message before anything else sees it (UU 27/2022, docs/security.md).

`mask(text)` replaces:

| what | how it is recognised | token |
| --- | --- | --- |
| email address | `name@domain.tld` | `[EMAIL]` |
| phone number | mobile: `+62`, `62` or `0`, then `8` and 8-11 more digits (10-14 digits in all); landline: `+62` or `0`, an area code of 2-4 digits (optionally in brackets), then 5-8 digits: `(0561) 734567` | `[TELEPON]` |
| NIK | 16 digits | `[NIK]` |
| KPJ number | 11 digits | `[KPJ]` |
| bank account-like number | any other count of 10 or more digits (Indonesian account numbers have 10-16) | `[REKENING]` |

A number is a run of digit groups joined by separators of one to MAX_SEPARATOR (3) characters,
each a space of any kind (SPACES: a plain, non-breaking U+00A0, narrow U+202F or thin U+2009 space,
a tab, ...; not a line break), a dot, a dash (DASHES) or a slash (SLASHES): "6171 0123 4567 0001",
the same with non-breaking spaces, "6171  0123  4567  0001", "61.71.01.234567.0001",
"0812 - 3456 - 7890", "6171/0123/4567/0001". The run is masked as a whole: a phone number when it
reads as one, else by its count of digits (16 NIK, 11 KPJ, any other from 10 an account). A run of
several numbers ("17-01-2023 12345678901") is split at its spaces into parts, a part of 10 or more
digits standing alone, and each part is judged again.

A run counts only as a whole: not when it touches more digits, nor when it is part of a decimal or
grouped number ("109.3312345678901", "12.345.678,90"), nor when it has more than MAX_GROUP_DIGITS
(2,000) digits in a row. A run is kept (it is no personal data) when it has fewer than 9 digits
(postal codes, years, short numbers, times "08.00"), when it is an amount (in thousands
"1.500.000.000", after "Rp"/"IDR" or before "rupiah" on the same line: "Rp 1500000000"), a decimal
("109.3312345678"), made of dates, times and years only ("17/01/2023", "03-06-2025 10.30",
"2020 2021 2022 2023"), or counting ("1 2 3 4 5 6 7 8 9 10"). Coordinates ("-0.02, 109.33", a
shared location's JSON) are never masked.

In a button payload (`/intent{"place": "6101012001"}`) the account rule is not applied: the
gazetteer's village codes are 10 digits. Everything else is masked there too.

Every repetition in these patterns is bounded, so masking takes time linear in the text's length
(rasa_runtime/input_limits.py masks at most 4,000 characters of a message).
"""

import re
from typing import List, Optional, Tuple

EMAIL, PHONE, NIK, KPJ, ACCOUNT = "EMAIL", "TELEPON", "NIK", "KPJ", "REKENING"
KINDS = (EMAIL, PHONE, NIK, KPJ, ACCOUNT)  # the order in which mask() lists the kinds it masked
TOKENS = {kind: f"[{kind}]" for kind in KINDS}
# A token as it appears in a masked text ("[NIK]"), to find masked messages again (the report).
TOKEN = re.compile(r"\[(?:EMAIL|TELEPON|NIK|KPJ|REKENING)\]")

# What may separate the groups of a number: any Unicode space but a line break (the Zs category,
# a tab, zero-width spaces), dots, dashes and slashes (and the colon of a time); one to
# MAX_SEPARATOR of them in a row.
SPACES = "\t \u00a0\u1680\u2000-\u200b\u202f\u205f\u2060\u3000\ufeff"
DOTS = ".\u00b7\u2024\uff0e"
DASHES = "\\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d"
SLASHES = "/\u2044\u2215\uff0f"
MAX_SEPARATOR = 3
COLON = ":"  # of a time, "08:00"
SEP = f"[{SPACES}{DOTS}{DASHES}{SLASHES}{COLON}]{{1,{MAX_SEPARATOR}}}"
_SEP = f"[{SPACES}{DOTS}{DASHES}{SLASHES}]{{0,{MAX_SEPARATOR}}}"  # optional, inside a phone number
HAS_SPACE = re.compile(f"[{SPACES}]")
# Bounds of a run: digits in one group (a longer run of digits is no number: kept, as what is left
# of a message cut at 2,000 characters), groups in a run.
MAX_GROUP_DIGITS = 2000
MAX_GROUPS = 24
MIN_DIGITS = 9  # a run with fewer digits is never personal data
MIN_ACCOUNT_DIGITS = 10
COUNT_KINDS = {16: NIK, 11: KPJ}  # a run of this many digits that is no phone number

# Not inside a longer number: no digit (or "+") before, no digit, and no decimal/grouped number
# around it ("109.33123...", "12.345.678,90").
_START = r"(?<![\d+])(?<!\d[.,])"
_END = r"(?!\d)(?![.,]\d)"

# every repetition is bounded (RFC 5321: local part <= 64, a label <= 63 characters), so the
# time is linear in the text's length even on a long run of word characters
EMAIL_PATTERN = re.compile(
    r"(?<![\w.%+-])[\w.%+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}\.[A-Za-z]{2,24}")
# a landline with its area code in brackets: "(0561) 734567", "( 0561 )-734 567"
BRACKETED_PHONE = re.compile(_START + r"\(" + _SEP + r"(?:\+62" + _SEP + r"|0)[2-9]\d{1,3}" + _SEP
                             + r"\)" + _SEP + r"\d{2,4}" + _SEP + r"\d{2,4}" + _END)
RUN = re.compile(_START + rf"\+?\d{{1,{MAX_GROUP_DIGITS}}}(?:{SEP}\d{{1,{MAX_GROUP_DIGITS}}})"
                 rf"{{0,{MAX_GROUPS - 1}}}" + _END)
# a whole run that is a phone number (digits counted apart: PHONE_DIGITS)
MOBILE = re.compile(r"(?:\+62|62|0)" + _SEP + r"8\d(?:" + _SEP + r"\d){7,10}")
PHONES = [
    MOBILE,
    re.compile(r"(?:\+62" + _SEP + r"|0)[2-9]\d{1,3}" + _SEP + r"\d{2,4}" + _SEP + r"\d{2,4}"),
]
PHONE_DIGITS = range(9, 15)
SEPARATOR = re.compile(SEP)
GROUP = re.compile(rf"\d{{1,{MAX_GROUP_DIGITS}}}")
# runs that are no personal data: a decimal, thousands, a year
DECIMAL = re.compile(r"\d{1,3}\.\d{1,%d}" % MAX_GROUP_DIGITS)
THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:\.\d{3}){1,%d}" % MAX_GROUPS)  # no amount starts with 0
AMOUNT_BEFORE = re.compile(rf"(?:rp|idr)\.?[{SPACES}]{{0,3}}$", re.I)  # on the same line
AMOUNT_AFTER = re.compile(rf"[{SPACES}]{{0,3}}(?:rupiah|rp\b)", re.I)
AMOUNT_CONTEXT = 8  # characters before a run where "Rp"/"IDR" is looked for
YEAR = re.compile(r"(?:19|20)\d\d")
# as actions/language.py, bounded (input_limits masks at most 4,000 characters)
MAX_PAYLOAD_CHARS = 10000
PAYLOAD = re.compile(r"^/\w{1,100}(?:@[\w.]{1,100})?(?:\{.{0,%d}\})?\s{0,100}$" % MAX_PAYLOAD_CHARS,
                     re.S)


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _date_or_time(groups: List[str], size: int) -> bool:
    """Whether `groups` are a date (size 3: d-m-yy, d-m-yyyy or yyyy-m-d, the year from 1900 to
    2099), a time (size 2: hh.mm) or a year (size 1)."""
    if size == 1:
        return bool(YEAR.fullmatch(groups[0]))
    if size == 2:
        hour, minute = groups
        return len(hour) <= 2 and int(hour) <= 24 and len(minute) == 2 and int(minute) <= 59
    a, b, c = groups
    if (len(a) <= 2 and 1 <= int(a) <= 31 and len(b) <= 2 and 1 <= int(b) <= 12
            and (len(c) == 2 or YEAR.fullmatch(c))):
        return True
    return bool(YEAR.fullmatch(a)) and len(b) <= 2 and 1 <= int(b) <= 12 and len(c) <= 2 \
        and 1 <= int(c) <= 31


def dates_and_times(groups: List[str]) -> bool:
    """Whether the groups of a run are dates, times and years only: ["17", "01", "2023"],
    ["03", "06", "2025", "10", "30"], ["2020", "2021"]; any other group makes it False."""
    ends = {0}  # how many groups from the start are read
    for start in range(len(groups)):
        if start in ends:
            for size in (1, 2, 3):
                if start + size <= len(groups) and _date_or_time(groups[start:start + size], size):
                    ends.add(start + size)
    return len(groups) in ends


def _counting(groups: List[str]) -> bool:
    """Whether the groups count up: 1 2 3 ... (an enumeration, not a number). Groups long enough
    to be personal data on their own never count (consecutive NIKs of one family card are NIKs)."""
    return (len(groups) > 2 and all(len(g) < MIN_DIGITS for g in groups)
            and groups == [str(int(groups[0]) + i) for i in range(len(groups))])


def _kept(text: str, start: int, end: int) -> bool:
    """Whether the run text[start:end] is no personal data: short, an amount, a decimal, dates,
    times and years, or counting."""
    found = text[start:end]
    groups = GROUP.findall(found)
    return (_digits(found) < MIN_DIGITS
            or bool(AMOUNT_BEFORE.search(text, max(0, start - AMOUNT_CONTEXT), start)
                    or AMOUNT_AFTER.match(text, end))
            or bool(DECIMAL.fullmatch(found) or THOUSANDS.fullmatch(found))
            or dates_and_times(groups) or _counting(groups))


def _parts(text: str, start: int, end: int) -> List[Tuple[int, int]]:
    """The parts of the run text[start:end] split at its separators with a space, the parts of
    fewer than MIN_ACCOUNT_DIGITS digits in a row joined again: "17-01-2023 12345678901" ->
    ["17-01-2023", "12345678901"], "0812 3456 7890" -> one part."""
    pieces, position = [], start
    for separator in SEPARATOR.finditer(text, start, end):
        if HAS_SPACE.search(separator.group()):
            pieces.append((position, separator.start()))
            position = separator.end()
    pieces.append((position, end))
    parts: List[Tuple[int, int]] = []
    short = False  # whether the last part is made of short pieces
    for piece in pieces:
        is_short = _digits(text[piece[0]:piece[1]]) < MIN_ACCOUNT_DIGITS
        if parts and short and is_short:
            parts[-1] = (parts[-1][0], piece[1])
        else:
            parts.append(piece)
        short = is_short
    return parts


def classify(text: str, start: int, end: int, payload: bool = False
             ) -> List[Tuple[int, int, Optional[str]]]:
    """The run text[start:end] as (start, end, kind or None for kept) spans: the whole run, or
    its parts when it holds several numbers."""
    found = text[start:end]
    digits = _digits(found)
    # a mobile number first: "080.0000000" reads as a decimal too
    if digits in PHONE_DIGITS and MOBILE.fullmatch(found):
        return [(start, end, PHONE)]
    if _kept(text, start, end):
        return [(start, end, None)]
    if digits in PHONE_DIGITS and any(phone.fullmatch(found) for phone in PHONES):
        return [(start, end, PHONE)]
    if digits in COUNT_KINDS:
        return [(start, end, COUNT_KINDS[digits])]
    parts = _parts(text, start, end)
    if len(parts) > 1:
        return [span for part in parts for span in classify(text, *part, payload=payload)]
    if digits >= MIN_ACCOUNT_DIGITS and not payload:
        return [(start, end, ACCOUNT)]
    return [(start, end, None)]


def mask(text: str) -> Tuple[str, List[str]]:
    """(`text` with personal data replaced by tokens, the kinds masked, each once, in the order
    of KINDS).

    mask("NIK 6171012345670001, hp 0812-3456-7890") == ("NIK [NIK], hp [TELEPON]", ["TELEPON",
    "NIK"]); a text without personal data comes back unchanged, with [].
    """
    if not text or ("@" not in text and _digits(text) < MIN_DIGITS):  # the common case
        return text, []
    payload = bool(PAYLOAD.match(text))
    kinds = set()

    def email(match: "re.Match[str]") -> str:
        kinds.add(EMAIL)
        return TOKENS[EMAIL]

    def bracketed(match: "re.Match[str]") -> str:
        if _digits(match.group()) not in PHONE_DIGITS:
            return match.group()
        kinds.add(PHONE)
        return TOKENS[PHONE]

    def run(match: "re.Match[str]") -> str:
        source, pieces, position = match.string, [], match.start()
        for start, end, kind in classify(source, match.start(), match.end(), payload):
            pieces.append(source[position:start] + (TOKENS[kind] if kind else source[start:end]))
            position = end
            if kind:
                kinds.add(kind)
        return "".join(pieces)

    text = EMAIL_PATTERN.sub(email, text)
    text = BRACKETED_PHONE.sub(bracketed, text)
    text = RUN.sub(run, text)
    return text, [kind for kind in KINDS if kind in kinds]
