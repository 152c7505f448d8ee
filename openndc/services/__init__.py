"""FDSN web services over the bulletin database, the SDS archive and the inventory.

:func:`create_app` returns an ASGI application (FastAPI) serving fdsnws-station,
fdsnws-dataselect and fdsnws-event under ``/fdsnws/...`` after the FDSN Web Service
Specifications 1.2; ``openndc serve`` runs it with uvicorn. docs/services.md describes the
parameters, limits and measured throughput.
"""

from openndc.services.app import SERVICE_VERSIONS, ServiceConfig, create_app, load_service_inventory
from openndc.services.params import FDSNRequestError

__all__ = [
    "SERVICE_VERSIONS",
    "FDSNRequestError",
    "ServiceConfig",
    "create_app",
    "load_service_inventory",
]
