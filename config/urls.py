from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", include("community.api.urls")),
    path("", include("community.urls")),
]

handler400 = "community.errors.bad_request"
handler403 = "community.errors.permission_denied"
handler404 = "community.errors.page_not_found"
handler500 = "community.errors.server_error"
