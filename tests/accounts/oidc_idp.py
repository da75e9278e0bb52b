"""A small stand-in OpenID Connect provider on a real local port, for the single sign-on test.

It does what a province's identity provider does for one client: /authorize answers at once for the person named
by `next_login` (as if they had signed in there) with a code bound to the PKCE challenge and nonce; /token checks
the client secret, the code (once) and the verifier, and returns an HS256 ID token; /userinfo answers the bearer.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt


class StandInIdP:
    def __init__(self, *, client_id: str, client_secret: str):
        self.client_id, self.client_secret = client_id, client_secret
        self.next_login: dict = {}
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return None

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/authorize":
                    code = secrets.token_urlsafe(16)
                    idp.codes[code] = {
                        "claims": dict(idp.next_login),
                        "nonce": query.get("nonce", ""),
                        "challenge": query.get("code_challenge", ""),
                        "redirect_uri": query["redirect_uri"],
                    }
                    self.send_response(302)
                    self.send_header(
                        "Location", f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
                    )
                    self.end_headers()
                elif url.path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    claims = idp.tokens.get(token)
                    self._json(200 if claims else 401, claims or {"error": "invalid_token"})
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if form.get("client_id") != idp.client_id or form.get("client_secret") != idp.client_secret:
                    return self._json(401, {"error": "invalid_client"})
                grant = idp.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if (
                    grant is None
                    or grant["challenge"] != challenge
                    or grant["redirect_uri"] != form.get("redirect_uri")
                ):
                    return self._json(400, {"error": "invalid_grant"})
                now = int(time.time())
                id_token = jwt.encode(
                    {
                        "iss": idp.url, "aud": idp.client_id, "iat": now, "exp": now + 300,
                        "nonce": grant["nonce"], **grant["claims"],
                    },
                    idp.client_secret,
                    algorithm="HS256",
                )  # fmt: skip
                access_token = secrets.token_urlsafe(16)
                idp.tokens[access_token] = grant["claims"]
                self._json(200, {"access_token": access_token, "id_token": id_token, "token_type": "Bearer"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
