"""Annual commendations (nominate -> approve -> publish, audited) and stories
(典型案例 / 先进事迹: write, attach, approve, report upward), plus the drafts the
system writes from the records for a person to edit."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhang.cases.models import Case, CaseEvent, CasePhoto
from sanzhang.core.audit import audit_record
from sanzhang.core.errors import Conflict, DomainError, NotAllowed
from sanzhang.org.levels import ANCESTOR_FIELDS
from sanzhang.org.models import Post, Unit

from ..access import ReportAction, may
from ..models import Commendation, Story
from ..period import year_of
from . import redlist as rl

DEFAULT_TITLE = {
    "area_chief": "优秀片长",
    "group_chief": "优秀组长",
    "neighborhood_chief": "优秀邻长",
}


def _ancestors(unit: Unit) -> dict[str, int | None]:
    return {f: getattr(unit, f) for f in ANCESTOR_FIELDS}


# --- commendations ------------------------------------------------------------------
def shortlist(township: Unit, year: int, share: float = 0.1) -> list[rl.Row]:
    """The draft award list: the top ~10% of the year's ranked chiefs (at least one)."""
    ranked = rl.compute(township, year_of(date(year, 1, 1))).ranked
    if not ranked:
        return []
    return ranked[: max(1, math.ceil(len(ranked) * share))]


def nominate(
    *, by: Any, post: Post, year: int, title: str = "", reason: str = ""
) -> Commendation:
    if not may(by, ReportAction.NOMINATE, post.unit):
        raise NotAllowed(_("无权提名该三长"))
    if post.role not in DEFAULT_TITLE:
        raise DomainError(_("只能提名片长、组长、邻长"))
    title = (title or DEFAULT_TITLE[post.role]).strip()[:40]
    row = next(
        (
            r
            for r in rl.compute(post.unit, year_of(date(year, 1, 1))).ranked
            if r.post.pk == post.pk
        ),
        None,
    )
    with transaction.atomic():
        obj, created = Commendation.objects.get_or_create(
            year=year,
            post=post,
            title=title,
            defaults={
                **_ancestors(post.unit),
                "holder_name": post.holder_name,
                "unit_name": rl._label(
                    post,
                    Unit.objects.in_bulk([post.unit.village_id, post.unit.area_id]),
                ),
                "reason": reason.strip()[:4000],
                "score": row.score if row else None,
                "nominated_by": by,
                "nominated_at": timezone.now(),
            },
        )
        if not created:
            raise DomainError(_("该三长本年度已提名此称号"))
        audit_record(
            by=by,
            action="commendation_nominate",
            obj=obj,
            township_id=obj.township_id,
        )
    return obj


def _decide(obj: Commendation, by: Any, to: str, frm: tuple[str, ...]) -> Commendation:
    if not may(by, ReportAction.MANAGE, obj.post.unit):
        raise NotAllowed(_("只有乡镇管理员可以审批表彰"))
    with transaction.atomic():
        locked = Commendation.objects.select_for_update().get(pk=obj.pk)
        if locked.status not in frm:
            raise Conflict(
                _("当前状态为“%(s)s”，不能这样操作")
                % {"s": locked.get_status_display()}
            )
        now = timezone.now()
        locked.status = to
        if to == Commendation.Status.APPROVED:
            locked.approved_by, locked.approved_at = by, now
        if to == Commendation.Status.PUBLISHED:
            locked.published_at = now
        locked.save()
        audit_record(
            by=by,
            action=f"commendation_{to}",
            obj=locked,
            township_id=locked.township_id,
        )
    return locked


def approve(*, obj: Commendation, by: Any) -> Commendation:
    return _decide(
        obj, by, Commendation.Status.APPROVED, (Commendation.Status.NOMINATED,)
    )


def reject(*, obj: Commendation, by: Any) -> Commendation:
    return _decide(
        obj, by, Commendation.Status.REJECTED, (Commendation.Status.NOMINATED,)
    )


def publish(*, obj: Commendation, by: Any) -> Commendation:
    return _decide(
        obj, by, Commendation.Status.PUBLISHED, (Commendation.Status.APPROVED,)
    )


# --- stories ------------------------------------------------------------------------
def story_save(
    *,
    by: Any,
    unit: Unit,
    kind: str,
    title: str,
    body: str,
    post: Post | None = None,
    cases: list[Case] | None = None,
    story: Story | None = None,
    version: int | None = None,
) -> Story:
    if not may(by, ReportAction.WRITE_STORY, unit):
        raise NotAllowed(_("无权为该单元撰写案例"))
    if kind not in Story.Kind.values:
        raise DomainError(_("请选择类型"), field="kind")
    title, body = title.strip(), body.strip()
    if not title:
        raise DomainError(_("请填写标题"), field="title")
    if len(body) < 10:
        raise DomainError(_("正文至少 10 个字"), field="body")
    col = _scope_col(unit)
    if post is not None and getattr(post.unit, col) != unit.pk:
        raise DomainError(_("所选三长不在该单元内"), field="post")
    for case in cases or []:
        if getattr(case, col) != unit.pk:
            raise DomainError(_("所选事件不在该单元内"), field="cases")
    with transaction.atomic():
        if story is None:
            story = Story(written_by=by)
        else:
            story = Story.objects.select_for_update().get(pk=story.pk)
            if version is not None and story.version != version:
                raise Conflict(_("他人已修改此稿，请刷新后再改"))
            if story.reported_at:
                raise DomainError(_("已报送的稿件不能再修改"))
            story.version += 1
            story.status = Story.Status.DRAFT  # an edit needs approving again
        for f, v in _ancestors(unit).items():
            setattr(story, f, v)
        story.unit, story.kind, story.title = unit, kind, title[:120]
        story.body, story.post = body[:20000], post
        story.save()
        story.cases.set(cases or [])
    return story


