"""People: profiles and the leaderboard."""

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from ..selectors import karma, profiles
from ..selectors import leaderboard as shared_leaderboard

User = get_user_model()

# The fragment reads nothing of its reader, so every poll of one answer gets
# the same HTML: this process renders it once per answer, not per poll.
_fragment: tuple[tuple, str] = ((), "")


@require_safe
def profile(request, username):
    person = get_object_or_404(User, username=username)
    person_karma = karma.karma_for_users([person.pk])[person.pk]
    posts = list(profiles.recent_posts_of(person, viewer=request.user))
    comments = list(profiles.recent_comments_of(person, viewer=request.user))
    return render(
        request,
        "community/profile.html",
        {"person": person, "karma": person_karma, "posts": posts, "comments": comments},
    )


@require_safe
@vary_on_headers("HX-Request")
def leaderboard(request):
    """
    The leaderboard page, or its fragment for the polling panel. Every
    reader of one tick gets the same computation (`selectors.leaderboard`);
    the fragment carries an ETag of its entries, so a poll whose answer has
    not changed is answered 304 with no body, and the browser keeps the
    fragment it has.
    """
    answer = shared_leaderboard.current()
    context = {"leaderboard": answer.entries, "leaderboard_as_of": answer.computed_at}
    if not request.htmx:
        return render(request, "community/leaderboard.html", context)
    response = get_conditional_response(request, etag=answer.etag) or HttpResponse(
        _fragment_html(request, answer, context)
    )
    response["ETag"] = answer.etag
    # Also on a 304, whose headers refresh the browser's stored copy: the
    # panel shows when the answer it keeps was last confirmed.
    response["Leaderboard-Computed-At"] = answer.computed_at.isoformat()
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _fragment_html(request, answer, context) -> str:
    global _fragment
    key = (answer.computed_at, answer.etag)
    if _fragment[0] != key:
        _fragment = (key, render_to_string("community/partials/leaderboard.html", context, request))
    return _fragment[1]
