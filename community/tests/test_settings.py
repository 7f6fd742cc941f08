import ast
import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from community.tests.helpers import ROOT, run_django
from config import env

SETTINGS_PY = ROOT / "config" / "settings.py"
ENV_EXAMPLE = ROOT / ".env.example"


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
        DJANGO_STATEMENT_TIMEOUT_MS="3000",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "community",
        "True",
        "-c",
        "statement_timeout=3000",
    ]


def test_database_url_keeps_no_connection_between_requests_unless_told():
    code = "from django.conf import settings; print(settings.DATABASES['default']['CONN_MAX_AGE'])"
    url = "postgres://someone@db.internal:5432/community"
    unset = run_django(code, DJANGO_DEBUG="1", DATABASE_URL=url, DJANGO_CONN_MAX_AGE="")
    assert unset.returncode == 0, unset.stderr
    assert unset.stdout.split() == ["0"]
    production = run_django(code, DJANGO_DEBUG="1", DATABASE_URL=url, DJANGO_CONN_MAX_AGE="60")
    assert production.returncode == 0, production.stderr
    assert production.stdout.split() == ["60"]


def test_product_settings_come_from_community_variables():
    code = (
        "from django.conf import settings as s; "
        "print(s.COMMUNITY_FEED_PAGE_SIZE, s.COMMUNITY_LEADERBOARD_POLL_SECONDS, "
        "s.COMMUNITY_LEADERBOARD_TICK, s.COMMUNITY_TRUSTED_PROXY_COUNT, s.AXES_FAILURE_LIMIT, "
        "s.AXES_COOLOFF_TIME.total_seconds(), s.COMMUNITY_RATE_LIMITS['like'])"
    )
    result = run_django(
        code,
        DJANGO_DEBUG="1",
        COMMUNITY_FEED_PAGE_SIZE="30",
        COMMUNITY_LEADERBOARD_POLL_SECONDS="10",
        COMMUNITY_LEADERBOARD_TICK="0.5",
        COMMUNITY_TRUSTED_PROXY_COUNT="1",
        COMMUNITY_LOGIN_FAILURE_LIMIT="3",
        COMMUNITY_LOGIN_COOLOFF_MINUTES="2",
        COMMUNITY_RATE_LIMIT_LIKE="7/h",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["30", "10", "0.5", "1", "3", "120.0", "7/h"]


def test_a_variable_under_its_old_name_stops_the_site():
    result = run_django("print('started')", DJANGO_DEBUG="1", AXES_FAILURE_LIMIT="3")
    assert result.returncode != 0
    assert "AXES_FAILURE_LIMIT is now called COMMUNITY_LOGIN_FAILURE_LIMIT" in result.stderr


def test_a_bad_value_stops_the_site_naming_the_variable():
    result = run_django("print('started')", DJANGO_DEBUG="1", COMMUNITY_LOGIN_FAILURE_LIMIT="five")
    assert result.returncode != 0
    assert "COMMUNITY_LOGIN_FAILURE_LIMIT must be a whole number, not 'five'" in result.stderr


# --- config/env.py ----------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("on", True), ("0", False), ("No", False)])
def test_env_bool_reads_on_and_off(monkeypatch, value, expected):
    monkeypatch.setenv("COMMUNITY_TEST_FLAG", value)
    assert env.env_bool("COMMUNITY_TEST_FLAG", not expected) is expected


def test_env_bool_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("COMMUNITY_TEST_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="COMMUNITY_TEST_FLAG must be 1 or 0"):
        env.env_bool("COMMUNITY_TEST_FLAG", False)


def test_an_empty_or_unset_variable_has_the_default(monkeypatch):
    monkeypatch.delenv("COMMUNITY_TEST_UNSET", raising=False)
    monkeypatch.setenv("COMMUNITY_TEST_EMPTY", "  ")
    for name in ("COMMUNITY_TEST_UNSET", "COMMUNITY_TEST_EMPTY"):
        assert env.env_str(name, "x") == "x"
        assert env.env_bool(name, True) is True
        assert env.env_int(name, 3) == 3
        assert env.env_float(name, 0.5) == 0.5
        assert env.env_list(name, ["a"]) == ["a"]


def test_env_numbers_are_checked(monkeypatch):
    monkeypatch.setenv("COMMUNITY_TEST_NUMBER", "-1")
    with pytest.raises(ImproperlyConfigured, match="COMMUNITY_TEST_NUMBER must be at least 0, not -1"):
        env.env_int("COMMUNITY_TEST_NUMBER", 1, minimum=0)
    with pytest.raises(ImproperlyConfigured, match="COMMUNITY_TEST_NUMBER must be at least 0"):
        env.env_float("COMMUNITY_TEST_NUMBER", 1.0, minimum=0)
    monkeypatch.setenv("COMMUNITY_TEST_NUMBER", "1.5")
    with pytest.raises(ImproperlyConfigured, match="must be a whole number, not '1.5'"):
        env.env_int("COMMUNITY_TEST_NUMBER", 1)
    assert env.env_float("COMMUNITY_TEST_NUMBER", 1.0) == 1.5
    monkeypatch.setenv("COMMUNITY_TEST_NUMBER", "nan")
    with pytest.raises(ImproperlyConfigured, match="must be a finite number"):
        env.env_float("COMMUNITY_TEST_NUMBER", 1.0)


def test_env_list_and_choices(monkeypatch):
    monkeypatch.setenv("COMMUNITY_TEST_LIST", " a.example, ,b.example ")
    assert env.env_list("COMMUNITY_TEST_LIST") == ["a.example", "b.example"]
    monkeypatch.setenv("COMMUNITY_TEST_LEVEL", "LOUD")
    with pytest.raises(ImproperlyConfigured, match="COMMUNITY_TEST_LEVEL must be one of INFO, WARNING"):
        env.env_str("COMMUNITY_TEST_LEVEL", "INFO", choices={"INFO", "WARNING"})


def test_settings_read_the_environment_only_through_config_env():
    for node in ast.walk(ast.parse(SETTINGS_PY.read_text())):
        assert not (isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}), ast.unparse(node)


# Modules that touch os.environ for something other than reading configuration.
NOT_CONFIGURATION = {
    "config/env.py",  # the one reader
    "config/test_settings.py",  # sets the test suite's environment
    "config/wsgi.py",  # DJANGO_SETTINGS_MODULE
    "config/asgi.py",
    "community/management/commands/bench.py",  # passes the environment on to gunicorn
}


def test_nothing_else_reads_the_environment_for_configuration():
    readers = []
    for path in sorted([*ROOT.glob("config/*.py"), *ROOT.glob("community/**/*.py")]):
        relative = path.relative_to(ROOT).as_posix()
        if relative in NOT_CONFIGURATION or relative.startswith("community/tests/"):
            continue
        if re.search(r"\bos\.(environ|getenv)\b|\bgetenv\(", path.read_text()):
            readers.append(relative)
    assert readers == []


# --- .env.example lists exactly what settings.py reads ------------------------------

HELPERS = {"env_str", "env_bool", "env_int", "env_float", "env_list"}
# A helper's own default, when settings.py gives none.
HELPER_DEFAULTS = {"env_str": "", "env_list": ()}
# "NAME=value", or "# NAME=value" for a variable left at its default.
EXAMPLE_LINE = re.compile(r"^(# )?([A-Z][A-Z0-9_]*)=(.*)$")


def settings_variables() -> dict[str, object]:
    """Every variable config/settings.py reads through config/env.py, with its default."""
    found = {}
    for node in ast.walk(ast.parse(SETTINGS_PY.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in HELPERS):
            continue
        name = node.args[0]
        # A computed name could not be checked here.
        assert isinstance(name, ast.Constant) and isinstance(name.value, str), ast.unparse(node)
        if len(node.args) > 1:
            # Our own source: the defaults are literals and arithmetic on them.
            default = eval(ast.unparse(node.args[1]), {"__builtins__": {}})  # noqa: S307
        else:
            default = HELPER_DEFAULTS[node.func.id]
        assert found.get(name.value, default) == default, f"{name.value} has two defaults"
        found[name.value] = default
    return found


def example_variables() -> dict[str, tuple[bool, str]]:
    """.env.example's variables: whether each is left at its default (commented out), and its value."""
    found = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = EXAMPLE_LINE.match(line)
        if match:
            commented, name, value = match.groups()
            assert name not in found, f"{name} is listed twice in .env.example"
            found[name] = (bool(commented), value)
    return found


def as_documented(default) -> str:
    if isinstance(default, bool):
        return "1" if default else "0"
    if isinstance(default, list | tuple):
        return ",".join(default)
    return str(default)


def test_env_example_lists_every_variable_settings_read_and_no_other():
    read, listed = settings_variables(), example_variables()
    assert "DJANGO_SECRET_KEY" in read and "COMMUNITY_TRUSTED_PROXY_COUNT" in read
    assert sorted(set(read) - set(listed)) == [], "read by settings.py but missing from .env.example"
    assert sorted(set(listed) - set(read)) == [], "in .env.example but not read by settings.py"


def test_env_example_shows_the_defaults():
    read = settings_variables()
    for name, (commented, value) in example_variables().items():
        if commented:
            assert value == as_documented(read[name]), name


def test_env_example_lines_each_have_a_meaning():
    lines = ENV_EXAMPLE.read_text().splitlines()
    for number, line in enumerate(lines):
        if EXAMPLE_LINE.match(line):
            above = lines[number - 1]
            assert above.startswith("# ") and not EXAMPLE_LINE.match(above), line


# --- make run -----------------------------------------------------------------------


@pytest.mark.django_db
def test_make_run_prints_a_log_in_seed_demo_creates():
    makefile = (ROOT / "Makefile").read_text()
    username = re.search(r"^DEMO_USER := (\S+)$", makefile, re.MULTILINE).group(1)
    password = re.search(r"^DEMO_PASSWORD := (\S+)$", makefile, re.MULTILINE).group(1)
    call_command("seed_demo", stdout=StringIO())
    assert get_user_model().objects.get(username=username).check_password(password)
