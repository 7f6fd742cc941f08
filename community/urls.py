from django.urls import path

from . import errors, views

app_name = "community"

urlpatterns = [
    path("", views.feed, name="feed"),
    path("posts/new/", views.post_create, name="post_create"),
    path("posts/<int:post_id>/", views.post_detail, name="post_detail"),
    path("posts/<int:post_id>/edit/", views.post_edit, name="post_edit"),
    path("posts/<int:post_id>/delete/", views.post_delete, name="post_delete"),
    path("posts/<int:post_id>/comments/", views.comment_create, name="comment_create"),
    path("posts/<int:target_id>/like/", views.like, {"kind": "post", "liked": True}, name="post_like"),
    path("posts/<int:target_id>/unlike/", views.like, {"kind": "post", "liked": False}, name="post_unlike"),
    path("comments/<int:comment_id>/", views.comment_detail, name="comment_detail"),
    path("comments/<int:comment_id>/reply/", views.comment_reply, name="comment_reply"),
    path("comments/<int:comment_id>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:comment_id>/delete/", views.comment_delete, name="comment_delete"),
    path(
        "comments/<int:target_id>/like/", views.like, {"kind": "comment", "liked": True}, name="comment_like"
    ),
    path(
        "comments/<int:target_id>/unlike/",
        views.like,
        {"kind": "comment", "liked": False},
        name="comment_unlike",
    ),
    path("u/<str:username>/", views.profile, name="profile"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("accounts/signup/", views.signup, name="signup"),
    path("healthz", views.healthz, name="healthz"),
    # The proxy in front answers oversized uploads with this page (deploy/nginx).
    path("errors/413/", errors.request_too_large, name="request_too_large"),
]
