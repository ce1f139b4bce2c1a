import builtins
from datetime import datetime, time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from annonces.models import Annonce, AnnonceRead
from events.counters import counters_disagreeing, rooms_disagreeing
from events.models import (
    Event,
    EventBadgeKey,
    Participant,
    Room,
    RoomAccess,
    RoomAssignment,
    Session,
    SessionAccess,
    UserEventAssignment,
)
from exposants.models import Exposant, ExposantScan
from seeds.common import ALGIERS

pytestmark = pytest.mark.django_db

DOMAIN_MODELS = (
    Event,
    EventBadgeKey,
    UserEventAssignment,
    Participant,
    Room,
    Session,
    SessionAccess,
    RoomAccess,
    RoomAssignment,
    Annonce,
    AnnonceRead,
    Exposant,
    ExposantScan,
)
LOAD = ["--participants", "30", "--rooms", "2", "--sessions", "4", "--access-logs", "300", "--name", "Charge"]


@pytest.fixture(autouse=True)
def development(settings, tmp_path, monkeypatch):
    """DEBUG on (pytest-django turns it off), stored files in a scratch folder, the clock stopped at
    11:30 in Algiers (the door logs are played up to now: two seeds at one instant make the same
    rows, and by then the running events' ateliers have started and have places taken)."""
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    stopped = datetime.combine(timezone.localdate(timezone=ALGIERS), time(11, 30), tzinfo=ALGIERS)
    monkeypatch.setattr(timezone, "now", lambda: stopped)
    return tmp_path


def no_question(prompt=""):
    raise AssertionError(f"asked: {prompt}")


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def seed_everything():
    run("create_test_data")
    run("create_multi_event_data")
    run("create_multi_event_users")
    run("create_load_event", *LOAD)


def world():
    counts = {model._meta.label: model.objects.count() for model in DOMAIN_MODELS}
    counts["accounts.User"] = User.objects.count()
    return counts


def stored_files(root):
    return sorted(path for path in root.rglob("*") if path.is_file())


def test_reset_deletes_domain_data_and_accounts_but_keeps_superusers(
    development, monkeypatch, django_capture_on_commit_callbacks
):
    seed_everything()
    root = User.objects.create_superuser("root@makeplus.dz", password="x")
    kept_token = RefreshToken.for_user(root)
    member = User.objects.get(email="participant1@techsummit.dz")
    RefreshToken.for_user(member)
    RefreshToken.for_user(member).blacklist()
    assert [model for model in DOMAIN_MODELS if not model.objects.exists()] == []
    assert stored_files(development)  # exposant plans of the seeded events
    monkeypatch.setattr(builtins, "input", no_question)

    with django_capture_on_commit_callbacks(execute=True):
        output = run("reset_everything", "--yes")

    assert {label: n for label, n in world().items() if n} == {"accounts.User": 2}
    assert set(User.objects.values_list("email", flat=True)) == {"admin@makeplus.dz", "root@makeplus.dz"}
    assert list(OutstandingToken.objects.values_list("jti", flat=True)) == [kept_token["jti"]]
    assert not BlacklistedToken.objects.exists()
    assert stored_files(development) == []
    assert "Deleted 5 event(s)" in output and "2 superuser(s) kept" in output
    assert "events.RoomAccess" in output


def test_reset_asks_first_and_no_keeps_everything(monkeypatch):
    run("create_multi_event_data")
    before = world()
    prompts = []
    monkeypatch.setattr(builtins, "input", lambda prompt="": prompts.append(prompt) or "no")

    output = run("reset_everything")

    assert world() == before
    assert "3 event(s)" in prompts[0] and "21 account(s)" in prompts[0]
    assert "nothing was deleted" in output


def test_reset_answered_yes_deletes(monkeypatch):
    run("create_multi_event_data")
    monkeypatch.setattr(builtins, "input", lambda prompt="": "yes")

    run("reset_everything")

    assert not Event.objects.exists() and not User.objects.exists()


def test_reset_without_an_answer_deletes_nothing(monkeypatch):
    run("create_multi_event_data")
    before = world()

    def closed_input(prompt=""):
        raise EOFError

    monkeypatch.setattr(builtins, "input", closed_input)

    with pytest.raises(CommandError, match="--yes"):
        run("reset_everything")
    assert world() == before


def test_reset_refuses_when_debug_is_off_unless_forced(settings):
    run("create_multi_event_data")
    before = world()
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        run("reset_everything", "--yes")
    assert world() == before

    run("reset_everything", "--yes", "--force")
    assert not Event.objects.exists()


def test_reset_then_seed_gives_the_same_world_as_a_fresh_seed():
    run("create_multi_event_data")
    run("create_multi_event_users")
    fresh = world()

    run("reset_everything", "--yes")
    run("create_multi_event_data")
    run("create_multi_event_users")

    assert world() == fresh
    assert fresh["events.Event"] == 3 and fresh["accounts.User"] == 23


def test_recount_check_passes_after_seeding_and_after_reset():
    seed_everything()
    assert counters_disagreeing() == [] and rooms_disagreeing() == []
    assert "All counters agree" in run("recount", "--check")

    run("reset_everything", "--yes")

    assert "All counters agree" in run("recount", "--check")
