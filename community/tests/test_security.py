"""
Abuse and bad input: log-in throttling, write rate limits, CSRF, escaping,
authorization, open redirects, and requests no form would ever send.
"""

import base64
import html
import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from community import ratelimit, rules
from community.models import CONTENT_MAX_LENGTH, Comment, Like, Post
from community.rich_text import ALLOWED_TAGS
from community.tests.helpers import HTMX, PASSWORD, PRODUCTION_ENV, log_in, logged_in, run_django, run_python

User = get_user_model()


def snapshot():
    """Everything a write could change, to compare before and after a request."""
    return (
        list(Post.objects.order_by("pk").values_list("pk", "content", "edited_at")),
        list(Comment.objects.order_by("pk").values_list("pk", "content", "state", "edited_at")),
        list(Like.objects.order_by("pk").values_list("pk", "user_id", "target_id")),
        list(User.objects.order_by("pk").values_list("pk", "username", "is_active")),
    )


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# --- Log-in throttling --------------------------------------------------------


def test_failures_for_one_account_from_one_address_lock_that_pair(client, alice, settings, hasher_calls):
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        response = log_in(client, "alice", "wrong", ip="198.51.100.1")
        # The failure that reaches the limit already answers with the lockout.
        assert response.status_code == (200 if attempt < settings.AXES_FAILURE_LIMIT else 429)
    assert len(hasher_calls) >= settings.AXES_FAILURE_LIMIT

    hasher_calls.clear()
    response = log_in(client, "alice", PASSWORD, ip="198.51.100.1")
    assert response.status_code == 429
    assert "Too many failed log-in attempts. Try again in 15 minutes." in response.content.decode()
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60
    assert hasher_calls == [], "a locked-out attempt must be refused before the password is hashed"
    assert "_auth_user_id" not in client.session
    # The owner, from an address that has not failed, still gets in.
    assert log_in(Client(), "alice", PASSWORD, ip="203.0.113.7").status_code == 302


def test_failures_from_one_address_lock_it_for_every_account(client, alice, bob, settings, hasher_calls):
    for attempt in range(settings.COMMUNITY_LOGIN_ADDRESS_FAILURE_LIMIT):
        log_in(client, f"nobody{attempt}", "guess", ip="192.0.2.66")

    hasher_calls.clear()
    response = log_in(client, "bob", PASSWORD, ip="192.0.2.66")
    assert response.status_code == 429
    assert hasher_calls == []
    # Another address is not affected.
    response = log_in(Client(), "bob", PASSWORD, ip="192.0.2.67")
    assert response.status_code == 302


def test_failures_below_the_limit_do_not_lock(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "alice", "wrong")
    assert log_in(client, "alice", PASSWORD).status_code == 302


def test_refused_attempts_do_not_extend_the_lockout(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "alice", "wrong")
    # The lockout began 10 minutes ago; trying again now does not restart it.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timezone.timedelta(minutes=10))
    for _ in range(3):
        response = log_in(client, "alice", "wrong")
        assert response.status_code == 429
    assert "Try again in 5 minutes." in response.content.decode()


def test_the_lockout_ends_after_the_cool_off(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "alice", "wrong")
    assert log_in(client, "alice", PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timezone.timedelta(seconds=1)
    )
    assert log_in(client, "alice", PASSWORD).status_code == 302


def test_the_admin_log_in_is_throttled_too(client, settings, make_user):
    make_user("root", is_staff=True, is_superuser=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "root", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.1"),
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.1"),
    ],
)
def test_failures_are_counted_by_the_address_the_trusted_proxies_saw(
    rf, settings, proxies, forwarded, expected
):
    settings.COMMUNITY_TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert ratelimit.client_ip(request) == expected


# --- Write rate limits --------------------------------------------------------


def write_requests(author_of_targets):
    post = Post.objects.create(author=author_of_targets, content="Target")
    return {
        "post": ("/posts/new/", lambda n: {"content": f"Post {n}"}),
        "comment": (f"/posts/{post.pk}/comments/", lambda n: {"content": f"Comment {n}"}),
        "like": (f"/posts/{post.pk}/like/", lambda n: {}),
    }


