"""Replies to you: the inbox, marking it read, and the header's unread count."""

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from ..selectors import inbox as inbox_selectors
from ..services import inbox as inbox_services
from .base import JINJA, login_required_response


@never_cache
@require_safe
def inbox(request):
    """
    Replies to the reader, newest first, a page at a time. What the page
    shows is marked read once it has been read from the database, so the
    page itself still says which replies were new.
    """
    if not request.user.is_authenticated:
        return login_required_response(request)
    cursor = request.GET.get("cursor")
    replies, next_cursor = inbox_selectors.inbox_page(user=request.user, cursor=cursor)
    if replies:
        inbox_services.inbox_mark_read(user=request.user, up_to=replies[0].created_at)
    context = {"replies": replies, "next_cursor": next_cursor}
    if request.htmx and not request.htmx.history_restore_request and cursor:
        return render(
            request, "community/partials/inbox_page.jinja", {**context, "appended": True}, using=JINJA
        )
    return render(request, "community/inbox.html", context)


@require_POST
def inbox_mark_all_read(request):
    """Mark every reply so far as read, including those that came after the page was shown."""
    if not request.user.is_authenticated:
        return login_required_response(request, next_url=reverse("community:inbox"))
    inbox_services.inbox_mark_read(user=request.user)
    return HttpResponseRedirect(reverse("community:inbox"))


@never_cache
@require_safe
def unread_count(request):
    """
    The header's count of unread replies, polled by every page, counted up
    to one more than it shows ("99+"); signed out, nothing (which stops the
    polling).
    """
    shown_max = inbox_selectors.UNREAD_SHOWN_MAX
    count = 0
    if request.user.is_authenticated:
        count = inbox_selectors.unread_count(request.user, up_to=shown_max + 1)
    label = f"{shown_max}+" if count > shown_max else str(count)
    return render(
        request, "community/partials/unread_count.html", {"unread_count": count, "unread_label": label}
    )
