"""Reads served from a per-event versioned cache that is never stale (issue 22, item 3).

What is cached: the shared part of an event's programme, rooms (list), annonces, exposant directory and
e-posters (list and detail, GET 200 only), in the ``reads`` cache (Redis in production, this process's memory
by default), rendered once: a hit writes the caller's fields into the kept JSON.

* **Key**: event, resource (namespace), the caller's role, language, accepted media type, scheme, host and the
  full path with its query string as sent (pagination links repeat it). Under it: the version it was filled
  at, the body without the caller's fields, and what the merge needs.
* **Version**: one random token per (event, namespace), read *before* the database; a hit needs the stored
  version to equal the current one. Every write to a model whose rows appear in a body changes the token
  after its transaction commits (``REGISTRY`` below, by signal; bulk paths call :func:`changed`), so a
  rolled-back write changes nothing and a body read before a commit can only be stored under the old token.
* **Caller and live fields** are never cached: they are merged at each read, in at most one query (atelier
  registrations, read receipts, room occupancy changed by door scans without a save) or none (``is_mine``).
* **ETag**: a hash of the shared body's digest, the merged fields and the media type; ``If-None-Match``
  answers 304 without rendering. Clients revalidate (``Cache-Control: private, no-cache``); the request's own
  ``Cache-Control`` is ignored, the cache being never stale.
* Without Redis, bodies stay in each process's memory and versions are files that every process serving the
  database reads (``read_versions``: gunicorn's workers share them; several hosts need Redis).
* Redis unreachable (makeplus.cache.ResilientRedisCache degraded): reads go to the database. A token change
  lost to an outage lives at most ``READ_CACHE_SECONDS``, the lifetime of every entry.
"""

import hashlib
import json
import re
import time
import uuid
from functools import lru_cache

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.db.models import Min, Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.http import HttpResponseNotModified
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils import encoders

from makeplus.rows import column, db_value, table

SESSIONS, ROOMS, ANNONCES, EXPOSANTS, EPOSTERS = "sessions", "rooms", "annonces", "exposants", "eposters"
NAMESPACES = (SESSIONS, ROOMS, ANNONCES, EXPOSANTS, EPOSTERS)


def configured() -> bool:
    """Settings that name no ``reads`` cache (a test's own CACHES, say) turn the read cache off."""
    return "reads" in settings.CACHES


def store():
    return caches["reads"]


def versions():
    """Where versions live: with the bodies in Redis; without it, where every process of the host sees them."""
    return caches["read_versions"] if "read_versions" in settings.CACHES else store()


def _seconds() -> int:
    return getattr(settings, "READ_CACHE_SECONDS", 600)


def _version_key(event_id, namespace: str) -> str:
    return f"rc:v:{event_id}:{namespace}"


# --- invalidation --------------------------------------------------------------------------------------


def _bump(keys: list[str]) -> None:
    if not configured():
        return
    versions().set_many({key: uuid.uuid4().hex for key in keys}, timeout=None)


def changed(event_id, *namespaces: str) -> None:
    """The data of ``event_id`` behind ``namespaces`` (all when none named) changed in the current transaction:
    its cached bodies are dropped once it commits (at once outside a transaction; never if it rolls back)."""
    if event_id is None:
        return
    keys = [_version_key(event_id, namespace) for namespace in namespaces or NAMESPACES]
    conn = transaction.get_connection()
    if conn.in_atomic_block and getattr(conn.atomic_blocks[0], "_from_testcase", False):
        # A test's own transaction never commits (django.test.TestCase): what the code under test wrote is
        # final for it, so reads later in the same test must see it.
        _bump(keys)
    transaction.on_commit(lambda: _bump(keys))


@lru_cache(maxsize=8192)
def _event_of_session(session_id):
    from events.models import Session

    return Session.objects.filter(pk=session_id).values_list("event_id", flat=True).first()


def _session_event(access):
    session = access._state.fields_cache.get("session")
    return session.event_id if session is not None else _event_of_session(access.session_id)


def _annonce_authors_events(user):
    from annonces.models import Annonce

    return list(Annonce.objects.filter(created_by=user).values_list("event_id", flat=True).distinct())


