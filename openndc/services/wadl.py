"""``application.wadl`` documents and OpenAPI parameter lists, from the parameter tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import quoteattr

from openndc.services.params import Param

__all__ = ["POST_BODY", "openapi_parameters", "wadl_document"]

_XS = {
    "time": "xs:dateTime",
    "float": "xs:double",
    "int": "xs:int",
    "bool": "xs:boolean",
    "code": "xs:string",
    "str": "xs:string",
    "choice": "xs:string",
}
_MEDIA = {"xml": "application/xml", "text": "text/plain", "miniseed": "application/vnd.fdsn.mseed"}


def _param(p: Param, name: str) -> str:
    attrs = f'name={quoteattr(name)} style="query" type="{_XS[p.type]}"'
    if p.default is not None:
        attrs += f" default={quoteattr(p.default)}"
    body = f"<doc title={quoteattr(p.help)}/>"
    for c in p.choices:
        media = _MEDIA.get(c)
        body += f"<option value={quoteattr(c)}" + (
            f" mediaType={quoteattr(media)}/>" if media else "/>"
        )
    return f"      <param {attrs}>{body}</param>"


def wadl_document(
    service: str, base_url: str, params: Sequence[Param], *, post: bool, media: Sequence[str]
) -> str:
    """The WADL of one service at ``base_url`` (ending in ``/fdsnws/<service>/1/``)."""
    lines = [_param(p, p.name) for p in params]
    lines += [_param(p, a) for p in params for a in p.aliases]
    reps = "".join(f'<representation mediaType="{m}"/>' for m in media)
    get = (
        '    <method id="query" name="GET">\n     <request>\n'
        + "\n".join(lines)
        + f'\n     </request>\n     <response status="200">{reps}</response>\n'
        '     <response status="204 400 401 403 404 413 414 500 503">'
        '<representation mediaType="text/plain"/></response>\n    </method>\n'
    )
    post_xml = (
        '    <method id="queryPOST" name="POST">\n     <request>'
        '<representation mediaType="text/plain"/></request>\n'
        f'     <response status="200">{reps}</response>\n    </method>\n'
        if post
        else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<application xmlns="http://wadl.dev.java.net/2009/02" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema">\n'
        f' <doc title="FDSN {service} web service 1.2 (OpenNDC)"/>\n'
        f" <resources base={quoteattr(base_url)}>\n"
        '  <resource path="/">\n'
        '   <method name="GET" id="root"><response><representation mediaType="text/html"/>'
        "</response></method>\n"
        '   <resource path="query">\n' + get + post_xml + "   </resource>\n"
        '   <resource path="version"><method name="GET" id="version"><response>'
        '<representation mediaType="text/plain"/></response></method></resource>\n'
        '   <resource path="application.wadl"><method name="GET" id="application.wadl">'
        '<response><representation mediaType="application/xml"/></response></method>'
        "</resource>\n"
        "  </resource>\n"
        " </resources>\n"
        "</application>\n"
    )


_JSON_TYPES: dict[str, dict[str, Any]] = {
    "time": {"type": "string", "format": "date-time"},
    "float": {"type": "number"},
    "int": {"type": "integer"},
    "bool": {"type": "boolean"},
    "code": {"type": "string", "pattern": "^[A-Za-z0-9*?,-]*$"},
    "str": {"type": "string", "maxLength": 200},
    "choice": {"type": "string"},
}


def openapi_parameters(params: Sequence[Param]) -> dict[str, Any]:
    """The query parameters as an OpenAPI ``parameters`` list (for ``openapi_extra``)."""
    out = []
    for p in params:
        schema: dict[str, Any] = dict(_JSON_TYPES[p.type])
        if p.choices:
            schema["enum"] = list(p.choices)
        if p.lo is not None:
            schema["minimum"] = p.lo
        if p.hi is not None:
            schema["maximum"] = p.hi
        if p.default is not None:
            schema["default"] = p.default
        aliases = f" (alias: {', '.join(p.aliases)})" if p.aliases else ""
        out.append(
            {
                "name": p.name,
                "in": "query",
                "required": False,
                "schema": schema,
                "description": p.help + aliases,
            }
        )
    return {"parameters": out}


#: The OpenAPI request body of the POST queries (plain text lines).
POST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }
}
