"""Discussions through the API: /api/v1/posts/{id}/comments/ and /api/v1/comments/{id}/."""

import math
import re

import pytest

from community import comment_tree
from community.models import Comment, Post
from community.tests.api.helpers import error, signed_in
from community.tests.test_comment_tree import make_chain, make_thread, random_parents

pytestmark = pytest.mark.django_db


def nodes(comments):
    """Every ThreadComment of a list, depth first, in reading order."""
    found, stack = [], list(reversed(comments))
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(reversed(node["replies"]))
    return found


def links_of(comments):
    """The `continue_url` and `more` links of a list of ThreadComments, nested ones included."""
    found = []
    for node in nodes(comments):
        if node["continue_url"]:
            found.append(node["continue_url"])
        if node["more"]:
            found.append(node["more"]["url"])
    return found


def test_a_discussion_is_a_nested_tree_in_reading_order(api, make_post, make_comment, alice, bob):
    post = make_post(author=alice)
    top = make_comment(post=post, author=bob, content="top")
    reply = make_comment(parent=top, author=alice, content="reply")
    nested = make_comment(parent=reply, author=bob, content="nested")
    second = make_comment(post=post, author=bob, content="second")
    body = api.get(f"/api/v1/posts/{post.pk}/comments/").json()
    assert body["post"]["id"] == post.pk
    assert body["post"]["comment_count"] == 4
    assert body["more"] is None
    assert [c["id"] for c in body["comments"]] == [top.pk, second.pk]
    first = body["comments"][0]
    assert [r["id"] for r in first["replies"]] == [reply.pk]
    assert [r["id"] for r in first["replies"][0]["replies"]] == [nested.pk]
    assert [(n["id"], n["depth"], n["reply_count"]) for n in nodes(body["comments"])] == [
        (top.pk, 0, 2),
        (reply.pk, 1, 1),
        (nested.pk, 2, 0),
        (second.pk, 0, 0),
    ]
    assert first["parent"] is None and first["replies"][0]["parent"] == top.pk
    assert first["author"]["username"] == "bob"
    assert first["url"] == f"http://testserver/api/v1/comments/{top.pk}/"
    assert first["html_url"] == f"http://testserver/comments/{top.pk}/"
    assert first["like_url"] == f"http://testserver/api/v1/comments/{top.pk}/like/"


def test_a_deleted_comment_with_replies_is_a_tombstone_and_a_deleted_leaf_is_gone(
    alice_api, make_post, make_comment, make_like, alice, bob
):
    post = make_post(author=bob)
    parent = make_comment(post=post, author=alice, content="secret words")
    child = make_comment(parent=parent, author=bob)
    leaf = make_comment(post=post, author=alice)
    make_like(bob, parent)
    assert alice_api.delete(f"/api/v1/comments/{parent.pk}/").status_code == 204
    assert alice_api.delete(f"/api/v1/comments/{leaf.pk}/").status_code == 204
    body = alice_api.get(f"/api/v1/posts/{post.pk}/comments/").json()
    assert [c["id"] for c in body["comments"]] == [parent.pk]
    tombstone = body["comments"][0]
    assert tombstone["state"] == "deleted"
    assert (tombstone["author"], tombstone["content"], tombstone["like_count"], tombstone["liked"]) == (
        None,
        None,
        None,
        None,
    )
    assert [r["id"] for r in tombstone["replies"]] == [child.pk]
    assert body["post"]["comment_count"] == 1
    # The permalink of the gone leaf is a 404; the tombstone's still shows its replies.
    error(alice_api.get(f"/api/v1/comments/{leaf.pk}/"), 404)
    assert alice_api.get(f"/api/v1/comments/{parent.pk}/").json()["comment"]["replies"][0]["id"] == child.pk


