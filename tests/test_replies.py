"""Reply templates and the formatting of facts."""

import pytest

from actions import replies


def test_every_template_has_both_languages_with_the_same_placeholders():
    for name, variants in replies.templates().items():
        assert set(variants) == {"id", "en"}, name
        assert set(replies.placeholders(variants["id"])) == set(
            replies.placeholders(variants["en"])), name


@pytest.mark.parametrize("value, lang, expected", [
    (218132, "id", "218.132"), (218132, "en", "218,132"), (79, "id", "79"),
])
def test_number(value, lang, expected):
    assert replies.number(value, lang) == expected


@pytest.mark.parametrize("amount, lang, expected", [
    (131_000_000_000, "id", "Rp131 miliar"), (131_000_000_000, "en", "IDR 131 billion"),
    (600_000, "id", "Rp600.000"), (600_000, "en", "IDR 600,000"),
    (3_500_000, "id", "Rp3,5 juta"), (3_500_000, "en", "IDR 3.5 million"),
    (1_250_000_000_000, "id", "Rp1,25 triliun"),
])
def test_rupiah(amount, lang, expected):
    assert replies.rupiah(amount, lang) == expected


def test_percent_month_join_distance():
    assert replies.percent(31.98, "id") == "31,98%"
    assert replies.percent(31.98, "en") == "31.98%"
    assert replies.percent(40.0, "id") == "40%"
    assert replies.month_year("2023-01-17", "id") == "Januari 2023"
    assert replies.month_year("2023-01-17", "en") == "January 2023"
    assert replies.join(["a", "b", "c"], "id") == "a, b, dan c"
    assert replies.join(["a", "b", "c"], "en") == "a, b and c"
    assert replies.join(["a", "b"], "id", alternative=True) == "a atau b"
    assert replies.distance(21.6, "id") == "sekitar 22 km"
    assert replies.distance(0.4, "en") == "less than 1 km"


@pytest.mark.parametrize("months, lang, expected", [
    (1, "en", "1 month"), (3, "en", "3 months"), (1, "id", "1 bulan"), (3, "id", "3 bulan")])
def test_a_number_of_months_in_words(months, lang, expected):
    """`:months` says "1 month", not "1 month(s)" (a fresh-user trial read the JHT summary)."""
    assert replies.FactsFormatter({"jht": {"waiting_months": months}}, lang).format(
        "{jht.waiting_months:months}") == expected


def test_missing_placeholder_value_raises():
    with pytest.raises(KeyError):
        replies.render("coverage", "id", region="Kalbar")
