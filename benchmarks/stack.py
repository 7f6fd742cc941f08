"""
The site as production serves it, on the loopback interface: gunicorn with
``deploy/gunicorn.conf.py`` behind nginx with the server block rendered from
``deploy/nginx/community.conf.template``, each on a free port, the nginx
instance in a temporary directory of its own (the system's nginx service is
never touched). ``serve()`` starts both and stops them; ``Stack.cpu()`` says
how much CPU each has used.

Standard library only: the PostgreSQL restart check, a plain script, uses it
too.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
SERVER_BLOCK_TEMPLATE = ROOT / "deploy" / "nginx" / "community.conf.template"
# The template's own variables; nginx's ($host, $remote_addr, ...) stay as they are.
UPSTREAM_VARIABLE = "${COMMUNITY_UPSTREAM}"
LISTEN_VARIABLE = "${COMMUNITY_LISTEN}"
# Enough for a thousand browser tabs, each keeping its connection open, and
# the connections to gunicorn.
WORKER_CONNECTIONS = 8192
MAIN_CONFIG = """\
# The benchmark's own nginx instance (benchmarks/stack.py): a minimal main
# configuration around the site's server block.
worker_processes auto;
worker_rlimit_nofile {nofile};
events {{
    worker_connections {connections};
}}
http {{
{mime_types}    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {server_block};
}}
"""
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class StackError(Exception):
    """gunicorn or nginx could not be started."""


def find_nginx() -> str:
    """The nginx binary: on PATH, or where Debian puts it (/usr/sbin is not on every PATH)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise StackError("nginx is not installed: apt-get install -y nginx (the load run serves through it).")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def render_server_block(template: str, *, upstream: str, port: int) -> str:
    """
    The template with its two variables filled in, as envsubst would with
    the list its header gives, then listening on 127.0.0.1 only: the
    template listens on every address, IPv4 and IPv6, as a server should,
    and a benchmark should not.
    """
    for variable in (UPSTREAM_VARIABLE, LISTEN_VARIABLE):
        if variable not in template:
            raise StackError(f"{SERVER_BLOCK_TEMPLATE} no longer has {variable}.")
    block = template.replace(UPSTREAM_VARIABLE, upstream).replace(LISTEN_VARIABLE, str(port))
    lines = []
    for line in block.splitlines():
        listen = re.match(r"^(\s*)listen\s+(\S+)(.*)$", line)
        if listen is None:
            lines.append(line)
        elif listen.group(2) == str(port):
            lines.append(f"{listen.group(1)}listen 127.0.0.1:{port}{listen.group(3)}")
        elif listen.group(2) != f"[::]:{port}":
            raise StackError(f"Unexpected listen directive in {SERVER_BLOCK_TEMPLATE}: {line.strip()}")
    if f"listen 127.0.0.1:{port}" not in "\n".join(lines):
        raise StackError(f"{SERVER_BLOCK_TEMPLATE} has no listen directive for ${{COMMUNITY_LISTEN}}.")
    return "\n".join(lines) + "\n"


def main_config(tmp: Path, server_block: Path) -> str:
    mime = Path("/etc/nginx/mime.types")
    return MAIN_CONFIG.format(
        nofile=2 * WORKER_CONNECTIONS + 64,
        connections=WORKER_CONNECTIONS,
        mime_types=f"    include {mime};\n" if mime.exists() else "",
        tmp=tmp,
        server_block=server_block,
    )


