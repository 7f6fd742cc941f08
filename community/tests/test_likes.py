import pytest
from django.contrib.contenttypes.models import ContentType

from community.models import Comment, Like, Post
from community.tests.helpers import HTMX

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["post", "comment"])
def target(request, make_post, make_comment, bob):
    """Something of bob's that alice may like."""
    return make_post(author=bob) if request.param == "post" else make_comment(author=bob)


def kind(target):
    return "post" if isinstance(target, Post) else "comment"


def likes_of(target):
    return Like.objects.filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk)


@pytest.mark.parametrize("htmx", [False, True])
def test_like_twice_stays_liked_and_unlike_twice_stays_unliked(alice_client, target, alice, bob, htmx):
    url = f"/{kind(target)}s/{target.pk}"
    headers = HTMX if htmx else {}
    for _ in range(2):
        response = alice_client.post(f"{url}/like/", **headers)
        assert response.status_code == (200 if htmx else 302)
        assert likes_of(target).count() == 1
    like = likes_of(target).get()
    assert (like.user, like.receiver) == (alice, bob)
    for _ in range(2):
        alice_client.post(f"{url}/unlike/", **headers)
        assert likes_of(target).count() == 0


def test_htmx_like_returns_the_button_rendered_from_the_database(alice_client, target, make_user, make_like):
    for _ in range(3):
        make_like(make_user(), target)
    response = alice_client.post(f"/{kind(target)}s/{target.pk}/like/", **HTMX)
    body = response.content.decode()
    assert "<html" not in body
    assert 'aria-pressed="true"' in body
    assert 'aria-label="Like, 4 likes"' in body
    assert f'id="like-{kind(target)}-{target.pk}-button"' in body
    assert f'action="/{kind(target)}s/{target.pk}/unlike/"' in body
    response = alice_client.post(f"/{kind(target)}s/{target.pk}/unlike/", **HTMX)
    body = response.content.decode()
    assert 'aria-pressed="false"' in body
    assert 'aria-label="Like, 3 likes"' in body


def test_plain_like_redirects_back_to_a_safe_next_at_the_anchor(alice_client, target):
    response = alice_client.post(f"/{kind(target)}s/{target.pk}/like/", {"next": "/?cursor=abc"})
    assert response["Location"] == f"/?cursor=abc#{kind(target)}-{target.pk}"
    response = alice_client.post(f"/{kind(target)}s/{target.pk}/unlike/", {"next": "https://evil.example/"})
    post_id = target.pk if kind(target) == "post" else target.post_id
    assert response["Location"] == f"/posts/{post_id}/#{kind(target)}-{target.pk}"


def test_htmx_like_button_escapes_the_next_it_echoes(alice_client, target):
    # `next` is the reader's own input echoed into an attribute of the button.
    response = alice_client.post(
        f"/{kind(target)}s/{target.pk}/like/", {"next": '/?q="><script>alert(1)</script>'}, **HTMX
    )
    body = response.content.decode()
    assert "<script>" not in body
    assert 'name="next" value="/?q=&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in body
    # One masked CSRF token per form, accepted by the middleware.
    assert body.count('name="csrfmiddlewaretoken"') == 1


def test_own_content_cannot_be_liked(alice_client, make_post, make_comment, alice):
    post = make_post(author=alice)
    comment = make_comment(author=alice)
    for url in (f"/posts/{post.pk}/like/", f"/comments/{comment.pk}/like/"):
        response = alice_client.post(url)
        assert response.status_code == 403
        assert "like your own posts or comments" in response.content.decode()
    assert not Like.objects.exists()
    body = alice_client.get(f"/posts/{post.pk}/").content.decode()
    assert f"like-post-{post.pk}" not in body


def test_likes_on_missing_or_deleted_targets_are_404(alice_client, make_comment, bob):
    comment = make_comment(author=bob)
    Comment.objects.filter(pk=comment.pk).update(state=Comment.State.DELETED)
    assert alice_client.post(f"/comments/{comment.pk}/like/").status_code == 404
    assert alice_client.post("/posts/999999/like/").status_code == 404
    assert alice_client.post("/comments/999999/unlike/").status_code == 404
    assert not Like.objects.exists()


def test_get_is_405_and_anonymous_users_are_sent_to_log_in(client, target):
    url = f"/{kind(target)}s/{target.pk}/like/"
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Like.objects.exists()


def test_counts_on_feed_post_page_and_comments_follow_every_like(client, make_user, make_post, make_comment):
    author = make_user()
    post = make_post(author=author)
    comment = make_comment(post=post, author=author)
    fans = [make_user() for _ in range(3)]
    for step, fan in enumerate(fans, start=1):
        client.force_login(fan)
        client.post(f"/posts/{post.pk}/like/")
        client.post(f"/comments/{comment.pk}/like/")
        feed = client.get("/").content.decode()
        page = client.get(f"/posts/{post.pk}/").content.decode()
        assert f'aria-label="Like, {step} like{"s" if step > 1 else ""}"' in feed
        assert page.count(f'aria-label="Like, {step} like{"s" if step > 1 else ""}"') == 2
    client.post(f"/posts/{post.pk}/unlike/")
    page = client.get(f"/posts/{post.pk}/").content.decode()
    assert 'aria-label="Like, 2 likes"' in page
    assert 'aria-label="Like, 3 likes"' in page
    assert likes_of(post).count() == 2
    assert likes_of(comment).count() == 3


@pytest.mark.parametrize("htmx", [False, True])
def test_like_endpoint_query_count_is_pinned(alice_client, target, htmx, django_assert_num_queries):
    # session, user, the rate-limit counter and (first in its window) the
    # removal of past windows' counters, savepoint, lock the target, insert,
    # release, re-read count and state
    with django_assert_num_queries(9):
        alice_client.post(f"/{kind(target)}s/{target.pk}/like/", **(HTMX if htmx else {}))
