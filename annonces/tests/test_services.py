from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from annonces import services
from annonces.models import Annonce, AnnonceRead
from annonces.selectors import feed_for
from annonces.tests.factories import AnnonceFactory, AnnonceReadFactory
from conftest import run_together
from events.models import Role
from events.tests.factories import AssignmentFactory
from makeplus.errors import AppError

pytestmark = pytest.mark.django_db


def code_of(excinfo) -> str:
    return excinfo.value.get_codes()


def test_create_publishes_now_and_records_the_authors_read(event_a):
    author = UserFactory()
    before = timezone.now()

    annonce = services.create_annonce(event=event_a, actor=author, title=" Pause café ", target_roles=["exposant"])

    assert (annonce.title, annonce.target_roles, annonce.created_by) == ("Pause café", ["exposant"], author)
    assert before <= annonce.publish_at <= timezone.now()
    assert annonce.expires_at is None
    receipt = AnnonceRead.objects.get()
    assert (receipt.annonce, receipt.user, receipt.read_at) == (annonce, author, annonce.created_at)


def test_targets_are_stored_once_each_in_role_order(event_a):
    annonce = services.create_annonce(
        event=event_a,
        actor=None,
        title="Ordre",
        target_roles=[Role.EXPOSANT, Role.ORGANISATEUR, Role.EXPOSANT, Role.PARTICIPANT],
    )

    annonce.refresh_from_db()

    assert annonce.target_roles == ["organisateur", "participant", "exposant"]
    assert not AnnonceRead.objects.exists()  # no author, no receipt


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"title": "  "}, "title_required"),
        ({"title": "A", "content": "x" * 5001}, "content_too_long"),
        ({"title": "A", "target_roles": ["participant", "visiteur"]}, "invalid_target_role"),
        ({"title": "A", "expires_at": timezone.now() - timedelta(minutes=1)}, "expires_before_publish"),
    ],
)
def test_create_refuses_broken_rules(event_a, fields, code):
    with pytest.raises(AppError) as excinfo:
        services.create_annonce(event=event_a, actor=None, **fields)

    assert code_of(excinfo) == code
    assert not Annonce.objects.exists()


def test_update_applies_the_rules_to_the_merged_values(event_a):
    publish_at = timezone.now() + timedelta(days=1)
    annonce = AnnonceFactory(event=event_a, publish_at=publish_at, expires_at=publish_at + timedelta(days=1))

    with pytest.raises(AppError) as excinfo:
        services.update_annonce(annonce=annonce, actor=None, publish_at=publish_at + timedelta(days=2))

    assert code_of(excinfo) == "expires_before_publish"
    annonce.refresh_from_db()
    assert annonce.publish_at == publish_at


def test_update_refuses_fields_that_are_not_editable(event_a):
    annonce = AnnonceFactory(event=event_a)

    with pytest.raises(TypeError):
        services.update_annonce(annonce=annonce, actor=None, created_by=UserFactory())


def test_mark_read_is_idempotent(event_a):
    annonce, user = AnnonceFactory(event=event_a), UserFactory()

    first = services.mark_read(annonce=annonce, user=user)
    second = services.mark_read(annonce=annonce, user=user)

    assert first.pk == second.pk
    assert first.read_at == second.read_at
    assert AnnonceRead.objects.count() == 1


def test_mark_all_read_skips_receipts_that_already_exist(event_a):
    assignment = AssignmentFactory(event=event_a, role=Role.PARTICIPANT)
    annonces = [AnnonceFactory(event=event_a) for _ in range(3)]
    AnnonceReadFactory(annonce=annonces[0], user=assignment.user)

    marked = services.mark_all_read(assignment=assignment)

    assert marked == 2
    assert AnnonceRead.objects.filter(user=assignment.user).count() == 3


def test_the_database_refuses_an_expiry_before_publication(event_a):
    annonce = AnnonceFactory(event=event_a)

    with pytest.raises(IntegrityError), transaction.atomic():
        Annonce.objects.filter(pk=annonce.pk).update(expires_at=annonce.publish_at)


def test_the_database_refuses_an_empty_title_and_unknown_role_bits(event_a):
    annonce = AnnonceFactory(event=event_a)

    with pytest.raises(IntegrityError), transaction.atomic():
        Annonce.objects.filter(pk=annonce.pk).update(title="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Annonce.objects.filter(pk=annonce.pk).update(target_roles=32)


def test_the_database_refuses_a_second_receipt(event_a):
    receipt = AnnonceReadFactory(annonce=AnnonceFactory(event=event_a))

    with pytest.raises(IntegrityError), transaction.atomic():
        AnnonceRead.objects.create(annonce=receipt.annonce, user=receipt.user)


def test_model_validation_reports_unknown_roles_with_a_code(event_a):
    annonce = AnnonceFactory.build(event=event_a, created_by=None, target_roles=["participant", "visiteur"])

    with pytest.raises(ValidationError) as excinfo:
        annonce.full_clean()

    assert excinfo.value.error_dict["target_roles"][0].code == "invalid_role"


def test_role_set_lookups(event_a):
    everyone = AnnonceFactory(event=event_a, target_roles=[])
    staff = AnnonceFactory(event=event_a, target_roles=[Role.CONTROLLEUR_DES_BADGES, Role.GESTIONNAIRE_DES_SALLES])
    now = timezone.now()

    assert list(Annonce.objects.filter(target_roles=[])) == [everyone]
    assert list(Annonce.objects.filter(target_roles__includes=Role.CONTROLLEUR_DES_BADGES)) == [staff]
    assert list(Annonce.objects.filter(target_roles__includes=Role.PARTICIPANT)) == []
    assert set(feed_for(event=event_a, role=Role.GESTIONNAIRE_DES_SALLES, now=now)) == {everyone, staff}
    assert list(feed_for(event=event_a, role=Role.EXPOSANT, now=now)) == [everyone]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_reads_of_one_annonce_leave_one_receipt():
    """A double tap and a "mark all read" racing each other: one receipt, no error."""
    assignment = AssignmentFactory(role=Role.PARTICIPANT)
    annonce = AnnonceFactory(event=assignment.event)
    calls = [
        lambda: services.mark_read(annonce=annonce, user=assignment.user),
        lambda: services.mark_read(annonce=annonce, user=assignment.user),
        lambda: services.mark_all_read(assignment=assignment),
        lambda: services.mark_all_read(assignment=assignment),
    ]

    _, errors = run_together(calls)

    assert errors == []
    assert AnnonceRead.objects.filter(annonce=annonce, user=assignment.user).count() == 1
