import itertools
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache

from community.models import Comment, Like, Post
from community.tests.helpers import PASSWORD

_names = itertools.count(1)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters live in the cache; every test starts with none and leaves none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_user(db):
    def make(username=None, **extra):
        return get_user_model().objects.create_user(
            username=username or f"user{next(_names)}", password=PASSWORD, **extra
        )

    return make


@pytest.fixture
def make_post(make_user):
    def make(author=None, content="A post", **extra):
        return Post.objects.create(author=author or make_user(), content=content, **extra)

    return make


@pytest.fixture
def make_comment(make_user, make_post):
    def make(post=None, parent=None, author=None, content="A comment", **extra):
        if post is None:
            post = parent.post if parent is not None else make_post()
        return Comment.objects.create(
            post=post, parent=parent, author=author or make_user(), content=content, **extra
        )

    return make


@pytest.fixture
def make_like():
    """A like row written directly, as any history (self-likes included) may hold."""

    def make(user, target, **extra):
        return Like.objects.create(
            user=user,
            target_type=ContentType.objects.get_for_model(target),
            target_id=target.pk,
            receiver_id=target.author_id,
            **extra,
        )

    return make


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def hasher_calls():
    """Counts password hashing: checking a password and hashing one for a missing user."""
    calls = []
    verify, encode = MD5PasswordHasher.verify, MD5PasswordHasher.encode

    def counted(original):
        def wrapper(self, *args, **kwargs):
            calls.append(original.__name__)
            return original(self, *args, **kwargs)

        return wrapper

    with (
        mock.patch.object(MD5PasswordHasher, "verify", counted(verify)),
        mock.patch.object(MD5PasswordHasher, "encode", counted(encode)),
    ):
        yield calls
