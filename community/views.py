import base64
import binascii
from datetime import datetime

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import reswap, retarget

from . import selectors, services
from .forms import CommentForm, PostForm, SignupForm
from .models import Comment, Post, like_annotations
from .ratelimit import rate_limited

User = get_user_model()

FEED_PAGE_SIZE = 20


# --- Helpers ----------------------------------------------------------------


def _login_required_response(request):
    """Anonymous users are sent to log in; htmx follows with a full-page redirect."""
    login_url = redirect_to_login(request.get_full_path()).url
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = login_url
        return response
    return HttpResponseRedirect(login_url)


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _int_or_none(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def encode_cursor(post) -> str:
    raw = f"{post.created_at.isoformat()}|{post.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None):
    """(created_at, id) from a feed cursor; None for a missing or malformed one."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, pk = raw.partition("|")
        created_at = datetime.fromisoformat(stamp)
        pk = int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if timezone.is_naive(created_at) or not 0 < pk < 2**63:
        return None
    return created_at, pk


def feed_page(*, viewer, cursor: str | None):
    """One page of the feed after `cursor`, and the cursor of the next page (None at the end)."""
    posts = Post.objects.with_counts(viewer).newest_first()
    position = decode_cursor(cursor)
    if position is not None:
        created_at, pk = position
        # The first condition lets PostgreSQL start an index range scan at
        # the cursor; the second breaks ties within one timestamp.
        posts = posts.filter(created_at__lte=created_at).filter(Q(created_at__lt=created_at) | Q(id__lt=pk))
    page = list(posts[: FEED_PAGE_SIZE + 1])
    next_cursor = encode_cursor(page[FEED_PAGE_SIZE - 1]) if len(page) > FEED_PAGE_SIZE else None
    return page[:FEED_PAGE_SIZE], next_cursor


def _get_post(post_id, viewer=None) -> Post:
    post = Post.objects.with_counts(viewer).filter(pk=post_id).first()
    if post is None:
        raise Http404("This post does not exist, or it was deleted.")
    return post


def _get_comment(comment_id) -> Comment:
    return get_object_or_404(Comment.objects.select_related("post"), pk=comment_id)


def _author_only(request, obj, action: str):
    """
    None when the signed-in user wrote `obj`; the log-in redirect for
    anonymous users; 403 for anyone else.
    """
    if not request.user.is_authenticated:
        return _login_required_response(request)
    if obj.author_id != request.user.pk:
        raise PermissionDenied(f"Only the author can {action} this {obj._meta.verbose_name}.")
    return None


# --- Feed and posts ---------------------------------------------------------


@require_safe
def feed(request):
    posts, next_cursor = feed_page(viewer=request.user, cursor=request.GET.get("cursor"))
    context = {"posts": posts, "next_cursor": next_cursor, "form": PostForm()}
    if request.htmx and request.GET.get("cursor"):
        return render(request, "community/partials/post_page.html", {**context, "appended": True})
    return render(request, "community/feed.html", context)


@require_http_methods(["GET", "POST"])
@rate_limited("post")
def post_create(request):
    if not request.user.is_authenticated:
        return _login_required_response(request)
    form = PostForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            post = services.post_create(author=request.user, content=form.cleaned_data["content"])
            if request.htmx:
                post = _get_post(post.pk, request.user)
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


def _thread_context(request, post, *, siblings, after=None):
    window = selectors.thread_window(siblings, after=after)
    return {"post": post, "window": window, "comment_form": CommentForm()}


@require_safe
def post_detail(request, post_id):
    post = _get_post(post_id, request.user)
    tree = selectors.comment_tree(post_id=post.pk, viewer=request.user)
    after = _int_or_none(request.GET.get("after"))
    context = _thread_context(request, post, siblings=tree.roots, after=after)
    if request.htmx and after is not None:
        return render(request, "community/partials/thread.html", {**context, "parent_id": None})
    return render(request, "community/post_detail.html", {**context, "comment_total": tree.visible_count})


@require_http_methods(["GET", "POST"])
def post_edit(request, post_id):
    post = get_object_or_404(Post, pk=post_id)
    if (denied := _author_only(request, post, "edit")) is not None:
        return denied
    form = PostForm(request.POST or None, instance=post)
    if request.method == "POST":
        if form.is_valid():
            services.post_update(post=post, user=request.user, content=form.cleaned_data["content"])
            messages.success(request, "Your post was updated.")
            return redirect(post)
        return render(request, "community/post_edit.html", {"form": form, "post": post}, status=400)
    return render(request, "community/post_edit.html", {"form": form, "post": post})


@require_http_methods(["GET", "POST"])
def post_delete(request, post_id):
    post = get_object_or_404(Post, pk=post_id)
    if (denied := _author_only(request, post, "delete")) is not None:
        return denied
    if request.method == "POST":
        services.post_delete(post=post, user=request.user)
        messages.success(request, "Your post was deleted, with its discussion.")
        return redirect("community:feed")
    return render(request, "community/confirm_delete.html", {"object": post, "kind": "post"})


# --- Comments ---------------------------------------------------------------


@require_POST
@rate_limited("comment")
def comment_create(request, post_id):
    post = get_object_or_404(Post, pk=post_id)
    if not request.user.is_authenticated:
        return _login_required_response(request)
    form = CommentForm(request.POST, post=post)
    if form.is_valid():
        parent = form.cleaned_data["parent"]
        try:
            comment = services.comment_create(
                post=post, author=request.user, content=form.cleaned_data["content"], parent=parent
            )
        except ValidationError as exc:
            form.add_error("parent", exc)
    if form.is_valid():
        if request.htmx:
            tree = selectors.comment_tree(post_id=post.pk, viewer=request.user)
            shown = selectors.ShownComment(node=tree.by_id[comment.pk])
            current_path = (request.htmx.current_url_abs_path or "").split("?")[0]
            return render(
                request,
                "community/partials/comment_created.html",
                {
                    "shown": shown,
                    "post": post,
                    "parent_id": parent.pk if parent else None,
                    "comment_form": CommentForm(),
                    # The post page's heading counts the discussion; refresh it there.
                    "comment_total": tree.visible_count if current_path == post.get_absolute_url() else None,
                },
            )
        return HttpResponseRedirect(
            f"{reverse('community:post_detail', args=[post.pk])}#comment-{comment.pk}"
        )
    parent_id = _int_or_none(request.POST.get("parent"))
    context = {"form": form, "post": post, "parent_id": parent_id}
    if request.htmx:
        response = render(request, "community/partials/comment_form.html", context, status=400)
        target = f"#comment-form-{parent_id}" if parent_id else "#comment-form-top"
        return reswap(retarget(response, target), "outerHTML")
    parent = Comment.objects.filter(pk=parent_id, post=post).first() if parent_id else None
    return render(request, "community/comment_reply.html", {**context, "parent": parent}, status=400)


@require_safe
def comment_detail(request, comment_id):
    # The post (with its counts) found through the comment: one query, not
    # one for the comment and another for its post.
    post = Post.objects.with_counts(request.user).filter(comments__id=comment_id).first()
    if post is None:
        raise Http404("This comment does not exist.")
    tree = selectors.comment_tree(post_id=post.pk, viewer=request.user)
    node = tree.by_id.get(comment_id)
    if node is None:
        # A deleted comment with nothing below it: nothing left to show.
        raise Http404("This comment was deleted.")
    after = _int_or_none(request.GET.get("after"))
    context = _thread_context(request, post, siblings=node.replies, after=after)
    if request.htmx and request.GET.get("fragment") == "replies":
        return render(request, "community/partials/thread.html", {**context, "parent_id": node.id})
    window = context["window"]
    context["focus"] = node
    context["focus_shown"] = selectors.ShownComment(
        node=node, children=window.comments, more_count=window.more_count, more_after=window.more_after
    )
    context["ancestors"], context["hidden_ancestors"] = selectors.ancestors(tree, node)
    return render(request, "community/comment_detail.html", context)


@require_safe
def comment_reply(request, comment_id):
    comment = _get_comment(comment_id)
    if not request.user.is_authenticated:
        return _login_required_response(request)
    if not comment.is_visible:
        raise Http404("That comment was deleted, so it can't take new replies.")
    context = {
        "form": CommentForm(initial={"parent": comment.pk}),
        "post": comment.post,
        "parent_id": comment.pk,
    }
    if request.htmx:
        return render(request, "community/partials/comment_form.html", context)
    return render(request, "community/comment_reply.html", {**context, "parent": comment})


@require_http_methods(["GET", "POST"])
def comment_edit(request, comment_id):
    comment = _get_comment(comment_id)
    if (denied := _author_only(request, comment, "edit")) is not None:
        return denied
    if not comment.is_visible:
        raise Http404("This comment was deleted.")
    form = CommentForm(request.POST or None, instance=comment, post=comment.post)
    if request.method == "POST":
        if form.is_valid():
            services.comment_update(comment=comment, user=request.user, content=form.cleaned_data["content"])
            messages.success(request, "Your comment was updated.")
            return HttpResponseRedirect(f"{comment.post.get_absolute_url()}#comment-{comment.pk}")
        return render(request, "community/comment_edit.html", {"form": form, "comment": comment}, status=400)
    return render(request, "community/comment_edit.html", {"form": form, "comment": comment})


@require_http_methods(["GET", "POST"])
def comment_delete(request, comment_id):
    comment = _get_comment(comment_id)
    if (denied := _author_only(request, comment, "delete")) is not None:
        return denied
    if not comment.is_visible:
        raise Http404("This comment was already deleted.")
    if request.method == "POST":
        services.comment_delete(comment=comment, user=request.user)
        messages.success(request, "Your comment was deleted.")
        return HttpResponseRedirect(f"{comment.post.get_absolute_url()}#comment-{comment.pk}")
    return render(request, "community/confirm_delete.html", {"object": comment, "kind": "comment"})


# --- Likes ------------------------------------------------------------------

LIKE_TARGETS = {"post": Post, "comment": Comment}


@require_POST
@rate_limited("like")
def like(request, kind, target_id, liked):
    model = LIKE_TARGETS[kind]
    if not request.user.is_authenticated:
        return _login_required_response(request)
    write = services.like_add if liked else services.like_remove
    try:
        write(user=request.user, model=model, target_id=target_id)
    except services.NotFound as exc:
        raise Http404(str(exc)) from exc
    # Re-read from the database after the write: the count shown is the
    # count stored, whatever other requests did meanwhile.
    fields = ["id", "author_id"] if kind == "post" else ["id", "author_id", "post_id"]
    target = like_annotations(
        model.objects.filter(pk=target_id).only(*fields), model=model, viewer=request.user
    ).get()
    post_id = target.id if kind == "post" else target.post_id
    fallback = reverse("community:post_detail", args=[post_id])
    if request.htmx:
        return render(
            request,
            "community/partials/like_button.html",
            {"kind": kind, "target": target, "next": _safe_next(request, fallback)},
        )
    return HttpResponseRedirect(f"{_safe_next(request, fallback).split('#')[0]}#{kind}-{target_id}")


# --- People -----------------------------------------------------------------


@require_safe
def profile(request, username):
    person = get_object_or_404(User, username=username)
    karma = selectors.karma_for_users([person.pk])[person.pk]
    posts = list(Post.objects.with_counts(request.user).filter(author=person).newest_first()[:10])
    comments = list(selectors.recent_comments_of(person, viewer=request.user))
    return render(
        request,
        "community/profile.html",
        {"person": person, "karma": karma, "posts": posts, "comments": comments},
    )


@require_safe
def leaderboard(request):
    context = {"leaderboard": selectors.leaderboard(), "leaderboard_as_of": timezone.now()}
    if request.htmx:
        return render(request, "community/partials/leaderboard.html", context)
    return render(request, "community/leaderboard.html", context)


# --- Accounts ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("community:feed")
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            user = form.save()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome, {user.username}! You are signed in.")
            return redirect(_safe_next(request, reverse("community:feed")))
        return render(
            request, "registration/signup.html", {"form": form, "next": _safe_next(request, "")}, status=400
        )
    return render(request, "registration/signup.html", {"form": form, "next": _safe_next(request, "")})


# --- Operations -------------------------------------------------------------


@never_cache
@require_safe
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
