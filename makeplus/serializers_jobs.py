"""The job queue's API shapes (makeplus/views_jobs.py)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.models import Participant
from makeplus.models import Job
from makeplus.signed_files import signed_file_url

# A whole event's badges open its doors: the link handed out with the job is short-lived (the
# organisateur reads the job again for a fresh one).
DOWNLOAD_LINK_MINUTES = 30


class JobSerializer(serializers.ModelSerializer):
    """A job's state: ``progress`` of ``total`` units done, ``result`` (counts, file name) when done,
    ``error`` (a localised message) when failed, ``download_url`` (a short-lived signed link, no
    Authorization needed) when its result is a file."""

    percent = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "total",
            "percent",
            "result",
            "error",
            "attempts",
            "params",
            "download_url",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_percent(self, job) -> int:
        if job.status == Job.Status.DONE:
            return 100
        return min(100, job.progress * 100 // job.total) if job.total else 0

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, job) -> str | None:
        request = self.context.get("request")
        if request is None or job.status != Job.Status.DONE or not job.result_file:
            return None
        return signed_file_url(request, job.result_file, minutes=DOWNLOAD_LINK_MINUTES, filename=download_name(job))

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"id": {"type": "integer"}, "email": {"type": "string", "format": "email"}},
            "required": ["id", "email"],
        }
    )
    def get_created_by(self, job):
        user = job.created_by
        return None if user is None else {"id": user.pk, "email": user.email}


def download_name(job: Job) -> str:
    """The name a result file is saved under (stored files have generated names)."""
    name = (job.result or {}).get("filename")
    if isinstance(name, str) and name:
        return name
    return f"{job.kind}-{job.pk}{'.' + job.result_file.name.rsplit('.', 1)[-1] if '.' in job.result_file.name else ''}"


class BadgeJobRequestSerializer(serializers.Serializer):
    """Optional filter of the whole-event badge jobs: only participants or only exposants."""

    kind = serializers.ChoiceField(choices=Participant.Kind.choices, required=False, allow_null=True)


class SendBadgeResponseSerializer(serializers.Serializer):
    participant_id = serializers.IntegerField()
    email = serializers.EmailField()
    sent = serializers.BooleanField(allow_null=True, help_text="True once the mail server took the message.")