@pytest.mark.parametrize("scope", ["post", "comment", "like"])
def test_writes_past_the_limit_get_429_with_retry_after(alice, bob, settings, scope):
    settings.COMMUNITY_RATE_LIMITS = {**settings.COMMUNITY_RATE_LIMITS, scope: "2/m"}
    url, data = write_requests(bob)[scope]
    client = logged_in(alice)
    for n in range(2):
        assert client.post(url, data(n)).status_code == 302
    before = snapshot()

    response = client.post(url, data(3))
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    body = response.content.decode()
    assert "faster than the site allows" in body
    assert "<html" in body  # the full 429 page
    assert snapshot() == before


@pytest.mark.parametrize("scope", ["post", "comment", "like"])
def test_htmx_writes_past_the_limit_get_a_message_in_place(alice, bob, settings, scope):
    settings.COMMUNITY_RATE_LIMITS = {**settings.COMMUNITY_RATE_LIMITS, scope: "1/m"}
    url, data = write_requests(bob)[scope]
    client = logged_in(alice)
    assert client.post(url, data(0), **HTMX).status_code == 200

    response = client.post(url, data(1), **HTMX)
    assert response.status_code == 429
    assert response["HX-Retarget"] == "#htmx-messages"
    assert response["HX-Reswap"] == "innerHTML"
    assert "Retry-After" in response
    body = response.content.decode()
    assert "<html" not in body
    assert "Please wait" in body


def test_limits_are_per_user(alice, bob, settings):
    settings.COMMUNITY_RATE_LIMITS = {**settings.COMMUNITY_RATE_LIMITS, "post": "1/m"}
    first, second = logged_in(alice), logged_in(bob)
    assert first.post("/posts/new/", {"content": "one"}).status_code == 302
    assert first.post("/posts/new/", {"content": "two"}).status_code == 429
    assert second.post("/posts/new/", {"content": "three"}).status_code == 302


def test_showing_the_form_is_not_counted(alice, settings):
    settings.COMMUNITY_RATE_LIMITS = {**settings.COMMUNITY_RATE_LIMITS, "post": "1/m"}
    client = logged_in(alice)
    for _ in range(3):
        assert client.get("/posts/new/").status_code == 200
    assert client.post("/posts/new/", {"content": "one"}).status_code == 302


def test_the_window_ends_and_requests_are_accepted_again(settings):
    settings.COMMUNITY_RATE_LIMITS = {"post": "3/m"}
    start = 6_000_000.0  # the start of a one-minute window
    assert [ratelimit.hit("post", 1, now=start + n) for n in range(3)] == [None, None, None]
    assert ratelimit.hit("post", 1, now=start + 40) == 20
    assert ratelimit.hit("post", 1, now=start + 59.5) == 1
    assert ratelimit.hit("post", 1, now=start + 60) is None
    # A scope without a limit is never refused.
    assert all(ratelimit.hit("unlisted", 1) is None for _ in range(10))


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("5/m", (5, 60)), ("100/h", (100, 3600)), ("10/5m", (10, 300)), (" 2 / d ", (2, 86400))],
)
def test_rates_are_read_from_settings_syntax(rate, parsed):
    assert ratelimit.parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["5", "5/minute", "m/5", "-1/m"])
def test_malformed_rates_are_a_configuration_error(rate):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        ratelimit.parse_rate(rate)


# --- CSRF ---------------------------------------------------------------------


@pytest.fixture
def targets(alice, bob):
    post = Post.objects.create(author=alice, content="Alice's post")
    comment = Comment.objects.create(post=post, author=alice, content="Alice's comment")
    other_post = Post.objects.create(author=bob, content="Bob's post")
    return post, comment, other_post


