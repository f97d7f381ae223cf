from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "sanzhang.notices"
    label = "notices"
    verbose_name = "通知"
