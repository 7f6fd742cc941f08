"""System checks for deployment (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs):
    """Every web process must share the cache: it holds the leaderboard's answer of the tick."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend not in PER_PROCESS_CACHES:
        return []
    return [
        Warning(
            "The default cache is each process's own memory, so every web process computes the "
            "leaderboard of each tick by itself.",
            hint="Leave CACHE_URL empty (the database) or set it to redis://host:6379/0.",
            id="community.W001",
        )
    ]
