from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from . import rules
from .models import CONTENT_MAX_LENGTH, MAX_ID, Comment, Post
from .services import accounts as account_services

CONTENT_ERRORS = {
    "required": "Write something first: empty posts and comments can't be saved.",
    "max_length": f"That is too long: at most {CONTENT_MAX_LENGTH:,} characters (this has %(show_value)s).",
}


class ContentField(forms.CharField):
    """
    Text of a post or comment: stripped, with something visible in it
    (`rules.has_visible_text`), at most CONTENT_MAX_LENGTH characters.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", CONTENT_MAX_LENGTH)
        kwargs.setdefault("strip", True)
        kwargs.setdefault("error_messages", CONTENT_ERRORS)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value and not rules.has_visible_text(value):
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        # Let the server give the clear message instead of silently truncating.
        attrs.pop("maxlength", None)
        return attrs


class PostForm(forms.ModelForm):
    content = ContentField(label="Post")

    class Meta:
        model = Post
        fields = ["content"]


class CommentForm(forms.ModelForm):
    content = ContentField(label="Comment")
    parent = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)

    class Meta:
        model = Comment
        fields = ["content"]

    def __init__(self, *args, post=None, **kwargs):
        self.post = post
        super().__init__(*args, **kwargs)

    def clean_parent(self):
        parent_id = self.cleaned_data.get("parent")
        if parent_id is None:
            return None
        parent = Comment.objects.filter(pk=parent_id).only("id", "post_id", "state").first()
        if parent is None:
            raise forms.ValidationError("The comment you are replying to is not part of this discussion.")
        if self.post is not None and (refusal := rules.reply_refusal(parent, post_id=self.post.pk)):
            raise forms.ValidationError(refusal)
        return parent


class SignupForm(UserCreationForm):
    """
    Django's sign-up form, refusing a username taken in any letter case or
    too close to an existing one (`services.accounts.check_username`).
    """

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username",)

    def clean_username(self):
        username = self.cleaned_data.get("username")
        if username:
            account_services.check_username(username)
        return username
