"""What the local stand-ins for web services share (cloud_fake.FakeCloud, price_api_fake.PriceApi): a
ThreadingHTTPServer on 127.0.0.1 in a thread, and faults to inject — the next `times` requests whose
path contains a part answer a status, with a Retry-After if given."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeHttpServer:
    def __init__(self):
        self._faults: list[list] = []   # [path_part, status, times, retry_after]
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    def fail(self, path_part: str, status: int, times: int = 1, retry_after: str | None = None) -> None:
        """The next `times` requests whose path contains path_part answer `status`."""
        with self.lock:
            self._faults.append([path_part, status, times, retry_after])

    def clear_faults(self) -> None:
        with self.lock:
            self._faults.clear()

    def take_fault(self, path: str) -> tuple[int, dict[str, str]] | None:
        """The status and headers a request to `path` is to answer instead, counting it down; None: serve it."""
        with self.lock:
            fault = next((f for f in self._faults if f[0] in path and f[2] > 0), None)
            if fault is None:
                return None
            fault[2] -= 1
        return fault[1], ({"Retry-After": fault[3]} if fault[3] is not None else {})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
