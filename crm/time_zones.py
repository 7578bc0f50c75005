"""Time zone names: those of the IANA database this machine has (zoneinfo.available_timezones()), the one
list that model validation, the API and the forms' pickers share."""

import difflib
import functools
import zoneinfo

from django import forms
from django.core.exceptions import ValidationError

# Files of a system's zoneinfo folder that are not zones a person means.
NOT_ZONES = frozenset({"localtime", "Factory", "posixrules", "posix", "right"})


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    return tuple(sorted(name for name in zoneinfo.available_timezones() if name not in NOT_ZONES))


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in time_zone_names()]


def validate_time_zone(value: str) -> None:
    """An IANA time zone name (Asia/Tokyo, Europe/London, ...); a near miss is told the name it resembles."""
    if value in _known():
        return
    close = difflib.get_close_matches(value or "", time_zone_names(), n=1)
    hint = f"did you mean {close[0]}?" if close else "e.g. Asia/Tokyo"
    raise ValidationError(f"{value!r} is not a time zone name ({hint})", code="invalid")


@functools.cache
def _known() -> frozenset[str]:
    return frozenset(time_zone_names())


class TimeZoneSelect(forms.Select):
    """The forms' picker of a time zone: the IANA names, never free text."""

    def __init__(self, attrs=None):
        super().__init__(attrs, choices=time_zone_choices())

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs.pop("maxlength", None)  # from the model's CharField; not an attribute of a select
        return attrs


class TimeZonePickerAdmin:
    """A ModelAdmin (or inline) mixin: its time zone fields are picked from TimeZoneSelect."""

    time_zone_fields: tuple[str, ...] = ("timezone", "time_zone")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.time_zone_fields:
            kwargs["widget"] = TimeZoneSelect()
        return super().formfield_for_dbfield(db_field, request, **kwargs)