# model label → (event id of an instance, namespaces its rows appear in). A session's room and a room's
# sessions show each other's fields; an assignment decides whether an exposant is listed (is_active).
REGISTRY = {
    "events.Event": (lambda event: event.pk, NAMESPACES),
    "events.Session": (lambda session: session.event_id, (SESSIONS, ROOMS)),
    "events.Room": (lambda room: room.event_id, (SESSIONS, ROOMS)),
    "events.SessionAccess": (_session_event, (SESSIONS,)),  # places_left (the caller's status is merged)
    "events.UserEventAssignment": (lambda assignment: assignment.event_id, (EXPOSANTS,)),
    "annonces.Annonce": (lambda annonce: annonce.event_id, (ANNONCES,)),
    "exposants.Exposant": (lambda exposant: exposant.event_id, (EXPOSANTS,)),
    "events.EPoster": (lambda poster: poster.event_id, (EPOSTERS,)),
}
# Door scans change Room.current_participants with an UPDATE (no signal): it is merged live, never cached.
# Read receipts (annonces.AnnonceRead) are merged live too: a read changes no shared body.


def _on_write(sender, instance, **kwargs):
    event_of, namespaces = REGISTRY[sender._meta.label]
    changed(event_of(instance), *namespaces)


def _on_user_saved(sender, instance, update_fields=None, **kwargs):
    # An annonce shows its author's name; a sign-in (last_login) changes no body.
    if update_fields is None or {"first_name", "last_name"} & set(update_fields):
        for event_id in _annonce_authors_events(instance):
            changed(event_id, ANNONCES)


def _on_user_deleted(sender, instance, **kwargs):
    for event_id in _annonce_authors_events(instance):  # their annonces lose their author (SET NULL)
        changed(event_id, ANNONCES)


