"""Timing and query counting for in-process measurements."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from django.db import connection
from django.test.utils import CaptureQueriesContext

from .samples import percentile


@dataclass(frozen=True)
class Timing:
    """Wall-clock samples of one measurement, in milliseconds."""

    samples: tuple[float, ...]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return percentile(sorted(self.samples), 95)

    @property
    def max(self) -> float:
        return max(self.samples)

    def as_dict(self) -> dict:
        return {
            "runs": len(self.samples),
            "p50_ms": round(self.p50, 2),
            "p95_ms": round(self.p95, 2),
            "max_ms": round(self.max, 2),
            "samples_ms": [round(s, 2) for s in self.samples],
        }


def time_calls(fn, *, runs: int, warmup: int = 2) -> Timing:
    """Call `fn` `warmup` times untimed, then `runs` times timed."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(max(1, runs)):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return Timing(tuple(samples))


def captured_queries(fn) -> list[str]:
    """The SQL of every query `fn` runs on the default database."""
    with CaptureQueriesContext(connection) as context:
        fn()
    return [query["sql"] for query in context.captured_queries]
