"""The shared kernel's tables: the audit log."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """One row per security-relevant act: reveal, export, import, post change, login.

    Append-only: database triggers (migration 0002) refuse UPDATE and DELETE, so not
    even a staff member with database rights through the app can rewrite history.
    """

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(_("操作人ID"), null=True)
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("动作"), max_length=40, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=40, blank=True)
    object_id = models.CharField(_("对象ID"), max_length=64, blank=True)
    township_id = models.BigIntegerField(_("乡镇ID"), null=True, db_index=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"
