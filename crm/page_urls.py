"""The pages in one include: `path("", include("crm.page_urls"))` in a host project (beside the API's).

Sign-in, preferences and the language switcher, then the pages of intel and leads."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from crm.views import language_set, preferences

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("preferences/", preferences, name="preferences"),
    path("language/", language_set, name="language_set"),
    path("", include("intel.urls")),
    path("", include("leads.urls")),
]
