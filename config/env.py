"""
Reading settings from the environment: the only module that does.

Each helper takes a variable's name and its default. A variable that is
unset or empty (as in `NAME=` in .env) has the default; a value that does not
parse raises ImproperlyConfigured naming the variable, so a typo stops the
site at start-up instead of quietly running with something else.
"""

import math
import os
from collections.abc import Collection, Sequence

from django.core.exceptions import ImproperlyConfigured

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


def _raw(name: str) -> str:
    return os.environ.get(name, "").strip()


def env_str(name: str, default: str = "", *, choices: Collection[str] | None = None) -> str:
    value = _raw(name) or default
    if choices is not None and value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(sorted(choices))}, not {value!r}.")
    return value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if not value:
        return default
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (or true/false, yes/no, on/off), not {value!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from exc
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    value = _raw(name)
    if not value:
        return default
    try:
        number = float(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}.") from exc
    # float() accepts "nan" and "inf", which no setting here means.
    if not math.isfinite(number):
        raise ImproperlyConfigured(f"{name} must be a finite number, not {value!r}.")
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_list(name: str, default: Sequence[str] = ()) -> list[str]:
    """A comma-separated list; blank items are dropped."""
    value = _raw(name)
    if not value:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def refuse_renamed(renamed: dict[str, str]) -> None:
    """
    Stop with a clear message when a variable is set under a name it no
    longer has, rather than ignore it and run with the default.
    """
    for old, new in renamed.items():
        if _raw(old):
            raise ImproperlyConfigured(f"{old} is now called {new}: rename it in the environment or .env.")
