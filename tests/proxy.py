"""A forwarding HTTP proxy in front of the moto server: it records every request and can
answer some of them itself (a fault) instead of forwarding them."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

# (method, path, headers) -> None to forward, (status, headers, body) to answer, or "drop"
# to close the connection without an answer.
Fault = Callable[[str, str, dict[str, str]], "tuple[int, dict[str, str], bytes] | str | None"]


class ForwardingProxy:
    def __init__(self, upstream: str, host: str = "127.0.0.1", fault: Fault | None = None) -> None:
        self.upstream = urlparse(upstream)
        self.fault = fault
        self.requests: list[tuple[str, str]] = []  # (method, path with query)
        self.calls: list[tuple[str, str, str]] = []  # (client address, method, path)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                proxy.requests.append((self.command, self.path))
                proxy.calls.append((self.client_address[0], self.command, self.path))
                answer = proxy.fault(self.command, self.path, headers) if proxy.fault else None
                if answer == "drop":
                    self.close_connection = True
                    return
                if answer is None:
                    conn = http.client.HTTPConnection(
                        proxy.upstream.hostname, proxy.upstream.port, timeout=60
                    )
                    conn.request(self.command, self.path, body=body, headers=headers)
                    reply = conn.getresponse()
                    data = b"" if self.command == "HEAD" else reply.read()
                    status, reply_headers = reply.status, reply.getheaders()
                    conn.close()
                else:
                    assert not isinstance(answer, str)
                    status, extra, data = answer
                    reply_headers = list(extra.items())
                self.send_response(status)
                for key, value in reply_headers:
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                if self.command == "HEAD" and answer is None:
                    length = dict((k.lower(), v) for k, v in reply_headers).get("content-length")
                    self.send_header("Content-Length", length or "0")
                else:
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def paths(self, method: str) -> list[str]:
        return [path for m, path in self.requests if m == method]

    def __enter__(self) -> ForwardingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
