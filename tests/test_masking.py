"""Personal data masked before NLU and storage (rasa_runtime/masking.py, docs/security.md): each
pattern, what must stay as it is, the hook in input_limits, and the privacy note of the actions.
The live channels and the stored rows are in tests/test_masking_live.py."""

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
