"""Who may do what over the API, by the one rule of crm.access. What a user may *see* is
Exchange.objects.visible_to(user), applied by every viewset's queryset; these classes decide what
they may *change*."""

from rest_framework import permissions

from crm.access import is_manager
from crm.models import ApiToken


class ApiAccess(permissions.BasePermission):
    """Signed in (session or a live token); a read-only token may only read."""

    message = "This token is read-only: create a read-write token to change data."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        token = request.auth
        return not (isinstance(token, ApiToken) and token.is_read_only)


class ManagerWrites(permissions.BasePermission):
    """Reference data and scoring models: everyone reads, managers change."""

    message = "Only a manager may change this."

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or is_manager(request.user)


class ChangeOwnOnly(permissions.BasePermission):
    """A rep changes only what they own; the viewset's `may_change(request, obj)` says what that is
    (crm.access.may_change_exchange). An object the caller cannot see never gets here:
    the viewset's queryset already answered 404."""

    message = "You may change only the accounts you own."

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return view.may_change(request, obj)
