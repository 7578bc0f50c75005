"""Rate limits per token (a tool) and per user (a person in the UI); each token has its own budget."""

from rest_framework.throttling import SimpleRateThrottle

from crm.models import ApiToken


class TokenOrUserRateThrottle(SimpleRateThrottle):
    scope = "user"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class UploadRateThrottle(TokenOrUserRateThrottle):
    """File uploads parse and match whole lists: a separate, smaller budget."""

    scope = "upload"
