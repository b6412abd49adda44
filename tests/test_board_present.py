"""What the board shows for an agent (static/board/present.js, run under Node): its category,
and the header's counts."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure

PRESENT = (Path(__file__).resolve().parent.parent / "static" / "board" / "present.js").as_uri()


def present(agents: dict) -> dict:
    node = shutil.which("node")
    assert node, "Node.js is needed to run the board's modules"
    script = (
        f"import {{ agentCategory, summary }} from {json.dumps(PRESENT)};"
        f"const agents = {json.dumps(agents)};"
        "const categories = Object.fromEntries("
        "  Object.entries(agents).map(([k, a]) => [k, agentCategory(a)]));"
        "console.log(JSON.stringify({categories, summary: summary({queues: {}, agents})}));"
    )
    out = subprocess.run(
        [node, "--input-type=module", "-e", script], capture_output=True, check=True, text=True
    )
    return json.loads(out.stdout)


def call(state, direction="Incoming"):
    return {"call_id": state, "state": state, "direction": direction}


def test_an_agent_listening_in_is_not_shown_or_counted_as_on_a_call():
    result = present({
        "SPY": {"status": 1, "calls": [call("Spying", "Spy")]},
        "TALK": {"status": 1, "calls": [call("Talking")]},
        "BOTH": {"status": 1, "calls": [call("Spying", "Spy"), call("Hold")]},
        "FREE": {"status": 1, "calls": []},
    })  # fmt: skip
    assert result["categories"] == {
        "SPY": "listening", "TALK": "oncall", "BOTH": "oncall", "FREE": "available",
    }  # fmt: skip
    summary = result["summary"]
    assert (summary["oncall"], summary["listening"], summary["available"]) == (2, 1, 1)


BANNER = (Path(__file__).resolve().parent.parent / "static" / "board" / "banner.js").as_uri()


def banner(board: dict, link: dict, now: float, now_ms: float = 0) -> list:
    node = shutil.which("node")
    assert node
    base_link = {"open": True, "snapshotOnSocket": True, "signedOut": False, "lastDataSec": None,
                 "lastDeltaSec": None, "healthServerSec": None, "healthAtMs": 0,
                 "heartbeatS": 5, "heartbeatGapS": 20, "outage": None,
                 "storeDown": False, "databaseDown": False}  # fmt: skip
    script = (
        "globalThis.Intl = Intl;"
        f"const {{ bannerFor }} = await import({json.dumps(BANNER)});"
        f"const board = {json.dumps({'synced': True, 'epoch': 'e', **board})};"
        f"const link = {json.dumps({**base_link, **link})};"
        f"console.log(JSON.stringify(bannerFor(board, link, 0, {now}, {now_ms})));"
    )
    out = subprocess.run(
        [node, "--input-type=module", "-e", script], capture_output=True, check=True, text=True
    )
    return json.loads(out.stdout)


def health(updated_at: float, **extra) -> dict:
    return {"running": True, "connected": True, "syncing": False, "last_event_at": updated_at,
            "worker_updated_at": updated_at, **extra}  # fmt: skip


def test_the_banner_and_the_server_agree_on_when_a_worker_is_silent():
    from realtime.messages import WORKER_SILENT_S

    source = (Path(__file__).resolve().parent.parent / "static/board/banner.js").read_text()
    [lag] = re.findall(r"const WORKER_LAG_S = (\d+(?:\.\d+)?);", source)
    assert float(lag) == WORKER_SILENT_S
    t = 1_800_000_000
    live = banner({"voicenter": health(t - 1)}, {"healthServerSec": t}, now=t)
    silent = banner({"voicenter": health(t - 6)}, {"healthServerSec": t}, now=t)
    assert (live[0], silent[0]) == ("live", "worker-down")


def test_an_outage_frame_or_a_redis_close_says_redis_and_beats_every_other_state():
    t = 1_800_000_000
    frozen = banner({"voicenter": health(t)}, {"outage": {"part": "redis", "since": t - 30}}, t)
    assert frozen[0] == "store-down"
    assert "cannot reach Redis" in frozen[1]
    closed = banner({}, {"open": False, "storeDown": True, "lastDataSec": t - 30}, now=t)
    assert closed[0] == "store-down"
    assert "retrying" in closed[1]


def test_a_socket_closed_for_want_of_the_database_says_so():
    t = 1_800_000_000
    closed = banner({}, {"open": False, "databaseDown": True, "lastDataSec": t - 30}, now=t)
    assert closed[0] == "database-down"
    assert "database is unreachable" in closed[1]
    assert "retrying" in closed[1]


def test_a_server_that_stops_sending_heartbeats_is_not_live():
    t = 1_800_000_000
    link = {"healthServerSec": t, "healthAtMs": 1000, "heartbeatS": 5}
    fresh = banner({"voicenter": health(t)}, link, now=t, now_ms=1000 + 5_000)
    quiet = banner({"voicenter": health(t)}, link, now=t, now_ms=1000 + 13_000)
    assert (fresh[0], quiet[0]) == ("live", "server-silent")
    slow = {**link, "heartbeatS": 20}  # a site with a longer period: its silences are longer
    assert banner({"voicenter": health(t)}, slow, now=t, now_ms=1000 + 30_000)[0] == "live"
