"""Helpers every view module shares: log-in redirects, safe `next`, ids from requests, the author check."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

from .. import rules
from ..comment_tree import SORTS, parse_sort, sort_tree, thread_window
from ..forms import CommentForm
from ..models import MAX_ID, Comment, Post
from ..selectors import threads

JINJA = "jinja2"


def login_required_response(request, *, next_url: str | None = None, reason: str | None = None):
    """
    Anonymous users are sent to log in, and afterwards to `next_url` (by
    default this request's page); htmx follows with a full-page redirect.
    `reason` names why, for the log-in page to say (registration/login.html
    shows the reasons it knows).
    """
    query = QueryDict(mutable=True)
    query["next"] = next_url or request.get_full_path()
    if reason:
        query["reason"] = reason
    login_url = f"{resolve_url(settings.LOGIN_URL)}?{query.urlencode(safe='/')}"
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = login_url
        return response
    return HttpResponseRedirect(login_url)


def safe_next(request, fallback: str) -> str:
    """
    The `next` the request carries when it is a path on this site ("/...")
    or a URL of this host; otherwise `fallback`. Anything else, a bare word
    included, would be resolved against the current page, or (by
    `redirect()`) as a URL name.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return fallback
    if target.startswith("/") or urlsplit(target).netloc:
        return target
    return fallback


def int_or_none(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def htmx_current_path(request) -> str | None:
    """
    The path of the page of this site an htmx request was sent from
    (HX-Current-URL), or None. The header is the client's to write:
    django-htmx raises ValueError for one that is not a URL ("http://[").
    """
    try:
        url = request.htmx.current_url_abs_path
        return urlsplit(url).path if url else None
    except ValueError:
        return None


def get_post_or_404(post_id, viewer=None, *, last_visit: bool = False) -> Post:
    post = threads.post_with_counts(post_id, viewer=viewer, last_visit=last_visit)
    if post is None:
        raise Http404("This post does not exist, or it was deleted.")
    return post


def get_comment_or_404(comment_id) -> Comment:
    return get_object_or_404(Comment.objects.select_related("post"), pk=comment_id)


_MAY = {"edit": rules.can_edit, "delete": rules.can_delete}


def author_only(request, obj, action: str):
    """
    None when the signed-in user may `action` ("edit" or "delete") `obj`;
    the log-in redirect for anonymous users; 403 for anyone else.
    """
    if not request.user.is_authenticated:
        return login_required_response(request)
    if not _MAY[action](request.user, obj):
        raise PermissionDenied(f"Only the author can {action} this {obj._meta.verbose_name}.")
    return None


def thread_for(request, post_id):
    """The post's comment tree for this reader, in the order the request asks for, and that order."""
    sort = parse_sort(request.GET.get("sort"))
    return sort_tree(threads.comment_tree(post_id=post_id, viewer=request.user), sort), sort


def thread_context(request, post, *, siblings, sort, after=None):
    window = thread_window(siblings, after=after)
    return {"post": post, "window": window, "comment_form": CommentForm(), "sort": sort, "sorts": SORTS}
