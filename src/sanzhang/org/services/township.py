"""Setting a township up with its editable defaults (stations, household tags)."""

from __future__ import annotations

from ..defaults import STATIONS, TAGS
from ..models import Station, Tag, Unit


def township_install_defaults(*, township: Unit) -> None:
    """Create the default stations of a township and the shared tags, once."""
    for i, (code, name, duties) in enumerate(STATIONS):
        Station.objects.get_or_create(
            township=township,
            code=code,
            defaults={"name": name, "duties": duties, "sort_order": i},
        )
    for i, (code, name, category, sensitive, station, interval) in enumerate(TAGS):
        Tag.objects.get_or_create(
            township=None,
            code=code,
            defaults={
                "name": name,
                "category": category,
                "is_sensitive": sensitive,
                "station_code": station,
                "visit_interval_days": interval,
                "sort_order": i,
            },
        )
