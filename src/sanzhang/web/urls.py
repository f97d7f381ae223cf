from django.urls import path

from .views import (
    activities,
    auth,
    cases,
    channels,
    households,
    integrity,
    notices,
    planner,
    posts,
    reports,
    roster,
    tree,
    visits,
)

app_name = "web"

urlpatterns = [
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("", tree.home, name="home"),
    path("units/<int:unit_id>/", tree.unit_detail, name="unit-detail"),
    path(
        "units/<int:unit_id>/households/",
        households.household_list,
        name="household-list",
    ),
    path("units/<int:unit_id>/posts/", posts.unit_posts, name="unit-posts"),
    path(
        "units/<int:unit_id>/posts/appoint/",
        posts.post_appoint_view,
        name="post-appoint",
    ),
    path("posts/<int:post_id>/replace/", posts.post_replace_view, name="post-replace"),
    path("posts/<int:post_id>/end/", posts.post_end_view, name="post-end"),
    path("units/<int:unit_id>/integrity/", integrity.integrity_page, name="integrity"),
    path(
        "households/<int:household_id>/",
        households.household_detail,
        name="household-detail",
    ),
    path(
        "households/<int:household_id>/move/",
        households.household_move_view,
        name="household-move",
    ),
    path(
        "residents/<int:resident_id>/reveal/<str:field>/",
        households.resident_reveal_view,
        name="resident-reveal",
    ),
    path("units/<int:unit_id>/planner/", planner.planner, name="planner"),
    path(
        "units/<int:unit_id>/planner/adjust/",
        planner.planner_adjust,
        name="planner-adjust",
    ),
    path(
        "units/<int:unit_id>/planner/apply/",
        planner.planner_apply,
        name="planner-apply",
    ),
    path("roster/import/", roster.roster_import_view, name="roster-import"),
    path("roster/template.xlsx", roster.roster_template, name="roster-template"),
    path(
        "units/<int:unit_id>/roster.xlsx",
        roster.roster_export_view,
        name="roster-export",
    ),
    path("cases/", cases.case_list_view, name="case-list"),
    path("cases/new/", cases.case_new, name="case-new"),
    path("cases/<int:case_id>/", cases.case_detail, name="case-detail"),
    path("cases/<int:case_id>/act/", cases.case_act_view, name="case-act"),
    path("cases/<int:case_id>/link/", cases.case_link_view, name="case-link"),
    path("cases/photos/<int:photo_id>/", cases.case_photo, name="case-photo"),
    path("inbox/", cases.inbox, name="inbox"),
    path(
        "units/<int:unit_id>/case-categories/",
        cases.category_list,
        name="case-categories",
    ),
    path("units/<int:unit_id>/channels/", channels.channel_list, name="channels"),
    path(
        "units/<int:unit_id>/channels/<int:channel_id>/",
        channels.channel_act,
        name="channel-act",
    ),
]
# Each outreach and reports module lists its own pages.
urlpatterns += (
    visits.urlpatterns
    + notices.urlpatterns
    + activities.urlpatterns
    + reports.urlpatterns
)
