"""The job queue: states, progress, claims and retries (makeplus/jobs.py), and its API per role."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from conftest import assert_same_queries, error_codes
from events.roles import Role
from makeplus.errors import AppError
from makeplus.jobs import job, once, run_in_process, run_job, start_job
from makeplus.models import Job, JobItem

pytestmark = pytest.mark.django_db

# --- job kinds used by these tests (registered like any application's) ------------------------------
WORK_DONE: list = []  # (job id, item) for every unit of work that ran


@job("test_count")
def count_to(current, progress):
    """Counts to params["n"], one recorded unit per number; fails on attempt < params["fail_until"]
    after params["fail_after"] units (a crash mid-way)."""
    n = current.params["n"]
    progress(0, total=n)
    for i in range(n):
        if i == current.params.get("fail_after") and current.attempts < current.params.get("fail_until", 0):
            raise ConnectionError("the SMTP server went away")
        once(current, f"item:{i}", lambda i=i: WORK_DONE.append((current.pk, i)))
        progress(i + 1)
    return {"counted": n}


@job("test_refuse")
def refuse(current, progress):
    raise AppError("Column 'email' is missing.", "invalid_file")


@job("test_file")
def make_file(current, progress):
    current.result_file.save("report.csv", ContentFile(b"a,b\n1,2\n"), save=False)
    return {"filename": "report.csv"}


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Result files (badge PDFs) go to a temporary MEDIA_ROOT, not the developer's media/."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _forget_work():
    WORK_DONE.clear()


def units(job_):
    return sorted(i for job_id, i in WORK_DONE if job_id == job_.pk)


# --- starting -------------------------------------------------------------------------------------


def test_start_job_enqueues_after_commit_and_runs_in_process(event_a, organisateur, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = start_job(kind="test_count", event=event_a, created_by=organisateur.user, params={"n": 3})
    created.refresh_from_db()
    assert (created.status, created.progress, WORK_DONE) == ("pending", 0, [])  # nothing before the commit
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: no broker configured, the job runs here
    created.refresh_from_db()
    assert (created.status, created.progress, created.total, created.result) == ("done", 3, 3, {"counted": 3})
    assert (created.attempts, created.error) == (1, "")
    assert created.started_at <= created.finished_at
    assert units(created) == [0, 1, 2]


def test_a_rolled_back_transaction_starts_nothing(event_a, organisateur, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        start_job(kind="test_count", event=event_a, created_by=organisateur.user, params={"n": 3})
        raise RuntimeError
    assert (callbacks, Job.objects.count(), WORK_DONE) == ([], 0, [])


def test_unknown_kind_is_refused(event_a):
    with pytest.raises(ValueError):
        start_job(kind="no_such_kind", event=event_a, created_by=None)


# --- running once ----------------------------------------------------------------------------------


def test_a_job_runs_once(event_a):
    created = Job.objects.create(kind="test_count", event=event_a, params={"n": 2})
    assert run_job(created.pk).status == "done"
    assert run_job(created.pk).status == "skipped"  # a duplicated or redelivered task
    assert units(created) == [0, 1]
    assert Job.objects.get(pk=created.pk).attempts == 1


def test_a_running_job_is_not_taken_over_while_its_worker_is_alive(event_a):
    created = Job.objects.create(
        kind="test_count", event=event_a, params={"n": 2}, status="running", heartbeat_at=timezone.now()
    )
    assert run_job(created.pk).status == "skipped"
    assert WORK_DONE == []


def test_a_dead_workers_job_is_resumed_without_redoing_its_units(event_a, settings):
    settings.JOB_LEASE_SECONDS = 60
    created = Job.objects.create(
        kind="test_count",
        event=event_a,
        params={"n": 4},
        status="running",
        attempts=1,
        heartbeat_at=timezone.now() - timedelta(seconds=61),
    )
    JobItem.objects.bulk_create([JobItem(job=created, key="item:0"), JobItem(job=created, key="item:1")])
    assert run_job(created.pk).status == "done"
    assert units(created) == [2, 3]  # the dead worker's units are not done again
    created.refresh_from_db()
    assert (created.status, created.attempts, created.progress, created.total) == ("done", 2, 4, 4)


@pytest.fixture
def english_user():
    from accounts.tests.factories import UserFactory

    return UserFactory(language="en")


def test_a_failed_attempt_is_retried_and_resumes(event_a, english_user):
    created = Job.objects.create(
        kind="test_count",
        event=event_a,
        created_by=english_user,
        params={"n": 5, "fail_after": 3, "fail_until": 2},
    )
    outcome = run_job(created.pk, final=False)
    assert (outcome.status, outcome.retry, type(outcome.exception)) == ("pending", True, ConnectionError)
    created.refresh_from_db()
    assert (created.status, created.progress, created.attempts) == ("pending", 3, 1)
    assert created.error == "Attempt 1 failed; the job will be retried."
    assert run_job(created.pk, final=False).status == "done"
    assert units(created) == [0, 1, 2, 3, 4]  # every unit exactly once
    assert JobItem.objects.filter(job=created).count() == 5


def test_retries_are_bounded(event_a, settings, english_user):
    settings.JOB_MAX_RETRIES = 2
    created = Job.objects.create(
        kind="test_count",
        event=event_a,
        created_by=english_user,
        params={"n": 5, "fail_after": 1, "fail_until": 99},
    )
    assert run_in_process(created.pk) == "failed"
    created.refresh_from_db()
    assert (created.status, created.attempts, created.progress) == ("failed", 3, 1)
    assert created.error == "The job failed after 3 attempts."
    assert units(created) == [0]


def test_job_messages_are_in_the_language_of_who_started_it(event_a):
    from django.utils import translation

    from accounts.tests.factories import UserFactory

    created = Job.objects.create(
        kind="test_count",
        event=event_a,
        created_by=UserFactory(language="ar"),
        params={"n": 5, "fail_after": 1, "fail_until": 99},
    )
    run_job(created.pk, final=True)
    created.refresh_from_db()
    with translation.override("ar"):
        assert created.error == translation.gettext("The job failed after %(attempts)s attempts.") % {"attempts": 1}


def test_bad_input_fails_at_once_with_its_message(event_a):
    created = Job.objects.create(kind="test_refuse", event=event_a)
    assert run_in_process(created.pk) == "failed"
    created.refresh_from_db()
    assert (created.status, created.attempts, created.error) == ("failed", 1, "Column 'email' is missing.")


def test_once_leaves_no_record_when_the_work_fails(event_a):
    created = Job.objects.create(kind="test_count", event=event_a)

    def boom():
        raise OSError("connection reset")

    with pytest.raises(OSError):
        once(created, "participant:1", boom)
    assert not JobItem.objects.filter(job=created).exists()
    assert once(created, "participant:1", lambda: None) is True
    assert once(created, "participant:1", lambda: pytest.fail("ran twice")) is False


# --- API -------------------------------------------------------------------------------------------


def finished_file_job(event, user=None) -> Job:
    created = Job.objects.create(kind="test_file", event=event, created_by=user)
    run_job(created.pk)
    return Job.objects.get(pk=created.pk)


def test_organisateur_reads_its_events_jobs(organisateur, event_a):
    created = Job.objects.create(kind="test_count", event=event_a, params={"n": 4}, created_by=organisateur.user)
    run_job(created.pk)
    response = organisateur.client.get("/api/jobs/")
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert {key: row[key] for key in ("id", "kind", "status", "progress", "total", "percent", "result", "error")} == {
        "id": str(created.pk),
        "kind": "test_count",
        "status": "done",
        "progress": 4,
        "total": 4,
        "percent": 100,
        "result": {"counted": 4},
        "error": "",
    }
    assert row["created_by"] == {"id": organisateur.user.pk, "email": organisateur.user.email}
    assert row["download_url"] is None
    assert row["created_at"].endswith("+01:00")
    detail = organisateur.client.get(f"/api/jobs/{created.pk}/")
    assert (detail.status_code, detail.json()["id"]) == (200, str(created.pk))


def test_pending_job_progress_percent(organisateur, event_a):
    created = Job.objects.create(kind="test_count", event=event_a, status="running", progress=50, total=200)
    assert organisateur.client.get(f"/api/jobs/{created.pk}/").json()["percent"] == 25


@pytest.mark.parametrize(
    "role", [Role.GESTIONNAIRE_DES_SALLES, Role.CONTROLLEUR_DES_BADGES, Role.PARTICIPANT, Role.EXPOSANT]
)
def test_other_roles_are_refused(member, event_a, role):
    created = finished_file_job(event_a)
    client = member(role, event_a).client
    for url in ("/api/jobs/", f"/api/jobs/{created.pk}/", f"/api/jobs/{created.pk}/download/"):
        response = client.get(url)
        assert (response.status_code, error_codes(response)) == (403, ["insufficient_role"])


def test_anonymous_is_refused(api_client, event_a):
    created = finished_file_job(event_a)
    assert api_client.get(f"/api/jobs/{created.pk}/").status_code == 401


def test_another_events_job_is_not_found(organisateur, event_b):
    other = finished_file_job(event_b)
    assert organisateur.client.get("/api/jobs/").json()["results"] == []
    for url in (f"/api/jobs/{other.pk}/", f"/api/jobs/{other.pk}/download/"):
        response = organisateur.client.get(url)
        assert (response.status_code, error_codes(response)) == (404, ["not_found"])


def test_malformed_job_id_is_not_found(organisateur):
    for bad in ("123", "not-a-uuid", "00000000-0000-0000-0000-00000000000g", "----------------------------------"):
        response = organisateur.client.get(f"/api/jobs/{bad}/")
        assert response.status_code == 404, bad
        assert response.json()["errors"][0]["code"] == "not_found"


def test_download_result_file(organisateur, event_a):
    created = finished_file_job(event_a, organisateur.user)
    response = organisateur.client.get(f"/api/jobs/{created.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"a,b\n1,2\n"
    assert response["Content-Disposition"] == 'attachment; filename="report.csv"'
    assert response["Cache-Control"] == "private, no-store"
    assert created.result_file.name.startswith("jobs/results/") and "report" not in created.result_file.name
    # The signed link works without the JWT.
    url = organisateur.client.get(f"/api/jobs/{created.pk}/").json()["download_url"]
    assert url.startswith("http://testserver/api/files/")
    from rest_framework.test import APIClient

    signed = APIClient().get(url)
    assert (signed.status_code, b"".join(signed.streaming_content)) == (200, b"a,b\n1,2\n")


def test_download_before_the_end_is_a_conflict(organisateur, event_a):
    created = Job.objects.create(kind="test_file", event=event_a)
    response = organisateur.client.get(f"/api/jobs/{created.pk}/download/")
    assert (response.status_code, error_codes(response)) == (409, ["job_not_finished"])


def test_download_without_file_is_not_found(organisateur, event_a):
    created = Job.objects.create(kind="test_count", event=event_a, params={"n": 1})
    run_job(created.pk)
    response = organisateur.client.get(f"/api/jobs/{created.pk}/download/")
    assert (response.status_code, error_codes(response)) == (404, ["file_not_found"])


def test_jobs_are_read_only(organisateur, event_a):
    created = finished_file_job(event_a)
    for method in ("post", "patch", "put", "delete"):
        response = getattr(organisateur.client, method)(f"/api/jobs/{created.pk}/", {}, format="json")
        assert response.status_code == 405, method


def test_job_list_query_count(organisateur, event_a):
    from accounts.tests.factories import UserFactory

    Job.objects.create(kind="test_count", event=event_a, created_by=organisateur.user)

    def add_rows():
        for _ in range(3):
            Job.objects.create(kind="test_count", event=event_a, created_by=UserFactory())

    assert_same_queries(lambda: organisateur.client.get("/api/jobs/"), add_rows)


def test_list_filters_by_status(organisateur, event_a):
    Job.objects.create(kind="test_count", event=event_a, status="failed")
    Job.objects.create(kind="test_count", event=event_a)
    response = organisateur.client.get("/api/jobs/?status=failed")
    assert [row["status"] for row in response.json()["results"]] == ["failed"]
    bad = organisateur.client.get("/api/jobs/?status=bogus")
    assert bad.status_code == 400


# --- admin -------------------------------------------------------------------------------------------


def test_admin_lists_jobs_and_serves_the_result(organisateur_admin, event_a, event_b):
    mine = finished_file_job(event_a)
    other = finished_file_job(event_b)
    page = organisateur_admin.client.get("/admin/makeplus/job/")
    assert page.status_code == 200
    assert f"/admin/makeplus/job/{mine.pk}/download/" in page.content.decode()
    assert str(other.pk) not in page.content.decode()
    download = organisateur_admin.client.get(f"/admin/makeplus/job/{mine.pk}/download/")
    assert (download.status_code, b"".join(download.streaming_content)) == (200, b"a,b\n1,2\n")
    assert organisateur_admin.client.get(f"/admin/makeplus/job/{other.pk}/download/").status_code == 404
    assert organisateur_admin.client.get(f"/admin/makeplus/job/{mine.pk}/change/").status_code == 200
