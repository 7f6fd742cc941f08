"""
The API against its own OpenAPI schema, with Schemathesis: every operation
of the schema the site serves at /api/schema/ is called with generated
requests, valid and invalid, signed out and signed in, in this process
through the WSGI application (so in the test's database, with a small
community to find). Any finding fails the test: a 5xx, a status, content
type, header or body the schema does not document, invalid data accepted
or valid data refused.

Bounded: `MAX_EXAMPLES` generated requests per operation and phase, so the
whole file runs in well under two minutes here.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from hypothesis import HealthCheck, settings

from community.tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 25

# The operations whose valid-looking input can still be refused with 400:
# credentials that match no account, the content rule ("something
# visible", which no JSON Schema pattern states), a parent comment that is
# gone or elsewhere, and a feed or inbox cursor the API never gave out.
SEMANTIC_400 = [
    "posts_list",
    "inbox_list",
    "session_create",
    "posts_create",
    "posts_update",
    "posts_comments_create",
    "comments_update",
]

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
        "phases": {"stateful": {"enabled": False}},
        "operations": [
            {
                "include-operation-id": SEMANTIC_400,
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]
                    }
                },
            }
        ],
    }
)


@pytest.fixture
def community(make_user, make_post, make_comment, make_like):
    """A little of everything, so generated ids now and then find something."""
    alice, bob = make_user("alice"), make_user("bob")
    post = make_post(author=alice, content="A post to find")
    top = make_comment(post=post, author=bob)
    make_comment(parent=top, author=alice)
    make_like(bob, post)
    make_like(alice, top)
    return alice


# Loaded when the tests are collected: serving the schema reads no database.
# The WSGI test client hands over bodies as sent; a live client would undo the gzip.
PLAIN = {"Accept-Encoding": "identity"}

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application(), config=CONFIG)


@pytest.fixture(autouse=True)
def _one_connection_per_test():
    """
    Keep the test's database connection across requests, as Django's test
    client does: the WSGI handler closes it at the end of every request,
    which would end the test's transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def session_headers(user) -> dict:
    """A fresh session of `user` and a CSRF token, as a browser would send them."""
    # Written directly (one row): a log-in would also run django-axes' bookkeeping every time.
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = django_settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    token = _get_new_csrf_string()
    cookies = {
        django_settings.SESSION_COOKIE_NAME: session.session_key,
        django_settings.CSRF_COOKIE_NAME: token,
    }
    return {
        "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
        "X-CSRFToken": token,
    }


def _has_nul(values) -> bool:
    """Whether a NUL is in any name or value (a value may be a list of them)."""
    for key, value in (values or {}).items():
        for item in (key, *(value if isinstance(value, list | tuple) else [value])):
            if "\x00" in str(item):
                return True
    return False


# No NUL in generated addresses (bodies keep theirs): community.middleware
# refuses such an address before any view, with a 400 in the API's error
# shape (test_errors_and_schema) that not every operation documents.
@schema.hook
def filter_query(ctx, query):
    return not _has_nul(query)


@schema.hook
def filter_path_parameters(ctx, path_parameters):
    return not _has_nul(path_parameters)


# The community is made once per operation and shared by its generated
# requests, which is what these tests want (hence the health check).
BOUNDS = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@schema.parametrize()
@BOUNDS
def test_signed_out(case, community):
    case.call_and_validate(headers=PLAIN)


@schema.parametrize()
@BOUNDS
def test_signed_in(case, community):
    # A session per request: a generated DELETE /session/ must not sign out the rest.
    case.call_and_validate(headers={**PLAIN, **session_headers(community)})


def test_the_schemas_session_is_a_real_one(community):
    """The signed-in run is signed in: its headers pass the site's session and CSRF checks."""
    client = Client()
    headers = session_headers(community)
    response = client.post(
        "/api/v1/posts/",
        {"content": "Signed in"},
        content_type="application/json",
        headers={"Cookie": headers["Cookie"], "X-CSRFToken": headers["X-CSRFToken"]},
    )
    assert response.status_code == 201, response.content
    assert PASSWORD  # the community's users have the suite's password
