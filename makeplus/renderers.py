"""The API's JSON renderer: one date-time format everywhere (README "API conventions").

Serializer fields write date-times in the server's zone (Africa/Algiers, ``+01:00``); answers built as dicts
(login, dashboard, statistics) carried UTC values that DRF's encoder wrote with ``Z``. Here every aware
date-time left in the data is written like a serializer field writes it.
"""

from datetime import datetime

from django.utils import timezone
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder as DRFJSONEncoder


class JSONEncoder(DRFJSONEncoder):
    def default(self, obj):
        if isinstance(obj, datetime) and timezone.is_aware(obj):
            return timezone.localtime(obj).isoformat()
        return super().default(obj)


class JSONRenderer(renderers.JSONRenderer):
    encoder_class = JSONEncoder
