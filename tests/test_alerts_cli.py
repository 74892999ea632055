"""`lagebild alerts`: Lagestufe and alerts with reasons, as text and JSON."""

import json

from lagebild.cli import main

KEYS = {"city", "week", "week_label", "level", "level_name", "level_heading", "level_reason",
        "daily", "drugcheck",
        "rule", "counts", "alerts", "neighbours"}
ALERT_KEYS = {"alert_id", "status", "first_week", "district", "district_code", "indicator",
              "indicator_label", "colour", "cause", "observed", "expected", "threshold",
              "method", "reason"}


def test_json_shape_and_the_current_outbreak(demo_db, capsys):
    assert main(["alerts", "--city", "Musterstadt", "--week", "2026-W46", "--json",
                 "--db", str(demo_db)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == KEYS
    assert (out["week"], out["week_label"], out["level"], out["level_name"]) == (
        "2026-W46", "KW 46/2026", 3, "Krise")     # outbreak + injected cluster (#17): 4 districts
    assert out["rule"] == ("Drogentodesfälle oder Drogennotfälle rot in mindestens 3 Stadtteilen "
                           "innerhalb von 2 Wochen")
    cluster = next(d for d in out["daily"] if d["kind"] == "cluster")      # (#17)
    assert set(cluster["districts"]) == {"Schäferwiese", "Lerchenfeld", "Ziegelhof"}
    assert cluster["p_value"] <= 0.05 and cluster["reason"].startswith("Häufung von ")
    assert "Bahnhofsviertel" in out["level_reason"]
    assert all(set(a) == ALERT_KEYS for a in out["alerts"])
    hit = next(a for a in out["alerts"] if a["district"] == "Bahnhofsviertel"
               and a["indicator"] == "drogennotfaelle")
    assert hit["colour"] == "red" and hit["status"] == "open" and hit["alert_id"] > 0
    assert hit["observed"] > hit["threshold"] > hit["expected"]
    assert hit["reason"].startswith("Drogennotfälle in Bahnhofsviertel: ")
    assert "KW 46/2026, erwartet " in hit["reason"] and "(EARS C2, α = 0,001)" in hit["reason"]
    assert sum(out["counts"].values()) == (out["counts"]["red"] + out["counts"]["yellow"]
                                           + out["counts"]["green"] + out["counts"]["grey"])
    assert out["counts"]["red"] == sum(a["colour"] == "red" for a in out["alerts"])
    assert {n["red_neighbour"] for n in out["neighbours"]} >= {"Bahnhofsviertel"}


def test_default_week_is_the_latest_complete_one_and_text_output(demo_db, capsys):
    assert main(["alerts", "--city", "Musterstadt", "--db", str(demo_db)]) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    assert lines[0] == "Musterstadt – KW 46/2026"
    assert lines[1].startswith("Lagestufe 3: Krise – Gesetzt durch die Regel")
    assert any(line.startswith("▲ Drogennotfälle in Bahnhofsviertel:") and "offen" in line
               for line in lines)
    assert "Nachbarschaft beobachten" in text


def test_english_and_refresh(demo_db, capsys):
    assert main(["alerts", "--city", "Musterstadt", "--refresh", "--lang", "en", "--json",
                 "--db", str(demo_db)]) == 0
    captured = capsys.readouterr()
    assert "Warnungen neu berechnet: 0 neu" in captured.err      # ids kept
    out = json.loads(captured.out)
    assert out["week_label"] == "W46/2026" and out["level_name"] == "Crisis"
    assert any("expected" in a["reason"] and "α = 0.001" in a["reason"] for a in out["alerts"])


def test_errors_exit_2_with_a_german_message(demo_db, capsys):
    assert main(["alerts", "--city", "Atlantis", "--db", str(demo_db)]) == 2
    assert "Stadt 'Atlantis' ist nicht angelegt" in capsys.readouterr().err
    assert main(["alerts", "--city", "Musterstadt", "--week", "2019-W01",
                 "--db", str(demo_db)]) == 2
    assert "2019-W01 liegt nicht in den Daten von Musterstadt" in capsys.readouterr().err
    assert main(["alerts", "--city", "Musterstadt", "--week", "46/2026",
                 "--db", str(demo_db)]) == 2
    assert "ist keine ISO-Woche" in capsys.readouterr().err


def test_invalid_rules_exit_2_naming_file_and_key(demo_db, capsys, monkeypatch, tmp_path):
    import lagebild.alerts.config as ac
    bad = tmp_path / "alerts.toml"
    bad.write_text(ac.DEFAULT_PATH.read_text(encoding="utf-8").replace(
        "red = { alpha = 0.001", "red = { alpha = 2"), encoding="utf-8")
    real = ac.load_alert_config
    monkeypatch.setattr(ac, "load_alert_config", lambda catalog=None: real(bad, catalog))
    assert main(["alerts", "--city", "Musterstadt", "--db", str(demo_db)]) == 2
    assert "alerts.toml: 'defaults.red.alpha' muss eine Zahl > 0 und < 0,5 sein" in \
        capsys.readouterr().err
