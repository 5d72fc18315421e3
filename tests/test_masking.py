"""Personal data masked before NLU and storage (rasa_runtime/masking.py, docs/security.md): each
pattern, what must stay as it is, the hook in input_limits, and the privacy note of the actions;
then property tests (hypothesis) over generated formats in every separator, both ways, and the
patterns' bounds. The live channels and the stored rows are in tests/test_masking_live.py."""

import re
import time

import pytest
from rasa.core.channels.channel import UserMessage

from actions import places
from actions.language import detect_language
from actions.small_talk import ActionFallback
from conftest import run_action
from rasa_runtime.input_limits import apply_limits
from rasa_runtime.masking import mask

MASKED = [
    # NIK: 16 digits, or in 4-4-4-4 / 6-6-4 groups
    ("nik saya 6171012345670001", "nik saya [NIK]", ["NIK"]),
    ("NIK:6171012345670001.", "NIK:[NIK].", ["NIK"]),
    ("nik 6171 0123 4567 0001 ya", "nik [NIK] ya", ["NIK"]),
    ("6171-0123-4567-0001", "[NIK]", ["NIK"]),
    ("617101.230589.0001", "[NIK]", ["NIK"]),
    # the NIKs of one family card, one after another, are NIKs, not counting
    ("6171012305890001 6171012305890002 6171012305890003", "[NIK] [NIK] [NIK]", ["NIK"]),
    # KPJ: 11 digits
    ("no kpj 12345678901 saldo brp", "no kpj [KPJ] saldo brp", ["KPJ"]),
    ("kpj:23011234567", "kpj:[KPJ]", ["KPJ"]),
    # phones: mobile with +62 / 62 / 0, separators; landlines with an area code
    ("hp 081234567890", "hp [TELEPON]", ["TELEPON"]),
    ("wa 0812-3456-7890", "wa [TELEPON]", ["TELEPON"]),
    ("0812 3456 789", "[TELEPON]", ["TELEPON"]),
    ("+62 812 3456 7890", "[TELEPON]", ["TELEPON"]),
    ("+6281234567890", "[TELEPON]", ["TELEPON"]),
    ("6281234567890", "[TELEPON]", ["TELEPON"]),
    ("0812.3456.7890", "[TELEPON]", ["TELEPON"]),
    ("telp (0561) 734567", "telp [TELEPON]", ["TELEPON"]),
    ("0561-734567", "[TELEPON]", ["TELEPON"]),
    ("+62 561 734567", "[TELEPON]", ["TELEPON"]),
    # email
    ("email sy budi.santoso99@gmail.com ya", "email sy [EMAIL] ya", ["EMAIL"]),
    ("Siti_Aminah+bpjs@mail.co.id", "[EMAIL]", ["EMAIL"]),
    # account-like runs: 10 or more digits that are none of the above
    ("rek bca 1234567890", "rek bca [REKENING]", ["REKENING"]),
    ("rek bri 123456789012345", "rek bri [REKENING]", ["REKENING"]),
    ("no rek mandiri 1230009876543", "no rek mandiri [REKENING]", ["REKENING"]),
    ("kode 12345678901234567890", "kode [REKENING]", ["REKENING"]),
    # any of them written in other groups: NIK by 16 digits, KPJ by 11, else an account
    ("nik 61.71.01.234567.0001 bs dipake", "nik [NIK] bs dipake", ["NIK"]),
    ("kpj 1234 5678 901 udh aktif?", "kpj [KPJ] udh aktif?", ["KPJ"]),
    ("rekening bri 0123-01-000123-50-1", "rekening bri [REKENING]", ["REKENING"]),
    ("norek 123.456.7890", "norek [REKENING]", ["REKENING"]),
    # several at once, each kind listed once, in the order of the patterns
    ("nik 6171012345670001 hp 081234567890 nik 6171012345670002",
     "nik [NIK] hp [TELEPON] nik [NIK]", ["TELEPON", "NIK"]),
    ("a@b.id 12345678901", "[EMAIL] [KPJ]", ["EMAIL", "KPJ"]),
]