def write_urls(post, comment, other_post):
    return [
        ("/posts/new/", {"content": "new"}),
        (f"/posts/{post.pk}/edit/", {"content": "changed"}),
        (f"/posts/{post.pk}/delete/", {}),
        (f"/posts/{post.pk}/comments/", {"content": "reply"}),
        (f"/posts/{other_post.pk}/like/", {}),
        (f"/comments/{comment.pk}/edit/", {"content": "changed"}),
        (f"/comments/{comment.pk}/delete/", {}),
        ("/accounts/logout/", {}),
    ]


def test_every_post_without_a_csrf_token_is_refused(alice, targets):
    client = logged_in(alice, enforce_csrf_checks=True)
    before = snapshot()
    for url, data in write_urls(*targets):
        for headers in ({}, HTMX):
            response = client.post(url, data, **headers)
            assert response.status_code == 403, url
            assert "without a valid security token" in response.content.decode()
    assert snapshot() == before
    assert client.get("/").context["user"] == alice


def test_log_in_and_sign_up_need_the_token_too(alice):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}).status_code == 403
    data = {"username": "mallory", "password1": PASSWORD, "password2": PASSWORD}
    assert client.post("/accounts/signup/", data).status_code == 403
    assert not User.objects.filter(username="mallory").exists()


def test_htmx_requests_carry_the_token_from_the_page(alice, bob):
    post = Post.objects.create(author=bob, content="Bob's post")
    client = logged_in(alice, enforce_csrf_checks=True)
    page = client.get("/").content.decode()
    token = re.search(r"""hx-headers='\{"X-CSRFToken": "([^"]+)"\}'""", page).group(1)
    response = client.post(f"/posts/{post.pk}/like/", HTTP_X_CSRFTOKEN=token, **HTMX)
    assert response.status_code == 200
    assert Like.objects.filter(user=alice, target_id=post.pk).exists()


def test_no_get_changes_anything(alice, targets, make_like):
    """GET every address of the site, as the author of everything, and nothing changes."""
    post, comment, other_post = targets
    make_like(alice, other_post)
    client = logged_in(alice)
    urls = [
        "/",
        "/posts/new/",
        f"/posts/{post.pk}/",
        f"/posts/{post.pk}/edit/",
        f"/posts/{post.pk}/delete/",
        f"/posts/{post.pk}/comments/",
        f"/posts/{other_post.pk}/like/",
        f"/posts/{other_post.pk}/unlike/",
        f"/comments/{comment.pk}/",
        f"/comments/{comment.pk}/reply/",
        f"/comments/{comment.pk}/edit/",
        f"/comments/{comment.pk}/delete/",
        f"/comments/{comment.pk}/like/",
        f"/comments/{comment.pk}/unlike/",
        "/u/alice/",
        "/leaderboard/",
        "/accounts/signup/",
        "/accounts/login/",
        "/accounts/logout/",
        "/healthz",
    ]
    before = snapshot()
    for url in urls:
        for headers in ({}, HTMX):
            response = client.get(url, **headers)
            assert response.status_code in {200, 302, 405}, url
    assert snapshot() == before
    assert client.get("/").context["user"] == alice


# --- Hostile content is shown as text ------------------------------------------

HOSTILE = (
    "<script>alert('xss')</script> \"><img src=x onerror=alert(1)> "
    'javascript:alert(2) <a href="javascript:alert(3)">click</a> '
    "\u202eexe.gnp \u200b\ufeff \uff1cscript\uff1e <svg/onload=alert(4)> {{ 7*7 }} &lt;b&gt;"
)
# No "/": a URL path segment, as every username is in profile links.
HOSTILE_NAME = "<b onmouseover=alert(5)>x\"y'&amp;\u202e"


