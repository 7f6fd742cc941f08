import functools

from django import template
from django.template import engines
from django.utils.html import linebreaks, urlize
from django.utils.safestring import mark_safe

register = template.Library()

NOFOLLOW = ' rel="nofollow">'
UGC = ' rel="nofollow ugc noopener">'


@register.filter(is_safe=True)
def rich_text(text: str) -> str:
    """
    User text as HTML: escaped, line breaks kept, web addresses made into
    links marked as user-generated. Only http(s) and www addresses become
    links, so `javascript:` never does.
    """
    return mark_safe(_rich_text_html(str(text)))  # noqa: S308


# urlize walks the text word by word (~150 µs for a short comment); a thread
# page shows the same texts to every reader, so the result is memoised.
@functools.lru_cache(maxsize=2048)
def _rich_text_html(text: str) -> str:
    # urlize escapes the text itself; user text cannot contain a literal
    # ' rel="nofollow">' after escaping, so the replace only touches links.
    html = urlize(text, nofollow=True, autoescape=True).replace(NOFOLLOW, UGC)
    return linebreaks(html, autoescape=False)


@register.filter
def plural(count: int, noun: str) -> str:
    """`4|plural:"like"` -> "4 likes"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


@register.simple_tag(takes_context=True)
def jinja_include(context, template_name: str, **values) -> str:
    """
    `{% include %}` for the Jinja2 templates (community/jinja.py): render
    `template_name` with this template's variables and `values`.
    """
    variables = context.flatten()
    variables.update(values)
    request = variables.pop("request", None)
    html = engines["jinja2"].get_template(template_name).render(variables, request)
    return mark_safe(html)  # noqa: S308 - autoescaped by Jinja2
