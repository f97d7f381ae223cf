"""The product's URLs plus the baseline a hand-written endpoint would be: parse the JSON,
create the case row with the ORM, answer JSON (no auth, no scope, no timeline)."""

import json
import uuid

from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sanzhang.cases.models import Case
from sanzhang.config.urls import urlpatterns as product
from sanzhang.org.models import Household


@csrf_exempt
def bare_case(request):
    body = json.loads(request.body)
    hh = Household.objects.get(pk=body["household_id"])
    now = timezone.now()
    case = Case.objects.create(
        client_key=uuid.uuid4(),
        category_id=body["category_id"],
        text=body["text"],
        search_text=body["text"],
        household=hh,
        township_id=hh.township_id,
        village_id=hh.village_id,
        area_id=hh.area_id,
        villager_group_id=hh.villager_group_id,
        neighborhood_id=hh.neighborhood_id,
        status="pending",
        handling_level="neighborhood",
        handling_unit_id=hh.neighborhood_id,
        arrived_at=now,
        warn_at=now,
        due_at=now,
    )
    return JsonResponse({"id": case.pk, "status": case.status}, status=201)


bare_case.scope = "public"
urlpatterns = [path("bench/bare-case", bare_case), *product]