class _Tags(HTMLParser):
    """Every tag and attribute in a document, to look for what hostile text could inject."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_shown_as_text(body: str, *texts: str):
    # A quote in text needs no escaping, and the sanitiser of user text
    # leaves it as it is: `href="javascript:` typed as text is checked on
    # the parsed attributes below instead.
    for raw in ("<script>alert", "<img src=x", "<svg/onload", "<b onmouseover"):
        assert raw not in body, raw
    parser = _Tags()
    parser.feed(body)
    for tag, attrs in parser.tags:
        if tag == "script":
            assert attrs.get("src"), "inline script"
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("href", "src", "action", "formaction"):
            assert not (attrs.get(name) or "").strip().lower().startswith("javascript:"), (tag, attrs)
    text_of_body = html.unescape(body)
    for text in texts:
        # Shown, as text: every character of it survives unescaping the page.
        assert text in text_of_body


@pytest.fixture
def hostile_world(alice, make_user, make_like):
    villain = make_user("placeholder")
    # Usernames from the sign-up form are restricted to letters, digits and
    # @.+-_, but accounts made by other means (the admin, a script, an
    # import) are not: the templates must not rely on the form.
    User.objects.filter(pk=villain.pk).update(username=HOSTILE_NAME)
    villain.refresh_from_db()
    post = Post.objects.create(author=villain, content=HOSTILE)
    comment = Comment.objects.create(post=post, author=villain, content=HOSTILE)
    make_like(alice, post)
    make_like(alice, comment)
    return villain, post, comment


def test_hostile_posts_comments_and_usernames_are_text_everywhere(alice, hostile_world):
    villain, post, comment = hostile_world
    client = logged_in(alice)
    pages = {
        "feed": client.get("/"),
        "thread": client.get(f"/posts/{post.pk}/"),
        "comment": client.get(f"/comments/{comment.pk}/"),
        "profile": client.get(f"/u/{quote(villain.username)}/"),
        "leaderboard": client.get("/leaderboard/"),
        "leaderboard fragment": client.get("/leaderboard/", **HTMX),
        "delete page": logged_in(villain).get(f"/posts/{post.pk}/delete/"),
        "edit page": logged_in(villain).get(f"/posts/{post.pk}/edit/"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        body = response.content.decode()
        expected = (HOSTILE_NAME,) if name.startswith("leaderboard") else (HOSTILE_NAME, HOSTILE)
        if name == "profile":
            expected = (HOSTILE_NAME, HOSTILE[:100])  # excerpts of posts and comments
        if name == "edit page":
            expected = (HOSTILE,)  # the form shows the text; the name is in the header as the viewer
        try:
            assert_shown_as_text(body, *expected)
        except AssertionError as exc:
            raise AssertionError(f"on the {name}: {exc}") from exc


def test_hostile_text_in_htmx_fragments_is_text(alice, bob):
    client = logged_in(alice)
    post_response = client.post("/posts/new/", {"content": HOSTILE}, **HTMX)
    assert post_response.status_code == 200
    assert_shown_as_text(post_response.content.decode(), HOSTILE)
    post = Post.objects.get(author=alice)
    comment_response = client.post(f"/posts/{post.pk}/comments/", {"content": HOSTILE}, **HTMX)
    assert comment_response.status_code == 200
    assert_shown_as_text(comment_response.content.decode(), HOSTILE)
    invalid = client.post("/posts/new/", {"content": HOSTILE + "x" * CONTENT_MAX_LENGTH}, **HTMX)
    assert invalid.status_code == 400
    assert_shown_as_text(invalid.content.decode(), HOSTILE)


def admin_urls(model, obj):
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    return [reverse(f"{prefix}_changelist"), reverse(f"{prefix}_change", args=[obj.pk])]


def test_hostile_text_is_text_in_the_admin(hostile_world, make_user):
    villain, post, comment = hostile_world
    staff = make_user("root", is_staff=True, is_superuser=True)
    client = logged_in(staff)
    urls = [
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_change", args=[villain.pk]),
    ]
    for model, obj in ((Post, post), (Comment, comment)):
        if admin.site.is_registered(model):
            urls += admin_urls(model, obj)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_shown_as_text(response.content.decode(), HOSTILE_NAME)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(
        # Any code point but NUL (refused, see above) and lone surrogates (not UTF-8).
        alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
        min_size=1,
        max_size=40,
    )
    | st.sampled_from(["\u202eevil\u202c", "a\u200bb\u200dc", "👩‍👩‍👧‍👦🏳️‍🌈", "שלום عالم", "\ufeff<i>x</i>"])
)
@example(text="0\r\n0")
def test_any_unicode_is_stored_intact_and_shown_escaped(alice, text):
    client = logged_in(alice)
    response = client.post("/posts/new/", {"content": text})
    # Stripped, and a browser's CRLF line breaks stored as LF (forms.ContentField).
    expected = text.strip().replace("\r\n", "\n")
    if not rules.has_visible_text(expected):
        # Nothing visible (spaces, zero-width or format characters only) is no content.
        assert response.status_code == 400
        assert not Post.objects.filter(author=alice).exists()
        return
    assert response.status_code == 302
    post = Post.objects.filter(author=alice).latest("id")
    assert post.content == expected
    body = client.get(f"/posts/{post.pk}/").content.decode()
    shown = _text_of_post(body, post.pk)
    if not set(expected) & _MARKDOWN_SYNTAX:
        # Line breaks become <br>/<p> and links <a>: compare the text, not the spacing.
        assert "".join(shown.split()) == "".join(expected.split())
    post.delete()


class _PostText(HTMLParser):
    """The text, and the tags, inside the post's `prose-content` block."""

    def __init__(self, post_id):
        super().__init__(convert_charrefs=True)
        self.post_id = post_id
        self.in_post = False
        self.depth = 0
        self.text = []
        self.tags = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth:
            self.tags.add(tag)
            if tag not in {"br"}:
                self.depth += 1
        elif tag == "article" and attrs.get("id") == f"post-{self.post_id}":
            self.in_post = True
        elif self.in_post and tag == "div" and "prose-content" in (attrs.get("class") or ""):
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth and tag != "br":
            self.depth -= 1
            if not self.depth:
                self.in_post = False

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


