from django.db import connection
from django.http import HttpRequest, JsonResponse

from ..scope import public


@public
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means unhealthy
        return JsonResponse({"status": "db-unreachable"}, status=503)
    return JsonResponse({"status": "ok"})
