"""Accounts: sign-up (log-in and log-out are Django's own views)."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from .. import ratelimit
from ..forms import SignupForm
from ..services import accounts as account_services
from .base import safe_next


@require_http_methods(["GET", "POST"])
def signup(request):
    """
    Create an account and log in. Sign-ups are limited per client address
    (the "signup" write limit), counting only those that would create an
    account, so mistakes in the form cost nothing.
    """
    if request.user.is_authenticated:
        return redirect("community:feed")
    form = SignupForm(request.POST or None)
    context = {"form": form, "next": safe_next(request, "")}
    if request.method == "GET":
        return render(request, "registration/signup.html", context)
    if form.is_valid():
        wait = ratelimit.hit("signup", ratelimit.client_ip(request))
        if wait is not None:
            return ratelimit.refusal(request, "signup", wait)
        try:
            user = account_services.account_create(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                email=form.cleaned_data["email"],
            )
        except ValidationError as exc:
            form.add_error("username", exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome, {user.username}! You are signed in.")
            return HttpResponseRedirect(safe_next(request, reverse("community:feed")))
    return render(request, "registration/signup.html", context, status=400)
