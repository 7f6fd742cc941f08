"""One error shape for every 4xx, no 5xx for bad input, and the schema the API documents itself with."""

import json
import re

import pytest
from django.db import OperationalError

from community.api import threads as api_threads
from community.forms import PostForm
from community.models import Post
from community.tests.api.helpers import error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", ["/api/", "/api/v1/nothing/", "/api/v2/posts/", "/api/v1/posts/1/likes/"])
def test_unknown_addresses_under_api_are_json_404s(api, method, url):
    error(getattr(api, method)(url), 404, "not_found")


def test_a_missing_slash_is_pointed_out(api):
    body = error(api.get("/api/v1/posts"), 404)
    assert "Did you mean /api/v1/posts/ (with a slash)?" in body["detail"]


def test_an_unsupported_method_is_405_with_allow(alice_api, make_post):
    response = alice_api.put("/api/v1/posts/", {"content": "x"}, format="json")
    error(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("content=hi", "application/x-www-form-urlencoded"),
        ("hi", "text/plain"),
        ("<content>hi</content>", "application/xml"),
    ],
)
def test_bodies_other_than_json_are_415(alice_api, body, content_type):
    error(alice_api.post("/api/v1/posts/", body, content_type=content_type), 415, "unsupported_media_type")
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        b'{"content": ',
        b'{"content": "caf\xe9"}',  # Latin-1, not UTF-8
        b'{"content": NaN}',
        b'{"content": Infinity}',
        b"\xff\xfe",
        b'{"content": "a"}{"content": "b"}',
    ],
)
def test_malformed_json_is_a_400_parse_error(alice_api, raw):
    error(alice_api.post("/api/v1/posts/", raw, content_type="application/json"), 400, "parse_error")
    assert not Post.objects.exists()


@pytest.mark.parametrize("data", [[], [{"content": "hi"}], "hi", 5, None])
def test_json_that_is_not_an_object_is_a_400(alice_api, data):
    response = alice_api.post("/api/v1/posts/", json.dumps(data), content_type="application/json")
    error(response, 400)
    assert not Post.objects.exists()


# The site's middleware answers these before any view; under /api/ its
# answers take the API's JSON error shape (community.errors).


def test_a_body_over_the_limit_is_a_json_413(alice_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    raw = json.dumps({"content": "x" * 2000})
    error(alice_api.post("/api/v1/posts/", raw, content_type="application/json"), 413)


@pytest.mark.parametrize("query", ["cursor=%00", "cursor=%ff"])
def test_an_address_with_nul_or_bad_utf8_is_a_json_400(api, query):
    error(api.get(f"/api/v1/posts/?{query}"), 400)


def test_bodies_over_the_limit_and_bad_addresses_are_refused_before_any_write(alice_api, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    raw = json.dumps({"content": "x" * 2000})
    assert alice_api.post("/api/v1/posts/", raw, content_type="application/json").status_code == 413
    assert not Post.objects.exists()
    assert api.get("/api/v1/posts/?cursor=%00").status_code == 400
    assert api.get("/api/v1/posts/?cursor=%ff").status_code == 400


def test_an_unacceptable_accept_header_is_406(api):
    error(api.get("/api/v1/posts/", HTTP_ACCEPT="application/xml"), 406, "not_acceptable")


def test_a_database_outage_is_a_json_503_with_retry_after(api, monkeypatch):
    from community.selectors import feed

    def down(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(feed, "feed_page", down)
    response = api.get("/api/v1/posts/")
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"
    assert response["Retry-After"] == "30"


# --- The schema and its documentation ----------------------------------------


def test_the_schema_is_openapi_3_in_yaml_and_in_json(api):
    yaml = api.get("/api/schema/")
    assert yaml.status_code == 200
    assert yaml["Content-Type"].startswith("application/vnd.oai.openapi")
    schema = api.get("/api/schema/", {"format": "json"}).json()
    assert schema["openapi"].startswith("3.")
    operations = {
        (path, method) for path, item in schema["paths"].items() for method in item if method != "parameters"
    }
    assert operations == {
        ("/api/v1/session/", "get"),
        ("/api/v1/session/", "post"),
        ("/api/v1/session/", "delete"),
        ("/api/v1/search/", "get"),
        ("/api/v1/inbox/", "get"),
        ("/api/v1/inbox/read/", "post"),
        ("/api/v1/posts/", "get"),
        ("/api/v1/posts/", "post"),
        ("/api/v1/posts/{post_id}/", "get"),
        ("/api/v1/posts/{post_id}/", "patch"),
        ("/api/v1/posts/{post_id}/", "delete"),
        ("/api/v1/posts/{post_id}/comments/", "get"),
        ("/api/v1/posts/{post_id}/comments/", "post"),
        ("/api/v1/posts/{target_id}/like/", "put"),
        ("/api/v1/posts/{target_id}/like/", "delete"),
        ("/api/v1/comments/{comment_id}/", "get"),
        ("/api/v1/comments/{comment_id}/", "patch"),
        ("/api/v1/comments/{comment_id}/", "delete"),
        ("/api/v1/comments/{target_id}/like/", "put"),
        ("/api/v1/comments/{target_id}/like/", "delete"),
        ("/api/v1/leaderboard/", "get"),
        ("/api/v1/users/{username}/", "get"),
    }
    error_schema = schema["components"]["schemas"]["Error"]
    assert set(error_schema["required"]) == {"status", "code", "detail", "fields"}


def test_every_4xx_an_operation_can_give_is_documented_with_the_error_shape(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/Error", (path, method, status)


def test_the_docs_page_loads_swagger_ui_from_our_static_files_without_inline_script(api):
    response = api.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Content-Security-Policy" in response
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline <script> would be blocked"
    sources = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
    assert any("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in src for src in sources)
    assert not any(src.startswith(("http:", "https:", "//")) for src in sources), sources
    init = next(src for src in sources if "script" in src and "/api/docs/" in src)
    script = api.get(init.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


# --- The content rule, once ----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["\u200b\u200b", "\u2800", "\u202e \u2066", "\ufeff", "\x1c\x1d", "x" * 10_001, "a\x00b"],
)
def test_the_api_refuses_what_the_forms_refuse_with_the_same_words(alice_api, text):
    form = PostForm({"content": text})
    assert not form.is_valid()
    body = error(alice_api.post("/api/v1/posts/", {"content": text}, format="json"), 400)
    assert body["fields"] == {"content": form.errors["content"]}


def test_comment_output_has_exactly_the_documented_fields(api, make_comment):
    comment = make_comment()
    body = api.get(f"/api/v1/comments/{comment.pk}/").json()
    assert set(body["comment"]) == set(api_threads.ThreadCommentSerializer().fields)
    node = api.get(f"/api/v1/posts/{comment.post_id}/comments/").json()["comments"][0]
    assert set(node) == set(api_threads.ThreadCommentSerializer().fields)
    assert set(api_threads.CommentSerializer().fields) < set(node)
