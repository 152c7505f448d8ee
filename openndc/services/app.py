"""The ASGI application: fdsnws-station, -dataselect and -event under ``/fdsnws/...``.

:func:`create_app` builds a FastAPI application over a bulletin database, an SDS archive
and an inventory. Each service answers ``query`` (GET; POST for station and dataselect),
``version`` and ``application.wadl``; errors are FDSN error documents (plain text: code,
reason, details, the request, its time and the service version) with the status codes
of the specification: 400 bad request, 413 request too large, 204 or 404 (``nodata``)
when nothing matches, 500 for the server's own failures.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse
from obspy import UTCDateTime
from obspy import read_inventory as obspy_read_inventory
from obspy.core.inventory import Inventory
from starlette.concurrency import run_in_threadpool

from openndc import __version__
from openndc.archive import SDSArchive
from openndc.bulletin import BulletinStore
from openndc.inventory import read_inventory, to_obspy_inventory
from openndc.model.config import field_
from openndc.model.errors import OpenNDCError
from openndc.services.dataselect import RecordIndex, select_records, stream_records
from openndc.services.event import event_catalog, event_text, select_events
from openndc.services.params import (
    DATASELECT_PARAMS,
    EVENT_PARAMS,
    STATION_PARAMS,
    BulkLine,
    FDSNRequestError,
    Param,
    parse_bulk,
    parse_query,
)
from openndc.services.station import select_inventory, write_station
from openndc.services.wadl import POST_BODY, openapi_parameters, wadl_document

__all__ = ["SERVICE_VERSIONS", "ServiceConfig", "create_app", "load_service_inventory"]

log = logging.getLogger(__name__)

#: Versions answered by ``/version`` (FDSN Web Service Specifications 1.2).
SERVICE_VERSIONS = {"station": "1.1.0", "dataselect": "1.1.0", "event": "1.2.0"}

_SPEC_URL = "https://www.fdsn.org/webservices/"


@dataclass(frozen=True)
class ServiceConfig:
    """Limits and names of the FDSN services."""

    max_dataselect_bytes: int = field_(
        512_000_000, unit="byte", help="largest miniSEED answer; larger requests get 413"
    )
    max_request_lines: int = field_(1000, help="most lines in a POST request (413 above)")
    max_dataselect_span_days: float = field_(
        400.0, unit="day", help="longest time window of one dataselect line (413 above)"
    )
    max_events: int = field_(20000, help="most events in one event answer (413 above)")
    catalog: str = field_("OpenNDC", help="catalog name of fdsnws-event")
    agency: str = field_("OpenNDC", help="agency (author, contributor) of fdsnws-event")


def load_service_inventory(source: str | Path) -> Inventory:
    """An ObsPy inventory for fdsnws-station: a StationXML file as it is (responses kept),
    or any inventory OpenNDC reads (CSS3.0 site table, ``kz``) converted to StationXML."""
    path = Path(source)
    if path.is_file():
        with path.open("rb") as fh:
            head = fh.read(2048)
        if b"FDSNStationXML" in head:
            try:
                inv = obspy_read_inventory(str(path), format="STATIONXML")
            except Exception as exc:  # ObsPy raises many kinds on a bad file
                raise OpenNDCError(f"{path}: cannot read StationXML: {exc}") from exc
            return inv
    return to_obspy_inventory(read_inventory(str(source)))


def _error_text(code: int, detail: str, request: Request, service: str) -> str:
    reason = {
        204: "No Content",
        400: "Bad Request",
        404: "Not Found",
        413: "Request Entity Too Large",
        500: "Internal Server Error",
    }.get(code, "Error")
    return (
        f"Error {code}: {reason}\n\n{detail}\n\n"
        f"Usage details are available from {request.base_url}fdsnws/{service}/1/\n\n"
        f"Request:\n{request.url}\n\n"
        f"Request Submitted:\n{UTCDateTime().strftime('%Y-%m-%dT%H:%M:%S.%f')}\n\n"
        f"Service version:\n{SERVICE_VERSIONS.get(service, '')}\n"
    )


def _error(code: int, detail: str, request: Request, service: str) -> Response:
    return PlainTextResponse(_error_text(code, detail, request, service), status_code=code)


def _nodata(q: dict[str, Any] | None, request: Request, service: str) -> Response:
    code = 404 if q is not None and q.get("nodata") == "404" else 204
    if code == 204:
        return Response(status_code=204)
    return _error(404, "No data match the selection.", request, service)


class _Services:
    """The state the handlers share: database, archive, inventory, limits."""

    def __init__(
        self,
        db_url: str,
        archive_dir: str | Path,
        inventory: Inventory | str | Path,
        config: ServiceConfig,
    ) -> None:
        self.config = config
        self.store = BulletinStore(db_url)
        self.archive = SDSArchive(archive_dir)
        if isinstance(inventory, Inventory):
            self.inventory = inventory
            self.inventory_updated_ns = UTCDateTime().ns
        else:
            self.inventory = load_service_inventory(inventory)
            p = Path(inventory)
            self.inventory_updated_ns = p.stat().st_mtime_ns if p.is_file() else UTCDateTime().ns
        self.index = RecordIndex()

    # -- station ---------------------------------------------------------------------------
    def station(self, q: dict[str, Any], lines: list[BulkLine] | None) -> tuple[bytes, str] | None:
        inv = self._station_inventory(q, lines)
        if not inv.networks:
            return None
        return write_station(inv, q["format"], q["level"])

    def _station_inventory(self, q: dict[str, Any], lines: list[BulkLine] | None) -> Inventory:
        def has_data(net: str, sta: str, loc: str, cha: str) -> bool:
            return bool(self.archive.streams(q["starttime"], q["endtime"], net, sta, loc, cha))

        if lines is None:
            return select_inventory(
                self.inventory, q, updated_ns=self.inventory_updated_ns, has_data=has_data
            )
        merged = Inventory(networks=[], source=self.inventory.source)
        for line in lines:
            lq = dict(
                q,
                network=line.network,
                station=line.station,
                location=line.location,
                channel=line.channel,
                starttime=line.start,
                endtime=line.end,
            )
            part = select_inventory(
                self.inventory, lq, updated_ns=self.inventory_updated_ns, has_data=has_data
            )
            merged += part
        return _dedupe(merged)


def _dedupe(inv: Inventory) -> Inventory:
    """Merge networks and stations repeated by several POST lines."""
    nets: dict[tuple[str, str], Any] = {}
    for net in inv:
        key = (net.code, str(net.start_date))
        if key not in nets:
            nets[key] = net
            continue
        have = nets[key]
        stas = {(s.code, str(s.start_date)): s for s in have.stations}
        for s in net.stations:
            k = (s.code, str(s.start_date))
            if k not in stas:
                have.stations.append(s)
                stas[k] = s
                continue
            chans = {(c.location_code, c.code, str(c.start_date)) for c in stas[k].channels}
            stas[k].channels.extend(
                c for c in s.channels if (c.location_code, c.code, str(c.start_date)) not in chans
            )
    return Inventory(networks=list(nets.values()), source=inv.source, sender=inv.sender)


def _items(request: Request) -> list[tuple[str, str]]:
    return list(request.query_params.multi_items())


def create_app(
    db_url: str,
    archive_dir: str | Path,
    inventory: Inventory | str | Path,
    config: ServiceConfig | None = None,
    *,
    workspace: bool = True,
) -> FastAPI:
    """The FDSN web services over a bulletin database, an SDS archive and an inventory,
    and (unless ``workspace=False``) the analyst workspace at ``/``.

    ``inventory`` is an ObsPy inventory, a StationXML file, or anything
    :func:`openndc.inventory.read_inventory` reads (``"kz"``, a CSS3.0 site table).
    """
    cfg = config or ServiceConfig()
    svc = _Services(db_url, archive_dir, inventory, cfg)
    app = FastAPI(
        title="OpenNDC FDSN web services",
        version=__version__,
        description="fdsnws-station, fdsnws-dataselect and fdsnws-event (FDSN 1.2).",
    )
    app.state.services = svc

    def wadl(service: str, params: tuple[Param, ...], post: bool, media: list[str]) -> Any:
        async def handler(request: Request) -> Response:
            base = f"{request.base_url}fdsnws/{service}/1/"
            doc = wadl_document(service, base, params, post=post, media=media)
            return Response(doc, media_type="application/xml")

        return handler

    def version(service: str) -> Any:
        async def handler() -> Response:
            return PlainTextResponse(SERVICE_VERSIONS[service])

        return handler

    for service, params, post, media in (
        ("station", STATION_PARAMS, True, ["application/xml", "text/plain"]),
        ("dataselect", DATASELECT_PARAMS, True, ["application/vnd.fdsn.mseed"]),
        ("event", EVENT_PARAMS, False, ["application/xml", "text/plain"]),
    ):
        app.add_api_route(
            f"/fdsnws/{service}/1/application.wadl",
            wadl(service, params, post, media),
            methods=["GET"],
            include_in_schema=False,
        )
        app.add_api_route(
            f"/fdsnws/{service}/1/version",
            version(service),
            methods=["GET"],
            include_in_schema=False,
        )

    async def guarded(request: Request, service: str, work: Any) -> Response:
        try:
            result: Response = await work()
            return result
        except FDSNRequestError as exc:
            return _error(exc.status, exc.message, request, service)
        except Exception as exc:  # the server's own failure: an FDSN 500 document
            log.exception("fdsnws-%s failed on %s", service, request.url)
            return _error(500, f"{type(exc).__name__}: {exc}", request, service)

    # -- station ----------------------------------------------------------------------------
    async def station_query(request: Request) -> Response:
        async def work() -> Response:
            if request.method == "POST":
                body = (await request.body()).decode("utf-8", "replace")
                q, lines = parse_bulk(
                    STATION_PARAMS, body, "station", max_lines=cfg.max_request_lines
                )
            else:
                q, lines = parse_query(STATION_PARAMS, _items(request), "station"), None
            if q["format"] == "text" and q["level"] == "response":
                raise FDSNRequestError("format=text has no response level: use level=channel")
            out = await run_in_threadpool(svc.station, q, lines)
            if out is None:
                return _nodata(q, request, "station")
            return Response(out[0], media_type=out[1])

        return await guarded(request, "station", work)

    app.add_api_route(
        "/fdsnws/station/1/query",
        station_query,
        methods=["GET"],
        summary="fdsnws-station query",
        openapi_extra=openapi_parameters(STATION_PARAMS),
    )
    app.add_api_route(
        "/fdsnws/station/1/query",
        station_query,
        methods=["POST"],
        summary="fdsnws-station query (POST: key=value lines, then NET STA LOC CHA START END)",
        openapi_extra=POST_BODY,
    )

    # -- dataselect -------------------------------------------------------------------------
    async def dataselect_query(request: Request) -> Response:
        async def work() -> Response:
            if request.method == "POST":
                body = (await request.body()).decode("utf-8", "replace")
                q, lines = parse_bulk(
                    DATASELECT_PARAMS, body, "dataselect", max_lines=cfg.max_request_lines
                )
            else:
                q = parse_query(DATASELECT_PARAMS, _items(request), "dataselect")
                if q["starttime"] is None or q["endtime"] is None:
                    raise FDSNRequestError("dataselect needs starttime and endtime")
                lines = [
                    BulkLine(
                        q["network"],
                        q["station"],
                        q["location"],
                        q["channel"],
                        q["starttime"],
                        q["endtime"],
                    )
                ]
            for line in lines:
                if (line.end - line.start) > cfg.max_dataselect_span_days * 86400:
                    raise FDSNRequestError(
                        f"time window {line.start} - {line.end} is longer than "
                        f"{cfg.max_dataselect_span_days:g} days: split the request",
                        status=413,
                    )
            selection = await run_in_threadpool(
                select_records,
                svc.archive,
                svc.index,
                lines,
                quality=q["quality"],
                minimumlength=q["minimumlength"],
                longestonly=q["longestonly"],
                max_bytes=cfg.max_dataselect_bytes,
            )
            if selection.nrecords == 0:
                return _nodata(q, request, "dataselect")
            return StreamingResponse(
                stream_records(selection),
                media_type="application/vnd.fdsn.mseed",
                headers={
                    "Content-Length": str(selection.nbytes),
                    "Content-Disposition": 'attachment; filename="fdsnws.mseed"',
                },
            )

        return await guarded(request, "dataselect", work)

    app.add_api_route(
        "/fdsnws/dataselect/1/query",
        dataselect_query,
        methods=["GET"],
        summary="fdsnws-dataselect query",
        openapi_extra=openapi_parameters(DATASELECT_PARAMS),
    )
    app.add_api_route(
        "/fdsnws/dataselect/1/query",
        dataselect_query,
        methods=["POST"],
        summary="fdsnws-dataselect query (POST: key=value lines, then NET STA LOC CHA START END)",
        openapi_extra=POST_BODY,
    )

    # -- event ------------------------------------------------------------------------------
    def event_answer(q: dict[str, Any]) -> tuple[bytes, str] | None:
        hits = select_events(
            svc.store, q, max_events=cfg.max_events, catalog=cfg.catalog, agency=cfg.agency
        )
        if not hits:
            return None
        if q["format"] == "text":
            return event_text(hits, cfg.catalog, cfg.agency), "text/plain"
        return event_catalog(svc.store, hits, q), "application/xml"

    async def event_query(request: Request) -> Response:
        async def work() -> Response:
            q = parse_query(EVENT_PARAMS, _items(request), "event")
            out = await run_in_threadpool(event_answer, q)
            if out is None:
                return _nodata(q, request, "event")
            return Response(out[0], media_type=out[1])

        return await guarded(request, "event", work)

    app.add_api_route(
        "/fdsnws/event/1/query",
        event_query,
        methods=["GET"],
        summary="fdsnws-event query",
        openapi_extra=openapi_parameters(EVENT_PARAMS),
    )

    async def catalogs() -> Response:
        body = (
            f'<?xml version="1.0"?>\n<Catalogs><Catalog>{escape(cfg.catalog)}</Catalog>'
            "</Catalogs>\n"
        )
        return Response(body, media_type="application/xml")

    async def contributors() -> Response:
        body = (
            f'<?xml version="1.0"?>\n<Contributors><Contributor>{escape(cfg.agency)}</Contributor>'
            "</Contributors>\n"
        )
        return Response(body, media_type="application/xml")

    app.add_api_route("/fdsnws/event/1/catalogs", catalogs, methods=["GET"])
    app.add_api_route("/fdsnws/event/1/contributors", contributors, methods=["GET"])

    async def service_root(request: Request) -> Response:
        service = request.url.path.strip("/").split("/")[1]
        return PlainTextResponse(
            f"OpenNDC fdsnws-{service} {SERVICE_VERSIONS[service]}: query, version, "
            f"application.wadl; specification: {_SPEC_URL}"
        )

    for service in SERVICE_VERSIONS:
        app.add_api_route(f"/fdsnws/{service}/1/", service_root, methods=["GET"])

    if workspace:  # the analyst workspace at / (docs/workspace.md)
        from openndc.workspace import mount_workspace

        mount_workspace(app, svc.store, archive_dir, inventory)
    return app