def test_the_permalink_shows_the_post_ancestors_and_replies(api, make_post, make_comment):
    post = make_post()
    chain = [make_comment(post=post)]
    for _ in range(comment_tree.CONTEXT_ANCESTORS + 3):
        chain.append(make_comment(parent=chain[-1]))
    focus = chain[-2]
    body = api.get(f"/api/v1/comments/{focus.pk}/").json()
    assert body["post"]["id"] == post.pk
    assert [c["id"] for c in body["ancestors"]] == [
        c.pk for c in chain[-2 - comment_tree.CONTEXT_ANCESTORS : -2]
    ]
    assert body["more_ancestors"] == len(chain) - 2 - comment_tree.CONTEXT_ANCESTORS
    assert "replies" not in body["ancestors"][0]
    assert body["comment"]["id"] == focus.pk
    assert [r["id"] for r in body["comment"]["replies"]] == [chain[-1].pk]


def test_a_deep_chain_is_readable_to_the_end_by_continue_urls(api, alice, bob, django_assert_num_queries):
    api.force_login(bob)
    post = Post.objects.create(author=alice, content="deep")
    depth = 3 * comment_tree.WINDOW_DEPTH + 2
    chain = make_chain(post, alice, depth)
    seen, url, pages = [], f"/api/v1/posts/{post.pk}/comments/", 0
    while url:
        with django_assert_num_queries(4):  # session, user, the post, every comment of it
            body = api.get(url).json()
        pages += 1
        shown = body["comments"] if "comments" in body else body["comment"]["replies"]
        seen += [n["id"] for n in nodes(shown)]
        found = links_of(shown)
        assert len(found) <= 1
        url = found[0] if found else None
    assert seen == [c.pk for c in chain]
    assert pages == math.ceil(depth / comment_tree.WINDOW_DEPTH)


def test_every_comment_of_a_busy_post_is_reachable_by_its_links(api, alice, bob, django_assert_num_queries):
    api.force_login(bob)
    post = Post.objects.create(author=alice, content="busy")
    ids = make_thread(post, alice, random_parents(1000))
    seen, queue, followed = set(), [f"http://testserver/api/v1/posts/{post.pk}/comments/"], set()
    while queue:
        url = queue.pop()
        with django_assert_num_queries(4):
            body = api.get(url).json()
        shown = body["comments"] if "comments" in body else body["comment"]["replies"]
        if "comment" in body:
            assert body["comment"]["id"] in seen  # reached on the page that linked here
        shown_ids = [n["id"] for n in nodes(shown)]
        assert len(set(shown_ids)) == len(shown_ids)
        assert not seen & set(shown_ids)
        seen |= set(shown_ids)
        found = links_of(shown)
        if "comments" in body and body["more"]:
            found.append(body["more"]["url"])
        if "comment" in body and body["comment"]["more"]:
            found.append(body["comment"]["more"]["url"])
        followed |= {re.sub(r"\d+", "N", link.removeprefix("http://testserver/api/v1")) for link in found}
        queue += found
    assert seen == set(ids)
    assert followed == {
        "/posts/N/comments/?after=N",
        "/comments/N/",
        "/comments/N/?after=N",
    }


@pytest.mark.parametrize("signed_in_as_reader", [False, True])
def test_a_discussion_costs_the_same_queries_for_1_and_500_comments(
    api, make_user, make_like, django_assert_num_queries, signed_in_as_reader
):
    author, reader = make_user(), make_user("reader")
    if signed_in_as_reader:
        api.force_login(reader)
    queries = 4 if signed_in_as_reader else 2  # (session, user,) the post, every comment
    post = Post.objects.create(author=author, content="p")
    make_like(reader, Comment.objects.create(post=post, author=author, content="one"))
    with django_assert_num_queries(queries):
        api.get(f"/api/v1/posts/{post.pk}/comments/")
    comments = Comment.objects.bulk_create(Comment(post=post, author=author, content="c") for _ in range(499))
    for comment in comments[:50]:
        make_like(reader, comment)
    with django_assert_num_queries(queries):
        body = api.get(f"/api/v1/posts/{post.pk}/comments/").json()
    assert len(body["comments"]) == comment_tree.WINDOW_SIZE
    assert body["more"] == {
        "count": 500 - comment_tree.WINDOW_SIZE,
        "url": f"http://testserver/api/v1/posts/{post.pk}/comments/?after={body['comments'][-1]['id']}",
    }


