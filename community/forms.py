from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.validators import MaxLengthValidator

from . import rules
from .models import CONTENT_MAX_LENGTH, MAX_ID, Comment, Post
from .services import accounts as account_services

CONTENT_ERRORS = {
    "required": "Write something first: empty posts and comments can't be saved.",
    # Both counts arrive written with thousands separators (`GroupedMaxLengthValidator`).
    "max_length": "That is too long: at most %(limit_value)s characters (this has %(show_value)s).",
}


class GroupedMaxLengthValidator(MaxLengthValidator):
    """
    Django's length check, with the limit and the count in its message
    written the way the pages write the limit ("10,000", "10,001"), so the
    two numbers side by side read alike.
    """

    def __call__(self, value):
        length = self.clean(value)
        if self.compare(length, self.limit_value):
            params = {"limit_value": f"{self.limit_value:,}", "show_value": f"{length:,}", "value": value}
            raise forms.ValidationError(self.message, code=self.code, params=params)


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
        self.validators = [
            GroupedMaxLengthValidator(v.limit_value) if type(v) is MaxLengthValidator else v
            for v in self.validators
        ]

    def to_python(self, value):
        # Browsers send a textarea's line breaks as CRLF but count each as one
        # character against `maxlength`: count them as the reader's counter did.
        value = super().to_python(value)
        return value.replace("\r\n", "\n")

    def validate(self, value):
        super().validate(value)
        if value and not rules.has_visible_text(value):
            raise forms.ValidationError(self.error_messages["required"], code="required")


class PreviewForm(forms.Form):
    """Text to preview: the same rules as saving it."""

    content = ContentField()


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


EMAIL_HELP = "Optional. Only used to send you a link if you forget your password; never shown."


class SignupForm(UserCreationForm):
    """
    Django's sign-up form, refusing a username taken in any letter case or
    too close to an existing one (`services.accounts.check_username`).
    """

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")
        help_texts = {"email": EMAIL_HELP}

    def clean_username(self):
        username = self.cleaned_data.get("username")
        if username:
            account_services.check_username(username)
        return username


class AccountEmailForm(forms.ModelForm):
    """The e-mail address of an account, optional (empty removes it)."""

    class Meta:
        model = get_user_model()
        fields = ("email",)
        help_texts = {"email": EMAIL_HELP}


class AccountDeleteForm(forms.Form):
    """Deleting an account asks for its password, so an unattended session cannot do it."""

    password = forms.CharField(label="Your password", strip=False, widget=forms.PasswordInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.", code="password_incorrect")
        return password


class _UsernameLengthChecked:
    """
    Django's log-in form sets its username's maximum length without
    checking it; a longer one reached django-axes, whose record of the
    failure has no room for it (a 500 on PostgreSQL). Checked here, such a
    name is a form error and nothing is recorded.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class LoginForm(_UsernameLengthChecked, AuthenticationForm):
    """The site's log-in form."""


class AdminLoginForm(_UsernameLengthChecked, AdminAuthenticationForm):
    """The admin's log-in form."""