# Characters that Markdown may take as syntax (emphasis, code, links, quotes,
# lists, escapes): text without them is shown exactly as typed.
_MARKDOWN_SYNTAX = frozenset("\\`*_[]<>!&#-+.)=~|")


def _text_of_post(body, post_id):
    parser = _PostText(post_id)
    parser.feed(body)
    # Whatever the text, only the tags the renderer allows.
    assert parser.tags <= ALLOWED_TAGS, parser.tags
    return "".join(parser.text)


# --- Authorization ------------------------------------------------------------


def test_only_authors_edit_or_delete_posts_and_comments(bob, targets):
    post, comment, _ = targets
    client = logged_in(bob)
    before = snapshot()
    for url in (
        f"/posts/{post.pk}/edit/",
        f"/posts/{post.pk}/delete/",
        f"/comments/{comment.pk}/edit/",
        f"/comments/{comment.pk}/delete/",
    ):
        for method, data in (("get", None), ("post", {"content": "taken over"})):
            response = getattr(client, method)(url, data)
            assert response.status_code == 403, (method, url)
            assert "Only the author can" in response.content.decode()
            fragment = getattr(client, method)(url, data, **HTMX)
            assert fragment.status_code == 403
            assert fragment["HX-Retarget"] == "#htmx-messages"
            assert "Only the author can" in fragment.content.decode()
            assert "<html" not in fragment.content.decode()
    assert snapshot() == before


def test_anonymous_visitors_are_sent_to_log_in_and_change_nothing(client, targets):
    post, comment, other_post = targets
    before = snapshot()
    for url, data in write_urls(post, comment, other_post)[:-1]:
        response = client.post(url, data)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert snapshot() == before


