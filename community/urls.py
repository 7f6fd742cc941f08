from django.urls import path

from . import errors, feeds
from .views import accounts, comments, inbox, likes, ops, people, posts, preview, search

app_name = "community"

urlpatterns = [
    path("", posts.feed, name="feed"),
    path("posts/new/", posts.post_create, name="post_create"),
    path("posts/<int:post_id>/", posts.post_detail, name="post_detail"),
    path("posts/<int:post_id>/edit/", posts.post_edit, name="post_edit"),
    path("posts/<int:post_id>/delete/", posts.post_delete, name="post_delete"),
    path("posts/<int:post_id>/comments/", comments.comment_create, name="comment_create"),
    path("preview/", preview.preview, name="preview"),
    path("posts/<int:target_id>/like/", likes.like, {"kind": "post", "liked": True}, name="post_like"),
    path("posts/<int:target_id>/unlike/", likes.like, {"kind": "post", "liked": False}, name="post_unlike"),
    path("comments/<int:comment_id>/", comments.comment_detail, name="comment_detail"),
    path("comments/<int:comment_id>/reply/", comments.comment_reply, name="comment_reply"),
    path("comments/<int:comment_id>/edit/", comments.comment_edit, name="comment_edit"),
    path("comments/<int:comment_id>/delete/", comments.comment_delete, name="comment_delete"),
    path(
        "comments/<int:target_id>/like/", likes.like, {"kind": "comment", "liked": True}, name="comment_like"
    ),
    path(
        "comments/<int:target_id>/unlike/",
        likes.like,
        {"kind": "comment", "liked": False},
        name="comment_unlike",
    ),
    path("u/<str:username>/", people.profile, name="profile"),
    path("leaderboard/", people.leaderboard, name="leaderboard"),
    path("search/", search.search, name="search"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/read/", inbox.inbox_mark_all_read, name="inbox_read"),
    path("inbox/unread/", inbox.unread_count, name="inbox_unread"),
    path("feeds/posts/", feeds.LatestPostsFeed(), name="feed_posts"),
    path("feeds/u/<str:username>/", feeds.UserPostsFeed(), name="feed_user_posts"),
    path("feeds/posts/<int:post_id>/comments/", feeds.PostCommentsFeed(), name="feed_post_comments"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("healthz", ops.healthz, name="healthz"),
    # The proxy in front answers oversized uploads with this page (deploy/nginx).
    path("errors/413/", errors.request_too_large, name="request_too_large"),
]
