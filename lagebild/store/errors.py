"""The store's exceptions: German messages meant for users.

Pages and the CLI catch :class:`StoreError` (or one of its subclasses) and show the text;
anything else that escapes the store is a bug and is not dressed up as a form error.
"""

from __future__ import annotations

from lagebild.access import AccessDenied


class StoreError(RuntimeError):
    """A database problem explained for users (German)."""


class NotFound(StoreError):
    """The named city, upload, alert, measure, meeting or account does not exist."""


class Invalid(StoreError):
    """The request contradicts the stored data or the domain rules (German reason)."""


class Forbidden(StoreError, AccessDenied):
    """The acting user may not do or see this (see ``lagebild.access.PERMISSIONS``)."""


class DuplicateUpload(StoreError):
    """The same file bytes are already imported (checked inside the import transaction)."""

    def __init__(self, upload_id: int, uploaded_at):
        super().__init__(f"Diese Datei ist bereits importiert (Upload {upload_id}).")
        self.upload_id, self.uploaded_at = upload_id, uploaded_at


class CollidingRows(StoreError):
    """Rows would overwrite earlier rows of the same organisation and ``replace`` is off."""

    def __init__(self, count: int):
        super().__init__(f"{count} Zeilen überschneiden sich mit früheren Meldungen.")
        self.count = count

