"""The feed and posts: list, write, read with their discussion, edit, delete."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import reswap, retarget

from ..forms import PostForm
from ..models import Post
from ..ratelimit import rate_limited
from ..selectors import feed as feed_selectors
from ..selectors import visits
from ..services import posts as post_services
from ..services import visits as visit_services
from .base import (
    JINJA,
    author_only,
    get_post_or_404,
    int_or_none,
    login_required_response,
    thread_context,
    thread_for,
)


@require_safe
def feed(request):
    posts, next_cursor = feed_selectors.feed_page(
        viewer=request.user, cursor=request.GET.get("cursor"), size=settings.COMMUNITY_FEED_PAGE_SIZE
    )
    context = {"posts": posts, "next_cursor": next_cursor, "form": PostForm()}
    # "Older posts" puts its address in the history; htmx asks for that
    # address again, as a whole page, when its own copy of it is gone.
    if request.htmx and not request.htmx.history_restore_request and request.GET.get("cursor"):
        return render(
            request, "community/partials/post_page.jinja", {**context, "appended": True}, using=JINJA
        )
    return render(request, "community/feed.html", context)


@require_http_methods(["GET", "POST"])
@rate_limited("post")
def post_create(request):
    if not request.user.is_authenticated:
        return login_required_response(request)
    form = PostForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid() and "preview" in request.POST:
            # The Preview button without JavaScript: the form again, with the rendering.
            context = {"form": form, "preview": form.cleaned_data["content"]}
            return render(request, "community/post_form.html", context)
        if form.is_valid():
            post = post_services.post_create(author=request.user, content=form.cleaned_data["content"])
            if request.htmx:
                post = get_post_or_404(post.pk, request.user)
                return render(
                    request, "community/partials/post_created.html", {"post": post, "form": PostForm()}
                )
            messages.success(request, "Your post is up.")
            return redirect("community:feed")
        if request.htmx:
            response = render(
                request, "community/partials/post_form.html", {"form": form, "in_feed": True}, status=400
            )
            return reswap(retarget(response, "#post-form"), "outerHTML")
        return render(request, "community/post_form.html", {"form": form}, status=400)
    return render(request, "community/post_form.html", {"form": form})


@require_safe
def post_detail(request, post_id):
    """
    The post and its discussion. A signed-in reader's visit is recorded
    (their visits come with the post; one upsert), and the comments others
    wrote since their previous visit are marked new (`services.visits`).
    More top-level comments loaded in place (`after`, htmx) record nothing
    and mark what the page they join marked.
    """
    # Before the comments are read: one written meanwhile is new next time too.
    now = timezone.now()
    after = int_or_none(request.GET.get("after"))
    fragment = bool(request.htmx) and after is not None
    post = get_post_or_404(post_id, request.user, last_visit=True)
    tree, sort = thread_for(request, post.pk)
    context = thread_context(request, post, siblings=tree.roots, sort=sort, after=after)
    if not request.user.is_authenticated:
        since = None
    elif fragment:
        since = post.previous_visit
    else:
        since = visit_services.post_visit_record(user=request.user, post=post, at=now)
    new_ids = visits.new_comment_ids(tree, user=request.user, since=since)
    context.update(new_ids=frozenset(new_ids), first_new_id=new_ids[0] if new_ids else None)
    if fragment:
        return render(request, "community/partials/thread.jinja", {**context, "parent_id": None}, using=JINJA)
    return render(request, "community/post_detail.html", context)


@require_http_methods(["GET", "POST"])
@rate_limited("edit")
def post_edit(request, post_id):
    post = get_object_or_404(Post, pk=post_id)
    if (denied := author_only(request, post, "edit")) is not None:
        return denied
    form = PostForm(request.POST or None, instance=post)
    if request.method == "POST":
        if form.is_valid() and "preview" in request.POST:
            context = {"form": form, "post": post, "preview": form.cleaned_data["content"]}
            return render(request, "community/post_edit.html", context)
        if form.is_valid():
            post_services.post_update(post=post, user=request.user, content=form.cleaned_data["content"])
            messages.success(request, "Your post was updated.")
            return redirect(post)
        return render(request, "community/post_edit.html", {"form": form, "post": post}, status=400)
    return render(request, "community/post_edit.html", {"form": form, "post": post})


@require_http_methods(["GET", "POST"])
def post_delete(request, post_id):
    post = get_object_or_404(Post, pk=post_id)
    if (denied := author_only(request, post, "delete")) is not None:
        return denied
    if request.method == "POST":
        post_services.post_delete(post=post, user=request.user)
        messages.success(request, "Your post was deleted, with its discussion.")
        return redirect("community:feed")
    return render(request, "community/confirm_delete.html", {"object": post, "kind": "post"})
