from django import template
from django.template import engines
from django.utils.safestring import mark_safe

from ..rich_text import first_words
from ..rich_text import render as render_rich_text

register = template.Library()


@register.filter(is_safe=True)
def rich_text(text: str) -> str:
    """
    User text (Markdown) as sanitised HTML: see `community.rich_text` for
    what it allows. Only http(s) and mail addresses become links, so
    `javascript:` never does.
    """
    return mark_safe(render_rich_text(str(text)))  # noqa: S308 - sanitised by nh3


register.filter("first_words", first_words)


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
