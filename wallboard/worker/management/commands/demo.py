"""``python manage.py demo``: the whole product on embedded defaults, one Ctrl-C to stop.

Starts the Voicenter simulator, the worker pointed at it, and the web server (daphne); when
``REDIS_URL`` is unset it starts the embedded Redis first, which all three then share.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any, NoReturn

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from wallboard.core.services import ensure_redis
from wallboard.worker import demo_history


class Command(BaseCommand):
    help = "Run the simulator, the worker and the web server together (Ctrl-C stops all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="web server port")
        parser.add_argument("--sim-port", type=int, default=8765)
        parser.add_argument("--agents", type=int, default=40)
        parser.add_argument("--queues", type=int, default=6)
        parser.add_argument("--calls-per-minute", type=float, default=12.0)
        parser.add_argument("--speed", type=float, default=1.0)
        parser.add_argument(
            "--names",
            choices=["en", "he"],
            help="the simulated people's and queues' names (default: the site's language)",
        )
        parser.add_argument("--user", default="supervisor", help="the demo supervisor's name")
        parser.add_argument("--password", default="wallboard-demo")
        parser.add_argument("--agent", default="agent", help="the demo agent's name")

    def handle(self, *args: object, **o: Any) -> None:
        ensure_redis()
        display = demo_people(o["user"], o["agent"], o["password"])
        names = o["names"] or ("he" if settings.LANGUAGE_CODE.startswith("he") else "en")
        past = demo_history.seed(o["agents"], o["queues"], names, o["calls_per_minute"])
        if past:
            self.stdout.write(f"reports: {past} call records of the last two weeks made up")
        sim = f"http://127.0.0.1:{o['sim_port']}"
        # the simulator posts each finished call's record to the board, as Voicenter would
        cdr_secret = settings.WALLBOARD_CDR_SECRET or secrets.token_urlsafe(24)
        env = {
            **os.environ,
            "WALLBOARD_CDR_SECRET": cdr_secret,
            "REDIS_URL": settings.REDIS_URL,
            "VOICENTER_LOGIN_TYPE": "token",
            "VOICENTER_TOKEN": "demo-token",
            "VOICENTER_API_CODE": "demo-code",
            "VOICENTER_LOGIN_URL": f"{sim}/monitorAPI/Login",
            "VOICENTER_REFRESH_URL": f"{sim}/monitorAPI/RefreshIdentityToken",
            "VOICENTER_API_URL": sim,
            "VOICENTER_COMET_URL": f"{sim}/Comet/api",
            "VOICENTER_CALL_LOG_URL": f"{sim}/hub/cdr/",
        }
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        commands = {
            "simulator": [
                *manage,
                "simulate",
                "--port",
                str(o["sim_port"]),
                "--agents",
                str(o["agents"]),
                "--queues",
                str(o["queues"]),
                "--calls-per-minute",
                str(o["calls_per_minute"]),
                "--speed",
                str(o["speed"]),
                "--names",
                names,
                "--cdr-url",
                f"http://127.0.0.1:{o['port']}/reports/cdr/{cdr_secret}/",
            ],
            "worker": [*manage, "voicenter_worker"],
            "web": [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(o["port"]),
                # its access log bypasses logging (and so the filter that keeps the CDR
                # endpoint's secret path out): off
                "--access-log",
                os.devnull,
                "wallboard.asgi:application",
            ],
        }
        procs: dict[str, subprocess.Popen[bytes]] = {}
        for name, command in commands.items():
            procs[name] = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR)
            if name == "simulator":
                time.sleep(1.0)  # let it listen before the worker logs in
        web = f"http://127.0.0.1:{o['port']}"
        self.stdout.write(
            f"\nDemo running. Open {web}/ and sign in as\n"
            f"  supervisor: {o['user']!r} / {o['password']!r} (changes any agent's status;"
            f" admin at {web}/admin/)\n"
            f"  agent:      {o['agent']!r} / {o['password']!r} (extension {DEMO_EXTENSION},"
            " changes their own status)\n"
            f"TV mode: {web}/?tv=1   display link (no sign-in): {web}{display}\n"
            f"simulator: {sim}\n"
            "See the raw state (another terminal): WALLBOARD_DEV_SECRET_KEY=1"
            " .venv/bin/python manage.py dump_state\n"
            "Ctrl-C stops everything.\n"
        )
        signal.signal(signal.SIGTERM, _interrupt)  # stop everything, as Ctrl-C does
        try:
            while all(p.poll() is None for p in procs.values()):
                time.sleep(0.5)
            dead = [n for n, p in procs.items() if p.poll() is not None]
            self.stderr.write(f"stopped because {', '.join(dead)} exited")
        except KeyboardInterrupt:
            pass
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    # SIGTERM, not SIGINT: a shell starts background jobs with SIGINT ignored
                    proc.send_signal(signal.SIGTERM)
            for proc in procs.values():
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        self.stdout.write("demo stopped")


#: The simulator's first extension and its user (realtime/simulator/model.py numbers them so,
#: whatever the seed): the demo agent works it.
DEMO_EXTENSION = "SIM0100"
DEMO_VOICENTER_USER_ID = "500000"


def demo_people(supervisor: str, agent: str, password: str) -> str:
    """The demo's sign-ins (created, or set back to the demo password and role) and a display
    link; returns the link's path."""
    from wallboard.agents.onboarding import create_agent
    from wallboard.board.models import DisplayLink

    create_agent(supervisor, password=password, supervisor=True)
    create_agent(
        agent,
        password=password,
        voicenter_user_id=DEMO_VOICENTER_USER_ID,
        extension=DEMO_EXTENSION,
    )
    demo_contacts()
    display = DisplayLink.objects.filter(name="Demo TV", revoked_at=None).first()
    if display is None:
        display = DisplayLink.objects.create(name="Demo TV")
    return display.path()


#: The demo's contacts (CSV, as import_contacts reads it), made once.
DEMO_CONTACTS = """name,phone,mobile,company,notes
Dana Cohen,03-555-1234,050-723-4567,Cohen Logistics,Prefers mornings.
Yossi Levi,,052-765-4321,Levi & Sons,Renewal due next month.
Noa Peretz,+44 20 7946 0958,,Peretz UK Ltd,Calls from London.
Avi Mizrahi,04-822-3344,054-611-2233,Mizrahi Travel,
Tamar Shapiro,,053-998-7766,,VIP customer.
"""


def demo_contacts() -> None:
    from wallboard.contacts.importing import import_and_publish
    from wallboard.contacts.models import Contact

    if not Contact.objects.exists():
        import_and_publish(DEMO_CONTACTS.splitlines(), "IL")


def _interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt
