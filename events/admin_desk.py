"""The desk on a participant's page in the back office (issue 20 item 3): check in, print the badge,
re-issue or revoke it, record an atelier payment. Each is a small view added to the participants admin
(events/admin_participants.py) and calls the same service as the API:

* check in: events.services.access.check_in_participant
* print: events.badges_pdf.single_badge_pdf (the badge signed first when bulk paths left it unsigned)
* re-issue: events.services.participants.reissue_badge (a new version and badge id: the old QR code
  verifies as revoked, the old typed id is unknown);
* revoke: events.services.participants.revoke_badge (no replacement: every code and the typed id of the
  badge are refused until it is re-issued).
* payment: events.services.ateliers.record_payment (with the desk's receipt number)

Every view answers 404 for another event's participant (out of the admin's queryset).
"""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from events.badges_pdf import single_badge_pdf
from events.models import Participant, Session, SessionAccess
from events.services import participants as participant_services
from events.services.access import check_in_participant
from events.services.ateliers import record_payment
from makeplus.errors import AppError


def _participant(model_admin, request, object_id, *, change=True) -> Participant:
    participant = model_admin.get_queryset(request).filter(pk=object_id).first()
    if participant is None:
        raise Http404
    allowed = model_admin.has_change_permission if change else model_admin.has_view_permission
    if not allowed(request, participant):
        raise Http404
    return participant


def _back(participant) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("admin:events_participant_change", args=[participant.pk]))


def _post_only(view):
    def wrapped(request, *args, **kwargs):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return view(request, *args, **kwargs)

    return wrapped


def badge_pdf_view(request, object_id, model_admin):
    participant = _participant(model_admin, request, object_id, change=False)
    participant = participant_services.ensure_badge(participant=participant)
    participant = Participant.objects.select_related("user", "event").get(pk=participant.pk)
    response = HttpResponse(single_badge_pdf(participant), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="badge-{participant.badge_id}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@_post_only
def check_in_view(request, object_id, model_admin):
    participant = _participant(model_admin, request, object_id)
    _participant_, now = check_in_participant(participant=participant)
    if now:
        messages.success(request, gettext("%(name)s is checked in.") % {"name": _name(participant)})
    else:
        messages.info(request, gettext("%(name)s was already checked in.") % {"name": _name(participant)})
    return _back(participant)


@_post_only
def reissue_view(request, object_id, model_admin):
    participant = _participant(model_admin, request, object_id)
    participant_services.reissue_badge(participant=participant, actor=request.user)
    messages.success(
        request,
        gettext("A new badge was issued; the old one no longer opens any door. Print the new one."),
    )
    return _back(participant)


@_post_only
def revoke_view(request, object_id, model_admin):
    participant = _participant(model_admin, request, object_id)
    participant_services.revoke_badge(participant=participant, actor=request.user)
    messages.warning(
        request,
        gettext(
            "The badge is revoked: its QR code and badge id no longer open any door or the entrance. "
            "Re-issue it to give the person a new one."
        ),
    )
    return _back(participant)


def _name(participant) -> str:
    return participant.shown_name() or participant.user.email  # registration data (SPEC "Privacy")


class PaymentForm(forms.Form):
    session = forms.ModelChoiceField(label=capfirst(_("atelier")), queryset=Session.objects.none())
    amount = forms.DecimalField(
        label=capfirst(_("amount (DZD)")),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text=_("Leave empty for the atelier's price."),
    )
    method = forms.ChoiceField(label=capfirst(_("payment method")), choices=SessionAccess.Method.choices)
    receipt_number = forms.CharField(label=capfirst(_("receipt number")), max_length=50, required=False)

    def __init__(self, *args, participant, **kwargs):
        super().__init__(*args, **kwargs)
        sessions = (
            Session.objects.filter(event_id=participant.event_id, session_type=Session.Type.ATELIER, is_paid=True)
            .exclude(status=Session.Status.CANCELLED)
            .order_by("start_time", "title")
        )
        self.fields["session"].queryset = sessions
        self.fields["session"].label_from_instance = lambda s: f"{s.title} — {s.price} DZD"
        if len(sessions) == 1:
            self.fields["session"].initial = sessions[0].pk


def payment_view(request, object_id, model_admin):
    participant = _participant(model_admin, request, object_id)
    form = PaymentForm(request.POST or None, participant=participant)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                registration = record_payment(
                    session=data["session"],
                    participant=participant,
                    actor=request.user,
                    method=data["method"],
                    amount=data["amount"],
                    receipt_number=data["receipt_number"],
                )
        except AppError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                gettext("Payment of %(amount)s DZD recorded for %(atelier)s.")
                % {"amount": registration.access.amount, "atelier": data["session"].title},
            )
            return _back(participant)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": participant,
        "holder": _name(participant),
        "title": gettext("Record an atelier payment"),
        "form": form,
        "places": SessionAccess.objects.filter(participant=participant)
        .select_related("session", "recorded_by")
        .order_by("session__start_time"),
    }
    return TemplateResponse(request, "admin/events/participant/payment.html", context)


def desk_urls(model_admin) -> list:
    site = model_admin.admin_site

    def bind(view):
        return site.admin_view(lambda request, object_id: view(request, object_id, model_admin))

    return [
        path("<path:object_id>/badge.pdf", bind(badge_pdf_view), name="events_participant_badge_pdf"),
        path("<path:object_id>/check-in/", bind(check_in_view), name="events_participant_check_in"),
        path("<path:object_id>/reissue/", bind(reissue_view), name="events_participant_reissue"),
        path("<path:object_id>/revoke/", bind(revoke_view), name="events_participant_revoke"),
        path("<path:object_id>/payment/", bind(payment_view), name="events_participant_payment"),
    ]
