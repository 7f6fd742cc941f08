"""
Your account: password reset by e-mail and password change (Django's own
views, in the site's templates), with resets limited per client address.
"""

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from .. import ratelimit


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
password_change = auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("password_change_done"))
password_change_done = auth_views.PasswordChangeDoneView.as_view()