def test_banned_users_cannot_log_in(client, alice):
    User.objects.filter(pk=alice.pk).update(is_active=False)
    response = log_in(client, "alice", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_banning_ends_open_sessions(alice, bob):
    client = logged_in(alice)
    assert client.get("/").context["user"] == alice
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert not client.get("/").context["user"].is_authenticated
    response = client.post("/posts/new/", {"content": "still here?"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Post.objects.exists()


# --- Open redirects -------------------------------------------------------------

EXTERNAL = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
    "https:evil.example",
    " //evil.example",
]


@pytest.mark.parametrize("target", EXTERNAL)
def test_like_ignores_an_external_next(alice, bob, target):
    post = Post.objects.create(author=bob, content="Bob's post")
    response = logged_in(alice).post(f"/posts/{post.pk}/like/", {"next": target})
    assert response.status_code == 302
    assert response["Location"] == f"/posts/{post.pk}/#post-{post.pk}"


@pytest.mark.parametrize("target", EXTERNAL)
def test_sign_up_ignores_an_external_next(client, target):
    data = {"username": "newcomer", "password1": PASSWORD, "password2": PASSWORD, "next": target}
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", EXTERNAL)
def test_admin_log_in_ignores_an_external_next(client, target, make_user):
    make_user("root", is_staff=True, is_superuser=True)
    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


# --- Bad input ----------------------------------------------------------------


def test_over_long_content_is_refused_with_a_message(alice, bob):
    post = Post.objects.create(author=bob, content="Bob's post")
    client = logged_in(alice)
    before = snapshot()
    too_long = "x" * (CONTENT_MAX_LENGTH + 1)
    for url in ("/posts/new/", f"/posts/{post.pk}/comments/"):
        for headers in ({}, HTMX):
            response = client.post(url, {"content": too_long}, **headers)
            assert response.status_code == 400
            assert "That is too long: at most 10,000 characters" in response.content.decode()
    assert snapshot() == before


def test_a_nul_byte_in_content_is_refused_with_a_message(alice, bob):
    post = Post.objects.create(author=bob, content="Bob's post")
    comment = Comment.objects.create(post=post, author=alice, content="Mine")
    client = logged_in(alice)
    before = snapshot()
    for url in ("/posts/new/", f"/posts/{post.pk}/comments/", f"/comments/{comment.pk}/edit/"):
        response = client.post(url, {"content": "before\x00after"})
        assert response.status_code == 400
        assert "Null characters are not allowed." in response.content.decode()
    response = log_in(Client(), "ali\x00ce", PASSWORD)
    assert response.status_code == 200
    assert snapshot() == before


@pytest.mark.parametrize("body", [b"content=%FF%FEbad", b"content=caf\xe9", b"content=ok&%C3=x"])
def test_a_body_that_is_not_utf8_is_refused(alice, body):
    client = logged_in(alice)
    for headers in ({}, HTMX):
        response = client.generic(
            "POST", "/posts/new/", body, content_type="application/x-www-form-urlencoded", **headers
        )
        assert response.status_code == 400
        assert "not valid UTF-8" in response.content.decode()
    assert not Post.objects.exists()


@pytest.mark.parametrize("query", ["cursor=%FF", "after=%C3%28", "q=caf%E9"])
def test_a_query_string_that_is_not_utf8_is_refused(client, alice, query):
    response = client.get(f"/?{query}")
    assert response.status_code == 400
    assert "not valid UTF-8" in response.content.decode()


@pytest.mark.parametrize("url", ["/?cursor=%00", "/u/al%00ice/", "/posts/1/?after=1%00"])
def test_a_nul_byte_in_the_address_is_refused(client, alice, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_a_multi_megabyte_body_is_refused_with_413(alice, settings):
    client = logged_in(alice)
    huge = "x" * (3 * 1024 * 1024)
    for kwargs in (
        {"data": f"content={huge}", "content_type": "application/x-www-form-urlencoded"},
        {"data": {"content": huge}},  # multipart
    ):
        for headers in ({}, HTMX):
            response = client.post("/posts/new/", **kwargs, **headers)
            assert response.status_code == 413
            assert "too large" in response.content.decode()
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/posts/999999/",
        "/posts/999999/edit/",
        "/comments/999999/",
        "/comments/999999/reply/",
        "/posts/abc/",
        "/posts/-1/",
        "/posts/1.5/",
        "/posts/99999999999999999999999/",
        "/comments/9223372036854775808/",
        "/u/nobody-at-all/",
        "/no/such/page/",
    ],
)
def test_unknown_or_malformed_ids_are_404(alice, url):
    response = logged_in(alice).get(url)
    assert response.status_code == 404
    assert "Error 404" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    ["/posts/999999/like/", "/comments/999999/unlike/", "/posts/99999999999999999999999/comments/"],
)
def test_writes_to_unknown_ids_are_404(alice, url):
    client = logged_in(alice)
    assert client.post(url, {"content": "hello"}).status_code == 404
    fragment = client.post(url, {"content": "hello"}, **HTMX)
    assert fragment.status_code == 404
    assert fragment["HX-Retarget"] == "#htmx-messages"
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("get", "/posts/1/like/", "POST"),
        ("get", "/posts/1/comments/", "POST"),
        ("put", "/posts/new/", "GET, POST"),
        ("delete", "/posts/1/", "GET, HEAD"),
        ("post", "/", "GET, HEAD"),
        ("post", "/leaderboard/", "GET, HEAD"),
        ("get", "/accounts/logout/", "POST, OPTIONS"),
    ],
)
def test_wrong_methods_are_405_with_a_message(alice, method, url, allowed):
    client = logged_in(alice)
    response = getattr(client, method)(url)
    assert response.status_code == 405
    assert response["Allow"] == allowed
    assert f"does not accept {method.upper()} requests" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "cursor=garbage",
        "cursor=%%%",
        "cursor=" + "A" * 5000,
        "cursor=" + b64(b"2026-11-23T10:00:00+00:00|99999999999999999999999"),  # id out of range
        "cursor=" + b64(b"2026-11-23T10:00:00|5"),  # no time zone
        "cursor=" + b64(b"not a date|1"),
        "cursor=" + b64(b"\xff\xfe|1"),
        "cursor=&cursor=x",
        "after=abc",
        "after=-5",
        "after=1e9",
        "x=" + "y" * 20000,
    ],
)
def test_malformed_cursors_and_query_strings_are_not_errors(alice, bob, query):
    post = Post.objects.create(author=bob, content="Bob's post")
    client = logged_in(alice)
    for url in ("/", f"/posts/{post.pk}/"):
        for headers in ({}, HTMX):
            response = client.get(f"{url}?{query}", **headers)
            assert response.status_code == 200, (url, query)
    assert "Bob's post" in html.unescape(client.get(f"/?{query}").content.decode())


