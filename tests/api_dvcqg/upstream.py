"""A stand-in upstream (the real DVCQG adapter or the province's integration platform): a small threaded HTTP
server that records every request it is sent, and can be down (503), refuse a stale session (401), or be up."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class StandInUpstream:
    def __init__(self):
        self.received: list[dict] = []
        self.mode = "down"
        self.sessions_issued = 0
        self.refuse_session = ""
        self._lock = threading.Lock()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if upstream.mode == "down":
                    return self._send(503, {"error_code": "-1", "message": "bảo trì"})
                if self.path.endswith("/auth"):
                    with upstream._lock:
                        upstream.sessions_issued += 1
                        session = f"upstream-session-{upstream.sessions_issued}"
                    return self._send(200, {"error_code": 0, "session": session})
                if upstream.refuse_session and upstream.refuse_session.encode() in body:
                    return self._send(401, {"error_code": "401", "message": "session expired"})
                with upstream._lock:
                    upstream.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
                return self._send(200, {"error_code": "0", "message": "Đồng bộ thành công"})

            def _send(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
