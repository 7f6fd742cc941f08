"""
Your account: its settings (e-mail address), deleting it, and password
reset by e-mail and password change (Django's own views, in the site's
templates), with resets limited per client address.
"""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from .. import ratelimit
from ..forms import AccountDeleteForm, AccountEmailForm
from ..models import Post
from ..ratelimit import rate_limited
from ..services import accounts as account_services
from .base import login_required_response


class PasswordResetView(auth_views.PasswordResetView):
    """
    Django's reset form. Each address may ask for a limited number of
    resets (the "password_reset" write limit), counting only valid forms,
    so the form cannot be used to flood someone's mailbox.
    """

    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        wait = ratelimit.hit("password_reset", ratelimit.client_ip(self.request))
        if wait is not None:
            return ratelimit.refusal(self.request, "password_reset", wait)
        return super().form_valid(form)


password_reset = PasswordResetView.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view()
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    success_url=reverse_lazy("password_reset_complete")
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view()
# The old password is checked without the log-in throttle (the session is
# already signed in), so guesses by whoever holds a session are limited here.
password_change = rate_limited("password_check")(
    auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("password_change_done"))
)
password_change_done = auth_views.PasswordChangeDoneView.as_view()


@require_http_methods(["GET", "POST"])
def account_settings(request):
    """The reader's account: their e-mail address, and the ways to change the password or leave."""
    if not request.user.is_authenticated:
        return login_required_response(request)
    form = AccountEmailForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            account_services.account_email_set(user=request.user, email=form.cleaned_data["email"])
            messages.success(request, "Your e-mail address was saved.")
            return redirect("account_settings")
        return render(request, "registration/account_settings.html", {"form": form}, status=400)
    return render(request, "registration/account_settings.html", {"form": form})


@require_http_methods(["GET", "POST"])
@rate_limited("password_check")
def account_delete(request):
    """Deleting one's own account, after a page that says what goes and what stays, and the password."""
    if not request.user.is_authenticated:
        return login_required_response(request)
    form = AccountDeleteForm(request.POST or None, user=request.user)
    context = {"form": form, "post_count": Post.objects.filter(author=request.user).count()}
    if request.method == "POST":
        if form.is_valid():
            account_services.account_delete(user=request.user)
            logout(request)
            messages.success(request, "Your account was deleted.")
            return redirect("community:feed")
        return render(request, "registration/account_delete.html", context, status=400)
    return render(request, "registration/account_delete.html", context)
