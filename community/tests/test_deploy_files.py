"""
The production files, read by the tools that run them: gunicorn's settings
by gunicorn, the nginx template by nginx (checked, then serving in front of
a stand-in for the site), docker-compose.yml as the stack the README
describes, and the Dockerfile's command.

nginx and PyYAML are needed for some of these: without them the tests are
skipped locally, and fail in CI, which must have them.
"""

import http.client
import http.server
import json
import os
import re
import runpy
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import ModuleType

import pytest
from django.conf import settings
from gunicorn.config import Config

from community.tests.helpers import ROOT

GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "community.conf.template"
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
# The variables the template's header (and the nginx image) fill in.
TEMPLATE_VARIABLES = {"COMMUNITY_UPSTREAM", "COMMUNITY_LISTEN"}
# What the site's 413 page says, as far as these tests care: the stand-in serves it at /errors/413/.
TOO_LARGE_PAGE = b"the site's own 413 page"


def _needed(found, what: str):
    """`found`, or a skip (locally) or a failure (in CI) saying what is missing."""
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"{what} is needed for this test in CI.")
    pytest.skip(f"{what} is not installed.")


# --- gunicorn -----------------------------------------------------------------------------------


def _gunicorn_settings(monkeypatch, **env) -> dict:
    """The settings deploy/gunicorn.conf.py defines when `env` holds the only GUNICORN_* variables."""
    for name in [n for n in os.environ if n.startswith("GUNICORN_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    names = runpy.run_path(str(GUNICORN_CONF))
    return {k: v for k, v in names.items() if not k.startswith("_") and not isinstance(v, ModuleType)}


def test_gunicorn_accepts_every_setting_in_its_config_file(monkeypatch):
    # gunicorn silently ignores a name it does not know: a misspelt setting would do nothing.
    config = Config()
    for name, value in _gunicorn_settings(monkeypatch).items():
        config.set(name, value)
    config.validate()
    assert config.worker_class_str == "sync"
    assert config.wsgi_app == "config.wsgi:application"


def test_gunicorn_is_set_from_the_environment(monkeypatch):
    defaults = _gunicorn_settings(monkeypatch)
    assert defaults["bind"] == "127.0.0.1:8000"
    container = _gunicorn_settings(monkeypatch, GUNICORN_BIND="0.0.0.0:8000", GUNICORN_WORKERS="3")
    assert container["bind"] == "0.0.0.0:8000"
    assert container["workers"] == 3


def test_timeouts_nest_from_the_database_out_to_nginx(monkeypatch):
    """A slow query ends as the site's 503, before gunicorn kills the worker or nginx gives up."""
    gunicorn_timeout = _gunicorn_settings(monkeypatch)["timeout"]
    nginx_read_timeout = int(re.search(r"proxy_read_timeout\s+(\d+)s;", NGINX_TEMPLATE.read_text()).group(1))
    assert settings.STATEMENT_TIMEOUT_MS / 1000 < gunicorn_timeout < nginx_read_timeout


# --- nginx --------------------------------------------------------------------------------------


def _nginx() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    return _needed(found, "nginx (apt-get install nginx)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _render(upstream: str, listen: str) -> str:
    """The template as envsubst renders it with the variable list its header gives."""
    envsubst = _needed(shutil.which("envsubst"), "envsubst (gettext-base)")
    result = subprocess.run(  # noqa: S603
        [envsubst, " ".join(f"${{{name}}}" for name in sorted(TEMPLATE_VARIABLES))],
        input=NGINX_TEMPLATE.read_text(),
        env={"COMMUNITY_UPSTREAM": upstream, "COMMUNITY_LISTEN": listen, "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def _nginx_config(directory: Path, *, upstream: str, listen: str) -> Path:
    """A main configuration around the rendered server block, its files in `directory`."""
    block = directory / "community.conf"
    block.write_text(_render(upstream, listen))
    mime_types = Path("/etc/nginx/mime.types")
    config = directory / "nginx.conf"
    config.write_text(
        f"""
        pid {directory}/nginx.pid;
        error_log stderr;
        events {{ worker_connections 64; }}
        http {{
            {f"include {mime_types};" if mime_types.exists() else ""}
            access_log off;
            client_body_temp_path {directory}/client_body;
            proxy_temp_path {directory}/proxy;
            fastcgi_temp_path {directory}/fastcgi;
            uwsgi_temp_path {directory}/uwsgi;
            scgi_temp_path {directory}/scgi;
            include {block};
        }}
        """
    )
    return config


@pytest.fixture
def nginx_directory():
    # Under /tmp itself, readable by the worker processes (user nobody when started as root).
    with tempfile.TemporaryDirectory(prefix="community-nginx-") as name:
        os.chmod(name, 0o755)  # noqa: S103
        yield Path(name)


def test_the_template_has_only_the_variables_its_header_names():
    template = NGINX_TEMPLATE.read_text()
    assert set(re.findall(r"\$\{(\w+)\}", template)) == TEMPLATE_VARIABLES
    header_command = next(line for line in template.splitlines() if "envsubst" in line)
    assert all(f"${{{name}}}" in header_command for name in TEMPLATE_VARIABLES)


def test_nginx_accepts_the_rendered_template(nginx_directory):
    config = _nginx_config(nginx_directory, upstream="127.0.0.1:8000", listen=str(_free_port()))
    result = subprocess.run(  # noqa: S603
        [_nginx(), "-t", "-q", "-e", "stderr", "-p", str(nginx_directory), "-c", str(config)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


class _StandIn(http.server.BaseHTTPRequestHandler):
    """The site, as nginx sees it: answers every request with what it received."""

    seen: list

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append((self.command, self.path, body))
        if self.path == "/errors/413/":
            status, content = 413, TOO_LARGE_PAGE
        else:
            status, content = 200, json.dumps({"path": self.path, "headers": dict(self.headers)}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def nginx_in_front(nginx_directory):
    """nginx with the rendered template on a free port, in front of the stand-in: (port, requests seen)."""
    binary = _nginx()
    seen = []
    handler = type("Handler", (_StandIn,), {"seen": seen})
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=upstream.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    port = _free_port()
    config = _nginx_config(nginx_directory, upstream=f"127.0.0.1:{upstream.server_port}", listen=str(port))
    nginx = subprocess.Popen(  # noqa: S603
        [binary, "-e", "stderr", "-p", str(nginx_directory), "-c", str(config), "-g", "daemon off;"],
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 5
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if nginx.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"nginx did not start: {nginx.stderr.read().decode()}")
                time.sleep(0.02)
        yield port, seen
    finally:
        nginx.terminate()
        nginx.wait(timeout=5)
        upstream.shutdown()
        upstream.server_close()


def _request(port: int, method: str, path: str, body: bytes = b"", headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        headers = {"Host": "community.example.org", **(headers or {})}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_nginx_forwards_the_client_and_the_scheme(nginx_in_front):
    port, _ = nginx_in_front
    status, body = _request(port, "GET", "/?page=2", headers={"X-Forwarded-For": "203.0.113.9"})
    assert status == 200
    answer = json.loads(body)
    assert answer["path"] == "/?page=2"
    headers = answer["headers"]
    assert headers["Host"] == "community.example.org"
    assert headers["X-Forwarded-Proto"] == "http"
    # Appended: the site trusts only the last address (COMMUNITY_TRUSTED_PROXY_COUNT=1).
    assert headers["X-Forwarded-For"] == "203.0.113.9, 127.0.0.1"


def test_nginx_refuses_an_oversized_upload_with_the_sites_413_page(nginx_in_front):
    port, seen = nginx_in_front
    status, body = _request(port, "POST", "/posts/new/", body=b"x" * (2 * 1024 * 1024))
    assert status == 413
    assert body == TOO_LARGE_PAGE
    # The upload never reached the site; its error page was asked for as a plain GET, without a body.
    assert seen == [("GET", "/errors/413/", b"")]


# --- docker compose and the Dockerfile -----------------------------------------------------------


def _interpolated(value: str) -> str:
    """A compose value with each ${NAME:-default} at its default, as on a machine that sets none."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(value))


@pytest.fixture(scope="module")
def compose():
    try:
        import yaml
    except ImportError:
        yaml = None
    return _needed(yaml, "PyYAML (requirements-dev.txt)").safe_load(COMPOSE_FILE.read_text())


def test_compose_runs_the_production_stack(compose):
    services = compose["services"]
    assert set(services) == {"nginx", "web", "migrate", "db", "redis"}
    assert services["nginx"]["image"].startswith("nginx:")
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert services["web"]["image"] == services["migrate"]["image"]
    environment = services["web"]["environment"]
    assert environment["CACHE_URL"].startswith("redis://redis:")
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert environment["DJANGO_CONN_MAX_AGE"] == "60"
    assert environment["COMMUNITY_TRUSTED_PROXY_COUNT"] == "1"


def test_compose_publishes_nginx_only_in_front_of_gunicorn(compose):
    services = compose["services"]
    assert [name for name, service in services.items() if "ports" in service] == ["nginx"]
    nginx = services["nginx"]
    listen = nginx["environment"]["COMMUNITY_LISTEN"]
    assert all(str(port).endswith(f":{listen}") for port in nginx["ports"])
    volume = next(v for v in nginx["volumes"] if v.startswith("./deploy/nginx/community.conf.template:"))
    assert re.fullmatch(r".*:/etc/nginx/templates/[\w.]+\.template(:ro)?", volume)
    assert nginx["environment"]["COMMUNITY_UPSTREAM"] == "web:" + _gunicorn_port(services["web"])


def _gunicorn_port(web: dict) -> str:
    return web["environment"]["GUNICORN_BIND"].rpartition(":")[2]


def test_compose_checks_each_services_health(compose):
    services = compose["services"]
    port = _gunicorn_port(services["web"])
    for name in ("nginx", "web", "db", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert f"http://127.0.0.1:{port}/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "/healthz" in " ".join(services["nginx"]["healthcheck"]["test"])
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert "redis-cli ping" in " ".join(services["redis"]["healthcheck"]["test"])
    # The health checks' own requests name 127.0.0.1, which the site must answer.
    assert "127.0.0.1" in _interpolated(services["web"]["environment"]["DJANGO_ALLOWED_HOSTS"]).split(",")


def test_compose_migrates_once_before_web_starts(compose):
    services = compose["services"]
    migrate = services["migrate"]
    assert migrate["command"][-3:] == ["manage.py", "migrate", "--no-input"]
    assert migrate.get("restart") == "no"
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    web = services["web"]
    assert web["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"},
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert services["nginx"]["depends_on"]["web"]["condition"] == "service_healthy"
    # web runs the image's own command: gunicorn, never a migration.
    assert "command" not in web


def test_the_image_starts_gunicorn_with_the_committed_config():
    instructions = [line for line in DOCKERFILE.read_text().splitlines() if re.match(r"[A-Z]+ ", line)]
    (command,) = [line.removeprefix("CMD ") for line in instructions if line.startswith("CMD ")]
    assert json.loads(command) == ["gunicorn", "-c", "deploy/gunicorn.conf.py"]
    assert not [line for line in instructions if line.startswith("ENTRYPOINT ")]
    # Migrations are the release step (compose's `migrate`), never part of building or starting.
    assert not [line for line in instructions if "migrate" in line or "createcachetable" in line]
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".env", ".venv", ".git"} <= ignored


def test_compose_sets_only_variables_the_site_or_gunicorn_reads(compose):
    """A misspelt variable would be ignored without a word: each must be a setting's."""
    known = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), flags=re.MULTILINE))
    known |= set(re.findall(r"\"(GUNICORN_\w+)\"", GUNICORN_CONF.read_text()))
    for name in ("web", "migrate"):
        unknown = set(compose["services"][name]["environment"]) - known
        assert not unknown, f"{name} sets {sorted(unknown)}, which nothing reads"


def test_compose_passes_only_its_own_variables_to_the_nginx_template(compose):
    nginx = compose["services"]["nginx"]["environment"]
    assert set(nginx) >= TEMPLATE_VARIABLES
    # The image fills in every variable its filter matches, nginx's own $host included if it had one.
    filter_pattern = nginx["NGINX_ENVSUBST_FILTER"]
    assert all(re.search(filter_pattern, name) for name in TEMPLATE_VARIABLES)
    assert not re.search(filter_pattern, "host")
