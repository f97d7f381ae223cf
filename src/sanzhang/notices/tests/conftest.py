"""Fixtures for notices, on top of the shared fixture world (T1: 2 villages x 2 areas
x 2 groups x 2 neighbourhoods x 6 households = 96; a village 48, an area 24, a group 12,
a neighbourhood 6)."""

from __future__ import annotations

import uuid

import pytest

from sanzhang.notices.services.compose import notice_create
from sanzhang.notices.services.send import notice_send

N1 = "T1-V1-A1-G1-N1"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def draft(world):
    def make(by="admin", unit="T1-V1", *, title="防汛通知", tags=(), files=()):
        notice, _created = notice_create(
            by=world.users[by],
            client_key=uuid.uuid4(),
            unit=world.unit(unit),
            title=title,
            body="今晚有大到暴雨，请低洼地带住户做好转移准备。",
            tag_ids=[world.tags[t].pk for t in tags],
            files=files,
        )
        return notice

    return make


@pytest.fixture
def sent(world, draft):
    def make(by="admin", unit="T1-V1", **kwargs):
        notice = draft(by, unit, **kwargs)
        notice_send(notice, by=world.users[by])
        return notice

    return make
