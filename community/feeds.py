"""
Atom feeds (Django's syndication framework): the newest posts, one
person's posts, and one post's comments.

Each feed is one query for its items (plus one for the person or the post
it is about), whatever its length. Posts are deleted outright, so a deleted
post is simply absent; a comment feed lists only visible comments, so a
deleted or removed comment never appears.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed
from django.utils.text import Truncator

from .links import url_for
from .models import MAX_ID, Comment, Post
from .templatetags.community import rich_text

# Entries per feed: readers poll feeds, so each answer stays small.
FEED_ITEMS = 30
TITLE_CHARS = 80

DELETED_ACCOUNT = "[deleted account]"


def _title(text: str) -> str:
    # One line: an entry's title is plain text.
    return Truncator(" ".join(text.split())).chars(TITLE_CHARS)


class _CommunityFeed(Feed):
    feed_type = Atom1Feed

    def item_description(self, item):
        # The same HTML the site shows (escaped, links marked user-generated).
        return rich_text(item.content)

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.edited_at or item.moderator_edited_at or item.created_at

    def item_author_name(self, item):
        return item.author.username if item.author_id else DELETED_ACCOUNT

    def item_author_link(self, item):
        return url_for("community:profile", item.author.username) if item.author_id else None


class _PostFeed(_CommunityFeed):
    def item_title(self, item):
        return _title(item.content)


class LatestPostsFeed(_PostFeed):
    title = "Community: newest posts"
    subtitle = "The newest posts of the community."

    def link(self):
        return url_for("community:feed")

    def items(self):
        return Post.objects.select_related("author").newest_first()[:FEED_ITEMS]


class UserPostsFeed(_PostFeed):
    def get_object(self, request, username):
        return get_object_or_404(get_user_model(), username=username)

    def title(self, person):
        return f"Community: posts by {person.username}"

    def subtitle(self, person):
        return f"The newest posts by {person.username}."

    def link(self, person):
        return url_for("community:profile", person.username)

    def items(self, person):
        return Post.objects.filter(author=person).select_related("author").newest_first()[:FEED_ITEMS]


class PostCommentsFeed(_CommunityFeed):
    def get_object(self, request, post_id):
        if not 0 < post_id <= MAX_ID:
            raise Http404("This post does not exist.")
        return get_object_or_404(Post.objects.select_related("author"), pk=post_id)

    def title(self, post):
        return f"Community: comments on “{_title(post.content)}”"

    def subtitle(self, post):
        return f"The newest comments on a post by {post.author.username}."

    def link(self, post):
        return post.get_absolute_url()

    def items(self, post):
        return (
            Comment.objects.visible()
            .filter(post=post)
            .select_related("author")
            .order_by("-created_at", "-id")[:FEED_ITEMS]
        )

    def item_title(self, item):
        who = item.author.username if item.author_id else DELETED_ACCOUNT
        return f"{who}: {_title(item.content)}"
