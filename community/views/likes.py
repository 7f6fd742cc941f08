"""Likes and unlikes of posts and comments."""

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ..models import Comment, Post
from ..ratelimit import rate_limited
from ..selectors.likes import like_state
from ..services import NotFound
from ..services import likes as like_services
from .base import JINJA, login_required_response, safe_next

LIKE_TARGETS = {"post": Post, "comment": Comment}


@require_POST
@rate_limited("like")
def like(request, kind, target_id, liked):
    model = LIKE_TARGETS[kind]
    if not request.user.is_authenticated:
        # Back to the item itself, where one click likes it: the like URL
        # answers POST only, and the page the button was on may have moved.
        page = "community:post_detail" if kind == "post" else "community:comment_detail"
        return login_required_response(
            request, next_url=f"{reverse(page, args=[target_id])}#{kind}-{target_id}", reason=f"like-{kind}"
        )
    write = like_services.like_add if liked else like_services.like_remove
    try:
        write(user=request.user, model=model, target_id=target_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    target = like_state(model=model, target_id=target_id, viewer=request.user)
    post_id = target.id if kind == "post" else target.post_id
    fallback = reverse("community:post_detail", args=[post_id])
    if request.htmx:
        return render(
            request,
            "community/partials/like_button.jinja",
            {"kind": kind, "target": target, "next": safe_next(request, fallback)},
            using=JINJA,
        )
    return HttpResponseRedirect(f"{safe_next(request, fallback).split('#')[0]}#{kind}-{target_id}")
