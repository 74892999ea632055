"""Drug checking (#18, migration 011): the test results of an upload, one row per sample
and substance. Results of withdrawn uploads stay in ``drug_tests`` but every read joins
``uploads`` with ``status = 'imported'``."""

from __future__ import annotations

from datetime import date

import pandas as pd

from lagebild.access import Actor

_COLUMNS = ["line", "date", "site", "district_id", "sample", "sold_as", "method",
            "substance", "result"]


class DrugChecksMixin:
    def insert_drug_tests(self, city_id: int, upload_id: int, rows: pd.DataFrame) -> None:
        """Write an upload's test results. Only called from inside ``insert_upload``'s
        transaction (its ``before_commit``), which checked the actor and the city."""
        data = rows[_COLUMNS].copy()
        data["date"] = pd.to_datetime(data["date"])
        data["district_id"] = data["district_id"].astype("Int64")
        cur = self._cur()
        self._register(cur, "_drug_tests", data)
        try:
            cur.execute(
                """INSERT INTO drug_tests (city_id, upload_id, line, tested_on, site,
                       district_id, sample, sold_as, method, substance, result)
                   SELECT $city_id, $upload_id, line, CAST(date AS DATE), site,
                          district_id, sample, sold_as, method, substance, result
                   FROM _drug_tests""",
                {"city_id": city_id, "upload_id": upload_id})
        finally:
            cur.unregister("_drug_tests")

    def drug_tests(self, actor: Actor, city: str, start: date | None = None,
                   end: date | None = None) -> pd.DataFrame:
        """Test results of the city's imported uploads: date, site, district_id,
        district, organisation, upload_id, sample, sold_as, method, substance, result.
        Everyone who may see the city reads them (no personal data)."""
        city_id = self.city_id(actor, city)
        sql = ["""SELECT t.tested_on AS date, t.site, t.district_id, d.name AS district,
                         u.organisation, t.upload_id, t.sample, t.sold_as, t.method,
                         t.substance, t.result
                  FROM drug_tests t JOIN uploads u ON u.upload_id = t.upload_id
                  LEFT JOIN districts d ON d.district_id = t.district_id
                  WHERE t.city_id = $city_id AND u.status = 'imported'"""]
        params: dict = {"city_id": city_id}
        if start is not None:
            sql.append("AND t.tested_on >= $start")
            params["start"] = start
        if end is not None:
            sql.append("AND t.tested_on <= $end")
            params["end"] = end
        df = self._df(" ".join(sql) + " ORDER BY t.tested_on, t.site, t.sample, t.substance",
                      params)
        df["date"] = pd.to_datetime(df["date"]).dt.date
        return df
