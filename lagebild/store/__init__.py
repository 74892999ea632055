"""The database gateway: ``Store``, one class composed of one mixin per aggregate.

One ``Store`` per database file and process holds one DuckDB connection; every thread gets
its own cursor. Every method takes the acting user (:class:`lagebild.access.Actor`) and
filters by the cities that user may see. Every write is one transaction.

Methods return pandas DataFrames (GeoDataFrames for districts) with named columns.
Only ``_db.py`` imports duckdb; the aggregates live in ``cities.py``, ``uploads.py``,
``observations.py``, ``alerts.py``, ``places.py``, ``measures.py``, ``accounts.py``,
``backup.py``, ``notifications.py``, ``share.py``, ``deliveries.py``, ``drugchecks.py``
``warnings.py`` (#18, Substanzwarnungen) and ``warning_languages.py`` (#18,
languages of the Substanzwarnung); ``audit.py`` holds the access helpers and the audit
log; the exceptions are in ``errors.py``.
"""

from __future__ import annotations

from lagebild.store._db import Database, damaged_error, is_damage, migrations, open_error
from lagebild.store.accounts import AccountsMixin
from lagebild.store.alerts import AlertsMixin
from lagebild.store.audit import AuditMixin
from lagebild.store.backup import BackupMixin
from lagebild.store.cities import CitiesMixin
from lagebild.store.deliveries import DeliveriesMixin
from lagebild.store.drugchecks import DrugChecksMixin
from lagebild.store.errors import (CollidingRows, DuplicateUpload, Forbidden,
                                   Invalid, NotFound, StoreError)
from lagebild.store.measures import MeasuresMixin
from lagebild.store.notifications import NotificationsMixin
from lagebild.store.observations import ObservationsMixin
from lagebild.store.places import PlacesMixin
from lagebild.store.share import ShareMixin
from lagebild.store.uploads import UploadsMixin, no_collisions
from lagebild.store.warning_languages import WarningLanguagesMixin
from lagebild.store.warnings import WarningsMixin

__all__ = ["Store", "StoreError", "NotFound", "Invalid", "Forbidden", "DuplicateUpload",
           "CollidingRows", "damaged_error", "open_error", "is_damage",
           "migrations", "no_collisions"]


class Store(CitiesMixin, UploadsMixin, ObservationsMixin, AlertsMixin, PlacesMixin,
            MeasuresMixin, AccountsMixin, BackupMixin, NotificationsMixin, ShareMixin,
            DeliveriesMixin, DrugChecksMixin, WarningsMixin, WarningLanguagesMixin,
            AuditMixin, Database):
    """The one gateway every page, service and command uses (``Store(path)``)."""
