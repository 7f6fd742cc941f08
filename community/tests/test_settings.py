from community.tests.helpers import ROOT, run_django


def test_production_without_a_secret_key_refuses_to_start():
    result = run_django("print('started')", DJANGO_DEBUG="0", DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_with_a_secret_key_starts():
    result = run_django("print('started')", DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 60)
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_sqlite_is_the_default_without_database_url():
    code = (
        "from django.conf import settings; d = settings.DATABASES['default']; print(d['ENGINE'], d['NAME'])"
    )
    result = run_django(code, DJANGO_DEBUG="1", DATABASE_URL="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", str(ROOT / "db.sqlite3")]


def test_database_url_selects_postgresql_with_health_checks():
    code = (
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['ENGINE'], d['NAME'], d['CONN_HEALTH_CHECKS'], d['OPTIONS']['options'])"
    )
    result = run_django(
        code,
        DJANGO_DEBUG="1",
        DATABASE_URL="postgres://someone@db.internal:5432/community",
        DATABASE_STATEMENT_TIMEOUT_MS="3000",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "community",
        "True",
        "-c",
        "statement_timeout=3000",
    ]
