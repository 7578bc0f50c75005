"""Views of the account book: health for load balancers, who counts as a manager in the pages, and a
user's own preferences (language, time zone)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.choices import Language
from crm.forms import PreferencesForm


def healthz(request):
    """Liveness for load balancers and compose: the process answers and the database responds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def user_is_manager(user) -> bool:
    """A manager (or a superuser) sees the whole team and edits the scoring model."""
    if not user.is_authenticated:
        return False
    rep = getattr(user, "rep", None)
    return user.is_superuser or (rep is not None and rep.is_manager)


@login_required
def preferences(request):
    """A rep's language and time zone; a user without a rep profile keeps the browser's."""
    from crm.services import rep_preferences_set  # crm.services imports this module's manager rule

    rep = getattr(request.user, "rep", None)
    if request.method == "POST" and rep is not None:
        form = PreferencesForm(request.POST)
        if form.is_valid():
            rep_preferences_set(
                rep=rep, language=form.cleaned_data["language"], time_zone=form.cleaned_data["time_zone"]
            )
            translation.activate(rep.language or translation.get_language_from_request(request))
            messages.success(request, _("Your preferences are saved."))
            return HttpResponseRedirect(request.path)
    else:
        initial = {"language": rep.language, "time_zone": rep.time_zone} if rep else {}
        form = PreferencesForm(initial=initial)
    return render(request, "crm/preferences.html", {"form": form, "rep": rep, "section": "preferences"})


@require_POST
def language_set(request):
    """The language switcher: remembered in a cookie for everyone, and on the profile of a signed-in rep."""
    language = request.POST.get("language", "")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if language not in Language.values:
        return response
    from crm.services import rep_preferences_set  # crm.services imports this module's manager rule

    rep = getattr(request.user, "rep", None) if request.user.is_authenticated else None
    if rep is not None:
        rep_preferences_set(rep=rep, language=language, time_zone=rep.time_zone)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )
    return response
