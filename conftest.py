"""Root pytest configuration shared by tests/ and e2e/."""


def pytest_configure(config):  # type: ignore[no-untyped-def]
    from django.conf import settings

    # Argon2 is deliberately slow; the suite creates hundreds of users. Production keeps Argon2
    # (see ambit/settings.py and tests/foundation/test_settings.py).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
