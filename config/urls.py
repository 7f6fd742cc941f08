from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from community.forms import AdminLoginForm, LoginForm
from community.views import account

admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The rest of django.contrib.auth.urls, in the site's templates.
    path("accounts/password_change/", account.password_change, name="password_change"),
    path("accounts/password_change/done/", account.password_change_done, name="password_change_done"),
    path("accounts/password_reset/", account.password_reset, name="password_reset"),
    path("accounts/password_reset/done/", account.password_reset_done, name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", account.password_reset_confirm, name="password_reset_confirm"),
    path("accounts/reset/done/", account.password_reset_complete, name="password_reset_complete"),
    path("accounts/settings/", account.account_settings, name="account_settings"),
    path("accounts/delete/", account.account_delete, name="account_delete"),
    path("api/", include("community.api.urls")),
    path("", include("community.urls")),
]

handler400 = "community.errors.bad_request"
handler403 = "community.errors.permission_denied"
handler404 = "community.errors.page_not_found"
handler500 = "community.errors.server_error"
