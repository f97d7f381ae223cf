"""Every page, as every role, inside and outside its scope; plus what the pages show."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from sanzhang.core.models import AuditEvent

# Pages that take a unit, and the action that opens them (see org/tests EXPECTED).
UNIT_PAGES = {
    "/units/{}/": "view_tree",
    "/units/{}/households/": "view_households",
    "/units/{}/posts/": "view_tree",
    "/units/{}/integrity/": "view_integrity",
    "/units/{}/roster.xlsx": "export_roster",
}
SCOPES = {
    "admin": (
        "T1",
        {"view_tree", "view_households", "view_integrity", "export_roster"},
    ),
    "station": ("T1", {"view_tree", "view_households"}),
    "cadre": (
        "T1-V1",
        {"view_tree", "view_households", "view_integrity", "export_roster"},
    ),
    "area": ("T1-V1-A1", {"view_tree", "view_households", "view_integrity"}),
    "group": ("T1-V1-A1-G1", {"view_tree", "view_households", "view_integrity"}),
    "nchief": ("T1-V1-A1-G1-N1", {"view_tree", "view_households"}),
    "resident": (None, set()),
    "nobody": (None, set()),
}
TARGETS = [
    "T1",
    "T1-V1",
    "T1-V1-A1-G1-N1",
    "T1-V1-A1-G1-N2",
    "T1-V2",
    "T2",
    "T2-V1-A1-G1-N1",
]


def _inside(scope, target):
    return scope is not None and (target == scope or target.startswith(scope + "-"))


def _client(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


@pytest.mark.parametrize("username", sorted(SCOPES))
def test_unit_pages_follow_the_matrix(world, username):
    scope, allowed = SCOPES[username]
    client = _client(world, username)
    wrong = []
    for page, action in UNIT_PAGES.items():
        for target in TARGETS:
            url = page.format(world.unit(target).pk)
            expected = 200 if action in allowed and _inside(scope, target) else 404
            status = client.get(url).status_code
            if status != expected:
                wrong.append((url, target, expected, status))
    assert wrong == []


@pytest.mark.parametrize("username", sorted(SCOPES))
def test_household_pages_follow_the_matrix(world, username):
    scope, allowed = SCOPES[username]
    client = _client(world, username)
    own = (
        world.users[username].resident.household_id
        if world.users[username].resident
        else None
    )
    wrong = []
    for target in TARGETS:
        for hh in world.households.get(target, [])[:2]:
            expected = (
                200
                if ("view_households" in allowed and _inside(scope, target))
                or hh.pk == own
                else 404
            )
            status = client.get(f"/households/{hh.pk}/").status_code
            if status != expected:
                wrong.append((target, hh.pk, expected, status))
    assert wrong == []


def test_anonymous_users_are_sent_to_login(world):
    client = Client()
    for url in [
        "/",
        f"/units/{world.unit('T1').pk}/",
        "/roster/import/",
        f"/households/{world.households['T1-V1-A1-G1-N1'][0].pk}/",
    ]:
        response = client.get(url)
        assert (response.status_code, response.url.split("?")[0]) == (302, "/login/")


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def test_every_page_declares_its_scope():
    """A view without @scoped / @public fails here (the API is scoped by its own auth)."""
    undeclared = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(("api/", "i18n/")):
            continue
        if not hasattr(pattern.callback, "scope"):
            undeclared.append(route)
    assert undeclared == []


def test_tree_shows_counts_and_chiefs(world):
    client = _client(world, "admin")
    html = client.get(f"/units/{world.unit('T1-V1').pk}/").content.decode()
    # 村1: 2 areas, 4 groups, 8 neighborhoods, 48 households (+ 0 unpaired)
    for key, value in {
        "areas": 2,
        "groups": 4,
        "neighborhoods": 8,
        "households": 48,
    }.items():
        assert f'data-key="{key}">{value}<' in html
    assert "片长" in html
    assert "空缺" in html
    nb = client.get(f"/units/{world.unit('T1-V1-A1-G1-N1').pk}/").content.decode()
    head = world.households["T1-V1-A1-G1-N1"][0].head
    assert head.name in nb
    assert head.id_number_masked not in nb


def test_household_page_masks_and_reveal_is_audited(world):
    hh = world.households["T1-V1-A1-G1-N1"][0]
    client = _client(world, "cadre")
    html = client.get(f"/households/{hh.pk}/").content.decode()
    from sanzhang.core import crypto

    clear = crypto.unseal(hh.head.id_number_sealed)
    assert hh.head.id_number_masked in html
    assert clear not in html
    response = client.post(f"/residents/{hh.head_id}/reveal/id_number/")
    assert (response.status_code, response.content.decode().strip()) == (200, clear)
    event = AuditEvent.objects.get(action="reveal_id_number")
    assert (event.actor_name, event.object_id) == ("t_cadre", str(hh.head_id))


def test_chief_cannot_reveal_id_numbers(world):
    hh = world.households["T1-V1-A1-G1-N1"][0]
    client = _client(world, "nchief")
    assert (
        "查看完整" in client.get(f"/households/{hh.pk}/").content.decode()
    )  # the phone
    response = client.post(f"/residents/{hh.head_id}/reveal/id_number/")
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="reveal_id_number").exists()
    outside = world.households["T1-V2-A1-G1-N1"][0]
    assert client.post(f"/residents/{outside.head_id}/reveal/phone/").status_code == 404


def test_sensitive_tags_hidden_from_group_chief_on_page(world):
    hh = world.households["T1-V1-A1-G1-N1"][0]
    assert (
        "低保户" in _client(world, "area").get(f"/households/{hh.pk}/").content.decode()
    )
    html = _client(world, "group").get(f"/households/{hh.pk}/").content.decode()
    assert "独居老人" in html
    assert "低保户" not in html
    assert "社区矫正" not in html


def test_markup_in_names_is_escaped(world):
    from sanzhang.org.models import Resident

    hh = world.households["T1-V1-A1-G1-N1"][0]
    Resident.objects.filter(pk=hh.head_id).update(name="<script>alert('x')</script>")
    html = _client(world, "admin").get(f"/households/{hh.pk}/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_english_is_switchable(world):
    client = _client(world, "admin")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(f"/units/{world.unit('T1').pk}/").content.decode()
    assert 'lang="en"' in html
    assert "Households" in html


def test_appoint_and_replace_through_the_page(world):
    from sanzhang.org.models import Post

    client = _client(world, "cadre")
    nb = world.unit("T1-V1-A1-G1-N2")
    candidate = world.households["T1-V1-A1-G1-N2"][0].head
    page = client.get(f"/units/{nb.pk}/posts/").content.decode()
    assert 'id="vacancy"' in page
    assert candidate.name in page
    response = client.post(
        f"/units/{nb.pk}/posts/appoint/",
        {"resident": candidate.pk, "how_chosen": "self", "started_on": ""},
    )
    assert response.status_code == 302
    post = Post.objects.get(unit=nb, ended_on__isnull=True)
    assert (post.resident, post.how_chosen) == (candidate, "self")
    successor = world.households["T1-V1-A1-G1-N2"][1].head
    client.post(
        f"/posts/{post.pk}/replace/",
        {"resident": successor.pk, "how_chosen": "surveyed", "reason": "年老体弱"},
    )
    assert list(
        Post.objects.filter(unit=nb)
        .order_by("id")
        .values_list("holder_name", "ended_on")
    ) == [(candidate.name, post.started_on), (successor.name, None)]


def test_import_page_reports_rows_and_refuses_big_files(world, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sanzhang.org.tests.test_roster import family, xlsx

    client = _client(world, "admin")
    rows = family("W001", "赵") + [
        family("W002", "钱")[0][:11] + ["110105194912310021", "", "否", ""]
    ]
    upload = SimpleUploadedFile("bad.xlsx", xlsx(rows))
    response = client.post(
        "/roster/import/",
        {"file": upload, "township": world.unit("T1").pk, "mode": "import"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "身份证号校验位错误" in html
    assert "<td>4</td>" in html
    settings.IMPORT_MAX_BYTES = 1024
    big = SimpleUploadedFile("big.csv", b"a," * 2000)
    response = client.post(
        "/roster/import/", {"file": big, "township": world.unit("T1").pk}
    )
    assert response.status_code == 400
    assert "文件过大" in response.content.decode()


def test_healthz(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}