def _scope_col(unit: Unit) -> str:
    from sanzhang.org.levels import SCOPE_FIELD

    return SCOPE_FIELD[unit.level]


def story_approve(*, story: Story, by: Any) -> Story:
    if not may(by, ReportAction.MANAGE, story.unit):
        raise NotAllowed(_("只有乡镇管理员可以审核"))
    with transaction.atomic():
        story.status = Story.Status.APPROVED
        story.approved_by, story.approved_at = by, timezone.now()
        story.save(update_fields=["status", "approved_by", "approved_at"])
        audit_record(
            by=by, action="story_approve", obj=story, township_id=story.township_id
        )
    return story


def story_report(*, story: Story, by: Any, to: str) -> Story:
    if not may(by, ReportAction.MANAGE, story.unit):
        raise NotAllowed(_("只有乡镇管理员可以报送"))
    if story.status != Story.Status.APPROVED:
        raise DomainError(_("审核通过后才能报送"))
    if story.reported_at:
        raise DomainError(_("该稿件已报送"))
    if not to.strip():
        raise DomainError(_("请填写报送单位"), field="reported_to")
    with transaction.atomic():
        story.reported_at, story.reported_to = timezone.now(), to.strip()[:120]
        story.save(update_fields=["reported_at", "reported_to"])
        audit_record(
            by=by,
            action="story_report",
            obj=story,
            township_id=story.township_id,
            to=story.reported_to,
        )
    return story


def draft_from_case(case: Case) -> tuple[str, str]:
    """A first draft of a typical case from its timeline and photos (to be edited)."""
    events = list(CaseEvent.objects.filter(case=case).order_by("at", "id")[:30])
    photos = CasePhoto.objects.filter(case=case).count()
    title = _("%(place)s：%(cat)s的化解经过") % {
        "place": case.household.address if case.household_id else case.place or "",
        "cat": case.category.name,
    }
    lines = [
        _("【基本情况】%(text)s") % {"text": case.text.strip()},
        _("【办理经过】"),
    ]
    for ev in events:
        note = f"：{ev.note.strip()}" if ev.note.strip() else ""
        lines.append(
            f"{timezone.localtime(ev.at):%Y年%m月%d日}，{ev.by_name or ''}"
            f"{ev.get_kind_display()}{note}"
        )
    if case.resolution:
        lines.append(_("【办理结果】%(r)s") % {"r": case.resolution})
    if case.satisfaction:
        lines.append(_("【群众评价】%(s)s") % {"s": case.get_satisfaction_display()})
    if photos:
        lines.append(_("（附现场照片 %(n)s 张，见事件记录）") % {"n": photos})
    lines.append(_("【经验启示】（请补充）"))
    return str(title)[:120], "\n".join(str(x) for x in lines)


def draft_from_post(post: Post, year: int) -> tuple[str, str]:
    """A first draft of an exemplary deed from the chief's figures for the year."""
    redlist = rl.compute(post.unit, year_of(date(year, 1, 1)))
    row = next(
        (r for r in redlist.ranked + redlist.apart if r.post.pk == post.pk), None
    )
    title = _("%(name)s：%(role)s的一年") % {
        "name": post.holder_name,
        "role": post.get_role_display(),
    }
    lines = [
        _("【人物简介】%(name)s，%(unit)s%(role)s。")
        % {
            "name": post.holder_name,
            "unit": post.unit.name,
            "role": post.get_role_display(),
        }
    ]
    if row:
        lines.append(_("【年度数据】"))
        for key, label in rl.COMPONENTS.items():
            v = row.figures.get(key)
            if v is None:
                continue
            shown = f"{v * 100:.1f}%" if key in rl.UNIT_RATES else str(v)
            lines.append(f"{label}：{shown}")
        lines.append(_("红榜得分：%(s)s") % {"s": row.score})
    cases = Case.objects.filter(resolved_by__in=_users_of(post)).order_by(
        "-resolved_at"
    )[:3]
    if cases:
        lines.append(_("【典型事例】"))
        lines += [f"· {c.category.name}：{c.text.strip()[:80]}" for c in cases]
    lines.append(_("【群众评价】（请补充）"))
    return str(title)[:120], "\n".join(str(x) for x in lines)


def _users_of(post: Post) -> list[int]:
    return list(rl._post_users([post]))
