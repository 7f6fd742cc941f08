from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, retarget

from . import ratelimit, rules
from .comment_tree import ShownComment, ancestors, thread_window
from .forms import CommentForm, PostForm, SignupForm
from .models import MAX_ID, Comment, Post
from .ratelimit import rate_limited
from .selectors import feed as feed_selectors
from .selectors import karma, profiles, threads
from .selectors import leaderboard as shared_leaderboard
from .selectors.likes import like_state
from .services import NotFound
from .services import accounts as account_services
from .services import comments as comment_services
from .services import likes as like_services
from .services import posts as post_services

JINJA = "jinja2"

User = get_user_model()


# --- Helpers ----------------------------------------------------------------


def _login_required_response(request, *, next_url: str | None = None, reason: str | None = None):
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


def _safe_next(request, fallback: str) -> str:
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


def _int_or_none(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def _get_post(post_id, viewer=None) -> Post:
    post = threads.post_with_counts(post_id, viewer=viewer)
    if post is None:
        raise Http404("This post does not exist, or it was deleted.")
    return post


def _get_comment(comment_id) -> Comment:
    return get_object_or_404(Comment.objects.select_related("post"), pk=comment_id)


_MAY = {"edit": rules.can_edit, "delete": rules.can_delete}


def _author_only(request, obj, action: str):
    """
    None when the signed-in user may `action` ("edit" or "delete") `obj`;
    the log-in redirect for anonymous users; 403 for anyone else.
    """
    if not request.user.is_authenticated:
        return _login_required_response(request)
    if not _MAY[action](request.user, obj):
        raise PermissionDenied(f"Only the author can {action} this {obj._meta.verbose_name}.")
    return None


# --- Feed and posts ---------------------------------------------------------


@require_safe
def feed(request):
    posts, next_cursor = feed_selectors.feed_page(
        viewer=request.user, cursor=request.GET.get("cursor"), size=settings.COMMUNITY_FEED_PAGE_SIZE
    )
    context = {"posts": posts, "next_cursor": next_cursor, "form": PostForm()}
    if request.htmx and request.GET.get("cursor"):
        return render(
            request, "community/partials/post_page.jinja", {**context, "appended": True}, using=JINJA
        )
    return render(request, "community/feed.html", context)


@require_http_methods(["GET", "POST"])
@rate_limited("post")
def post_create(request):
    if not request.user.is_authenticated:
        return _login_required_response(request)
    form = PostForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            post = post_services.post_create(author=request.user, content=form.cleaned_data["content"])
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
    window = thread_window(siblings, after=after)
    return {"post": post, "window": window, "comment_form": CommentForm()}


@require_safe
def post_detail(request, post_id):
    post = _get_post(post_id, request.user)
    tree = threads.comment_tree(post_id=post.pk, viewer=request.user)
    after = _int_or_none(request.GET.get("after"))
    context = _thread_context(request, post, siblings=tree.roots, after=after)
    if request.htmx and after is not None:
        return render(request, "community/partials/thread.jinja", {**context, "parent_id": None}, using=JINJA)
    return render(request, "community/post_detail.html", context)


@require_http_methods(["GET", "POST"])
@rate_limited("edit")
def post_edit(request, post_id):
    post = get_object_or_404(Post, pk=post_id)
    if (denied := _author_only(request, post, "edit")) is not None:
        return denied
    form = PostForm(request.POST or None, instance=post)
    if request.method == "POST":
        if form.is_valid():
            post_services.post_update(post=post, user=request.user, content=form.cleaned_data["content"])
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
        post_services.post_delete(post=post, user=request.user)
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
            comment = comment_services.comment_create(
                post=post, author=request.user, content=form.cleaned_data["content"], parent=parent
            )
        except ValidationError as exc:
            form.add_error("parent", exc)
    if form.is_valid():
        if request.htmx:
            # The post page's heading and card count the discussion: refresh them there.
            on_post_page = urlsplit(request.htmx.current_url_abs_path or "").path == post.get_absolute_url()
            return render(
                request,
                "community/partials/comment_created.html",
                {
                    "shown": ShownComment(node=threads.new_comment_node(comment)),
                    "post": post,
                    "parent_id": parent.pk if parent else None,
                    "comment_form": CommentForm(),
                    "comment_total": post.comments.visible().count() if on_post_page else None,
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
    post = threads.post_of_comment(comment_id, viewer=request.user)
    if post is None:
        raise Http404("This comment does not exist.")
    tree = threads.comment_tree(post_id=post.pk, viewer=request.user)
    node = tree.by_id.get(comment_id)
    if node is None:
        # A deleted comment with nothing below it: nothing left to show.
        raise Http404("This comment was deleted.")
    after = _int_or_none(request.GET.get("after"))
    context = _thread_context(request, post, siblings=node.replies, after=after)
    if request.htmx and request.GET.get("fragment") == "replies":
        return render(
            request, "community/partials/thread.jinja", {**context, "parent_id": node.id}, using=JINJA
        )
    window = context["window"]
    context["focus"] = node
    context["focus_shown"] = ShownComment(
        node=node, children=window.comments, more_count=window.more_count, more_after=window.more_after
    )
    context["ancestors"], context["hidden_ancestors"] = ancestors(tree, node)
    return render(request, "community/comment_detail.html", context)


@require_safe
def comment_reply(request, comment_id):
    comment = _get_comment(comment_id)
    if not request.user.is_authenticated:
        return _login_required_response(request)
    if not rules.can_reply(request.user, comment):
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
@rate_limited("edit")
def comment_edit(request, comment_id):
    comment = _get_comment(comment_id)
    if not comment.is_visible:
        raise Http404("This comment was deleted.")
    if (denied := _author_only(request, comment, "edit")) is not None:
        return denied
    form = CommentForm(request.POST or None, instance=comment, post=comment.post)
    if request.method == "POST":
        if form.is_valid():
            comment_services.comment_update(
                comment=comment, user=request.user, content=form.cleaned_data["content"]
            )
            messages.success(request, "Your comment was updated.")
            return HttpResponseRedirect(f"{comment.post.get_absolute_url()}#comment-{comment.pk}")
        return render(request, "community/comment_edit.html", {"form": form, "comment": comment}, status=400)
    return render(request, "community/comment_edit.html", {"form": form, "comment": comment})


@require_http_methods(["GET", "POST"])
def comment_delete(request, comment_id):
    comment = _get_comment(comment_id)
    if not comment.is_visible:
        raise Http404("This comment was already deleted.")
    if (denied := _author_only(request, comment, "delete")) is not None:
        return denied
    if request.method == "POST":
        comment_services.comment_delete(comment=comment, user=request.user)
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
        # Back to the item itself, where one click likes it: the like URL
        # answers POST only, and the page the button was on may have moved.
        page = "community:post_detail" if kind == "post" else "community:comment_detail"
        return _login_required_response(
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
            {"kind": kind, "target": target, "next": _safe_next(request, fallback)},
            using=JINJA,
        )
    return HttpResponseRedirect(f"{_safe_next(request, fallback).split('#')[0]}#{kind}-{target_id}")


# --- People -----------------------------------------------------------------


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
    response = get_conditional_response(request, etag=answer.etag) or render(
        request, "community/partials/leaderboard.html", context
    )
    response["ETag"] = answer.etag
    # Also on a 304, whose headers refresh the browser's stored copy: the
    # panel shows when the answer it keeps was last confirmed.
    response["Leaderboard-Computed-At"] = answer.computed_at.isoformat()
    patch_cache_control(response, private=True, no_cache=True)
    return response


# --- Accounts ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup(request):
    """
    Create an account and log in. Sign-ups are limited per client address
    (the "signup" write limit), counting only those that would create an
    account, so mistakes in the form cost nothing.
    """
    if request.user.is_authenticated:
        return redirect("community:feed")
    form = SignupForm(request.POST or None)
    context = {"form": form, "next": _safe_next(request, "")}
    if request.method == "GET":
        return render(request, "registration/signup.html", context)
    if form.is_valid():
        wait = ratelimit.hit("signup", ratelimit.client_ip(request))
        if wait is not None:
            return ratelimit.refusal(request, "signup", wait)
        try:
            user = account_services.account_create(
                username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
            )
        except ValidationError as exc:
            form.add_error("username", exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome, {user.username}! You are signed in.")
            return HttpResponseRedirect(_safe_next(request, reverse("community:feed")))
    return render(request, "registration/signup.html", context, status=400)


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
