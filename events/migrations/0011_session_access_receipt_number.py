# Issue 20 (back office cash desk): the receipt number of a payment recorded at the desk.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0010_registration_data_and_acceptance"),
    ]

    operations = [
        migrations.AddField(
            model_name="sessionaccess",
            name="receipt_number",
            field=models.CharField(blank=True, max_length=50, verbose_name="receipt number"),
        ),
    ]
