"""The local server: moto's threaded server with the project's operations added to moto's response
classes before it starts, CloudWatch's CBOR protocol translated for moto (cbor.py), and a few
local-only control calls under /local-server/ for what AWS keeps out of an account's reach (other
accounts' endpoints, approved quota increases)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

from demo.local_server import ec2_connections, service_quotas
from demo.local_server.cbor import CborAsJson
from demo.local_server.state import DEFAULT_ACCOUNT
from demo.local_server.wsgi import Environ, StartResponse, WsgiApp

CONTROL_PREFIX = "/local-server/"


class ControlError(ValueError):
    """A control call that could not be carried out, and why."""


def consumer_endpoint(body: dict[str, Any], account: str, region: str) -> dict[str, Any]:
    try:
        endpoint_id = ec2_connections.add_consumer_endpoint(
            account,
            region,
            service_id=str(body["ServiceId"]),
            owner=str(body["VpcEndpointOwner"]),
            state=body.get("VpcEndpointState"),
            ip_address_type=str(body.get("IpAddressType", "ipv4")),
            endpoint_region=body.get("VpcEndpointRegion"),
        )
    except KeyError as err:
        raise ControlError(f"missing {err.args[0]}") from None
    return {"VpcEndpointId": endpoint_id}


def applied_quota(body: dict[str, Any], account: str, region: str) -> dict[str, Any]:
    if body.get("ServiceCode") != service_quotas.SERVICE_CODE:
        raise ControlError(f"only service code {service_quotas.SERVICE_CODE!r} is modelled here")
    value = body.get("Value")
    try:
        service_quotas.set_applied_quota(
            account,
            region,
            str(body.get("QuotaCode")),
            None if value is None else float(value),
            withheld=bool(body.get("Withheld", False)),
        )
    except (TypeError, ValueError) as err:
        raise ControlError(str(err)) from None
    except service_quotas.NoSuchResource as err:
        raise ControlError(err.message) from None
    return {}


CONTROLS: dict[str, Callable[[dict[str, Any], str, str], dict[str, Any]]] = {
    "consumer-endpoints": consumer_endpoint,
    "service-quotas": applied_quota,
}


class ControlRoutes:
    """WSGI: POST /local-server/<control> with a JSON body goes to its control, the rest to moto."""

    def __init__(self, moto: WsgiApp) -> None:
        self.moto = moto

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if not path.startswith(CONTROL_PREFIX):
            return self.moto(environ, start_response)
        control = CONTROLS.get(path.removeprefix(CONTROL_PREFIX).strip("/"))
        if control is None or environ.get("REQUEST_METHOD") != "POST":
            refusal = {"Error": f"no control {path}; POST one of {sorted(CONTROLS)}"}
            return answer(start_response, "404 Not Found", refusal)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
            if not isinstance(body, dict):
                raise ControlError("the body must be a JSON object")
            account = str(body.pop("AccountId", DEFAULT_ACCOUNT))
            region = str(body.pop("Region", "us-east-1"))
            result = control(body, account, region)
        except (ControlError, ValueError) as err:
            return answer(start_response, "400 Bad Request", {"Error": str(err)})
        return answer(start_response, "200 OK", result)


def answer(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def local_app() -> WsgiApp:
    """What the server serves: moto behind the control routes and the CBOR translation."""
    return ControlRoutes(CborAsJson(DomainDispatcherApplication(create_backend_app)))


class LocalServer(ThreadedMotoServer):
    """ThreadedMotoServer, serving local_app(); install() has run before."""

    def _server_entry(self) -> None:
        self._server = make_server(self._ip_address, self._port, local_app(), True)
        self._server_ready_event.set()
        self._server.serve_forever(poll_interval=0.05)  # stop() waits for the next poll (0.5 s by default)