KEPT = [
    "kode pos 78557", "kantor terdekat dari 78113", "bsu tahun 2025", "bsu 2022 2023", "thn 2024",
    "bsu 2020 2021 2022 2023",  # four years are not a NIK
    "Rp 600.000", "600000", "1.500.000", "Rp1.500.000", "Rp 1500000000", "1500000000 rupiah",
    "IDR 2500000000", "saldo 12.345.678,90", "jht 5,7 juta", "Rp 3.500.000.000",
    "17-08-2023", "17/08/2023", "08-08-2023", "2023-08-17", "08 08 2023", "tgl 1/9/2025 jam 08.30",
    "-0.02, 109.33", "-0.0263, 109.3425", '{"lng": 109.33, "lat": -0.02}',
    '{"lng": 109.3312345678901, "lat": -0.0212345678901}',  # a precise shared location
    "call centre 175", "jam 06.00-22.00", "ada 79 plkk", "123456789",  # nine digits
    "/ask_help", '/inform_place{"place": "6101012001"}',  # a village code in a button payload
    "kantor@pontianak",  # no domain: not an email
    "tgl 03-06-2025 10.30 sy resign", "2025-06-03 10.30", "1 2 3 4 5 6 7 8 9 10",
    "109.3312345678901", "Rp 1.500.000.000", "1.500.000.000", "2020 2021 2022 2023 2024",
]


@pytest.mark.parametrize("text, expected, kinds", MASKED)
def test_personal_data_is_masked(text, expected, kinds):
    assert mask(text) == (expected, kinds)


@pytest.mark.parametrize("text", KEPT)
def test_postal_codes_years_amounts_dates_and_coordinates_are_kept(text):
    assert mask(text) == (text, [])


def test_a_payload_keeps_its_village_code_but_not_a_nik():
    assert mask('/inform_place{"place": "6171012345670001"}') == ('/inform_place{"place": "[NIK]"}',
                                                                   ["NIK"])


def test_masking_twice_changes_nothing_more():
    once, _ = mask("nik 6171012345670001 wa +62 812 3456 7890 email a.b@c.id rek 1234567890")
    assert mask(once) == (once, [])


def test_input_limits_mask_before_the_cut_and_mark_the_metadata():
    message = apply_limits(UserMessage("jht sy kpn cair? NIK 6171012345670001",
                                       metadata={"channel": "web"}))
    assert message.text == "jht sy kpn cair? NIK [NIK]"
    assert message.metadata == {"channel": "web", "masked": ["NIK"]}
    again = apply_limits(message)  # Rasa applies the limits twice: the marks stay
    assert again.text == "jht sy kpn cair? NIK [NIK]" and again.metadata["masked"] == ["NIK"]
    long = apply_limits(UserMessage("x" * 1990 + " 6171012345670001" + "y" * 100))
    assert "[NIK]" in long.text and "617101" not in long.text  # masked, then cut
    assert long.metadata["masked"] == ["NIK"] and "truncated_from" in long.metadata
    assert apply_limits(UserMessage("kode pos 78557")).metadata is None


@pytest.mark.parametrize("text", ["[NIK]", "nik [NIK]", "[TELEPON]", "hp [TELEPON]",
                                  "[EMAIL]", "kpj [KPJ]", "rek [REKENING]"])
def test_mask_tokens_name_no_place_and_no_language(text):
    assert places.resolve(text).status == "none"
    assert detect_language(text, "en") == "en" and detect_language(text, "id") == "id"


PRIVACY = {"id": "saya tidak memerlukan NIK", "en": "I do not need your NIK"}


def user_event(text, masked=None):
    return {"event": "user", "text": text, "metadata": {"masked": masked} if masked else {}}


def test_the_first_masked_message_gets_the_privacy_note_in_the_users_language():
    messages, _ = run_action(ActionFallback(), "nik saya [NIK]", intent="nlu_fallback",
                             metadata={"masked": ["NIK"]})
    assert PRIVACY["id"] in messages[0]["text"] and "175" in messages[0]["text"]
    assert len(messages) == 2  # the note, then the answer
    messages, _ = run_action(ActionFallback(), "what about my number [TELEPON]",
                             intent="nlu_fallback", metadata={"masked": ["TELEPON"]})
    assert PRIVACY["en"] in messages[0]["text"]