def connect() -> None:
    from django.apps import apps
    from django.contrib.auth import get_user_model

    for label in REGISTRY:
        model = apps.get_model(label)
        uid = f"read_cache.{label}"
        post_save.connect(_on_write, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(_on_write, sender=model, dispatch_uid=f"{uid}.delete")
    user = get_user_model()
    post_save.connect(_on_user_saved, sender=user, dispatch_uid="read_cache.user.save")
    pre_delete.connect(_on_user_deleted, sender=user, dispatch_uid="read_cache.user.delete")
    for field in apps.get_model("events.Session")._meta.many_to_many:  # none today; any later one shows
        m2m_changed.connect(_on_write_m2m, sender=field.remote_field.through, dispatch_uid=f"read_cache.{field}")


def _on_write_m2m(sender, instance, action, **kwargs):
    if action.startswith("post_"):
        _on_write(type(instance), instance)


# --- what each resource caches and merges ---------------------------------------------------------------


class Resource:
    """A resource's cached reads. ``cacheable`` says whether this request may use the cache; at a fill,
    ``shared`` turns the caller's body into the shared one (in place) and returns what ``merge`` needs;
    ``caller`` is the caller's and live part (hashable, at most one query); ``merge`` puts it back."""

    namespace: str
    merged: tuple = ("id",)  # the fields merge reads or writes (each but id is left out of the kept JSON)
    etag = True  # False where the body changes without a write (signed links)

    def cacheable(self, view) -> bool:
        return True

    def caller(self, view):
        return None

    def shared(self, view, items, objects):
        return None

    def merge(self, view, items, side, caller) -> None:
        pass

    def valid_until(self, view, now):
        return None  # only writes change the body


class Sessions(Resource):
    """``my_access_status`` is the caller's; a paid atelier's stream shows to the team and to who paid."""

    namespace = SESSIONS
    _STREAM = ("youtube_live_url", "youtube_video_id", "youtube_embed_url")
    merged = ("id", "my_access_status", *_STREAM)

    def caller(self, view):
        from events.models import Participant, SessionAccess

        # The ORM twin: SessionAccess.objects.filter(participant__user=user, participant__event=event)
        # (the selector's my_access_status), by hand: compiling it cost more than running it.
        sql = (
            f"SELECT a.{column(SessionAccess, 'session')}, a.{column(SessionAccess, 'status')}"
            f" FROM {table(SessionAccess)} a JOIN {table(Participant)} p"
            f" ON p.{column(Participant, 'id')} = a.{column(SessionAccess, 'participant')}"
            f" WHERE p.{column(Participant, 'user')} = %s AND p.{column(Participant, 'event')} = %s"
        )
        params = [view.request.user.pk, db_value(Participant, "event", view.assignment.event_id)]
        return tuple(sorted((_text(session), status) for session, status in _rows(sql, params)))

    def _hides_streams(self, view) -> bool:
        from events.roles import TEAM

        return view.assignment.role not in TEAM

    def shared(self, view, items, objects):
        from events.youtube import youtube_embed_url, youtube_video_id

        streams = {}
        hides = self._hides_streams(view)
        for item, session in zip(items, objects, strict=True):
            item["my_access_status"] = None
            if hides and session.is_paid and session.youtube_live_url:
                video = youtube_video_id(session.youtube_live_url)
                streams[str(session.pk)] = (session.youtube_live_url, video, video and youtube_embed_url(video))
                for field in self._STREAM:
                    item[field] = None
        return streams

    def merge(self, view, items, streams, caller):
        from events.models import SessionAccess

        statuses = dict(caller)
        for item in items:
            status = statuses.get(str(item["id"]))
            item["my_access_status"] = status
            if status == SessionAccess.Status.PAID and str(item["id"]) in streams:
                item.update(zip(self._STREAM, streams[str(item["id"])], strict=True))


class Rooms(Resource):
    """``current_participants`` (and the occupancy made from it) is live: door scans change it by UPDATE."""

    namespace = ROOMS
    merged = ("id", "capacity", "current_participants", "occupancy_percentage")

    def cacheable(self, view):
        return "current_participants" not in view.request.query_params.get("ordering", "")

    def caller(self, view):
        from events.models import Room

        sql = (
            f"SELECT {column(Room, 'id')}, {column(Room, 'current_participants')} FROM {table(Room)}"
            f" WHERE {column(Room, 'event')} = %s"
        )
        rows = _rows(sql, [db_value(Room, "event", view.assignment.event_id)])
        return tuple(sorted((_text(pk), count) for pk, count in rows))

    def merge(self, view, items, side, caller):
        live = dict(caller)
        for item in items:
            count = live.get(str(item["id"]), item["current_participants"])
            capacity = item["capacity"]
            item["current_participants"] = count
            item["occupancy_percentage"] = round(100 * count / capacity, 1) if capacity else 0.0  # Room's rule


class Annonces(Resource):
    """Members' feeds, by role; ``is_read`` is the caller's. Not cached: the organisateurs' view (read
    statistics move with every member's read), the ``is_read`` filter, and a member who wrote annonces
    (its own are in its feed)."""

    namespace = ANNONCES
    merged = ("id", "is_read")

    def cacheable(self, view):
        from events.roles import Role

        return view.assignment.role != Role.ORGANISATEUR and "is_read" not in view.request.query_params

    def caller(self, view):
        from annonces.models import Annonce, AnnonceRead

        # The caller's read receipts (the selector's is_read) and the annonces it wrote, by hand.
        sql = (
            f"SELECT r.{column(AnnonceRead, 'annonce')}, 0 FROM {table(AnnonceRead)} r"
            f" JOIN {table(Annonce)} a ON a.{column(Annonce, 'id')} = r.{column(AnnonceRead, 'annonce')}"
            f" WHERE r.{column(AnnonceRead, 'user')} = %s AND a.{column(Annonce, 'event')} = %s"
            f" UNION ALL SELECT {column(Annonce, 'id')}, 1 FROM {table(Annonce)}"
            f" WHERE {column(Annonce, 'created_by')} = %s AND {column(Annonce, 'event')} = %s"
        )
        user, event = view.request.user.pk, db_value(Annonce, "event", view.assignment.event_id)
        rows = _rows(sql, [user, event, user, event])
        if any(kind == 1 for _pk, kind in rows):
            return BYPASS
        return tuple(sorted(_text(pk) for pk, _kind in rows))

    def shared(self, view, items, objects):
        for item in items:
            item["is_read"] = False

    def merge(self, view, items, side, caller):
        read = set(caller)
        for item in items:
            item["is_read"] = str(item["id"]) in read

    def valid_until(self, view, now):
        from annonces.models import Annonce

        # The feed moves when an annonce's publish or expiry time passes.
        bounds = Annonce.objects.filter(event=view.assignment.event).aggregate(
            publish=Min("publish_at", filter=Q(publish_at__gt=now)),
            expire=Min("expires_at", filter=Q(expires_at__gt=now)),
        )
        times = [moment.timestamp() for moment in bounds.values() if moment is not None]
        return min(times) if times else None


class Exposants(Resource):
    """``is_mine`` is the caller's: merged from the owners kept beside the body, without a query."""

    namespace = EXPOSANTS
    merged = ("id", "is_mine")

    def shared(self, view, items, objects):
        owners = {}
        for item, exposant in zip(items, objects, strict=True):
            owners[str(item["id"])] = exposant.user_id
            item["is_mine"] = False
        return owners

    def merge(self, view, items, owners, caller):
        for item in items:
            item["is_mine"] = owners.get(str(item["id"])) == view.request.user.pk


class _StoredFile:
    """A stored file's name standing in for its FieldFile (what makeplus.signed_files reads of it)."""

    def __init__(self, name: str):
        self.name = name

    def __bool__(self):
        return bool(self.name)


class EPosters(Resource):
    """File fields read as signed links that expire: made at each read (no query), never cached. The body
    changes with each link, so it has no ETag."""

    namespace = EPOSTERS
    merged = ("id", "file", "thumbnail")
    etag = False
    _FILES = (("file", ""), ("thumbnail", "-thumbnail"))

    def shared(self, view, items, objects):
        from events.serializers.eposters import download_name

        files = {}
        for item, poster in zip(items, objects, strict=True):
            stored = {}
            for field, stem in self._FILES:
                value = getattr(poster, field)
                stored[field] = (value.name, download_name(poster, value, stem)) if value else None
                item[field] = None
            files[str(item["id"])] = stored
        return files

    def merge(self, view, items, files, caller):
        from events.serializers.eposters import signed_url

        for item in items:
            for field, stored in files[str(item["id"])].items():
                if stored is not None:
                    item[field] = signed_url(view.request, _StoredFile(stored[0]), filename=stored[1])


def _rows(sql: str, params) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _text(value) -> str:
    """A UUID as the API writes it (SQLite hands back its 32 hex digits)."""
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


BYPASS = object()  # a caller part saying: this caller's body is not the shared one, read the database


# --- serving -----------------------------------------------------------------------------------------------


def _digest(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, cls=encoders.JSONEncoder).encode()).hexdigest()


