"""Share packages between cities (#19, "Städtetreffen"): build, sign, read and verify.

A package is ONE zip file: ``manifest.json`` (schema version, city, AGS, period, creation
time, software version, k, tables) and one Parquet file per table of
:mod:`lagebild.share.tables`. The city signs it with its Ed25519 key (``cryptography``):
the signature covers every byte of the file and sits in the zip's archive comment, i.e. the
last bytes of the file (``MARK`` + 64 signature bytes; for signing and checking those 64
bytes count as zeros). Change any byte and the check fails. docs/network.md explains the
data flow and the key handling.

Only the network instance reads packages; it keeps them whole (``Store.save_share_package``)
and never has raw observations.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from lagebild import __version__
from lagebild.share import tables as share_tables
from lagebild.access import Actor
from lagebild.analytics import trends
from lagebild.analytics.escalation import escalation

SCHEMA_VERSION = 1
TABLES = ("counts", "levels", "signals", "measures", "positivity")
MARK = b"lagebild-ed25519:"
SIG_LEN = 64
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_BYTES = 50 * 1024 * 1024


class ShareError(ValueError):
    """A package or key that is refused, explained in German."""


# --------------------------------------------------------------------- keys
def keygen(directory: str | Path, name: str) -> tuple[Path, Path]:
    """Write ``DIR/NAME.key`` (private, PKCS#8 PEM, mode 600) and ``DIR/NAME.pub``. Never
    overwrites an existing key."""
    if not NAME_RE.match(name):
        raise ShareError(f"Schlüsselname '{name}': nur Buchstaben, Ziffern, '.', '_' und '-' "
                         "(höchstens 64 Zeichen).")
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    key_path, pub_path = folder / f"{name}.key", folder / f"{name}.pub"
    for path in (key_path, pub_path):
        if path.exists():
            raise ShareError(f"{path} gibt es schon – ein vorhandener Schlüssel wird nie "
                             "überschrieben.")
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    os.chmod(key_path, 0o600)
    pub_path.write_bytes(public_pem(private.public_key()))
    return key_path, pub_path


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private_key(path: str | Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ShareError(f"Privater Schlüssel {path} kann nicht gelesen werden ({exc}).") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ShareError(f"{path} ist kein Ed25519-Schlüssel (lagebild share keygen).")
    return key


def load_public_key(data: bytes, source: str = "Schlüssel") -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise ShareError(f"{source} ist kein öffentlicher Schlüssel im PEM-Format.") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ShareError(f"{source} ist kein Ed25519-Schlüssel.")
    return key


def fingerprint(public: bytes) -> str:
    """SHA-256 of the PEM text, first 16 hex digits in groups (to compare by phone)."""
    digest = hashlib.sha256(public.strip()).hexdigest()[:16]
    return ":".join(digest[i:i + 4] for i in range(0, 16, 4))


# --------------------------------------------------------------------- building
def build_tables(*, grid: pd.DataFrame, districts: pd.DataFrame, signals: pd.DataFrame,
                 measures: pd.DataFrame, levels, person_related: set[str], k: int,
                 with_districts: bool, since: date | None) -> dict[str, pd.DataFrame]:
    """All tables of a package from a city's frames (see :mod:`share_tables`). ``levels``
    is the list of the city's ``LevelRule``s; ``since`` cuts the weeks (ISO week of it on)."""
    g = grid.assign(week=pd.to_datetime(grid["week"]))
    if since is not None:
        monday = pd.Timestamp(since) - pd.Timedelta(days=pd.Timestamp(since).day_of_week)
        g = g[g["week"] >= monday]
    counts = share_tables.count_table(g, districts, person_related, k, with_districts)
    weeks = sorted(g["week"].unique())
    sig = signals.assign(week=pd.to_datetime(signals["week"])) if len(signals) else signals
    level_frame = share_tables.level_table(
        weeks, lambda w: escalation(sig, w, levels) if len(sig) else _no_level())
    return {
        "counts": counts,
        "levels": level_frame,
        "signals": share_tables.signal_table(sig, weeks) if len(sig) else
        pd.DataFrame({"week": [pd.Timestamp(w).date() for w in weeks], "red": 0, "yellow": 0}),
        # effects only from the package's weeks: the cells they rest on are in the package
        "measures": share_tables.measure_table(measures, g, counts, person_related),
        "positivity": share_tables.positivity_table(g),
    }


def _no_level():
    from lagebild.analytics.escalation import Escalation
    return Escalation(0, None)


def collect(store, actor: Actor, city: str, *, catalog, config, k: int, with_districts: bool,
            since: date | None) -> tuple[dict[str, pd.DataFrame], dict]:
    """Read a city's frames from its store and build the tables; also the city's facts
    for the manifest (name, AGS)."""
    from lagebild.alerts import service as alerting
    dist = store.districts(actor, city)
    grid = trends.weekly_grid(store.weekly_counts(actor, city), list(dist["district_id"]),
                              catalog.keys, store.coverage(actor, city))
    if grid.empty:
        raise ShareError(f"{city} hat noch keine Meldungen – es gibt nichts zu teilen.")
    signals = alerting.compute(store, actor, city, catalog, config)
    cities = store.cities(actor)
    ags = cities.loc[cities["name"] == city, "ags"]
    tables = build_tables(
        grid=grid, districts=pd.DataFrame(dist[["district_id", "code", "name", "population"]]),
        signals=signals, measures=store.measures(actor, city), levels=config.levels,
        person_related=set(catalog.person_related_keys()), k=k,
        with_districts=with_districts, since=since)
    ags_value = None if ags.empty or pd.isna(ags.iloc[0]) else str(ags.iloc[0])
    return tables, {"city": city, "ags": ags_value}


def manifest(tables: dict[str, pd.DataFrame], facts: dict, *, k: int, created_at: datetime,
             with_districts: bool) -> dict:
    weeks = tables["counts"]["week"]
    return {
        "schema_version": SCHEMA_VERSION, "city": facts["city"], "ags": facts["ags"],
        "period_start": None if weeks.empty else min(weeks).isoformat(),
        "period_end": None if weeks.empty else (max(weeks) + pd.Timedelta(days=6)).isoformat(),
        "created_at": created_at.isoformat(timespec="seconds"),
        "software": f"lagebild {__version__}", "small_count_k": int(k),
        "districts": bool(with_districts), "tables": {},
    }


def pack(tables: dict[str, pd.DataFrame], meta: dict, key: Ed25519PrivateKey) -> bytes:
    """The signed zip (bytes). The manifest lists each table's SHA-256."""
    files = {}
    for name in TABLES:
        buf = io.BytesIO()
        tables[name].to_parquet(buf, index=False)
        files[f"{name}.parquet"] = buf.getvalue()
    meta = {**meta, "tables": {n: hashlib.sha256(b).hexdigest() for n, b in files.items()}}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(meta, ensure_ascii=False, indent=1))
        for name, data in files.items():
            zf.writestr(name, data)
        zf.comment = MARK + bytes(SIG_LEN)
    unsigned = out.getvalue()
    return unsigned[:-SIG_LEN] + key.sign(unsigned)


