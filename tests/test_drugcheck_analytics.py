"""Drug-checking statistics against hand computation (#18): Wilson intervals, positivity per
substance/site/week, "sold as × found", first detections, the three signals, their reasons."""

from __future__ import annotations

from datetime import date, timedelta
from math import comb

import pandas as pd
import pytest

from lagebild.analytics.drugcheck import (first_detections, iso_week, positivity,
                                          rising_p_value, signals, sold_as_matrix, wilson)
from lagebild.drugcheck.text import reason, share_text

W47 = date(2026, 11, 16)     # Monday of KW 47/2026
W48 = date(2026, 11, 23)


def frame(rows):
    """rows: (day, site, sample, sold_as, substance, result)."""
    return pd.DataFrame(rows, columns=["date", "site", "sample", "sold_as", "substance",
                                       "result"])


# Wilson: p = k/n, c = (p + z²/2n) / (1 + z²/n), h = z·√(p(1−p)/n + z²/4n²) / (1 + z²/n)
@pytest.mark.parametrize("k, n, low, high", [
    (0, 10, 0.0, 0.2775),        # c = h = 0.19207/1.38415 = 0.13876 → 0 … 0.27753
    (5, 10, 0.2366, 0.7634),     # c = 0.5, h = 1.95996·√(0.025+0.009604)/1.38415 = 0.26340
    (1, 3, 0.0615, 0.7923),      # c = 0.97358/2.28049 = 0.42692, h = 0.36543
    (3, 3, 0.4385, 1.0),
    (1, 1, 0.2065, 1.0),         # c = 2.92074/4.84146 = 0.60327, h = 0.39673
])
def test_wilson_equals_hand_computation(k, n, low, high):
    got = wilson(k, n)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_no_tests_has_no_interval():
    assert all(x != x for x in wilson(0, 0))


SMALL = frame([
    # KW 47: site A fentanyl 1 of 2 valid (one invalid), site B fentanyl 0 of 1
    (W47, "A", "1", "heroin", "fentanyl", "positiv"),
    (W47, "A", "2", "heroin", "fentanyl", "negativ"),
    (W47, "A", "3", "heroin", "fentanyl", "ungueltig"),
    (W47 + timedelta(days=2), "B", "4", "kokain", "fentanyl", "negativ"),
    # KW 48: site A nitazene 3 of 4, site B fentanyl 1 of 1
    (W48, "A", "5", "heroin", "nitazene", "positiv"),
    (W48, "A", "6", "heroin", "nitazene", "positiv"),
    (W48 + timedelta(days=1), "A", "7", None, "nitazene", "positiv"),
    (W48 + timedelta(days=1), "A", "8", "heroin", "nitazene", "negativ"),
    (W48 + timedelta(days=3), "B", "9", "heroin", "fentanyl", "positiv"),
])


def test_positivity_per_substance_city_site_and_week():
    city = positivity(SMALL)
    assert city[["substance", "tests", "positive"]].values.tolist() == [
        ["fentanyl", 4, 2], ["nitazene", 4, 3]]
    assert city["ci_low"].tolist() == pytest.approx([0.1500, 0.3006], abs=5e-5)
    weekly = positivity(SMALL, by=("site", "substance"), weekly=True)
    got = {(str(w)[:10], s, sub): (n, k) for w, s, sub, n, k in
           weekly[["week", "site", "substance", "tests", "positive"]].values.tolist()}
    assert got == {("2026-11-16", "A", "fentanyl"): (2, 1),
                   ("2026-11-16", "B", "fentanyl"): (1, 0),
                   ("2026-11-23", "A", "nitazene"): (4, 3),
                   ("2026-11-23", "B", "fentanyl"): (1, 1)}


def test_sold_as_matrix_counts_samples():
    m = sold_as_matrix(SMALL, W48, W48 + timedelta(days=6))
    assert m.loc["heroin"].to_dict() == {"samples": 4, "fentanyl": 1, "nitazene": 2}
    assert m.loc["unbekannt"].to_dict() == {"samples": 1, "fentanyl": 0, "nitazene": 1}
    whole = sold_as_matrix(SMALL)
    assert whole.loc["kokain"].to_dict() == {"samples": 1, "fentanyl": 0, "nitazene": 0}