def test_a_permalink_costs_the_same_queries_for_a_short_and_a_long_chain(
    api, make_user, django_assert_num_queries
):
    api.force_login(make_user())
    post = Post.objects.create(author=make_user(), content="deep")
    short = make_chain(post, post.author, 3)
    with django_assert_num_queries(4):  # session, user, post found through the comment, every comment
        assert api.get(f"/api/v1/comments/{short[1].pk}/").status_code == 200
    long = make_chain(Post.objects.create(author=post.author, content="deeper"), post.author, 300)
    with django_assert_num_queries(4):
        assert api.get(f"/api/v1/comments/{long[250].pk}/").status_code == 200


def test_a_discussion_reads_in_the_pages_three_orders_and_its_links_keep_the_order(
    api, make_post, make_comment, make_like, make_user, monkeypatch
):
    post = make_post()
    first = make_comment(post=post)
    liked = make_comment(post=post)
    last = make_comment(post=post)
    replies = [make_comment(parent=first) for _ in range(3)]
    make_like(make_user(), liked)
    make_like(make_user(), replies[1])
    url = f"/api/v1/posts/{post.pk}/comments/"
    orders = {
        None: ([first.pk, liked.pk, last.pk], [r.pk for r in replies]),
        "new": ([last.pk, liked.pk, first.pk], [r.pk for r in reversed(replies)]),
        "top": ([liked.pk, first.pk, last.pk], [replies[1].pk, replies[0].pk, replies[2].pk]),
    }
    for sort, (top_level, nested) in orders.items():
        body = api.get(url, {"sort": sort} if sort else {}).json()
        assert [c["id"] for c in body["comments"]] == top_level, sort
        thread = next(c for c in body["comments"] if c["id"] == first.pk)
        assert [r["id"] for r in thread["replies"]] == nested, sort
    # With one comment per window, every link carries the order it was read in.
    monkeypatch.setattr(
        comment_tree.thread_window,
        "__kwdefaults__",
        {"after": None, "max_depth": comment_tree.WINDOW_DEPTH, "size": 1},
    )
    body = api.get(url, {"sort": "new"}).json()
    assert body["more"]["url"].endswith(f"?after={last.pk}&sort=new")
    assert api.get(body["more"]["url"]).json()["comments"][0]["id"] == liked.pk


@pytest.mark.parametrize("sort", ["", "oldest", "NEW", "top "])
def test_an_unknown_order_is_a_400_on_sort(api, make_comment, sort):
    comment = make_comment()
    body = error(api.get(f"/api/v1/posts/{comment.post_id}/comments/", {"sort": sort}), 400, "invalid")
    assert list(body["fields"]) == ["sort"]


@pytest.mark.parametrize("after", ["abc", "0", "-3", str(2**63), "1.5", "\u0661"])
@pytest.mark.parametrize("where", ["post", "comment"])
def test_a_malformed_after_is_a_400_on_that_field(api, make_comment, after, where):
    comment = make_comment()
    url = (
        f"/api/v1/posts/{comment.post_id}/comments/" if where == "post" else f"/api/v1/comments/{comment.pk}/"
    )
    body = error(api.get(url, {"after": after}), 400, "invalid")
    assert list(body["fields"]) == ["after"]


@pytest.mark.parametrize("url", ["/api/v1/posts/424242/comments/", "/api/v1/comments/424242/"])
def test_missing_discussions_and_comments_are_404(api, url):
    error(api.get(url), 404, "not_found")


# --- Writing ------------------------------------------------------------------


