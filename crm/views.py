"""Views of the account book: health for load balancers, and who counts as a manager in the pages."""

from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """Liveness for load balancers and compose: the process answers and the database responds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def user_is_manager(user) -> bool:
    """A manager (or a superuser) sees the whole team and edits the scoring model."""
    if not user.is_authenticated:
        return False
    rep = getattr(user, "rep", None)
    return user.is_superuser or (rep is not None and rep.is_manager)