def test_first_detection_in_city_and_per_site():
    city = first_detections(SMALL)
    assert dict(zip(city["substance"], city["first_detected"])) == {
        "fentanyl": W47, "nitazene": W48}
    per_site = first_detections(SMALL, by=("site",))
    assert {(s, sub): d for s, sub, d in per_site.values.tolist()} == {
        ("A", "fentanyl"): W47, ("A", "nitazene"): W48,
        ("B", "fentanyl"): W48 + timedelta(days=3)}


def test_signals_of_week_48():
    got = signals(SMALL, W48, dangerous=("fentanyl", "nitazene"))
    kinds = sorted(zip(got["kind"], got["substance"], got["sold_as"].fillna("-")))
    # nitazene new in the city (first, not also rising); fentanyl 1 of 1 after 1 of 3:
    # p = P(X ≥ 1), N = 4, K = 2, n = 1 → 2/4 = 0.5, not < 0.05; both found in heroin
    assert kinds == [("first", "nitazene", "-"), ("sold_as", "fentanyl", "heroin"),
                     ("sold_as", "nitazene", "heroin")]
    first = got[got["kind"] == "first"].iloc[0]
    assert (first["positive"], first["tests"], first["site"]) == (3, 4, "A")
    sold = got[(got["kind"] == "sold_as") & (got["substance"] == "nitazene")].iloc[0]
    assert (sold["positive"], sold["tests"]) == (2, 3)      # samples 5, 6 of 5, 6, 8
    assert reason(sold, "de") == "Nitazene in als Heroin verkauften Proben: 2 von 3 in " \
                                 "KW 48/2026"
    assert reason(first, "en").startswith("Nitazenes detected in the city for the first "
                                          "time on 2026-11-23 (A): 3 of 4 valid tests")


def rising_case(k, n, k0, n0):
    """k of n positive in KW 48; k0 of n0 spread over the 8 weeks before."""
    rows = [(W47 - timedelta(weeks=i % 8), "A", f"b{i}", None, "fentanyl",
             "positiv" if i < k0 else "negativ") for i in range(n0)]
    rows += [(W48, "A", f"w{i}", None, "fentanyl", "positiv" if i < k else "negativ")
             for i in range(n)]
    rows.append((W47 - timedelta(weeks=20), "A", "old", None, "fentanyl", "positiv"))
    return frame(rows)


@pytest.mark.parametrize("k, n, k0, n0, p, fires", [
    (3, 4, 0, 20, 21 / 10626, True),                 # C(21,1) / C(24,4)
    # same share 1/5: P(X ≥ 2) = 1 − [C(44,10) + 6·C(44,9)] / C(50,10)
    (2, 10, 4, 40, 1 - (comb(44, 10) + 6 * comb(44, 9)) / comb(50, 10), False),
    (4, 10, 1, 40, None, True),
    (1, 1, 1, 3, 0.5, False),
])
def test_rising_positivity_one_sided_exact_test(k, n, k0, n0, p, fires):
    if p is not None:
        assert rising_p_value(k, n, k0, n0) == pytest.approx(p, rel=1e-9)
    got = signals(rising_case(k, n, k0, n0), W48, alpha=0.05)
    assert (got["kind"] == "rising").any() == fires
    if fires:
        row = got[got["kind"] == "rising"].iloc[0]
        assert (row["baseline_positive"], row["baseline_tests"]) == (k0, n0)
        text = reason(row, "de", alpha=0.05)
        assert f"{k} von {n} in KW 48/2026" in text and f"{k0} von {n0} in den 8 Wochen" in text


def test_alpha_is_respected():
    case = rising_case(4, 10, 1, 40)
    p = rising_p_value(4, 10, 1, 40)
    assert (signals(case, W48, alpha=p * 1.01)["kind"] == "rising").any()
    assert not (signals(case, W48, alpha=p * 0.99)["kind"] == "rising").any()


def test_share_text_never_a_bare_percentage():
    assert share_text(1, 3, "de") == "1 von 3 (33 %, 95-%-Intervall 6–79 %), n = 3"
    assert share_text(0, 0, "de") == "keine Tests"


def test_iso_week_parsing():
    assert iso_week("2026-W48") == W48
    assert iso_week("2020-w53") == date(2020, 12, 28)
    with pytest.raises(ValueError):
        iso_week("2026-W54")
