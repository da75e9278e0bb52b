"""The deployment kit as shipped: Debian's nginx with deploy/nginx/ketnoi.conf in front of gunicorn started as
deploy/systemd/ketnoi-web.service starts it, with the production settings and deploy/ketnoi.env.sample (only the
machine's paths, ports, keys and the test database changed), Redis as the shared cache.

Checked through TLS: static files come from disk, the address Django sees is the one nginx saw (never a forged
X-Forwarded-For, neither through nginx nor straight to gunicorn), security headers, nginx's log masks citizens'
tokens and carries the request id the application answers with, and the lookup limit (10 a minute) holds per
citizen across several gunicorn workers. Clients use other loopback addresses (127.0.0.2...) than nginx, as
citizens would."""

import datetime as dt
import os
import re
import secrets
import shlex
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from axes.models import AccessAttempt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.ops.processes import ROOT, database_url, free_port, stop, wait_for

DEPLOY = ROOT / "deploy"
NGINX = "/usr/sbin/nginx"
WORKERS = 3


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def replaced(text: str, changes: dict[str, str]) -> str:
    """Each change must apply: if the shipped file changes shape, this test says so instead of testing less."""
    for old, new in changes.items():
        assert old in text, f"{old!r} is no longer in the shipped file"
        text = text.replace(old, new)
    return text


def sample_environment() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "ketnoi.env.sample").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value
    return values


def web_command(port: int) -> list[str]:
    unit = (DEPLOY / "systemd" / "ketnoi-web.service").read_text()
    exec_start = re.search(r"^ExecStart=(.+)$", unit, re.M).group(1)
    exec_start = replaced(
        exec_start,
        {
            "/srv/ketnoi/app/.venv/bin/gunicorn": f"{sys.executable} -m gunicorn",
            "--bind 127.0.0.1:8000": f"--bind 127.0.0.1:{port}",
            "--workers 4": f"--workers {WORKERS}",
            "--access-logfile -": "--access-logfile - --access-logformat '%(h)s %(p)s \"%(r)s\" %(s)s'",
        },
    )
    return shlex.split(exec_start)


