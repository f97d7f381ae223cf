from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "sanzhang.web"
    label = "web"
    verbose_name = "页面"