def test_commenting_and_replying_answer_201_with_the_comment(alice_api, make_post, alice):
    post = make_post()
    response = alice_api.post(f"/api/v1/posts/{post.pk}/comments/", {"content": " top "}, format="json")
    assert response.status_code == 201
    top = Comment.objects.get()
    assert (top.author, top.content, top.parent) == (alice, "top", None)
    assert response["Location"] == f"http://testserver/api/v1/comments/{top.pk}/"
    body = response.json()
    assert (body["id"], body["parent"], body["like_count"], body["liked"]) == (top.pk, None, 0, False)
    response = alice_api.post(
        f"/api/v1/posts/{post.pk}/comments/", {"content": "reply", "parent": top.pk}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["parent"] == top.pk
    assert Comment.objects.get(content="reply").parent == top


@pytest.mark.parametrize("parent", ["other post", "missing", "deleted"])
def test_an_unusable_parent_is_a_400_on_parent_with_the_forms_words(
    alice_api, make_post, make_comment, parent
):
    post = make_post()
    elsewhere = make_comment()
    gone = make_comment(post=post, state=Comment.State.DELETED)
    parent_id = {"other post": elsewhere.pk, "missing": 424242, "deleted": gone.pk}[parent]
    response = alice_api.post(
        f"/api/v1/posts/{post.pk}/comments/", {"content": "hi", "parent": parent_id}, format="json"
    )
    body = error(response, 400, "invalid")
    message = {
        "other post": "The comment you are replying to is not part of this discussion.",
        "missing": "The comment you are replying to is not part of this discussion.",
        "deleted": "That comment was deleted, so it can't take new replies.",
    }[parent]
    assert body["fields"] == {"parent": [message]}
    assert Comment.objects.count() == 2


@pytest.mark.parametrize("parent", ["1", 1.5, True, 0, -1, 2**63, [1], {"id": 1}])
def test_a_parent_that_is_not_an_id_is_a_400(alice_api, make_post, parent):
    post = make_post()
    body = error(
        alice_api.post(
            f"/api/v1/posts/{post.pk}/comments/", {"content": "hi", "parent": parent}, format="json"
        ),
        400,
    )
    assert list(body["fields"]) == ["parent"]
    assert not Comment.objects.exists()


def test_commenting_on_a_missing_post_is_404_and_signed_out_is_403(api, alice_api, make_post):
    error(alice_api.post("/api/v1/posts/424242/comments/", {"content": "hi"}, format="json"), 404)
    post = make_post()
    error(
        api.post(f"/api/v1/posts/{post.pk}/comments/", {"content": "hi"}, format="json"),
        403,
        "not_authenticated",
    )
    assert not Comment.objects.exists()


def test_the_author_edits_a_comment(alice_api, make_comment, make_like, alice, bob):
    comment = make_comment(author=alice, content="before")
    make_like(bob, comment)
    response = alice_api.patch(f"/api/v1/comments/{comment.pk}/", {"content": "after"}, format="json")
    assert response.status_code == 200
    comment.refresh_from_db()
    assert comment.content == "after" and comment.edited_at is not None
    assert (response.json()["content"], response.json()["like_count"]) == ("after", 1)


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_others_cannot_edit_or_delete_a_comment(api, alice_api, make_comment, bob, method):
    comment = make_comment(author=bob, content="theirs")
    url = f"/api/v1/comments/{comment.pk}/"
    error(getattr(alice_api, method)(url, {"content": "mine"}, format="json"), 403, "permission_denied")
    error(getattr(api, method)(url, {"content": "mine"}, format="json"), 403, "not_authenticated")
    comment.refresh_from_db()
    assert (comment.content, comment.state) == ("theirs", Comment.State.VISIBLE)


@pytest.mark.parametrize("state", [Comment.State.DELETED, Comment.State.REMOVED])
@pytest.mark.parametrize("method", ["patch", "delete"])
def test_a_tombstone_cannot_be_edited_or_deleted_again(alice_api, make_comment, alice, state, method):
    comment = make_comment(author=alice, state=state, content="kept")
    error(getattr(alice_api, method)(f"/api/v1/comments/{comment.pk}/", {"content": "x"}, format="json"), 404)
    comment.refresh_from_db()
    assert (comment.content, comment.state) == ("kept", state)


def test_writes_past_the_comment_limit_get_429(alice, make_post, settings):
    settings.COMMUNITY_RATE_LIMITS = {**settings.COMMUNITY_RATE_LIMITS, "comment": "1/m"}
    post = make_post()
    api = signed_in(alice)
    url = f"/api/v1/posts/{post.pk}/comments/"
    assert api.post(url, {"content": "one"}, format="json").status_code == 201
    response = api.post(url, {"content": "two"}, format="json")
    body = error(response, 429, "throttled")
    assert "You are commenting faster than the site allows." in body["detail"]
    assert 1 <= int(response["Retry-After"]) <= 60
    assert Comment.objects.count() == 1
