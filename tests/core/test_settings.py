import importlib

import pytest


def test_production_settings_hash_passwords_with_argon2() -> None:
    import ambit.settings as module

    fresh = importlib.reload(module)
    assert fresh.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.parametrize(
    ("url", "engine"),
    [
        ("postgres://u:p@db:5432/ambit", "django.db.backends.postgresql"),
        ("sqlite:////tmp/x.sqlite3", "django.db.backends.sqlite3"),
    ],
)
def test_database_url_selects_the_backend(monkeypatch: pytest.MonkeyPatch, url: str, engine: str) -> None:
    import ambit.settings as module

    monkeypatch.setenv("DATABASE_URL", url)
    try:
        fresh = importlib.reload(module)
        assert fresh.DATABASES["default"]["ENGINE"] == engine
        if engine.endswith("sqlite3"):
            assert "foreign_keys=ON" in fresh.DATABASES["default"]["OPTIONS"]["init_command"]
            assert "journal_mode=WAL" in fresh.DATABASES["default"]["OPTIONS"]["init_command"]
    finally:
        monkeypatch.undo()
        importlib.reload(module)


@pytest.mark.django_db
def test_sqlite_enforces_foreign_keys() -> None:
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite pragma")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
