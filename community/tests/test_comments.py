import pytest
from django.contrib.contenttypes.models import ContentType

from community.models import Comment, Like
from community.selectors import karma as karma_selectors
from community.tests.helpers import HTMX

pytestmark = pytest.mark.django_db


def test_top_level_comment_redirects_to_its_anchor(alice_client, make_post, alice):
    post = make_post()
    response = alice_client.post(f"/posts/{post.pk}/comments/", {"content": "Nice one"})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/posts/{post.pk}/#comment-{comment.pk}"
    assert (comment.author, comment.parent, comment.content) == (alice, None, "Nice one")


def test_reply_without_js_has_a_full_page_and_redirects_to_the_new_comment(alice_client, make_comment):
    parent = make_comment(content="Original thought")
    page = alice_client.get(f"/comments/{parent.pk}/reply/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Original thought" in body
    assert f'name="parent" value="{parent.pk}"' in body
    assert "<html" in body
    response = alice_client.post(
        f"/posts/{parent.post_id}/comments/", {"content": "A reply", "parent": parent.pk}
    )
    reply = Comment.objects.get(parent=parent)
    assert response["Location"] == f"/posts/{parent.post_id}/#comment-{reply.pk}"


def test_reply_with_htmx_gets_the_form_fragment_then_the_new_comment(alice_client, make_comment):
    parent = make_comment()
    form = alice_client.get(f"/comments/{parent.pk}/reply/", **HTMX).content.decode()
    assert "<html" not in form
    assert f'hx-target="#replies-{parent.pk}"' in form
    assert "autofocus" in form
    response = alice_client.post(
        f"/posts/{parent.post_id}/comments/", {"content": "Inline reply", "parent": parent.pk}, **HTMX
    )
    assert response.status_code == 200
    reply = Comment.objects.get(parent=parent)
    body = response.content.decode()
    assert f'<article id="comment-{reply.pk}"' in body
    assert "autofocus" in body
    assert f'<div id="reply-slot-{parent.pk}" hx-swap-oob="innerHTML"></div>' in body
    assert "Level 2, reply 1 of 1" in body


@pytest.mark.parametrize("content", ["", "  ", "z" * 10_001])
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_comment_content_is_400_and_saves_nothing(alice_client, make_comment, content, htmx):
    parent = make_comment()
    response = alice_client.post(
        f"/posts/{parent.post_id}/comments/",
        {"content": content, "parent": parent.pk},
        **(HTMX if htmx else {}),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'aria-invalid="true"' in body
    assert f'aria-describedby="comment-errors-{parent.pk}"' in body
    if htmx:
        assert response["HX-Retarget"] == f"#comment-form-{parent.pk}"
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("htmx", [False, True])
def test_a_parent_from_another_post_or_missing_is_400(alice_client, make_post, make_comment, htmx):
    post = make_post()
    elsewhere = make_comment()
    for parent in (elsewhere.pk, 987654, "abc"):
        response = alice_client.post(
            f"/posts/{post.pk}/comments/", {"content": "hi", "parent": parent}, **(HTMX if htmx else {})
        )
        assert response.status_code == 400
        assert (
            "not part of this discussion" in response.content.decode()
            or "whole number" in response.content.decode()
        )
    assert Comment.objects.count() == 1


def test_replying_to_a_deleted_comment_is_refused(alice_client, make_comment):
    parent = make_comment()
    Comment.objects.filter(pk=parent.pk).update(state=Comment.State.DELETED)
    response = alice_client.post(f"/posts/{parent.post_id}/comments/", {"content": "hi", "parent": parent.pk})
    assert response.status_code == 400
    assert "deleted" in response.content.decode()
    assert alice_client.get(f"/comments/{parent.pk}/reply/").status_code == 404


def test_commenting_on_a_missing_post_is_404(alice_client):
    assert alice_client.post("/posts/4242/comments/", {"content": "hi"}).status_code == 404


def test_anonymous_commenters_are_sent_to_log_in(client, make_post):
    post = make_post()
    response = client.post(f"/posts/{post.pk}/comments/", {"content": "hi"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Comment.objects.exists()


def test_thread_renders_as_nested_lists_with_levels_and_collapsible_replies(client, make_comment):
    top = make_comment(content="top")
    first = make_comment(parent=top, content="first")
    make_comment(parent=top, content="second")
    make_comment(parent=first, content="deeper")
    body = client.get(f"/posts/{top.post_id}/").content.decode()
    assert '<ol id="comments-root"' in body
    assert f'<ol id="replies-{top.pk}"' in body
    assert "Level 1, reply 1 of 1" in body
    assert "Level 2, reply 2 of 2" in body
    assert "Level 3, reply 1 of 1" in body
    assert "<details open" in body
    assert "3 replies</summary>" in body


def test_each_comment_has_its_links(alice_client, make_comment, alice):
    top = make_comment()
    mine = make_comment(parent=top, author=alice)
    body = alice_client.get(f"/posts/{top.post_id}/").content.decode()
    assert f'href="/comments/{mine.pk}/reply/"' in body
    assert f'href="/comments/{mine.pk}/" class="hover:underline" data-open>Link' in body
    assert f'href="/comments/{top.pk}/" class="hover:underline" data-parent-link>Parent' in body
    assert f'href="/comments/{mine.pk}/edit/"' in body
    assert f'href="/comments/{top.pk}/edit/"' not in body


def test_permalink_shows_ancestors_above_and_the_subtree_below(client, make_comment):
    top = make_comment(content="grandparent text")
    middle = make_comment(parent=top, content="parent text")
    focus = make_comment(parent=middle, content="focus text")
    below = make_comment(parent=focus, content="reply text")
    sibling = make_comment(parent=middle, content="sibling text")
    page = client.get(f"/comments/{focus.pk}/").content.decode()
    body = page[page.index('<main id="main"') :]  # the head describes the page with the focus's words
    assert body.index("grandparent text") < body.index("parent text") < body.index("focus text")
    assert f'<article id="comment-{below.pk}"' in body
    assert f'<article id="comment-{sibling.pk}"' not in body
    assert client.get("/comments/999999/").status_code == 404


def test_continue_and_more_links_load_in_place_with_htmx(client, make_comment):
    top = make_comment()
    response = client.get(f"/comments/{top.pk}/", {"fragment": "replies"}, **HTMX)
    assert response.status_code == 200
    assert "<html" not in response.content.decode()


# --- Editing and deleting ---------------------------------------------------


def test_author_edits_a_comment(alice_client, make_comment, alice):
    comment = make_comment(author=alice, content="before")
    response = alice_client.post(f"/comments/{comment.pk}/edit/", {"content": "after"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.content, comment.edited_at is not None) == ("after", True)
    assert "(edited)" in alice_client.get(f"/posts/{comment.post_id}/").content.decode()


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_others_cannot_edit_or_delete_a_comment(alice_client, make_comment, bob, action):
    comment = make_comment(author=bob, content="theirs")
    assert alice_client.get(f"/comments/{comment.pk}/{action}/").status_code == 403
    assert alice_client.post(f"/comments/{comment.pk}/{action}/", {"content": "mine"}).status_code == 403
    comment.refresh_from_db()
    assert (comment.content, comment.state) == ("theirs", Comment.State.VISIBLE)


def test_deleting_a_comment_with_replies_leaves_a_tombstone(
    alice_client, make_comment, make_like, alice, bob
):
    comment = make_comment(author=alice, content="secret words")
    reply = make_comment(parent=comment, author=bob, content="the reply")
    make_like(bob, comment)
    assert karma_selectors.karma_for_users([alice.pk])[alice.pk].all_time.total == 1
    confirm = alice_client.get(f"/comments/{comment.pk}/delete/")
    assert "Yes, delete it" in confirm.content.decode()
    assert alice_client.post(f"/comments/{comment.pk}/delete/").status_code == 302
    body = alice_client.get(f"/posts/{comment.post_id}/").content.decode()
    assert "[deleted]" in body
    assert "secret words" not in body
    assert "the reply" in body
    assert f"like-comment-{comment.pk}" not in body
    assert f'<article id="comment-{reply.pk}"' in body
    assert karma_selectors.karma_for_users([alice.pk])[alice.pk].all_time.total == 0


def test_deleting_a_leaf_comment_makes_it_disappear(alice_client, make_comment, alice):
    comment = make_comment(author=alice, content="gone soon")
    alice_client.post(f"/comments/{comment.pk}/delete/")
    body = alice_client.get(f"/posts/{comment.post_id}/").content.decode()
    assert f'id="comment-{comment.pk}"' not in body
    assert "0 comments" in body
    assert alice_client.get(f"/comments/{comment.pk}/").status_code == 404


def test_a_deleted_comment_cannot_be_edited_or_deleted_again(alice_client, make_comment, alice):
    comment = make_comment(author=alice)
    alice_client.post(f"/comments/{comment.pk}/delete/")
    assert alice_client.post(f"/comments/{comment.pk}/edit/", {"content": "back"}).status_code == 404
    assert alice_client.post(f"/comments/{comment.pk}/delete/").status_code == 404


def test_post_page_counts_the_same_queries_for_1_and_500_comments_with_likes(
    client, make_user, make_post, make_like, django_assert_num_queries
):
    reader = make_user()
    client.force_login(reader)
    post = make_post()
    first = Comment.objects.create(post=post, author=post.author, content="c")
    make_like(reader, first)
    # session, user, post with counts and the previous visit, every comment, recording this visit
    with django_assert_num_queries(5):
        client.get(f"/posts/{post.pk}/")
    made = Comment.objects.bulk_create(
        Comment(post=post, author=post.author, content="c", parent=first if i % 2 else None)
        for i in range(499)
    )
    comment_type = ContentType.objects.get_for_model(Comment)
    Like.objects.bulk_create(
        Like(user=reader, target_type=comment_type, target_id=c.pk, receiver=post.author) for c in made[:100]
    )
    with django_assert_num_queries(5):
        client.get(f"/posts/{post.pk}/")


def test_an_htmx_comment_on_the_post_page_refreshes_the_comment_count(alice_client, make_comment):
    first = make_comment()
    deleted = make_comment(parent=first)
    Comment.objects.filter(pk=deleted.pk).update(state=Comment.State.DELETED)
    make_comment(parent=deleted)
    url = first.post.get_absolute_url()
    response = alice_client.post(
        f"{url}comments/", {"content": "one more"}, HTTP_HX_CURRENT_URL=f"http://testserver{url}", **HTMX
    )
    body = response.content.decode()
    assert '<h2 id="comments-title" hx-swap-oob="true"' in body
    assert "3 comments</h2>" in body  # the tombstone is not counted
    # The post's own "N comments" link says the same.
    # Only the count: the link's name for screen readers (whose post it is) stays.
    assert f'<span hx-swap-oob="innerHTML:#post-{first.post_id}-comment-count">3 comments</span>' in body
    elsewhere = alice_client.post(
        f"{url}comments/",
        {"content": "from a permalink"},
        HTTP_HX_CURRENT_URL=f"http://testserver/comments/{first.pk}/",
        **HTMX,
    )
    assert "comments-title" not in elsewhere.content.decode()
    assert '-comments">' not in elsewhere.content.decode()
