"""JSON request bodies, bounded: a body over Django's DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 before it is
read, and one nested deeper than orjson's limit (1,024 levels) or not JSON at all answers 400."""

import orjson
from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser

from crm.api.renderers import OrjsonRenderer


class RequestBodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


def body_too_large_message(*, size: int | str, limit: int) -> str:
    return f"The request body is {size} bytes; the limit is {limit} bytes."


class JSONParser(BaseParser):
    media_type = "application/json"
    renderer_class = OrjsonRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is None:
            body = stream.read()
        else:
            request = (parser_context or {}).get("request")
            declared = request.META.get("CONTENT_LENGTH", "") if request is not None else ""
            if declared.isdigit() and int(declared) > limit:
                raise RequestBodyTooLarge(body_too_large_message(size=int(declared), limit=limit))
            body = stream.read(limit + 1)
            if len(body) > limit:
                raise RequestBodyTooLarge(body_too_large_message(size=f"more than {limit}", limit=limit))
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as error:
            raise ParseError(f"JSON parse error - {error}") from error
