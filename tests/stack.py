"""The whole product in subprocesses, as `make demo` runs it: simulator, worker, daphne.

Used by the browser tests and the benchmarks. Each stack has its own Redis key prefix (on the
tests' Redis database), its own SQLite file and free ports. ``web_processes`` runs several web
servers on ports of their own against the one Redis, as several hosts behind a load balancer
would (``webs`` lists their addresses); ``server`` picks daphne or uvicorn.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import redis

ROOT = Path(__file__).resolve().parent.parent
USER, PASSWORD = "supervisor", "board-test-pw"
AGENT = "agent"  # works the simulator's first extension (demo_people)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Stack:
    def __init__(
        self,
        data_dir: Path,
        redis_url: str,
        *,
        agents: int = 12,
        queues: int = 3,
        calls_per_minute: float = 20,
        speed: float = 1.0,
        heartbeat_s: float = 1.0,
        log_dir: Path | None = None,
        web_processes: int = 1,
        server: str = "daphne",
        env: dict[str, str] | None = None,
        names: str = "en",
        workers: int = 1,
    ) -> None:
        self.data_dir = data_dir
        self.redis_url = redis_url
        self.prefix = f"test-stack-{uuid.uuid4().hex[:8]}:"
        self.sim_port = free_port()
        self.web_ports = [free_port() for _ in range(web_processes)]
        self.server = server
        self.sim = f"http://127.0.0.1:{self.sim_port}"
        self.webs = [f"http://127.0.0.1:{port}" for port in self.web_ports]
        self.web = self.webs[0]
        self.cdr_secret = uuid.uuid4().hex
        self.sim_args = [
            "--agents", str(agents), "--queues", str(queues),
            "--calls-per-minute", str(calls_per_minute), "--speed", str(speed),
            "--names", names,
            # each finished call's record to the (first) web server, as Voicenter would
            "--cdr-url", f"{self.web}/reports/cdr/{self.cdr_secret}/",
        ]  # fmt: skip
        self.log_dir = log_dir or data_dir
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "wallboard.settings",
            "WALLBOARD_DATA_DIR": str(data_dir),
            "DATABASE_URL": f"sqlite:///{data_dir / 'stack.sqlite3'}",
            "REDIS_URL": redis_url,
            "WALLBOARD_REDIS_PREFIX": self.prefix,
            "WALLBOARD_HEARTBEAT_S": str(heartbeat_s),
            "WALLBOARD_CDR_SECRET": self.cdr_secret,
            "VOICENTER_LOGIN_TYPE": "token",
            "VOICENTER_TOKEN": "demo-token",
            "VOICENTER_API_CODE": "demo-code",
            "VOICENTER_LOGIN_URL": f"{self.sim}/monitorAPI/Login",
            "VOICENTER_REFRESH_URL": f"{self.sim}/monitorAPI/RefreshIdentityToken",
            "VOICENTER_API_URL": self.sim,
            "VOICENTER_COMET_URL": f"{self.sim}/Comet/api",
            "VOICENTER_CALL_LOG_URL": f"{self.sim}/hub/cdr/",
            "VOICENTER_RECONNECT_MIN_S": "0.5",
            "VOICENTER_RECONNECT_MAX_S": "2",
            "LOG_LEVEL": "WARNING",
            **(env or {}),
        }
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        #: the worker processes' names: ``worker``, then ``worker1``... (one active, the rest on
        #: standby: realtime/lease.py)
        self.workers = ["worker", *(f"worker{n}" for n in range(1, workers))]

    def _manage(self, *args: str) -> list[str]:
        return [sys.executable, str(ROOT / "manage.py"), *args]

    def manage_output(self, *args: str) -> str:
        """Run a management command against this stack's database and Redis; its output."""
        done = subprocess.run(
            self._manage(*args), env=self.env, check=True, capture_output=True, text=True
        )
        return done.stdout

    def _spawn(self, name: str, command: list[str]) -> None:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen(
            command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )

    def start(self) -> Stack:
        subprocess.run(self._manage("migrate", "--verbosity", "0"), env=self.env, check=True)
        code = (
            "from wallboard.worker.management.commands.demo import demo_people;"
            f"demo_people({USER!r}, {AGENT!r}, {PASSWORD!r})"
        )
        subprocess.run(self._manage("shell", "-c", code), env=self.env, check=True)
        self._spawn(
            "simulator", self._manage("simulate", "--port", str(self.sim_port), *self.sim_args)
        )
        self._wait_http(f"{self.sim}/simulator/join", method="OPTIONS")
        self.start_worker()
        self.start_web()
        self.wait_for_agents()
        return self

    def web_command(self, port: int) -> list[str]:
        if self.server == "uvicorn":
            return [
                sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port),
                "--ws", "websockets-sansio", "--ws-per-message-deflate", "false",
                "--loop", "asyncio",  # as deployed (docs/deployment.md): uvloop grew in a soak
                "--lifespan", "off", "--no-access-log",
                "wallboard.asgi:application",
            ]  # fmt: skip
        daphne = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
        return [*daphne, "wallboard.asgi:application"]

    def start_web(self) -> None:
        for n, port in enumerate(self.web_ports):
            self._spawn(f"web{n}", self.web_command(port))
        for web in self.webs:
            self._wait_http(f"{web}/healthz")

    def stop_web(self) -> None:
        for n in range(len(self.web_ports)):
            self._stop(f"web{n}")

    def start_worker(self) -> None:
        for name in self.workers:
            if name not in self.procs:
                self._spawn(name, self._manage("voicenter_worker"))

    def stop_worker(self) -> None:
        for name in self.workers:
            self._stop(name)

    def kill_worker(self, name: str = "worker") -> None:
        """A worker dies without a word (SIGKILL): it cannot tell anyone it stopped."""
        proc = self.procs.pop(name)
        proc.kill()
        proc.wait()

    def worker_named(self, worker_id: str) -> str | None:
        """Which of our worker processes a lease id (``host:pid:random``) names."""
        parts = worker_id.split(":")
        pid = int(parts[-2]) if len(parts) >= 3 and parts[-2].isdigit() else None
        return next((n for n, p in self.procs.items() if n in self.workers and p.pid == pid), None)

    def wait_for_agents(self, timeout: float = 30) -> None:
        client = redis.Redis.from_url(self.redis_url)
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if client.hlen(self.prefix + "agents"):
                    return
                time.sleep(0.1)
        finally:
            client.close()
        raise RuntimeError(f"no agents in Redis after {timeout} s; see {self.log_dir}/*.log")

    def join(self, name: str, phone: str = "0501112233") -> dict[str, object]:
        answer = httpx.post(f"{self.sim}/simulator/join", json={"phone": phone, "name": name})
        answer.raise_for_status()
        joined: dict[str, object] = answer.json()
        return joined

    def hang_up(self, call_id: str) -> None:
        """The waiting caller ``call_id`` (as :meth:`join` answered) gives up now."""
        httpx.post(f"{self.sim}/simulator/hangup", json={"call_id": call_id}).raise_for_status()

    def ring(self, ext: str, phone: str, name: str = "", *, alone: bool = False) -> bool:
        """A direct call ringing at ``ext``; with ``alone``, its only call (the far ends of its
        answered calls hang up), or none (False) while one of its calls is still ringing."""
        answer = httpx.post(
            f"{self.sim}/simulator/ring",
            json={"ext": ext, "phone": phone, "name": name, "alone": alone},
        )
        if alone and answer.status_code == 409:
            return False
        answer.raise_for_status()
        return True

    def listen_in(self, ext: str, target: str) -> bool:
        """``ext`` listens in on ``target`` (Voicenter's "Spying" call) for a minute; False if
        ``ext`` is on a call."""
        answer = httpx.post(f"{self.sim}/simulator/listen", json={"ext": ext, "target": target})
        if answer.status_code == 409:
            return False
        answer.raise_for_status()
        return True

    def knobs(self, **values: bool) -> None:
        """Switch the simulator's test behaviours (``Simulator.KNOBS``)."""
        httpx.post(f"{self.sim}/simulator/knobs", json=values).raise_for_status()

    def session_cookie(self, web: str | None = None) -> str:
        """Sign in as the stack's supervisor, as a browser does: the ``Cookie`` header value."""
        base = web or self.web
        with httpx.Client(base_url=base) as client:
            page = client.get("/accounts/login/").text
            match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
            assert match, "no CSRF token on the sign-in page"
            form = {"username": USER, "password": PASSWORD, "csrfmiddlewaretoken": match.group(1)}
            client.post("/accounts/login/", data=form, headers={"Referer": base + "/"})
            return f"sessionid={client.cookies['sessionid']}"

    def _wait_http(self, url: str, method: str = "GET", timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                httpx.request(method, url, timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"{url} did not answer in {timeout} s; see {self.log_dir}/*.log")

    def _stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def close(self) -> None:
        for name in list(self.procs):
            self._stop(name)
        client = redis.Redis.from_url(self.redis_url)
        keys = list(client.scan_iter(match=self.prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()
