"""The event dashboard in the back office (issue 20 item 2): /admin/events/event/<id>/dashboard/.

The page shows today at a glance and refreshes itself: a small script polls
/admin/events/event/<id>/dashboard/data/ (JSON, the same dict the page is drawn from,
events/selectors/backoffice.py) every REFRESH_SECONDS. Another event's id is a 404.
"""

from django.http import Http404, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext

from events.selectors.backoffice import event_dashboard

REFRESH_SECONDS = 15


def _event(model_admin, request, object_id):
    event = model_admin.get_queryset(request).filter(pk=object_id).first()
    if event is None or not model_admin.has_view_permission(request, event):
        raise Http404
    return event


def dashboard_view(request, object_id, model_admin):
    event = _event(model_admin, request, object_id)
    data = event_dashboard(event)
    peak = max([hour["granted"] + hour["denied"] for hour in data["scans_today"]["by_hour"]] + [1])
    for hour in data["scans_today"]["by_hour"]:
        total = hour["granted"] + hour["denied"]
        hour["height"] = round(100 * total / peak)  # of the busiest hour
        hour["denied_share"] = round(100 * hour["denied"] / total) if total else 0  # red top of the bar
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": event,
        "title": gettext("Dashboard: %(event)s") % {"event": event.name},
        "data": data,
        "data_url": reverse("admin:events_event_dashboard_data", args=[event.pk]),
        "refresh_seconds": REFRESH_SECONDS,
        "door_log_url": f"{reverse('admin:events_roomaccess_changelist')}?room__event__id__exact={event.pk}",
    }
    return TemplateResponse(request, "admin/events/event/dashboard.html", context)


def dashboard_data_view(request, object_id, model_admin):
    event = _event(model_admin, request, object_id)
    response = JsonResponse(event_dashboard(event))
    response["Cache-Control"] = "private, no-store"
    return response


def dashboard_urls(model_admin) -> list:
    site = model_admin.admin_site
    return [
        path(
            "<uuid:object_id>/dashboard/",
            site.admin_view(lambda request, object_id: dashboard_view(request, object_id, model_admin)),
            name="events_event_dashboard",
        ),
        path(
            "<uuid:object_id>/dashboard/data/",
            site.admin_view(lambda request, object_id: dashboard_data_view(request, object_id, model_admin)),
            name="events_event_dashboard_data",
        ),
    ]
