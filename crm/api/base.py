"""Serializer pieces shared by the apps' APIs: exchange references scoped by the one visibility rule,
and model validation turned into field-level 400s."""

import copy

import orjson
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.views import exception_handler as drf_exception_handler

from crm.access import may_change_exchange
from crm.models import Exchange
from crm.services import exchange_evidence_delete

# What a slug in an address may hold (Django's SlugField and <slug:> converter): viewsets looked up by slug
# route only these, so the schema says so and anything else is the API's 404.
SLUG = "[-a-zA-Z0-9_]+"


def request_user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class VisibleExchangeField(serializers.SlugRelatedField):
    """An exchange named by slug, among those the caller may see: an unseen one 'does not exist'."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "slug")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", Exchange.objects.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        return Exchange.objects.visible_to(request_user(self.parent or self))


def to_drf_validation_error(error: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(error, "error_dict"):
        detail = {("non_field_errors" if k == "__all__" else k): v for k, v in error.message_dict.items()}
        return exceptions.ValidationError(detail)
    return exceptions.ValidationError({"non_field_errors": error.messages})


def _json_type(field) -> tuple[type, str] | None:
    """The JSON type the schema gives a writable field, where DRF would also read another one."""
    if isinstance(field, serializers.BooleanField):
        return bool, gettext("true or false")
    if isinstance(field, serializers.IntegerField):
        return int, gettext("a whole number")
    if isinstance(field, serializers.CharField):
        return str, gettext("text")
    return None


# A JSON body's values of the types the schema gives: DRF alone reads 5 as "5" for a text field, 1 as true
# and "5" as 5; here each is a 400 naming the field. (A comment, not a docstring: the schema would show it.)
class JsonTypesMixin:
    def to_internal_value(self, data):
        if isinstance(data, dict):
            refused = {}
            for field in self._writable_fields:
                value = data.get(field.field_name)
                expected = _json_type(field)
                if value is None or expected is None:
                    continue
                kind, said = expected
                if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                    refused[field.field_name] = [
                        gettext("Give %(kind)s, not %(value)s.") % {"kind": said, "value": json_repr(value)}
                    ]
            if refused:
                raise exceptions.ValidationError(refused)
        return super().to_internal_value(data)


def json_repr(value) -> str:
    try:
        return orjson.dumps(value).decode()[:60]
    except TypeError:
        return repr(value)[:60]


class ModelCleanMixin(JsonTypesMixin):
    """Runs the model's own validation (field validators, constraints, clean()) before saving,
    so a bad value is a 400 naming the field, never a database error."""

    clean_exclude: tuple[str, ...] = ()

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        instance = copy.copy(self.instance) if self.instance is not None else model()
        many_to_many = {f.name for f in model._meta.many_to_many}
        for name, value in attrs.items():
            if name not in many_to_many:
                setattr(instance, name, value)
        self.prepare_for_clean(instance)
        exclude = [*self.clean_exclude, *many_to_many]
        try:
            instance.full_clean(exclude=exclude)
        except DjangoValidationError as error:
            raise to_drf_validation_error(error) from error
        return attrs

    def prepare_for_clean(self, instance) -> None:
        """Hook: fill values the caller does not send (e.g. the owner) before validation."""


class StillInUse(exceptions.APIException):
    """409: the body is {"detail": ..., "used_by": {kind: {"count": n, "examples": [...]}}}, as given."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "Still in use."
    default_code = "still_in_use"

    def __init__(self, body: dict):
        super().__init__(body["detail"])
        self.detail = body  # kept as given (DRF would turn the counts into strings)


def still_in_use(error: ProtectedError | RestrictedError, *, row=None) -> StillInUse:
    """A delete refused because other rows still point at the row: 409 naming the row and, per kind, how
    many rows use it and the first few of them."""
    objects = list(error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects)
    by_kind: dict[str, list[str]] = {}
    for obj in objects:
        by_kind.setdefault(str(obj._meta.verbose_name_plural), []).append(str(obj))
    counts = ", ".join(f"{len(names)} {kind}" for kind, names in sorted(by_kind.items()))
    named = f"The {row._meta.verbose_name} {row}" if row is not None else "This row"
    return StillInUse(
        {
            "detail": f"{named} cannot be deleted: it is still used by {counts}. Remove or reassign those first.",
            "used_by": {
                kind: {"count": len(names), "examples": sorted(names)[:5]} for kind, names in sorted(by_kind.items())
            },
        }
    )


def exception_handler(error, context):
    """DRF's handler, plus model ValidationErrors raised by services (400 with field messages), deletes of
    rows still in use (409 saying what uses them) and rows gone meanwhile (404)."""
    if isinstance(error, DjangoValidationError):
        error = to_drf_validation_error(error)
    elif isinstance(error, ProtectedError | RestrictedError):
        error = still_in_use(error)
    elif isinstance(error, ObjectDoesNotExist):
        error = exceptions.NotFound(str(error) or "Not found.")
    return drf_exception_handler(error, context)


class AtomicWritesMixin:
    """Every write of a viewset in one transaction: a failure leaves nothing half-written."""

    def create(self, request, *args, **kwargs):
        with transaction.atomic():
            return super().create(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        with transaction.atomic():
            return super().update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        try:
            with transaction.atomic():
                return super().destroy(request, *args, **kwargs)
        except (ProtectedError, RestrictedError) as error:
            raise still_in_use(error, row=self.get_object()) from error


class EvidenceWritesMixin:
    """Writes of evidence go through the model's service (its rules and the rescore outbox), deletes
    through crm.services.exchange_evidence_delete. A viewset names the service in `save_evidence`."""

    def save_evidence(self, instance):
        raise NotImplementedError

    def new_instance(self, data: dict):
        return self.get_queryset().model(**data)

    def perform_create(self, serializer):
        serializer.instance = self.save_evidence(self.new_instance(serializer.validated_data))

    def perform_update(self, serializer):
        for name, value in serializer.validated_data.items():
            setattr(serializer.instance, name, value)
        self.save_evidence(serializer.instance)

    def perform_destroy(self, instance):
        exchange_evidence_delete(instance=instance)


class ExchangeScopedViewSet(AtomicWritesMixin, viewsets.ModelViewSet):
    """A resource that belongs to an exchange: visible when its exchange is visible, changed when
    its exchange is editable by the caller (a rep: owned accounts; a manager: all)."""

    exchange_path = "exchange"

    def may_change(self, request, obj) -> bool:
        exchange = obj
        for part in self.exchange_path.split("__") if self.exchange_path else ():
            exchange = getattr(exchange, part)
        return may_change_exchange(request.user, exchange)