def http_status(url: str, timeout: float = 5) -> int:
    """The status of a GET on loopback; 0 when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback only)
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


@dataclass
class Stack:
    """A running nginx in front of a running gunicorn."""

    base_url: str  # nginx: where every request of a load run goes
    upstream_url: str  # gunicorn itself, for the checks that bypass the proxy
    gunicorn: subprocess.Popen
    nginx: subprocess.Popen
    directory: Path
    gunicorn_log: Path

    def cpu(self) -> dict[str, float]:
        """CPU seconds (user + system) used so far by gunicorn's master and workers, and by nginx's."""
        return {"gunicorn": tree_cpu_seconds(self.gunicorn.pid), "nginx": tree_cpu_seconds(self.nginx.pid)}

    def worker_boots(self) -> int:
        """
        How many gunicorn workers have started so far, the first ones
        included: a worker is replaced after max_requests requests (see
        deploy/gunicorn.conf.py), or when it dies or times out.
        """
        return self.gunicorn_log.read_text(errors="replace").count("Booting worker with pid")


@contextmanager
def serve(
    env: dict,
    *,
    workers: int,
    log_path: Path,
    health_path: str = "/healthz",
    start_timeout: float = 60,
) -> Iterator[Stack]:
    """
    Start gunicorn (`workers` sync workers, the environment `env`) and nginx
    in front of it on free loopback ports; stop both when the block ends.
    gunicorn's output goes to `log_path`, its access log and nginx's files
    to a temporary directory removed afterwards.
    """
    nginx_binary = find_nginx()
    directory = Path(tempfile.mkdtemp(prefix="community-stack-"))
    # nginx's workers (user nobody when started as root) create files in
    # their temporary directories below this one.
    directory.chmod(0o755)
    upstream_port, nginx_port = free_port(), free_port()
    server_block = directory / "community.conf"
    server_block.write_text(
        render_server_block(
            SERVER_BLOCK_TEMPLATE.read_text(), upstream=f"127.0.0.1:{upstream_port}", port=nginx_port
        )
    )
    config = directory / "nginx.conf"
    config.write_text(main_config(directory, server_block))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    gunicorn_env = {
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{upstream_port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_ACCESS_LOG": str(directory / "gunicorn-access.log"),
        # Info: one line per worker started (`Stack.worker_boots`), no line per request.
        "GUNICORN_LOG_LEVEL": "info",
        # gunicorn's control socket goes there: by default one path per
        # user ($HOME/.gunicorn), which another gunicorn may hold.
        "XDG_RUNTIME_DIR": str(directory),
    }
    processes: list[subprocess.Popen] = []
    with open(log_path, "w") as log:
        try:
            gunicorn = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF)],
                cwd=ROOT,
                env=gunicorn_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            processes.append(gunicorn)
            upstream_url = f"http://127.0.0.1:{upstream_port}"
            _wait_until_healthy(gunicorn, upstream_url + health_path, "gunicorn", log_path, start_timeout)
            nginx_command = [
                nginx_binary,
                "-p",
                str(directory),
                "-c",
                str(config),
                "-e",
                str(directory / "error.log"),
                "-g",
                f"daemon off; pid {directory / 'nginx.pid'};",
            ]
            checked = subprocess.run(  # noqa: S603
                [*nginx_command, "-t", "-q"], capture_output=True, text=True, check=False
            )
            if checked.returncode != 0:
                raise StackError(f"nginx refused its configuration: {checked.stderr.strip()}")
            nginx = subprocess.Popen(nginx_command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
            processes.append(nginx)
            base_url = f"http://127.0.0.1:{nginx_port}"
            _wait_until_healthy(
                nginx, base_url + health_path, "nginx", directory / "error.log", start_timeout
            )
            yield Stack(base_url, upstream_url, gunicorn, nginx, directory, log_path)
        finally:
            for process in reversed(processes):
                _stop(process)
            error_log = directory / "error.log"
            if error_log.exists() and error_log.stat().st_size:
                log.write("\n--- nginx error.log ---\n" + error_log.read_text(errors="replace")[-20_000:])
            shutil.rmtree(directory, ignore_errors=True)


def _wait_until_healthy(process, url: str, name: str, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while http_status(url, timeout=2) != 200:
        if process.poll() is not None:
            raise StackError(f"{name} exited with {process.returncode}; see {log_path}.")
        if time.monotonic() > deadline:
            raise StackError(f"{name} did not answer {url} within {timeout:.0f} s; see {log_path}.")
        time.sleep(0.2)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    # gunicorn: TERM is a graceful stop, nginx: a fast one; both end their workers.
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name, in parentheses, may hold spaces: split after it.
    return raw[raw.rindex(")") + 2 :].split()


def process_cpu_seconds(pid: int, *, with_reaped_children: bool) -> float:
    """User + system CPU of one process, plus that of its children it has reaped."""
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    # After the name: state, ppid, ... utime is field 14 of stat, so index 11 here.
    ticks = int(fields[11]) + int(fields[12])
    if with_reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLOCK_TICKS


def tree_cpu_seconds(pid: int) -> float:
    """
    CPU seconds of a server's master process and its workers: the master's,
    those of workers that ended (recycled ones, reaped by the master) and
    those of the workers running now.
    """
    total = process_cpu_seconds(pid, with_reaped_children=True)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and fields[1] == str(pid):
                total += process_cpu_seconds(int(entry.name), with_reaped_children=False)
    return round(total, 2)


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine since boot, every core added up."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    # guest time is already counted in user time.
    total = sum(values[:8])
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS
