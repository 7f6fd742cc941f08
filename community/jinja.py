"""
The Jinja2 environment of the templates that repeat once per post or
comment (templates/jinja2/): the post card, the comment thread and the like
button.

A thread page repeats one comment's markup up to 200 times. Django's
template language costs about 1 ms per comment there (every variable goes
through its lookup chain, localisation and escaping); the same markup in
Jinja2, compiled to Python, costs a fraction of that. Pages stay Django
templates and pull these parts in with `{% jinja_include %}`.
"""

import functools

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.template.defaultfilters import date, pluralize, urlencode
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from jinja2 import Environment

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


def url(name, *args):
    """reverse(name, args=args), memoised: a thread links each author's profile once per comment."""
    return _reverse(get_script_prefix(), name, args)


@functools.lru_cache(maxsize=4096)
def _reverse(script_prefix, name, args):
    return reverse(name, args=args)


def environment(**options):
    # Always autoescaped, whatever the settings say: these templates show user input.
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **options)
    env.globals["url"] = url
    env.filters.update(
        {
            "date": _date,
            "naturaltime": naturaltime,
            "plural": plural,
            "pluralize": pluralize,
            "rich_text": rich_text,
            "urlencode": urlencode,
        }
    )
    return env
