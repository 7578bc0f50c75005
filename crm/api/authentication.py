"""How API callers prove who they are: a named token (tools) or the session (the web UI)."""

import datetime

from django.utils import timezone
from rest_framework import authentication, exceptions

from crm.models import ApiToken
from crm.models.tokens import hash_key

# Recording every use would write a row per request; a minute's precision is enough to see
# which tokens are in use, and keeps the hot read paths free of writes.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)
KEYWORDS = ("token", "bearer")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>` (or `Bearer <key>`): the key is hashed and looked up; a revoked
    token or an inactive user is refused with 401. `request.auth` is the ApiToken."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: expected 'Token <key>'.")
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed("Invalid token: it contains non-ASCII characters.") from error
        token = (
            ApiToken.objects.select_related("user", "user__rep")
            .filter(key_hash=hash_key(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid, revoked or expired token.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Naming a scheme makes DRF answer an unauthenticated request with 401, not 403.
        return 'Token realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The web UI's session; service accounts (integrations) never use one."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        rep = getattr(result[0], "rep", None)
        if rep is not None and rep.is_service_account:
            return None
        return result
