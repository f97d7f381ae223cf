from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "sanzhang.demo"
    label = "demo"
    verbose_name = "演示数据"
