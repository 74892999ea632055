"""Drug-checking signals in the alert list and the Lagestufe (#18): the [drugcheck] rules,
the lift of the level, and `lagebild alerts` on an uploaded file."""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from drugcheck_kit import CITY, TODAY, csv, make_test_store  # noqa: E402

from lagebild.access import SYSTEM  # noqa: E402
from lagebild.alerts.config import AlertConfigError, load_alert_config  # noqa: E402
from lagebild.analytics.escalation import Escalation  # noqa: E402
from lagebild.cli import main  # noqa: E402
from lagebild.drugcheck.alerts import DEFAULTS, lift, parse_config, week_signals  # noqa: E402
from lagebild.ingest.importer import import_file  # noqa: E402

W47 = date(2026, 11, 16)


def results(rows):
    return pd.DataFrame(rows, columns=["date", "site", "sample", "sold_as", "substance",
                                       "result"])


FIRST = results([(W47 - timedelta(weeks=k), "A", f"n{k}", "heroin", "nitazene", "negativ")
                 for k in range(1, 9)]
                + [(W47, "A", "1", "heroin", "nitazene", "positiv"),
                 (W47, "A", "2", "heroin", "nitazene", "negativ")])


def test_shipped_alerts_toml_has_the_documented_defaults():
    load_alert_config()                              # [drugcheck] is an accepted table
    from lagebild.drugcheck.alerts import load_config
    assert load_config() == DEFAULTS


@pytest.mark.parametrize("table, words", [
    ({"alpha": 0.7}, "'drugcheck.alpha' muss zwischen 0 und 0,5"),
    ({"first_level": 4}, "'drugcheck.first_level' muss eine ganze Zahl von 0 bis 3"),
    ({"baseline_week": 8}, "'drugcheck.baseline_week' ist unbekannt"),
])
def test_bad_rules_are_named(table, words):
    with pytest.raises(AlertConfigError, match=words):
        parse_config({"drugcheck": table})


@pytest.mark.parametrize("first_level, before, after", [(1, 0, 1), (2, 1, 2), (0, 0, 0),
                                                        (1, 2, 2)])
def test_first_detection_lifts_the_level_by_the_configured_rule(first_level, before, after):
    """8 negative weeks before (first_history_weeks = 8), then 1 of 2 positive."""
    cfg = {**DEFAULTS, "first_level": first_level, "sold_as_level": 0}
    sig = week_signals(FIRST, W47, cfg)
    assert set(sig["kind"]) == {"first", "sold_as"}
    esc, heading, text = lift(Escalation(before), "H", "R", sig, W47)
    assert esc.level == after
    if after > before:
        assert heading.startswith(f"Lagestufe {after}")
        assert "Erstnachweis" in text and "Nitazene erstmals in der Stadt nachgewiesen am " \
                                          "16.11.2026 (A): 1 von 2 gültigen Tests" in text
    else:
        assert (heading, text) == ("H", "R")


def test_lagebild_alerts_lists_the_signal_and_raises_the_level(tmp_path, capsys):
    path = tmp_path / "t.duckdb"
    store = make_test_store(path)
    rows = [f"{d.strftime('%d.%m.%Y')};Drug-Checking Mitte;S{i};Heroin;Schnelltest;"
            f"Nitazene;{'positiv' if d >= W47 else 'negativ'}"
            for i, d in enumerate(W47 - timedelta(days=k) for k in range(70, -1, -1))]
    out = import_file(store, SYSTEM, CITY, "Drogenhilfe", csv(*rows), "t.csv", today=TODAY)
    assert out.status == "imported", out.errors
    store.close()
    code = main(["alerts", "--city", CITY, "--week", "2026-W47", "--json", "--db", str(path)])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    kinds = [(d["kind"], d["substance"]) for d in report["drugcheck"]]
    assert ("first", "nitazene") in kinds and ("sold_as", "nitazene") in kinds
    assert report["level"] >= 1 and "Drug-Checking" in report["level_reason"]
    code = main(["alerts", "--city", CITY, "--week", "2026-W47", "--db", str(path)])
    assert "▲ Nitazene erstmals in der Stadt nachgewiesen am 16.11.2026" in \
        capsys.readouterr().out


def test_no_first_detection_without_enough_history():
    cfg = {**DEFAULTS, "first_history_weeks": 9}
    assert "first" not in set(week_signals(FIRST, W47, cfg)["kind"])
    cfg = {**DEFAULTS, "first_history_weeks": 8}
    assert "first" in set(week_signals(FIRST, W47, cfg)["kind"])
