"""The demo township matches the article's published framework exactly."""

import json
import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Q

from sanzhang.demo.generator import ARTICLE, demo_build, split_exact
from sanzhang.org.models import Household, Resident, Unit
from sanzhang.org.pii import id_number_parse
from sanzhang.org.selectors import integrity_violations, stats


def test_split_exact_hits_the_total_within_bounds():
    rng = random.Random(1)
    sizes = split_exact(4555, 627, 5, 15, rng)
    assert (sum(sizes), min(sizes) >= 5, max(sizes) <= 15, len(sizes)) == (
        4555,
        True,
        True,
        627,
    )
    with pytest.raises(ValueError, match="out of range"):
        split_exact(100, 3, 5, 15, rng)


@pytest.mark.django_db(transaction=False)
def test_demo_township_matches_the_article_and_is_clean():
    logins = demo_build(profile="township")
    township = Unit.objects.get(level="township", name="安全乡", is_demo=True)
    counts = stats(Q(township=township))
    assert {k: counts[k] for k in ARTICLE} == ARTICLE
    assert (
        counts["area_chiefs"],
        counts["group_chiefs"],
        counts["neighborhood_chiefs"],
    ) == (45, 252, 627)
    assert integrity_violations(Q(township=township)) == []
    assert [login.username for login in logins] == [
        "admin",
        "station",
        "cadre",
        "area",
        "group",
        "neighbor",
        "resident",
    ]
    # Households lie around 安乡县 and every ID number is valid (decrypted and re-checked).
    lons = Household.objects.filter(township=township).values_list("lon", flat=True)
    assert all(111.9 < lon < 112.5 for lon in lons)
    from sanzhang.core import crypto

    for resident in Resident.objects.filter(
        township=township, id_number_sealed__isnull=False
    )[:300]:
        assert id_number_parse(crypto.unseal(resident.id_number_sealed)).value
    out = StringIO()
    call_command("stats", json=True, stdout=out)
    printed = json.loads(out.getvalue())
    assert set(printed) == {
        "villages",
        "areas",
        "groups",
        "neighborhoods",
        "households",
        "residents",
        "area_chiefs",
        "group_chiefs",
        "neighborhood_chiefs",
    }
    assert printed["households"] >= 4555
