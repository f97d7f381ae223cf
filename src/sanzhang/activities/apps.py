from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "sanzhang.activities"
    label = "activities"
    verbose_name = "活动"