def test_a_message_without_masked_data_gets_no_note():
    messages, _ = run_action(ActionFallback(), "saya mau tanya", intent="nlu_fallback")
    assert not any(PRIVACY["id"] in m["text"] for m in messages)


def test_the_note_is_given_once_per_conversation(monkeypatch):
    import conftest

    fixture = conftest.TRACKER_FIXTURE
    earlier = user_event("hp [TELEPON]", ["TELEPON"])
    monkeypatch.setitem(fixture, "events", [earlier] + fixture["events"])
    messages, _ = run_action(ActionFallback(), "nik [NIK]", intent="nlu_fallback",
                             metadata={"masked": ["NIK"]})
    assert not any(PRIVACY["id"] in m["text"] for m in messages)


# --- every separator people use, property-tested (issue 19 item 4) -------------------------------

import sre_constants  # noqa: E402 - this part's own imports
import sre_parse  # noqa: E402
import unicodedata  # noqa: E402

from hypothesis import assume, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from rasa_runtime import masking  # noqa: E402

# every Unicode space (category Zs: plain, non-breaking U+00A0, narrow U+202F, thin U+2009, ...),
# a tab and the zero-width spaces a copied text may hold
SPACE_CHARS = [chr(c) for c in range(0x3001) if unicodedata.category(chr(c)) == "Zs"] + [
    "\t", "\u200b", "\ufeff"]
OTHER_SEPARATORS = [".", "-", "/", "\u2010", "\u2011", "\u2013", "\u2014", "\u2212", " - ", ". ",
                    " / ", "--", "\u00a0-\u00a0"]
SEPARATORS = st.one_of(st.text(alphabet=SPACE_CHARS, min_size=1, max_size=3),  # several spaces
                       st.sampled_from(OTHER_SEPARATORS))
BEFORE = st.sampled_from(["", "nik saya ", "NIK: ", "no ", "ini ", "data\u00a0", "(", "kpj:"])
AFTER = st.sampled_from(["", " ya", ", makasih", ".", "?", ")", "\u00a0min", "\n"])
CONNECTORS = st.sampled_from([" dan ", ", ", " lalu ", "; ", " atau ", "\n", " bayar "])
# derandomized: the same examples on every run, so a red CI is the code, never the draw (to
# explore further, run once with derandomize=False and pin what it finds with a plain test)
SETTINGS = settings(max_examples=300, deadline=None, derandomize=True)

# how people group a NIK (16 digits) and a KPJ number (11 digits)
NIK_LAYOUTS = [[16], [4, 4, 4, 4], [6, 6, 4], [2, 2, 2, 6, 4], [6, 10], [4, 6, 6], [1] * 16]
KPJ_LAYOUTS = [[11], [4, 4, 3], [3, 4, 4], [2, 3, 6], [5, 6], [3, 3, 5]]


def digit_string(size):
    return st.text(alphabet="0123456789", min_size=size, max_size=size)


@st.composite
def grouped(draw, digits, layout, same=False):
    """`digits` cut by `layout` (group sizes), joined by any separators (`same`: one separator
    throughout), as a list of groups and the text."""
    groups, position = [], 0
    for size in layout:
        groups.append(digits[position:position + size])
        position += size
    separator = draw(SEPARATORS)
    text = groups[0] + "".join((separator if same else draw(SEPARATORS)) + group
                               for group in groups[1:])
    return groups, text


def masked_as(draw, text, token):
    before, after = draw(BEFORE), draw(AFTER)
    return before + text + after, before + token + after


def years_only(groups):
    return all(masking.YEAR.fullmatch(g) for g in groups)


@st.composite
def niks(draw):
    digits = draw(digit_string(16))
    groups, text = draw(grouped(digits, draw(st.sampled_from(NIK_LAYOUTS))))
    assume(not years_only(groups) and not masking._counting(groups))
    return masked_as(draw, text, "[NIK]")


@st.composite
def kpjs(draw):
    digits = draw(digit_string(11))
    assume(not digits.startswith(("0", "62")))  # those read as a phone number: masked all the same
    groups, text = draw(grouped(digits, draw(st.sampled_from(KPJ_LAYOUTS))))
    assume(not masking._counting(groups))
    return masked_as(draw, text, "[KPJ]")


