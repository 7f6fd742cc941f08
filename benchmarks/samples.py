"""
Latency samples and their percentiles. Standard library only: the load
generator (``load``, a process of its own without Django) and the in-process
timings (``measure``) compute percentiles the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def percentile(ordered: list[float], p: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


@dataclass
class Kind:
    """Every answer to one kind of request in a load run: times of the served ones, counts of all."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def record(self, status: int | None, elapsed_ms: float, error: str | None = None) -> None:
        """One answer (`status` None or 0: none came); `error` says why it does not count as served."""
        key = str(status) if status else "none"
        self.statuses[key] = self.statuses.get(key, 0) + 1
        if error is None:
            self.latencies_ms.append(elapsed_ms)
        elif len(self.errors) < 20:
            self.errors.append(error)

    @classmethod
    def merged(cls, kinds: list[Kind]) -> Kind:
        total = cls()
        for kind in kinds:
            total.latencies_ms += kind.latencies_ms
            total.errors += kind.errors[: 20 - len(total.errors)]
            for status, count in kind.statuses.items():
                total.statuses[status] = total.statuses.get(status, 0) + count
        return total

    def summary(self, *, duration: float | None = None) -> dict:
        ordered = sorted(self.latencies_ms)
        requests = sum(self.statuses.values())
        return {
            "requests": requests,
            "ok": len(ordered),
            "errors": requests - len(ordered),
            "per_second": round(requests / duration, 1) if duration else None,
            "statuses": dict(sorted(self.statuses.items())),
            "p50_ms": _round(percentile(ordered, 50)),
            "p95_ms": _round(percentile(ordered, 95)),
            "p99_ms": _round(percentile(ordered, 99)),
            "max_ms": _round(ordered[-1] if ordered else None),
            "error_samples": self.errors,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
