"""
URLs built in Python and in the Jinja templates: one helper, `url_for`.

A thread page links every comment several times (permalink, like, reply,
edit, the author's profile): about 1,500 URLs for 200 comments, and
`reverse()` costs tens of microseconds each. `url_for` reverses each URL
name once into a pattern and formats it; Django templates keep `{% url %}`,
which reverses the same names.
"""

import functools

from django.urls import get_script_prefix, reverse

_MARKER = "987654321"


@functools.cache
def _pattern(name: str, arity: int) -> str:
    marker_args = [f"{_MARKER}{i}" for i in range(arity)]
    pattern = reverse(name, args=marker_args).removeprefix(get_script_prefix())
    pattern = pattern.replace("{", "{{").replace("}", "}}")
    for i, marker in enumerate(marker_args):
        pattern = pattern.replace(marker, f"{{{i}}}")
    return pattern


@functools.lru_cache(maxsize=4096)
def _reversed(script_prefix: str, name: str, args: tuple) -> str:
    return reverse(name, args=args)


def url_for(name: str, *args) -> str:
    """
    `reverse(name, args=args)`, memoised. Integer arguments are formatted
    into a pattern reversed once per URL name (ids are unbounded, so caching
    each URL would only churn); other arguments (usernames) are cached whole,
    escaped by `reverse()` as usual.
    """
    # One id is by far the most common call (a thread page makes hundreds).
    if len(args) == 1 and type(args[0]) is int:
        return get_script_prefix() + _pattern(name, 1).format(args[0])
    if all(type(arg) is int for arg in args):
        return get_script_prefix() + _pattern(name, len(args)).format(*args)
    return _reversed(get_script_prefix(), name, args)