class Stack:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.static = tmp / "static"
        self.web_port, self.http_port, self.https_port = free_port(), free_port(), free_port()
        self.base = f"https://localhost:{self.https_port}"
        self.prefix = f"ketnoi-test-nginx-{uuid.uuid4().hex[:8]}"
        self.env = {
            **os.environ,
            **sample_environment(),
            "DATABASE_URL": database_url(),
            "SECRET_KEY": secrets.token_urlsafe(48),
            "FIELD_ENCRYPTION_KEY": secrets.token_urlsafe(48),
            "CACHE_URL": "redis://127.0.0.1:6379/9",
            "CACHE_KEY_PREFIX": self.prefix,
            "ALLOWED_HOSTS": "localhost",
            "CSRF_TRUSTED_ORIGINS": self.base,
            "PUBLIC_BASE_URL": self.base,
            "STATIC_ROOT": str(self.static),
            "MEDIA_ROOT": str(tmp / "media"),
            "LOG_LEVEL": "WARNING",
        }
        self.processes: list[subprocess.Popen] = []

    def start(self) -> None:
        collect = subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert collect.returncode == 0, collect.stderr
        self.web_log = self.tmp / "gunicorn.log"
        self.processes.append(
            subprocess.Popen(  # noqa: S603
                web_command(self.web_port),
                cwd=ROOT,
                env=self.env,
                stdout=self.web_log.open("w"),
                stderr=subprocess.STDOUT,
            )
        )
        self.processes.append(
            subprocess.Popen(  # noqa: S603
                [NGINX, "-p", str(self.tmp), "-c", str(self.nginx_config()), "-e", str(self.tmp / "error.log")],
                stdout=subprocess.DEVNULL,
                stderr=(self.tmp / "nginx.out").open("w"),
            )
        )
        wait_for(self.up, timeout=120, what="nginx and gunicorn to answer")

    def nginx_config(self) -> Path:
        cert, key = self_signed(self.tmp)
        (self.tmp / "nginx-proxy.conf").write_text((DEPLOY / "nginx" / "nginx-proxy.conf").read_text())
        site = replaced(
            (DEPLOY / "nginx" / "ketnoi.conf").read_text(),
            {
                "server 127.0.0.1:8000;": f"server 127.0.0.1:{self.web_port};",
                "    listen [::]:80;\n": "",
                "    listen [::]:443 ssl http2;\n": "",
                "listen 80;": f"listen 127.0.0.1:{self.http_port};",
                "listen 443 ssl http2;": f"listen 127.0.0.1:{self.https_port} ssl http2;",
                "/etc/letsencrypt/live/ketnoi.example.gov.vn/fullchain.pem": str(cert),
                "/etc/letsencrypt/live/ketnoi.example.gov.vn/privkey.pem": str(key),
                "/srv/ketnoi/static/": f"{self.static}/",
                "/var/log/nginx/ketnoi.access.log": str(self.tmp / "access.log"),
                "/var/log/nginx/ketnoi.error.log": str(self.tmp / "error.log"),
                "/etc/ketnoi/nginx-proxy.conf": str(self.tmp / "nginx-proxy.conf"),
                "/var/www/letsencrypt": str(self.tmp / "acme"),
            },
        )
        (self.tmp / "ketnoi.conf").write_text(site)
        temp = "".join(
            f"{kind}_temp_path {self.tmp / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        main = self.tmp / "nginx.conf"
        main.write_text(
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"daemon off;\nworker_processes 1;\npid {self.tmp / 'nginx.pid'};\nerror_log {self.tmp / 'error.log'} warn;\n"
            + "events { worker_connections 512; }\n"
            + "http {\n include /etc/nginx/mime.types;\n default_type application/octet-stream;\n"
            + f" {temp} include {self.tmp / 'ketnoi.conf'};\n}}\n"
        )
        check = subprocess.run(  # noqa: S603
            [NGINX, "-t", "-p", str(self.tmp), "-c", str(main), "-e", str(self.tmp / "error.log")],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert check.returncode == 0, check.stderr
        return main

    def up(self) -> bool:
        for process in self.processes:
            assert process.poll() is None, self.logs()
        try:
            return self.client().get("/healthz").status_code == 200
        except httpx.TransportError:
            return False

    def client(self, source: str = "127.0.0.1", *, base: str | None = None) -> httpx.Client:
        """A client on its own loopback address, as a citizen on their own phone."""
        transport = httpx.HTTPTransport(local_address=source, verify=False)
        return httpx.Client(base_url=base or self.base, transport=transport, timeout=30)

    def logs(self) -> str:
        parts = [f"== {p.name}\n{p.read_text()[-3000:]}" for p in (self.web_log, self.tmp / "error.log") if p.exists()]
        return "\n".join(parts)

    def stop(self) -> None:
        for process in reversed(self.processes):
            stop(process)
        import redis

        connection = redis.Redis.from_url("redis://127.0.0.1:6379/9")
        keys = list(connection.scan_iter(f"{self.prefix}:*"))
        if keys:
            connection.delete(*keys)


@pytest.fixture(scope="module")
def stack(tmp_path_factory, django_db_setup, django_db_blocker):
    running = Stack(tmp_path_factory.mktemp("nginx"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


def test_static_files_come_from_disk_through_nginx(stack):
    with stack.client() as client:
        response = client.get("/static/ketnoi/behaviours.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.text == (stack.static / "ketnoi" / "behaviours.js").read_text()
    assert response.headers["Server"].startswith("nginx")
    assert response.headers["Cache-Control"] == "max-age=3600"
    assert response.headers["Content-Encoding"] == "gzip"  # the pre-compressed copy collectstatic wrote
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    assert "/static/" not in stack.web_log.read_text()  # gunicorn never saw it
    with stack.client() as client:
        assert client.get("/media/anything.pdf").status_code == 404  # uploads only through the views


def test_plain_http_goes_to_https_and_the_liveness_probe_stays(stack):
    with stack.client(base=f"http://localhost:{stack.http_port}") as client:
        moved = client.get("/tra-cuu/?code=X")
        assert moved.status_code == 301
        assert moved.headers["Location"] == "https://localhost/tra-cuu/?code=X"
        assert client.get("/healthz").text == "ok\n"


def test_security_headers_and_the_request_id(stack):
    with stack.client() as client:
        response = client.get("/thu-tuc/")
    assert response.status_code == 200
    headers = response.headers
    assert "max-age=31536000" in headers["Strict-Transport-Security"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    request_id = headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # nginx's $request_id, passed through the application
    wait_for(lambda: request_id in (stack.tmp / "access.log").read_text(), timeout=10, what="nginx's log line")


def _failed_login(client: httpx.Client, **headers) -> None:
    page = client.get("/console/login/", headers=headers)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    cookie = f"csrftoken={page.cookies['csrftoken']}"  # a Secure cookie: sent by hand on the plain-HTTP hop too
    answer = client.post(
        "/console/login/",
        data={"csrfmiddlewaretoken": token, "username": "nobody", "password": "wrong"},
        headers={"Referer": "https://localhost/console/login/", "Cookie": cookie, **headers},
    )
    assert answer.status_code == 200 and "errorlist" in answer.text, answer.text[:3000]


@pytest.mark.django_db(transaction=True)
def test_django_sees_the_address_nginx_saw_never_a_forged_one(stack):
    with stack.client("127.0.0.2") as client:
        _failed_login(client, **{"X-Forwarded-For": "203.0.113.9"})
    with stack.client("127.0.0.5", base=f"http://127.0.0.1:{stack.web_port}") as direct:  # past nginx, forging
        forged = {"X-Forwarded-For": "203.0.113.10", "X-Forwarded-Proto": "https", "Host": "localhost"}
        _failed_login(direct, **forged)
    assert sorted(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["127.0.0.2", "127.0.0.5"]


def test_metrics_only_from_the_machine_itself(stack):
    with stack.client("127.0.0.2") as outsider:
        assert outsider.get("/metrics").status_code == 403
    with stack.client("127.0.0.1") as local:
        response = local.get("/metrics")
    assert response.status_code == 200 and "ketnoi_outbox_depth" in response.text


def test_the_lookup_limit_holds_per_citizen_across_gunicorn_workers(stack):
    # The limit counts in fixed minutes: start well inside one, so the burst is counted in a single window.
    wait_for(lambda: time.time() % 60 < 40, timeout=25, every=0.5, what="the start of a minute")

    def lookup(n: int) -> int:
        with stack.client("127.0.0.3") as client:  # a new connection each time, a new forged address each time
            return client.get(
                f"/tra-cuu/?code=KHONG-CO-{n}", headers={"X-Forwarded-For": f"198.51.100.{n}"}
            ).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(lookup, range(24)))
    assert sorted(answers) == [200] * 10 + [429] * 14, answers
    with stack.client("127.0.0.4") as neighbour:  # another citizen is not held back by the first
        assert neighbour.get("/tra-cuu/?code=KHONG-CO").status_code == 200
    served_by = {
        line.split()[1] for line in stack.web_log.read_text().splitlines() if "/tra-cuu/?code=KHONG-CO-" in line
    }
    assert len(served_by) >= 2, served_by  # several gunicorn workers answered, and together they let 10 through


def test_nginx_logs_no_citizen_token(stack):
    token = "eyJkIjoiMTIzIn0.Sig_nature-nginx"
    with stack.client("127.0.0.6") as client:
        client.get(f"/tra-cuu/{token}/bo-sung/")
        client.get(f"/phan-anh/theo-doi/{token}/")
    text = wait_for(
        lambda: (t := (stack.tmp / "access.log").read_text()).count("[redacted]") >= 2 and t,
        timeout=10,
        what="nginx's log lines",
    )
    assert token not in text
    assert '"GET /tra-cuu/[redacted]/bo-sung/"' in text
