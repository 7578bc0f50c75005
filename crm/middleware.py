"""Pages speak the signed-in rep's time and language: times, 'today' and form defaults in their own
time zone; words in the language saved on their profile, else the one the browser asks for."""

import zoneinfo

from django.utils import timezone, translation

from crm.choices import Language


class RepTimeZoneMiddleware:
    """Activate the rep's time zone (crm.Rep.time_zone) for the request; others get settings.TIME_ZONE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        name = _time_zone_of(user)
        if name:
            timezone.activate(zoneinfo.ZoneInfo(name))
        else:
            timezone.deactivate()
        language = _language_of(user)
        if language:
            # After LocaleMiddleware, which chose from the cookie or Accept-Language: the profile wins.
            translation.activate(language)
            request.LANGUAGE_CODE = language
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def _language_of(user) -> str:
    if user is None or not user.is_authenticated:
        return ""
    language = getattr(getattr(user, "rep", None), "language", "") or ""
    return language if language in Language.values else ""


def _time_zone_of(user) -> str:
    if user is None or not user.is_authenticated:
        return ""
    rep = getattr(user, "rep", None)
    name = getattr(rep, "time_zone", "") or ""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return ""  # a name saved around validation must not break every page
    return name