@st.composite
def accounts(draw):
    size = draw(st.sampled_from([10, 12, 13, 14, 15]))  # 11 and 16 digits are a KPJ and a NIK
    digits = draw(digit_string(size))
    assume(not digits.startswith(("0", "62")))
    layout, left = [], size
    while left:
        layout.append(min(left, draw(st.integers(3, 7))))
        left -= layout[-1]
    assume(layout[-1] >= 3 and not all(g == 3 for g in layout[1:]))  # not 1.234.567.890 (an amount)
    groups, text = draw(grouped(digits, layout, same=True))  # as written on a bank book
    assume(not years_only(groups) and not masking.DECIMAL.fullmatch(text))  # "123.4567890" is kept
    return masked_as(draw, text, "[REKENING]")


@st.composite
def mobiles(draw):
    prefix = draw(st.sampled_from(["0", "62", "+62"]))
    number = "8" + draw(digit_string(1)) + draw(digit_string(draw(st.integers(7, 10))))
    assume(len(prefix.lstrip("+")) + len(number) <= 14)
    cuts = sorted(draw(st.sets(st.integers(2, len(number) - 1), max_size=4)))
    parts = [number[a:b] for a, b in zip([0] + cuts, cuts + [len(number)])]
    text = prefix + draw(st.sampled_from(["", *SPACE_CHARS[:2], "-"])) + parts[0] + "".join(
        draw(SEPARATORS) + part for part in parts[1:])
    return masked_as(draw, text, "[TELEPON]")


@st.composite
def landlines(draw):
    area = draw(st.sampled_from(["0561", "0562", "0564", "021", "0534", "0565"]))
    local = str(draw(st.integers(2, 9))) + draw(digit_string(draw(st.integers(4, 7))))
    assume(9 <= len(area) + len(local) <= 14)
    cut = draw(st.integers(max(2, len(local) - 4), min(4, len(local) - 2)))  # 73 4567, 734 567
    local_text = local[:cut] + (draw(SEPARATORS) + local[cut:] if local[cut:] else "")
    head = draw(st.sampled_from([area, f"({area})", "+62" + area[1:]]))
    return masked_as(draw, head + draw(SEPARATORS) + local_text, "[TELEPON]")


def test_a_mobile_number_with_one_dot_is_no_decimal():
    """Found by the property test: a mobile number of two groups reads as a decimal too."""
    assert mask("080.0000000") == ("[TELEPON]", ["TELEPON"])
    assert mask("hp sy 081.234567890") == ("hp sy [TELEPON]", ["TELEPON"])
    assert mask("nilainya 3.14 dan 123.4567890") == ("nilainya 3.14 dan 123.4567890", [])


def test_a_landline_in_dotted_groups_is_no_amount():
    assert mask("021.200.000") == ("[TELEPON]", ["TELEPON"])


@st.composite
def emails(draw):
    local = draw(st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,20}", fullmatch=True))
    labels = draw(st.lists(st.from_regex(r"[a-z0-9][a-z0-9-]{0,10}", fullmatch=True),
                           min_size=1, max_size=3))
    tld = draw(st.sampled_from(["id", "com", "co.id", "go.id", "org"]))
    space = draw(st.sampled_from(SPACE_CHARS))
    return f"email{space}{local}@{'.'.join(labels)}.{tld}{space}ya", f"email{space}[EMAIL]{space}ya"


@pytest.mark.parametrize("strategy, kind", [(niks(), "NIK"), (kpjs(), "KPJ"),
                                            (accounts(), "REKENING"), (mobiles(), "TELEPON"),
                                            (landlines(), "TELEPON"), (emails(), "EMAIL")],
                         ids=["NIK", "KPJ", "account", "mobile", "landline", "email"])
def test_personal_data_is_masked_in_any_separator(strategy, kind):
    @SETTINGS
    @given(strategy)
    def check(case):
        text, expected = case
        assert mask(text) == (expected, [kind])

    check()


# what must stay: dates, times, amounts, postal codes, years and short numbers, in any separator


