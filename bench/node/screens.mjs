// Many wallboard screens in one Node process, timing every stamped event to each screen.
// Usage: node screens.mjs <ws url> <cookie> <origin> <screens>
// Prints "ready" once every screen has its snapshot; on SIGTERM prints one JSON line:
// {screens, open, frames, bytes, delivered, errors, closed, resnapshots, histogram: {ms: count}}.
//
// The simulator's steady load names each caller "t<epoch ms when its JOIN was sent>"; a
// screen times a caller the first time it sees it in a delta (callers of a queue join in time
// order, so per queue only stamps above the last one seen are new). Snapshots only seed that.
// Each screen acknowledges its position as the board does (static/board/socket.js): at most
// once a second, when it moved.
import WebSocket from "ws";

const ACK_EVERY_MS = 1000;
const sockets = [];

const [url, cookie, origin, screensArg] = process.argv.slice(2);
const screens = Number(screensArg);
const histogram = new Map(); // latency ms -> count
let open = 0, synced = 0, resnapshots = 0, frames = 0, bytes = 0, delivered = 0, errors = 0, closed = 0;
let readySaid = false;

function note(latencyMs) {
  const ms = Math.max(0, Math.round(latencyMs));
  histogram.set(ms, (histogram.get(ms) || 0) + 1);
  delivered += 1;
}

function scan(queues, lastSeen, timed, now) {
  for (const id of Object.keys(queues || {})) {
    let last = lastSeen.get(id) || 0;
    for (const caller of (queues[id] && queues[id].waiting) || []) {
      const name = caller && caller.caller_name;
      if (typeof name !== "string" || name[0] !== "t") continue;
      const stamp = Number(name.slice(1));
      if (stamp > last) {
        if (timed) note(now - stamp);
        last = stamp;
      }
    }
    lastSeen.set(id, last);
  }
}

function connect() {
  const ws = new WebSocket(url, { headers: { Cookie: cookie, Origin: origin }, perMessageDeflate: false });
  const lastSeen = new Map();
  let hasSnapshot = false;
  const at = { ws, epoch: null, seq: 0, ackedEpoch: null, ackedSeq: -1, ackedMs: 0 };
  sockets.push(at);
  ws.on("open", () => { open += 1; });
  ws.on("message", (data) => {
    const now = Date.now();
    frames += 1;
    bytes += data.length;
    let frame;
    try { frame = JSON.parse(data); } catch { errors += 1; return; }
    if (frame.type === "snapshot" || frame.type === "delta") {
      at.epoch = frame.epoch;
      at.seq = frame.seq;
    }
    if (frame.type === "snapshot") {
      scan(frame.state && frame.state.queues, lastSeen, false, now);
      if (hasSnapshot) resnapshots += 1; // held back (or resynced): a fresh snapshot
      if (!hasSnapshot) {
        hasSnapshot = true;
        synced += 1;
        if (synced === screens && !readySaid) { readySaid = true; console.log("ready"); }
      }
    } else if (frame.type === "delta") {
      const queues = frame.delta && frame.delta.queues;
      scan(queues && queues.set, lastSeen, true, now);
    }
    acknowledge(at, now);
  });
  ws.on("error", () => { errors += 1; });
  ws.on("close", () => { closed += 1; });
}

function acknowledge(at, now) {
  if (at.ws.readyState !== 1 || at.epoch === null) return;
  if (at.epoch === at.ackedEpoch && at.seq === at.ackedSeq) return;
  if (now - at.ackedMs < ACK_EVERY_MS) return;
  at.ackedEpoch = at.epoch;
  at.ackedSeq = at.seq;
  at.ackedMs = now;
  at.ws.send(JSON.stringify({ type: "ack", epoch: at.epoch, seq: at.seq }));
}

for (let i = 0; i < screens; i++) connect();
setInterval(() => {
  const now = Date.now();
  for (const at of sockets) acknowledge(at, now);
}, ACK_EVERY_MS);

process.on("SIGTERM", () => {
  const out = { screens, open, frames, bytes, delivered, errors, closed, resnapshots,
    histogram: Object.fromEntries(histogram) };
  process.stdout.write(JSON.stringify(out) + "\n", () => process.exit(0));
});
