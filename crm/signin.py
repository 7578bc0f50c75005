"""Signing in: failed logins are throttled (django-axes) on the login page and the admin alike.

After AXES_FAILURE_LIMIT wrong passwords for one username from one address, that pair is locked out
for AXES_COOLOFF_TIME (each further try starting it again), the right password included; a success
before that clears the count. The lockout answers 429 with the page's own login form and the reason."""

import math

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.utils import ErrorDict
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse


class LoginThrottleBackend(AxesStandaloneBackend):
    """axes' check, for sign-ins that come from a request (the login page, the admin). A sign-in with no
    request (the test client's login, a shell) has no caller to throttle, so it is left to the next backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_minutes() -> int:
    cool_off = settings.AXES_COOLOFF_TIME
    return max(1, math.ceil(cool_off.total_seconds() / 60))


def lockout_message() -> str:
    minutes = lockout_minutes()
    return f"Too many failed attempts: try again in {minutes} minute{'' if minutes == 1 else 's'}."


def _form_with_message(form_class, request, message: str):
    """The login form as it was posted (the username kept, never the password), carrying the message,
    without authenticating again (which would count as one more attempt)."""
    form = form_class(request, data={"username": request.POST.get("username", "")})
    form.cleaned_data = {}
    form._errors = ErrorDict({NON_FIELD_ERRORS: form.error_class([message], renderer=form.renderer)})
    return form


def _is_admin(request) -> bool:
    try:
        return request.path.startswith(reverse("admin:index"))
    except NoReverseMatch:
        return False


def lockout_response(request, original_response=None, credentials=None):
    """The page that was posted to, with the lockout message, as 429 Too Many Requests."""
    message = lockout_message()
    if _is_admin(request):
        context = {
            **admin.site.each_context(request),
            "title": "Log in",
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": "",
            "form": _form_with_message(admin.site.login_form or AdminAuthenticationForm, request, message),
            "next": request.POST.get("next", ""),
        }
        return render(request, admin.site.login_template or "admin/login.html", context, status=429)
    context = {"form": _form_with_message(AuthenticationForm, request, message), "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=429)
