"""Pages speak the signed-in rep's time: times, 'today' and form defaults in their own time zone."""

import zoneinfo

from django.utils import timezone


class RepTimeZoneMiddleware:
    """Activate the rep's time zone (crm.Rep.time_zone) for the request; others get settings.TIME_ZONE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = _time_zone_of(getattr(request, "user", None))
        if name:
            timezone.activate(zoneinfo.ZoneInfo(name))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


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
