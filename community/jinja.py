"""
The Jinja2 environment of the templates that repeat once per post or
comment (templates/jinja2/, named `*.jinja`): the post card, the comment
thread and the like button. Views render them with `using="jinja2"`, Django
templates include them with `{% jinja_include %}`: a template's engine is
always named, never found by search order.

A thread page repeats one comment's markup up to 200 times. Django's
template language costs about 1 ms per comment there (every variable goes
through its lookup chain, localisation and escaping); the same markup in
Jinja2, compiled to Python, costs a fraction of that. Pages stay Django
templates and pull these parts in with `{% jinja_include %}`.
"""

import functools
from urllib.parse import urlencode as urlencode_pairs

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.template.defaultfilters import date, pluralize, urlencode
from django.utils import timezone
from jinja2 import Environment, StrictUndefined

from . import rules
from .links import url_for
from .rich_text import clip, first_words
from .templatetags.community import plural, rich_text


def _date(value, format_string):
    # Django's date filter, after the conversion to the current time zone
    # that Django's templates apply before it.
    local = timezone.localtime(value)
    return _formatted_date(local, local.tzinfo, format_string)


# A comment's dates never change and every reader of a thread sees the same
# ones, so their text is memoised (time zone in the key: equal datetimes in
# two zones read differently).
@functools.lru_cache(maxsize=4096)
def _formatted_date(value, tzinfo, format_string):
    return date(value, format_string)


def query(**params) -> str:
    """`?a=1&b=2` from the parameters that have a value; "" when none has."""
    present = [(name, value) for name, value in params.items() if value is not None and value != ""]
    return "?" + urlencode_pairs(present) if present else ""


def environment(**options):
    # Always autoescaped, whatever the settings say: these templates show user
    # input. A variable the view did not pass is an error, not empty text.
    options.pop("autoescape", None)
    options.pop("undefined", None)
    env = Environment(autoescape=True, undefined=StrictUndefined, **options)
    env.globals.update(
        {
            "url_for": url_for,
            "query": query,
            "can_edit": rules.can_edit,
            "can_delete": rules.can_delete,
            "can_like": rules.can_like,
            "can_reply": rules.can_reply,
            "is_author": rules.is_author,
            "clip_text": clip,
        }
    )
    env.filters.update(
        {
            "date": _date,
            "first_words": first_words,
            "naturaltime": naturaltime,
            "plural": plural,
            "pluralize": pluralize,
            "rich_text": rich_text,
            "urlencode": urlencode,
        }
    )
    return env