def _key(view, resource: Resource) -> str:
    request = view.request
    variant = (
        view.assignment.role,
        translation.get_language(),
        request.accepted_media_type,
        request.scheme,
        request.get_host(),
        request.get_full_path(),
    )
    return f"rc1:{view.assignment.event.pk}:{resource.namespace}:{_digest(*variant)}"  # rc1: this entry format


def _items(data, many: bool) -> list:
    if not many:
        return [data]
    return data["results"] if isinstance(data, dict) and "results" in data else data


def _fill(view, many: bool):
    """The uncached read (as DRF's list/retrieve), with the objects it serialized."""
    if many:
        queryset = view.filter_queryset(view.get_queryset())
        page = view.paginate_queryset(queryset)
        objects = list(page if page is not None else queryset)
        data = view.get_serializer(objects, many=True).data
        return (view.get_paginated_response(data) if page is not None else Response(data)), objects
    instance = view.get_object()
    return Response(view.get_serializer(instance).data), [instance]


def _finish(response, etag: str | None):
    if etag is not None:
        response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Authorization", "Accept-Language"])
    return response


def _usable(view, resource: Resource) -> bool:
    if not getattr(settings, "READ_CACHE_ENABLED", True) or not configured():
        return False
    degraded = getattr(store(), "degraded", False) or getattr(versions(), "degraded", False)
    renderer = view.request.accepted_renderer
    # Kept rendered: JSON as the renderer writes it by default (no indent asked; not the browsable API).
    plain_json = isinstance(renderer, JSONRenderer) and view.request.accepted_media_type == renderer.media_type
    return plain_json and not degraded and resource.cacheable(view)