# --------------------------------------------------------------------- reading
@dataclass(frozen=True)
class Package:
    manifest: dict
    tables: dict[str, pd.DataFrame]
    sha256: str

    @property
    def city(self) -> str:
        return self.manifest["city"]

    @property
    def created_at(self) -> datetime:
        return datetime.fromisoformat(self.manifest["created_at"])


def peek_city(data: bytes) -> str:
    """The city a package claims to come from (unverified: only to find its key)."""
    return _manifest(_zip(data))["city"]


def _zip(data: bytes) -> zipfile.ZipFile:
    if len(data) > MAX_BYTES:
        raise ShareError(f"Die Datei ist zu groß ({len(data) // 1_000_000} MB, höchstens "
                         f"{MAX_BYTES // 1_000_000} MB) – kein Lagebild-Paket.")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ShareError("Die Datei ist kein Lagebild-Paket (kein ZIP-Archiv) oder wurde "
                         "verändert.") from exc


def _manifest(zf: zipfile.ZipFile) -> dict:
    try:
        meta = json.loads(zf.read("manifest.json").decode("utf-8"))
    except KeyError as exc:
        raise ShareError("Im Paket fehlt manifest.json – kein Lagebild-Paket.") from exc
    except (ValueError, zipfile.BadZipFile, OSError) as exc:
        raise ShareError(f"manifest.json im Paket ist unlesbar oder verändert ({exc}).") from exc
    if not isinstance(meta, dict) or not isinstance(meta.get("city"), str) or not meta["city"]:
        raise ShareError("manifest.json nennt keine Stadt (Feld 'city').")
    return meta


