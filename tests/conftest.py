"""Shared fixtures: real data paths, a demo database built once per test session."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from lagebild.access import SYSTEM
from lagebild.store import Store

# One clock (#14): the whole suite runs on a pinned "today", whatever the calendar says –
# the demo ends on the Sunday before it (2026-11-15, KW 46/2026), its next meeting lies
# ahead (2026-11-25). Servers and CLI processes started by tests inherit it. Tests of the
# clock itself set or remove LAGEBILD_TODAY with monkeypatch.
TODAY = "2026-11-18"
os.environ["LAGEBILD_TODAY"] = TODAY

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))          # the tests' *_kit modules
SHARED = ROOT.parent / "shared"
REAL = SHARED / "data" / "real"


@pytest.fixture(scope="session")
def real_data() -> Path:
    assert REAL.is_dir(), f"../shared/data/real fehlt ({REAL}); CI legt shared/ neben das Repo"
    return REAL


@pytest.fixture(scope="session")
def demo_db_master(tmp_path_factory) -> Path:
    """A demo database created once (``lagebild demo`` code path), closed again."""
    from lagebild.demo.seed import create_demo
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    store = Store(path)
    create_demo(store, seed=42)
    store.close()
    return path


@pytest.fixture
def demo_db(demo_db_master, tmp_path) -> Path:
    """A private copy of the demo database for one test (tests may write to it)."""
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_master, path)
    return path


@pytest.fixture
def demo_store(demo_db):
    store = Store(demo_db)
    yield store
    store.close()


@pytest.fixture
def empty_store(tmp_path):
    store = Store(tmp_path / "empty.duckdb")
    yield store
    store.close()


@pytest.fixture
def system():
    return SYSTEM


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1 (aiosmtpd, ``tests/smtp_kit.py``); yields its inbox
    (``.port``, ``.messages``, ``.to(address)``)."""
    from smtp_kit import serve
    yield from serve()
