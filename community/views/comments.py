"""Comments: write in place or not, permalinks with their replies, reply forms, edit, delete."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import reswap, retarget

from .. import rules
from ..comment_tree import ShownComment, ancestors, top_of_thread
from ..forms import CommentForm
from ..models import Comment, Post
from ..ratelimit import rate_limited
from ..selectors import threads, visits
from ..services import comments as comment_services
from .base import (
    JINJA,
    author_only,
    get_comment_or_404,
    get_post_or_404,
    htmx_current_path,
    int_or_none,
    login_required_response,
    thread_context,
    thread_for,
)


@require_POST
@rate_limited("comment")
def comment_create(request, post_id):
    post = get_object_or_404(Post, pk=post_id)
    if not request.user.is_authenticated:
        return login_required_response(
            request, next_url=f"{post.get_absolute_url()}#comments", reason="comment"
        )
    form = CommentForm(request.POST, post=post)
    if form.is_valid() and "preview" in request.POST:
        # The Preview button without JavaScript: the form again, with the rendering.
        parent = form.cleaned_data["parent"]
        context = {"form": form, "post": post, "parent_id": parent.pk if parent else None, "parent": parent}
        context["preview"] = form.cleaned_data["content"]
        return render(request, "community/comment_reply.html", context)
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
            on_post_page = htmx_current_path(request) == post.get_absolute_url()
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
        # Without JavaScript the page reloads at the new comment: say it worked (it is highlighted there too).
        messages.success(request, "Your reply is up." if parent else "Your comment is up.")
        return HttpResponseRedirect(
            f"{reverse('community:post_detail', args=[post.pk])}#comment-{comment.pk}"
        )
    parent_id = int_or_none(request.POST.get("parent"))
    context = {"form": form, "post": post, "parent_id": parent_id}
    if request.htmx:
        response = render(request, "community/partials/comment_form.html", context, status=400)
        target = f"#comment-form-{parent_id}" if parent_id else "#comment-form-top"
        return reswap(retarget(response, target), "outerHTML")
    if parent_id is None:
        # A comment on the post: its own page again, the form showing the error, the post above it.
        tree, sort = thread_for(request, post.pk)
        shown = get_post_or_404(post.pk, request.user)
        page = thread_context(request, shown, siblings=tree.roots, sort=sort)
        return render(request, "community/post_detail.html", {**page, "comment_form": form}, status=400)
    parent = Comment.objects.filter(pk=parent_id, post=post).first()
    return render(request, "community/comment_reply.html", {**context, "parent": parent}, status=400)


@require_safe
def comment_detail(request, comment_id):
    # The post (with its counts) found through the comment: one query, not
    # one for the comment and another for its post.
    post = threads.post_of_comment(comment_id, viewer=request.user, last_visit=True)
    if post is None:
        raise Http404("This comment does not exist.")
    tree, sort = thread_for(request, post.pk)
    node = tree.by_id.get(comment_id)
    if node is None:
        # A deleted comment with nothing below it: nothing left to show.
        raise Http404("This comment was deleted.")
    after = int_or_none(request.GET.get("after"))
    context = thread_context(request, post, siblings=node.replies, sort=sort, after=after)
    if request.user.is_authenticated:
        # As the post's page marked them at the reader's last visit.
        since = post.previous_visit
        context["new_ids"] = frozenset(visits.new_comment_ids(tree, user=request.user, since=since))
    if request.htmx and request.GET.get("fragment") == "replies":
        # Replies loaded in place link to the top of their thread, as the page's own do.
        context = {**context, "parent_id": node.id, "thread_top": top_of_thread(tree, node).id}
        return render(request, "community/partials/thread.jinja", context, using=JINJA)
    window = context["window"]
    context["focus"] = node
    context["focus_shown"] = ShownComment(
        node=node, children=window.comments, more_count=window.more_count, more_after=window.more_after
    )
    context["ancestors"], context["hidden_ancestors"] = ancestors(tree, node)
    return render(request, "community/comment_detail.html", context)


@require_safe
def comment_reply(request, comment_id):
    comment = get_comment_or_404(comment_id)
    if not request.user.is_authenticated:
        return login_required_response(request)
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
    comment = get_comment_or_404(comment_id)
    if not comment.is_visible:
        raise Http404("This comment was deleted.")
    if (denied := author_only(request, comment, "edit")) is not None:
        return denied
    form = CommentForm(request.POST or None, instance=comment, post=comment.post)
    if request.method == "POST":
        if form.is_valid() and "preview" in request.POST:
            context = {"form": form, "comment": comment, "preview": form.cleaned_data["content"]}
            return render(request, "community/comment_edit.html", context)
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
    comment = get_comment_or_404(comment_id)
    if not comment.is_visible:
        raise Http404("This comment was already deleted.")
    if (denied := author_only(request, comment, "delete")) is not None:
        return denied
    if request.method == "POST":
        comment_services.comment_delete(comment=comment, user=request.user)
        messages.success(request, "Your comment was deleted.")
        return HttpResponseRedirect(f"{comment.post.get_absolute_url()}#comment-{comment.pk}")
    return render(request, "community/confirm_delete.html", {"object": comment, "kind": "comment"})
