"""The project's URLs: the admin, health, and the apps' own URL modules."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from crm.views import healthz, language_set, preferences

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/", include("crm.api.root_urls")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("preferences/", preferences, name="preferences"),
    path("language/", language_set, name="language_set"),
    path("", include("intel.urls")),
    path("", include("leads.urls")),
]
