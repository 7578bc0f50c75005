"""What the lead-score API's views share: the `lang` parameter and the language of factor sentences,
and a bounded whole-number query parameter."""

from django.conf import settings
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions

from leads.sentences import supported_language

LANG_PARAMETER = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    description="The language of the factors' sentences: en, ja or zh-hans (zh-CN and ja-JP are read as those). "
    "Default: the request's Accept-Language, else English. The response's Content-Language says which.",
)


def _bounded_int(request, name: str, default: int, low: int, high: int) -> int:
    given = request.query_params.getlist(name)
    if not given:
        return default
    if len(given) > 1:
        raise exceptions.ValidationError({name: [f"Give {name} once, not {len(given)} times."]})
    raw = given[0]
    try:
        value = int(raw)
    except ValueError as error:
        raise exceptions.ValidationError({name: [f"A whole number is required, not {raw!r}."]}) from error
    if not low <= value <= high:
        raise exceptions.ValidationError({name: [f"Must be between {low} and {high}, not {value}."]})
    return value


def api_language(request) -> str:
    """The language the sentences of a response are written in: `?lang=` when given (one the product does
    not speak is refused, naming it), else the language LocaleMiddleware chose from Accept-Language."""
    raw = request.query_params.get("lang", "")
    if not raw:
        return translation.get_language() or settings.LANGUAGE_CODE
    try:
        return supported_language(raw)
    except LookupError as error:
        spoken = ", ".join(code for code, _ in settings.LANGUAGES)
        raise exceptions.ValidationError({"lang": [f"{raw!r} is not one of the languages: {spoken}."]}) from error


class SentenceLanguageMixin:
    """Views whose responses carry factor sentences: the language is read once (a bad ?lang= answers 400
    before any work), handed to the serializers and said in Content-Language."""

    language = settings.LANGUAGE_CODE

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.language = api_language(request)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "language": self.language}

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = self.language
        return response