def is_signed(data: bytes) -> bool:
    return len(data) > len(MARK) + SIG_LEN and \
        data[-SIG_LEN - len(MARK):-SIG_LEN] == MARK


def verify(data: bytes, public: Ed25519PublicKey) -> Package:
    """Check the signature over the whole file and every table's hash; the package or a
    :class:`ShareError` in German saying why it is refused."""
    zf = _zip(data)
    if not is_signed(data):
        raise ShareError("Das Paket ist nicht signiert – abgelehnt. Die Stadt muss es mit "
                         "'lagebild share export --key …' erzeugen.")
    try:
        public.verify(data[-SIG_LEN:], data[:-SIG_LEN] + bytes(SIG_LEN))
    except InvalidSignature:
        raise ShareError("Die Signatur passt nicht: das Paket wurde nach dem Signieren "
                         "verändert oder nicht mit dem hinterlegten Schlüssel der Stadt "
                         "signiert – abgelehnt.") from None
    meta = _manifest(zf)
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise ShareError(f"Paketversion {meta.get('schema_version')} wird nicht unterstützt "
                         f"(erwartet {SCHEMA_VERSION}).")
    names = set(zf.namelist())
    expected = {"manifest.json"} | {f"{t}.parquet" for t in TABLES}
    if names != expected:
        raise ShareError(f"Das Paket enthält andere Dateien als erwartet: "
                         f"{', '.join(sorted(names ^ expected))}.")
    tables = {}
    for name in TABLES:
        raw = zf.read(f"{name}.parquet")
        if hashlib.sha256(raw).hexdigest() != meta["tables"].get(f"{name}.parquet"):
            raise ShareError(f"Tabelle {name} passt nicht zum Manifest – abgelehnt.")
        tables[name] = pd.read_parquet(io.BytesIO(raw))
    try:
        datetime.fromisoformat(meta["created_at"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ShareError("manifest.json hat kein gültiges Erstellungsdatum.") from exc
    return Package(meta, tables, hashlib.sha256(data).hexdigest())


def read_stored(data: bytes) -> Package:
    """A package as kept by the network instance (verified when it was imported)."""
    zf = _zip(data)
    meta = _manifest(zf)
    return Package(meta, {n: pd.read_parquet(io.BytesIO(zf.read(f"{n}.parquet")))
                          for n in TABLES}, hashlib.sha256(data).hexdigest())


def signature_ok(data: bytes, public: Ed25519PublicKey) -> bool:
    """Whether ``data`` carries a valid signature of ``public`` over all its bytes."""
    if not is_signed(data):
        return False
    try:
        public.verify(data[-SIG_LEN:], data[:-SIG_LEN] + bytes(SIG_LEN))
    except InvalidSignature:
        return False
    return True


def import_package(store, actor: Actor, data: bytes, now: datetime) -> Package:
    """Verify ``data`` and store it in place of that city's earlier package (one
    transaction). The signature is checked against the trusted keys *before* anything in
    the file is read; the city the package names must be the city of the key that signed
    it. Refusals raise :class:`ShareError` (or ``store.Invalid`` for an older package); then
    nothing is written."""
    _zip(data)
    if not is_signed(data):
        raise ShareError("Das Paket ist nicht signiert – abgelehnt. Die Stadt muss es mit "
                         "'lagebild share export --key …' erzeugen.")
    keys = store.share_trusted_keys(actor)
    signer = None
    for row in keys.itertuples():
        public = load_public_key(row.public_key.encode(), f"Der Schlüssel von {row.city}")
        if signature_ok(data, public):
            signer = (row.city, public)
            break
    if signer is None:
        try:
            city = peek_city(data)
        except ShareError:
            city = None
        if city is not None and city not in set(keys["city"]):
            raise ShareError(f"Für '{city}' ist kein Schlüssel hinterlegt – abgelehnt. Erst "
                             f"'lagebild share trust STADT.pub --city {city}'.")
        raise ShareError("Die Signatur passt nicht: das Paket wurde nach dem Signieren "
                         "verändert oder mit keinem hinterlegten Schlüssel signiert – "
                         "abgelehnt.")
    package = verify(data, signer[1])
    if package.city != signer[0]:
        raise ShareError(f"Das Paket nennt die Stadt '{package.city}', ist aber mit dem "
                         f"Schlüssel von '{signer[0]}' signiert – abgelehnt.")
    store.save_share_package(actor, package.manifest, data, imported_at=now)
    return package
