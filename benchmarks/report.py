"""The benchmark's output: a table on screen, a JSON file and the figures in docs/benchmarks.md."""

from __future__ import annotations

import json
import os
import platform
import re
from dataclasses import dataclass
from pathlib import Path

import django
from django.db import connection

from .harness import AUTH_QUERIES

DOCS_START = "<!-- bench:results:start -->"
DOCS_END = "<!-- bench:results:end -->"


@dataclass
class Target:
    """One target of the issue, judged against a figure."""

    name: str
    goal: str
    figure: str
    passed: bool | None  # None: not measured in this run

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "MISS", None: "n/a"}[self.passed]

    def as_dict(self) -> dict:
        return {"name": self.name, "goal": self.goal, "figure": self.figure, "verdict": self.verdict}


def machine() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), current_setting('shared_buffers'), current_setting('work_mem')")
        version, shared_buffers, work_mem = cursor.fetchone()
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f"{pages / 2**30:.1f} GiB"
    except (ValueError, OSError, AttributeError):
        memory = "unknown"
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "postgresql": version.split(" on ")[0],
        "shared_buffers": shared_buffers,
        "work_mem": work_mem,
        "python": platform.python_version(),
        "django": django.get_version(),
        "os": platform.platform(),
    }


def ms(value) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def _fmt(value, digits=1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table_lines(rows: list[dict], targets: list[dict], *, markdown: bool) -> list[str]:
    """The two tables (measurements, targets) as plain text or Markdown."""
    header = ["Measurement", "p50 ms", "p95 ms", "Queries", "Notes"]
    body = [
        [
            row["name"],
            _fmt(row.get("p50_ms")),
            _fmt(row.get("p95_ms")),
            _fmt(row.get("queries")),
            row.get("note", ""),
        ]
        for row in rows
    ]
    target_header = ["Target", "Goal", "Measured", "Verdict"]
    target_body = [[t["name"], t["goal"], t["figure"], t["verdict"]] for t in targets]
    return [*_table(header, body, markdown), "", *_table(target_header, target_body, markdown)]


def _table(header, body, markdown) -> list[str]:
    if markdown:
        escape = [[str(cell).replace("|", "\\|") for cell in row] for row in body]
        return [
            "| " + " | ".join(header) + " |",
            "|" + "|".join("---" for _ in header) + "|",
            *("| " + " | ".join(row) + " |" for row in escape),
        ]
    widths = [max(len(str(row[i])) for row in [header, *body]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    return [
        "  ".join(str(cell).ljust(w) for cell, w in zip(header, widths, strict=True)).rstrip(),
        line,
        *("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in body),
    ]


def console_lines(results: dict) -> list[str]:
    """What the benchmark prints at the end: the machine, the data, then the tables."""
    meta, d = results["meta"], results["dataset"]
    m = meta["machine"]
    lines = [
        "",
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory']}; {m['postgresql']}; "
        f"Python {m['python']}, Django {m['django']}",
        f"Data: {d['counts']}, {d['likes_in_24h_window']:,} likes in the window ({d['why']})",
        f"In-process: test client, signed in, DEBUG off, {meta['runs']} runs; query counts include "
        f"the session and user lookups ({AUTH_QUERIES}).",
    ]
    if meta["tiny"]:
        lines.append("Tiny dataset: the targets are for the full size; verdicts here mean nothing.")
    return [
        *lines,
        "",
        *table_lines(results["rows"], results["targets"], markdown=False),
        f"\nBenchmark {meta['wall_seconds']:.0f} s"
        + (f", seeding {d['seed_seconds']:.0f} s" if d["seed_seconds"] else ""),
    ]


def write_json(path: Path, results: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")


def summary_markdown(results: dict) -> str:
    meta, dataset = results["meta"], results["dataset"]
    m = meta["machine"]
    counts = dataset["counts"]
    seeding = (
        f"seeded in this run in {dataset['seed_seconds']} s"
        if dataset["seeded_now"]
        else "reused from an earlier run"
    )
    lines = [
        f"Latest full run: {meta['finished_at'][:16].replace('T', ' ')} UTC, "
        f"`{meta['command']}`, {meta['wall_seconds']:.0f} s of benchmark after the data was ready.",
        "",
        f"- Machine: {m['cores']} cores ({m['cpu']}), {m['memory']} RAM; {m['postgresql']} "
        f"(shared_buffers {m['shared_buffers']}, work_mem {m['work_mem']}); Python {m['python']}, "
        f"Django {m['django']}.",
        f"- Data: {counts['users']:,} users, {counts['posts']:,} posts, {counts['comments']:,} comments, "
        f"{counts['likes']:,} likes, {dataset['likes_in_24h_window']:,} of them in the last 24 hours "
        f"({seeding}).",
        f"- Load average (1 minute) between sections: {_load_range(results)}; other work on the machine "
        "raises every figure.",
        f"- In-process timings: Django's test client, signed in, DEBUG off, {meta['runs']} runs after "
        "2 warm-up runs; p50 is the median. Query counts are for signed-in requests and include the "
        "session and user lookups (2).",
        "",
        *table_lines(results["rows"], results["targets"], markdown=True),
    ]
    return "\n".join(lines)


def _load_range(results: dict) -> str:
    values = [v for pair in results["details"].get("load_average", {}).values() for v in pair]
    return f"{min(values):.1f} to {max(values):.1f}" if values else "not recorded"


def update_docs(path: Path, results: dict) -> bool:
    """Replace the figures between the markers of `path`; False when the markers are missing."""
    text = path.read_text() if path.exists() else ""
    if DOCS_START not in text or DOCS_END not in text:
        return False
    block = f"{DOCS_START}\n{summary_markdown(results)}\n{DOCS_END}"
    pattern = re.compile(re.escape(DOCS_START) + ".*?" + re.escape(DOCS_END), re.DOTALL)
    path.write_text(pattern.sub(lambda _: block, text, count=1))
    return True