# --- Production settings --------------------------------------------------------


def run_production(code: str, **env):
    return run_django(code, **{**PRODUCTION_ENV, **env})


SETTINGS_REPORT = (
    "from django.conf import settings as s; "
    "print(repr([s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, "
    "s.CSRF_COOKIE_SECURE, s.CSRF_COOKIE_SAMESITE, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, "
    "s.SECURE_PROXY_SSL_HEADER, s.X_FRAME_OPTIONS, s.SECURE_CONTENT_TYPE_NOSNIFF]))"
)


def test_production_settings_are_secure_by_default():
    result = run_production(SETTINGS_REPORT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == repr(
        [True, True, "Lax", True, "Lax", 31536000, True, None, "DENY", True]
    )


def test_ssl_redirect_and_the_proxy_header_are_configurable():
    result = run_production(
        SETTINGS_REPORT, DJANGO_SECURE_SSL_REDIRECT="0", DJANGO_SECURE_PROXY_SSL_HEADER="1"
    )
    assert result.returncode == 0, result.stderr
    values = eval(result.stdout.strip().splitlines()[-1])  # noqa: S307 (our own repr of a list)
    assert values[6] is False
    assert values[7] == ("HTTP_X_FORWARDED_PROTO", "https")


def test_check_deploy_is_clean():
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_responses_carry_the_security_headers():
    code = (
        "from django.test import Client; "
        "r = Client().get('/healthz', secure=True, HTTP_HOST='community.example.org'); "
        "print(r.status_code, r['Strict-Transport-Security'], r['X-Frame-Options'], "
        "r['Content-Security-Policy'], sep='|'); "
        "r = Client().get('/healthz', HTTP_HOST='community.example.org'); print(r.status_code); "
        "r = Client().get('/', HTTP_HOST='community.example.org'); print(r.status_code, r['Location'])"
    )
    result = run_production(code, DATABASE_URL="sqlite://:memory:")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()[-3:]
    status, hsts, frames, csp = lines[0].split("|")
    assert status == "200"
    assert hsts == "max-age=31536000; includeSubDomains; preload"
    assert frames == "DENY"
    assert "script-src 'self'" in csp
    # Health checks work over plain HTTP; pages redirect to HTTPS.
    assert lines[1] == "200"
    assert lines[2] == "301 https://community.example.org/"


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


class _InlineCode(HTMLParser):
    """What a strict CSP would block: inline scripts, style elements and attributes, event handlers."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocked = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src"):
            self.blocked.append("inline <script>")
        if tag == "style":
            self.blocked.append("<style>")
        if "style" in attrs:
            self.blocked.append(f"style attribute on <{tag}>")
        self.blocked += [f"{name} on <{tag}>" for name in attrs if name.startswith("on")]
        self.blocked += [f"{name} on <{tag}>" for name in attrs if name.startswith("hx-on")]


def test_pages_and_the_admin_need_nothing_the_policy_blocks(alice, bob, make_user):
    post = Post.objects.create(author=bob, content="Bob's post")
    comment = Comment.objects.create(post=post, author=alice, content="A comment")
    staff = make_user("root", is_staff=True, is_superuser=True)
    pages = [
        (Client(), "/"),
        (Client(), "/accounts/login/"),
        (Client(), "/accounts/signup/"),
        (logged_in(alice), "/"),
        (logged_in(alice), f"/posts/{post.pk}/"),
        (logged_in(alice), f"/comments/{comment.pk}/"),
        (logged_in(alice), f"/comments/{comment.pk}/edit/"),
        (logged_in(alice), "/u/bob/"),
        (logged_in(alice), "/leaderboard/"),
        (logged_in(alice), "/posts/999999/"),
        (logged_in(staff), "/admin/"),
        (logged_in(staff), reverse("admin:auth_user_changelist")),
        (logged_in(staff), reverse("admin:auth_user_change", args=[alice.pk])),
    ]
    for model, obj in ((Post, post), (Comment, comment)):
        if admin.site.is_registered(model):
            pages += [(logged_in(staff), url) for url in admin_urls(model, obj)]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code in {200, 404}, url
        parser = _InlineCode()
        parser.feed(response.content.decode())
        assert parser.blocked == [], url


def test_htmx_is_configured_to_work_under_the_policy(client):
    body = client.get("/").content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", body).group(1)
    assert '"allowEval": false' in config
    assert '"includeIndicatorStyles": false' in config


def test_password_checks_by_a_signed_in_session_are_throttled(alice, settings):
    """Whoever holds a session cannot guess its password through the password-change form."""
    settings.COMMUNITY_RATE_LIMITS = {**settings.COMMUNITY_RATE_LIMITS, "password_check": "3/h"}
    client = logged_in(alice)
    guesses = [
        client.post(
            "/accounts/password_change/",
            {
                "old_password": f"guess{n}",
                "new_password1": "N3w-long-pass!",
                "new_password2": "N3w-long-pass!",
            },
        ).status_code
        for n in range(4)
    ]
    assert guesses == [200, 200, 200, 429]
    assert client.post("/accounts/delete/", {"password": "guess"}).status_code == 429


def test_logging_in_gives_a_new_session_key(client, alice):
    """Session fixation: a key known before log-in is worthless after it."""
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    assert log_in(client, "alice", PASSWORD).status_code == 302
    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_a_variable_a_jinja_template_was_not_given_is_an_error():
    """StrictUndefined: a view that forgets a variable fails loudly instead of rendering nothing."""
    from django.template import engines
    from jinja2 import UndefinedError

    template = engines["jinja2"].from_string("{{ forgotten.name }}")
    with pytest.raises(UndefinedError):
        template.render({})
