import re
from pathlib import Path

from lagebild.i18n import fmt_number, fmt_percent, strings, t

ROOT = Path(__file__).resolve().parents[1]


def test_every_text_has_german_and_english():
    missing = [k for k, v in strings().items() if not v.get("de") or not v.get("en")]
    assert missing == []


def test_every_key_used_in_code_exists():
    used = set()
    for path in list((ROOT / "lagebild").rglob("*.py")) + list((ROOT / "pages").glob("*.py")) \
            + [ROOT / "app.py"]:
        used |= set(re.findall(r"\bt\(\s*\"([a-z_]+\.[a-z0-9_.]+)\"", path.read_text("utf-8")))
    assert used, "no keys found — the scan is broken"
    assert sorted(used - set(strings())) == []


def test_placeholders_agree_between_languages():
    for key, v in strings().items():
        assert set(re.findall(r"{(\w+)}", v["de"])) == set(re.findall(r"{(\w+)}", v["en"])), key


def test_german_and_english_number_formats():
    assert fmt_number(1234567.891, "de", 2) == "1.234.567,89"
    assert fmt_number(1234567.891, "en", 2) == "1,234,567.89"
    assert fmt_number(float("nan"), "de") == "–"
    assert fmt_percent(0.25, "de") == "+25 %" and fmt_percent(-0.5, "en") == "-50%"
    assert t("nav.map", "en") == "Map" and t("nav.map", "de") == "Karte"
