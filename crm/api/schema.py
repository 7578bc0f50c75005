"""How the OpenAPI document describes authentication and the errors every operation may answer."""

import re

from django.db import models
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorSerializer = inline_serializer(
    name="Error",
    fields={"detail": serializers.CharField()},
)
ValidationErrorSerializer = inline_serializer(
    name="ValidationError",
    fields={
        "non_field_errors": serializers.ListField(child=serializers.CharField(), required=False),
    },
)

StillInUseSerializer = inline_serializer(
    name="StillInUse",
    fields={
        "detail": serializers.CharField(),
        "used_by": serializers.DictField(
            child=inline_serializer(
                name="StillInUseKind",
                fields={
                    "count": serializers.IntegerField(),
                    "examples": serializers.ListField(child=serializers.CharField()),
                },
            ),
            help_text="Per kind of row that still uses it: how many, and the first few.",
        ),
    },
)

ERRORS = {
    "400": OpenApiResponse(
        ValidationErrorSerializer, description="Bad input: a list of messages per field; nothing was written."
    ),
    "401": OpenApiResponse(ErrorSerializer, description="No session and no valid token (or the token is revoked)."),
    "403": OpenApiResponse(
        inline_serializer(
            name="Refusal",
            fields={"detail": serializers.CharField(required=False)},
        ),
        description="Not allowed: a read-only token writing, or a rep changing another's account (`detail`); "
        'or, per field, a field only a manager sets (`{"salesforce_account_id": ["Only a manager sets ..."]}`).',
    ),
    "404": OpenApiResponse(
        ErrorSerializer, description="No such object among those the caller may see (or no such page)."
    ),
    "409": OpenApiResponse(
        StillInUseSerializer, description="Still used by other rows (named, with counts): nothing was deleted."
    ),
    "413": OpenApiResponse(ErrorSerializer, description="The request body or the uploaded file is too large."),
    "415": OpenApiResponse(ErrorSerializer, description="The body is not JSON (or, for an upload, not multipart)."),
    "429": OpenApiResponse(ErrorSerializer, description="Too many requests for this token or user; retry later."),
}


class AutoSchema(openapi.AutoSchema):
    """Adds the error answers that apply to each operation, so clients see them documented."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        # Any operation may meet bad input (a body, or a filter value: 400) and a missing object (or, on
        # a list, a page past the end: 404); writes may be refused (403).
        codes = ["400", "401", "404", "429"]
        if self.method not in ("GET", "HEAD", "OPTIONS"):
            codes.append("403")
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("413")  # a JSON body over DATA_UPLOAD_MAX_MEMORY_SIZE, a file over its limit
            codes.append("415")  # a body of another content type
        if self.method == "DELETE" and _protected_by_others(self.view):
            codes.append("409")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ERRORS[code], code)
        return responses


def _protected_by_others(view) -> bool:
    """Whether rows of other tables may keep this view's rows from being deleted (PROTECT or RESTRICT)."""
    queryset = getattr(view, "queryset", None)
    if queryset is None:
        return False
    return any(
        relation.on_delete in (models.PROTECT, models.RESTRICT) for relation in queryset.model._meta.related_objects
    )


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "crm.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` (or `Bearer <key>`): a named token from /api/v1/tokens/, read-only or "
            "read-write.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "crm.api.authentication.SessionAuthentication"
    name = "sessionAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid", "description": "The web UI's session."}


def relax_blank_formats(result, generator, request, public):
    """Email and URL fields of this product may be blank, which `format: email|uri` would forbid: keep the
    type, drop the format, and say so in the description. Also leaves out database-dependent ranges."""
    for component in result.get("components", {}).get("schemas", {}).values():
        for prop in component.get("properties", {}).values():
            # The integer range of a field depends on the database (SQLite's is 64-bit, PostgreSQL's
            # 32-bit); leave the edges out so the document is the same on both.
            if prop.get("maximum") in (2**31 - 1, 2**63 - 1):
                del prop["maximum"]
                if prop.get("format") == "int64":
                    del prop["format"]
            if prop.get("minimum") in (-(2**31), -(2**63)):
                del prop["minimum"]
                if prop.get("format") == "int64":
                    del prop["format"]
            kind = prop.get("format")
            if kind in ("email", "uri"):
                del prop["format"]
                noun = "An email address" if kind == "email" else "A URL"
                prop["description"] = (prop.get("description", "") + f" {noun}, or blank.").strip()
    return result


_PATH_PARAMETER = re.compile(r"\{(\w+)\}")


def link_operations_on_one_object(result, generator, request, public):
    """OpenAPI links from what a create or a read of one object answers to every other operation on that
    object (`POST /exchanges/` 201 -> `GET /exchanges/{slug}/`, `.../explain/`, the exchange's footprint,
    ...), the path parameter taken from the answer's field of the same name. Clients (and the stateful
    fuzzing of `make fuzz`) follow them to reuse what they created."""
    paths = result.get("paths", {})
    schemas = result.get("components", {}).get("schemas", {})
    on_object: dict[tuple[str, str], list[str]] = {}  # (resource, path parameter) -> operation ids
    for path, operations in paths.items():
        names = _PATH_PARAMETER.findall(path)
        if len(names) == 1:
            for operation in operations.values():
                on_object.setdefault((_resource_of(path), names[0]), []).append(operation["operationId"])
    for path, operations in paths.items():
        names = _PATH_PARAMETER.findall(path)
        for method, operation in operations.items():
            if not names and method == "post":
                answer = "201"
            elif len(names) == 1 and path.endswith("}/") and method in ("get", "put", "patch"):
                answer = "200"
            else:
                continue
            response = operation["responses"].get(answer)
            fields = _response_fields(response, schemas)
            links = {
                target: {"operationId": target, "parameters": {parameter: f"$response.body#/{parameter}"}}
                for (resource, parameter), targets in sorted(on_object.items())
                if resource == _resource_of(path) and parameter in fields
                for target in targets
                if target != operation["operationId"]
            }
            if links:
                response["links"] = links
    return result


def _resource_of(path: str) -> str:
    """The kind of object a path is about: `/api/v1/technographics/exchanges/{slug}/footprint/` -> `exchanges`."""
    return path.split("{", 1)[0].strip("/").split("/")[-1]


def _response_fields(response, schemas: dict) -> set[str]:
    if not isinstance(response, dict):
        return set()
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = schemas.get(ref.removeprefix("#/components/schemas/"), {})
    return set(schema.get("properties", {}))
