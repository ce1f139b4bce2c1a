# Issue 20 (back office): a badge revoked without a replacement.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0011_session_access_receipt_number"),
    ]

    operations = [
        migrations.AddField(
            model_name="participant",
            name="badge_revoked_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="badge revoked at"),
        ),
    ]