@st.composite
def dates(draw):
    day, month = draw(st.integers(1, 31)), draw(st.integers(1, 12))
    year = draw(st.integers(1950, 2035))
    pad = draw(st.booleans())
    d, m = (f"{day:02d}", f"{month:02d}") if pad else (str(day), str(month))
    y = draw(st.sampled_from([str(year), f"{year % 100:02d}"]))
    separator = draw(SEPARATORS)
    if draw(st.booleans()) and len(y) == 4:
        return separator.join([y, m, d])
    return separator.join([d, m, y])


@st.composite
def times(draw):
    hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    return "%02d%s%02d" % (hour, draw(st.sampled_from([".", ":"])), minute)


@st.composite
def amounts(draw):
    value = draw(st.integers(1000, 10**13))
    dotted = f"{value:,}".replace(",", ".")
    currency = draw(st.sampled_from(["Rp", "Rp ", "Rp.", "rp", "IDR ", "Rp\u00a0"]))
    return draw(st.sampled_from([currency + dotted, dotted, currency + str(value),
                                 f"{value} rupiah", str(value % 10**8)]))


KEPT_ITEMS = st.one_of(
    dates(), times(), amounts(),
    st.builds(lambda date, space, time: date + space + time, dates(),
              st.sampled_from([" ", "\u00a0", " jam "]), times()),
    st.integers(78111, 79999).map(str),  # postal codes
    st.integers(1950, 2035).map(str),  # years
    st.lists(st.integers(1990, 2030).map(str), min_size=2, max_size=5).map(" ".join),
    st.integers(0, 10**8 - 1).map(str))  # short numbers: 8 digits at most


@SETTINGS
@given(st.lists(KEPT_ITEMS, min_size=1, max_size=5), CONNECTORS)
@example(["17/01/2023", "17-01-2023", "Rp 1.500.000", "600.000", "78121", "2023", "08.00"], ", ")
@example(["17\u00a001\u00a02023 08.00", "1.500.000.000", "Rp\u202f1500000000"], " dan ")
def test_dates_amounts_postal_codes_years_times_and_short_numbers_stay(items, connector):
    text = "tgl " + connector.join(items) + " ya"
    assert mask(text) == (text, [])


@SETTINGS
@given(st.lists(KEPT_ITEMS, min_size=1, max_size=3), niks(), CONNECTORS)
@example(["Rp 1.000"], ("0000000000000000", "[NIK]"), "\n")  # "Rp" on the next line: no amount
def test_in_one_message_the_nik_is_masked_and_the_rest_stays(items, nik, connector):
    text, masked = nik
    message = connector.join(items) + " nik " + text + connector + connector.join(items)
    expected = connector.join(items) + " nik " + masked + connector + connector.join(items)
    assert mask(message) == (expected, ["NIK"])


def test_every_unicode_space_separates_groups():
    for space in SPACE_CHARS:
        assert mask(f"nik 6171{space}0123{space}4567{space}0001") == ("nik [NIK]", ["NIK"]), hex(
            ord(space))


def unbounded_repeats(tree):
    """The unbounded repetitions (*, +, {n,}) in a parsed pattern."""
    found = []
    for op, value in tree:
        if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            if value[1] == sre_constants.MAXREPEAT:
                found.append((op, value[0]))
        for item in value if isinstance(value, (tuple, list)) else []:
            for sub in item if isinstance(item, list) else [item]:
                if isinstance(sub, sre_parse.SubPattern):
                    found += unbounded_repeats(sub)
    return found


def test_every_pattern_is_bounded():
    patterns = [value for value in vars(masking).values() if isinstance(value, re.Pattern)]
    patterns += masking.PHONES
    assert len(patterns) > 10
    for pattern in patterns:
        assert unbounded_repeats(sre_parse.parse(pattern.pattern, pattern.flags)) == [], \
            pattern.pattern


@pytest.mark.parametrize("text", ["7" * 4000, "1 " * 2000, "1." * 2000, "12-" * 1333, "a" * 3999 + "@",
                                  "0812 " * 800, "6171\u00a0" * 800, "1/" * 2000])
def test_long_inputs_are_masked_in_linear_time(text):
    """A guard against a pattern gone quadratic (4,000 characters, what input_limits masks):
    milliseconds are measured in `make bench`; here only seconds fail."""
    started = time.perf_counter()
    mask(text)
    assert time.perf_counter() - started < 1.0
