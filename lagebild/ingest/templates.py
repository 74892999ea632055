"""Upload templates (CSV and XLSX) generated from the catalogue and a city's districts.

One example row per indicator, marked in the note column as an example: ``parse_upload``
rejects rows that still carry the marker, so a template uploaded unchanged imports nothing.
German templates use ``;`` and ``03.11.2026`` (German Excel), English ones ``,`` and ISO dates.

>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> from lagebild.catalog import load_catalog
>>> d = gpd.GeoDataFrame({"district_id": [1], "code": ["01"], "name": ["Altstadt"]},
...                      geometry=[box(12.3, 51.3, 12.4, 51.4)], crs="EPSG:4326")
>>> text = csv_template(load_catalog(), d, "de", today=date(2026, 11, 3)).decode("utf-8-sig")
>>> for line in text.splitlines()[:3]:
...     print(line)
datum;stadtteil;indikator;anzahl;lat;lon;bemerkung
03.11.2026;Altstadt;Spritzenfunde;1;51,35;12,35;BEISPIEL – Zeile löschen
03.11.2026;Altstadt;Drogennotfälle;2;;;BEISPIEL – Zeile löschen
"""

from __future__ import annotations

import csv
import io
from datetime import date

import geopandas as gpd
import pandas as pd

from lagebild.catalog import Catalog
from lagebild.i18n import t
from lagebild.ingest.columns import CANONICAL, display

HEADER_ROWS = 1
VALIDATION_ROWS = 5000


def header(lang: str = "de") -> list[str]:
    return [display(c, lang) for c in CANONICAL]


def example_rows(catalog: Catalog, districts: gpd.GeoDataFrame, lang: str,
                 today: date) -> list[dict]:
    """One example per indicator: district names in turn; coordinates (the district's
    representative point) only where the indicator allows points."""
    d = _district_table(districts)
    rows = []
    for i, ind in enumerate(catalog):
        row = {"datum": today, "stadtteil": "", "indikator": ind.label(lang), "anzahl": i + 1,
               "lat": None, "lon": None, "bemerkung": t("ingest.template.example_note", lang)}
        if len(d):
            district = d.iloc[i % len(d)]
            row["stadtteil"] = district["name"]
            if ind.points_allowed and district["point"] is not None:
                row["lat"] = round(district["point"].y, 5)
                row["lon"] = round(district["point"].x, 5)
        rows.append(row)
    return rows


def csv_template(catalog: Catalog, districts: gpd.GeoDataFrame, lang: str,
                 today: date) -> bytes:
    """CSV template (UTF-8 with BOM so that Excel shows umlauts)."""
    delim = ";" if lang == "de" else ","
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delim, lineterminator="\r\n")
    writer.writerow(header(lang))
    for row in example_rows(catalog, districts, lang, today):
        writer.writerow([_csv_cell(row[c], lang) for c in CANONICAL])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _csv_cell(value, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y") if lang == "de" else value.isoformat()
    if isinstance(value, float):
        text = repr(value)
        return text.replace(".", ",") if lang == "de" else text
    return str(value)


def xlsx_template(catalog: Catalog, districts: gpd.GeoDataFrame, lang: str,
                  today: date) -> bytes:
    """XLSX template: sheet 1 data (header, examples, drop-downs), sheet 2 valid lists."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    data = wb.active
    data.title = t("ingest.template.sheet_data", lang)
    lists = wb.create_sheet(t("ingest.template.sheet_lists", lang))
    data.append(header(lang))
    for row in example_rows(catalog, districts, lang, today):
        data.append([row[c] for c in CANONICAL])
    date_format = "DD.MM.YYYY" if lang == "de" else "YYYY-MM-DD"
    for cell in data["A"][HEADER_ROWS:]:
        cell.number_format = date_format
    for cell in data[1]:
        cell.font = Font(bold=True)
    data.freeze_panes = "A2"
    for col, width in zip("ABCDEFG", (12, 24, 36, 9, 11, 11, 40)):
        data.column_dimensions[col].width = width

    d = _district_table(districts)
    lists.append([t("ingest.template.districts", lang), t("ingest.template.district_code", lang),
                  None, t("ingest.template.indicators", lang),
                  t("ingest.template.indicator_key", lang),
                  t("ingest.template.indicator_unit", lang),
                  t("ingest.template.indicator_points", lang)])
    inds = list(catalog)
    for i in range(max(len(d), len(inds))):
        name, code = (d.iloc[i]["name"], d.iloc[i]["code"]) if i < len(d) else (None, None)
        ind = inds[i] if i < len(inds) else None
        lists.append([name, code, None,
                      ind.label(lang) if ind else None, ind.key if ind else None,
                      ind.unit(lang) if ind else None,
                      (t("ingest.template.yes", lang) if ind.points_allowed
                       else t("ingest.template.no", lang)) if ind else None])
    for cell in lists[1]:
        cell.font = Font(bold=True)
    lists["I1"] = t("ingest.template.help", lang)
    for col, width in zip("ABCDEFG", (28, 10, 3, 38, 22, 16, 18)):
        lists.column_dimensions[col].width = width

    sheet = lists.title.replace("'", "''")
    last = VALIDATION_ROWS + HEADER_ROWS
    if len(d):
        dv = DataValidation(type="list", allow_blank=True, showErrorMessage=True,
                            errorStyle="warning", formula1=f"'{sheet}'!$A$2:$A${len(d) + 1}")
        dv.add(f"B2:B{last}")
        data.add_data_validation(dv)
    dv = DataValidation(type="list", allow_blank=True, showErrorMessage=True,
                        errorStyle="warning", formula1=f"'{sheet}'!$D$2:$D${len(inds) + 1}")
    dv.add(f"C2:C{last}")
    data.add_data_validation(dv)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _district_table(districts: gpd.GeoDataFrame) -> pd.DataFrame:
    if districts is None or len(districts) == 0:
        return pd.DataFrame({"name": [], "code": [], "point": []})
    d = pd.DataFrame({"name": districts["name"].astype(str).to_numpy(),
                      "code": districts["code"].astype(str).to_numpy()})
    geoms = districts.geometry
    if geoms.crs is not None and geoms.crs.to_epsg() != 4326:
        geoms = geoms.to_crs(4326)
    d["point"] = [g.representative_point() if g is not None and not g.is_empty else None
                  for g in geoms]
    return d.sort_values("name", key=lambda s: s.str.casefold()).reset_index(drop=True)
