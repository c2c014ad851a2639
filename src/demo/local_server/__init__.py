"""The project's local AWS: moto's server, extended where moto lacks an API the product needs or
answers it unlike AWS (docs/architecture.md, "What the local server adds to moto").

install() adds the operations to moto's response classes, once per process, before a server
starts; each answers in the shape of the botocore model in the venv and in the protocol of the
request, since moto's own parsers and serializers, which read those models, do the wire work.
"""

from __future__ import annotations

from demo.local_server.install import install
from demo.local_server.server import LocalServer

__all__ = ["LocalServer", "install"]
