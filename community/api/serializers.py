"""
What the API reads and answers, as documented shapes.

Input fields are strict about JSON types (a number is not text, a string is
not an id) and check text with the forms' own `ContentField`, so a post or
comment the site would refuse is refused here with the same message.
Output comes from the selectors' objects: posts with their counts, comment
tree nodes, karma with its receipt.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import forms
from ..links import url_for
from ..models import CONTENT_MAX_LENGTH, MAX_ID

# --- Links -------------------------------------------------------------------


def absolute(request, path: str) -> str:
    """`path` (from `url_for`) as an absolute URL; the origin is worked out once per request."""
    origin = getattr(request, "_api_origin", None)
    if origin is None:
        origin = request._api_origin = request.build_absolute_uri("/")[:-1]
    return origin + path


@extend_schema_field(OpenApiTypes.URI)
class LinkField(serializers.Field):
    """An absolute URL of the URL name `view_name`, for the object's attribute `attribute`."""

    def __init__(self, view_name: str, attribute: str = "id", **kwargs):
        self.view_name = view_name
        self.attribute = attribute
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        argument = getattr(value, self.attribute)
        if argument is None:
            return None
        return absolute(self.context["request"], url_for(self.view_name, argument))


# --- Input -------------------------------------------------------------------

_FORM_CONTENT = forms.ContentField()


# The rule itself is the form field's; the schema describes it in words, as
# "something visible" is beyond what a JSON Schema pattern can say.
@extend_schema_field(
    {
        "type": "string",
        "minLength": 1,
        "description": f"The text. Leading and trailing white space is removed; what is left must show "
        f"something (not only spaces, zero-width or other invisible characters), be at most "
        f"{CONTENT_MAX_LENGTH:,} characters, and hold no NUL character.",
        "example": "What a view from the ridge this morning.",
    }
)
class ContentField(serializers.Field):
    """The text of a post or comment, checked by the forms' `ContentField`: one rule for pages and API."""

    default_error_messages = {
        "required": forms.CONTENT_ERRORS["required"],
        "null": forms.CONTENT_ERRORS["required"],
        "invalid": "Send the text as a JSON string.",
        "surrogate": "The text is not valid Unicode (it contains a lone surrogate).",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("surrogate")
        try:
            return _FORM_CONTENT.clean(data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    def to_representation(self, value):
        return value


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer, not a string of digits, a float or a boolean (which DRF would take)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A JSON string, not a number (which DRF would take), without lone surrogates."""

    default_error_messages = {"not_text": "Send a JSON string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text")
        return super().to_internal_value(data)


class PostWriteSerializer(serializers.Serializer):
    content = ContentField()


class CommentWriteSerializer(serializers.Serializer):
    content = ContentField()
    parent = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="The id of the comment this one replies to; leave out (or null) for a top-level comment.",
    )


class ContentEditSerializer(serializers.Serializer):
    content = ContentField()


class LoginSerializer(serializers.Serializer):
    username = StrictCharField(max_length=150, trim_whitespace=False)
    password = StrictCharField(trim_whitespace=False, style={"input_type": "password"})


# --- Output ------------------------------------------------------------------


class AuthorSerializer(serializers.Serializer):
    """A person, from their username."""

    username = serializers.CharField()
    url = serializers.URLField(help_text="The person in the API.")
    html_url = serializers.URLField(help_text="Their profile page.")

    def to_representation(self, instance):
        return author_data(self.context["request"], instance)


def author_data(request, username: str) -> dict:
    return {
        "username": username,
        "url": absolute(request, url_for("api:user-detail", username)),
        "html_url": absolute(request, url_for("community:profile", username)),
    }


class KarmaSerializer(serializers.Serializer):
    """Karma with its receipt: the likes that earned it, and the sum written out."""

    total = serializers.IntegerField()
    post_likes = serializers.IntegerField()
    comment_likes = serializers.IntegerField()
    receipt = serializers.CharField(help_text='For example "3 post likes × 5 + 7 comment likes × 1 = 22".')


class PostSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = LinkField("api:post-detail")
    html_url = LinkField("community:post_detail")
    author = AuthorSerializer(source="author.username")
    content = serializers.CharField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    moderator_edited_at = serializers.DateTimeField(
        allow_null=True, help_text="When a moderator last changed the text (shown as such on the page)."
    )
    like_count = serializers.IntegerField()
    liked = serializers.BooleanField(
        help_text="Whether the signed-in reader likes it (false when signed out)."
    )
    comment_count = serializers.IntegerField(help_text="Comments still shown (not deleted or removed).")
    comments_url = LinkField("api:post-comments")
    like_url = LinkField("api:post-like", help_text="PUT likes it, DELETE unlikes it.")


class FeedPageSerializer(serializers.Serializer):
    results = PostSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="Older posts; null at the end of the feed.")
    previous = serializers.URLField(allow_null=True, help_text="Newer posts; null on the first page.")


class LikeStateSerializer(serializers.Serializer):
    like_count = serializers.IntegerField()
    liked = serializers.BooleanField()


class TopItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["post", "comment"])
    id = serializers.IntegerField()
    likes = serializers.IntegerField(help_text="Likes that count, in the window.")
    url = serializers.URLField()
    html_url = serializers.URLField()

    def to_representation(self, item):
        request = self.context["request"]
        name = "api:post-detail" if item["kind"] == "post" else "api:comment-detail"
        return {
            "kind": item["kind"],
            "id": item["id"],
            "likes": item["likes"],
            "url": absolute(request, url_for(name, item["id"])),
            "html_url": absolute(request, item["url"]),
        }


class LeaderboardEntrySerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    user = AuthorSerializer(source="username")
    karma = KarmaSerializer()
    reached_at = serializers.DateTimeField(
        help_text="When the latest like that counts arrived (ties: earlier ranks higher)."
    )
    top_items = TopItemSerializer(many=True, help_text="What earned them the most in the window.")


class LeaderboardSerializer(serializers.Serializer):
    computed_at = serializers.DateTimeField(
        help_text="When this answer was computed (shared by all readers of a tick)."
    )
    window_hours = serializers.IntegerField()
    entries = LeaderboardEntrySerializer(many=True)


class UserKarmaSerializer(serializers.Serializer):
    all_time = KarmaSerializer()
    last_24_hours = KarmaSerializer(source="recent")


class SessionSerializer(serializers.Serializer):
    user = AuthorSerializer(allow_null=True, help_text="Who is signed in; null when nobody is.")
    csrf_token = serializers.CharField(help_text="Send it in the X-CSRFToken header with unsafe methods.")