def serve(view, resource: Resource, *, many: bool, uncached):
    """The GET of a list (``many``) or a detail: from the cache when it holds this body's shared part, else
    from ``uncached()`` (the view's own read) filling it. 304 on a matching ``If-None-Match``."""
    if not _usable(view, resource):
        return _finish(uncached(), None)
    cache, versions_cache = store(), versions()
    event_id = view.assignment.event.pk
    version_key, key = _version_key(event_id, resource.namespace), _key(view, resource)
    if versions_cache is cache:
        found = cache.get_many([version_key, key])  # one round trip, before the database
    else:
        found = {version_key: versions_cache.get(version_key), key: cache.get(key)}
    version = found.get(version_key)
    if version is None:
        versions_cache.add(version_key, uuid.uuid4().hex, timeout=None)
        version = versions_cache.get(version_key)
    caller = resource.caller(view)
    if caller is BYPASS or version is None:
        return _finish(uncached(), None)
    entry = found.get(key)
    now = time.time()
    if entry is None or entry["version"] != version or (entry["until"] is not None and now >= entry["until"]):
        until = resource.valid_until(view, timezone.now())  # before the read: a bound passing during it counts
        response, objects = _fill(view, many)
        if response.status_code != 200:
            return response
        entry = {"version": version, "until": until, **_shared_body(view, resource, response.data, many, objects)}
        cache.set(key, entry, timeout=_seconds())
    etag = None
    if resource.etag:
        etag = f'"{_digest(entry["digest"], caller, view.request.accepted_media_type)[:40]}"'
    if etag is not None and etag in _if_none_match(view.request):
        return _finish(HttpResponseNotModified(), etag)
    items = entry["items"]
    resource.merge(view, items, entry["side"], caller)
    dumps = _scalar_dumps(view.request.accepted_renderer)
    parts, slots = entry["parts"], entry["slots"]
    content = [parts[0]]
    for (index, field), part in zip(slots, parts[1:], strict=True):
        content += (dumps(items[index][field]), part)
    return _finish(_Rendered(b"".join(content)), etag)


def _shared_body(view, resource: Resource, data, many: bool, objects) -> dict:
    """The body rendered once without the caller's fields: the JSON around them (``parts``), where each goes
    (``slots``: item, field), the fields ``merge`` reads and writes (``items``), its ``side`` data and digest."""
    items = _items(data, many)
    side = resource.shared(view, items, objects)
    digest = _digest(data, side)  # what merge may reveal (a paid stream) is part of the body too
    kept = [{field: item[field] for field in resource.merged if field in item} for item in items]
    nonce, slots = uuid.uuid4().hex, []
    for index, item in enumerate(items):
        for field in resource.merged:
            if field in item and field != "id":
                item[field] = f"{nonce}:{len(slots)}"
                slots.append((index, field))
    request = view.request
    content = request.accepted_renderer.render(data, request.accepted_media_type, view.get_renderer_context())
    pieces = re.split(rb'"' + nonce.encode() + rb':(\d+)"', content)
    order = [slots[int(number)] for number in pieces[1::2]]  # as rendered (an item's own key order)
    return {"parts": pieces[::2], "slots": order, "items": kept, "side": side, "digest": digest}


def _scalar_dumps(renderer):
    """One value as ``renderer`` writes it inside a body (rest_framework.renderers.JSONRenderer.render)."""

    written = {}  # most values repeat (null, false, a status): each written once

    def write(value) -> bytes:
        text = json.dumps(
            value, cls=renderer.encoder_class, ensure_ascii=renderer.ensure_ascii, allow_nan=not renderer.strict
        )
        return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()

    def dumps(value) -> bytes:
        if isinstance(value, dict | list):
            return write(value)
        key = (type(value), value)  # True == 1, but they are written differently
        if key not in written:
            written[key] = write(value)
        return written[key]

    return dumps


class _Rendered(Response):
    """A body already rendered (DRF's Response sets the same headers)."""

    def __init__(self, content: bytes):
        super().__init__()
        self._prerendered = content

    @property
    def rendered_content(self):
        renderer = self.accepted_renderer
        self["Content-Type"] = (
            f"{renderer.media_type}; charset={renderer.charset}" if renderer.charset else renderer.media_type
        )
        return self._prerendered


def _if_none_match(request) -> set:
    header = request.headers.get("If-None-Match", "")
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


class CachedReads:
    """For an event-scoped viewset: ``list`` and ``retrieve`` served by :func:`serve` for ``read_resource``."""

    read_resource: Resource

    def list(self, request, *args, **kwargs):
        return serve(self, self.read_resource, many=True, uncached=lambda: super(CachedReads, self).list(request))

    def retrieve(self, request, *args, **kwargs):
        return serve(self, self.read_resource, many=False, uncached=lambda: super(CachedReads, self).retrieve(request))
