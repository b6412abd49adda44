// Many wallboard screens in one Node process, timing every stamped event to each screen.
// Usage: node screens.mjs <ws url> <cookie> <origin> <screens>
// (several socket URLs separated by "|": screen i opens URL i modulo their number, e.g. one
// display link per team)
// Prints "ready" once every screen has its snapshot; on SIGTERM prints one JSON line:
// {screens, open, frames, bytes, delivered, errors, closed, resnapshots, gaps,
//  histogram: {ms: count},
//  snapshotHistogram: {ms: count}}.
// Commands on stdin, one per line:
//   storm            drop every socket at once and reconnect them all at once; prints
//                    "storm <ms until every screen has its snapshot again>"
//   resync <s> <n>   for <s> seconds the first <n> screens each ask for a snapshot every 1.1 s,
//                    timing request -> snapshot (snapshotHistogram); prints "resynced"
//
// The simulator's steady load names each caller "t<epoch ms when its JOIN was sent>"; a
// screen times a caller the first time it sees it in a delta (callers of a queue join in time
// order, so per queue only stamps above the last one seen are new). Snapshots only seed that.
// Each screen acknowledges its position as the board does (static/board/socket.js): at most
// once every two seconds, when it moved.
import WebSocket from "ws";
import readline from "node:readline";

const ACK_EVERY_MS = 2000;
const sockets = [];

const [urlArg, cookie, origin, screensArg] = process.argv.slice(2);
const urls = urlArg.split("|");
const screens = Number(screensArg);
const histogram = new Map(); // latency ms -> count
const snapshotHistogram = new Map(); // resync request -> snapshot, ms -> count
let storm = null; // {started, pending} while a storm is being timed
let open = 0, synced = 0, resnapshots = 0, gaps = 0, frames = 0, bytes = 0, delivered = 0, errors = 0, closed = 0;
let readySaid = false;

function count(map, latencyMs) {
  const ms = Math.max(0, Math.round(latencyMs));
  map.set(ms, (map.get(ms) || 0) + 1);
}

function note(latencyMs) {
  count(histogram, latencyMs);
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

function connect(at) {
  const ws = new WebSocket(at.url, { headers: { Cookie: cookie, Origin: origin }, perMessageDeflate: false });
  const lastSeen = new Map();
  let hasSnapshot = false;
  Object.assign(at, { ws, epoch: null, seq: 0, ackedEpoch: null, ackedSeq: -1, ackedMs: 0,
    resyncAt: 0 });
  ws.on("open", () => { open += 1; });
  ws.on("message", (data) => {
    const now = Date.now();
    frames += 1;
    bytes += data.length;
    let frame;
    try { frame = JSON.parse(data); } catch { errors += 1; return; }
    if (frame.type === "delta" && frame.epoch === at.epoch) {
      const from = frame.from_seq === undefined ? frame.seq : frame.from_seq;
      if (from !== at.seq + 1) gaps += 1; // a change lost (or repeated) on the way
    }
    if (frame.type === "snapshot" || frame.type === "delta") {
      at.epoch = frame.epoch;
      at.seq = frame.seq;
    }
    if (frame.type === "snapshot") {
      scan(frame.state && frame.state.queues, lastSeen, false, now);
      if (at.resyncAt) {
        count(snapshotHistogram, now - at.resyncAt);
        at.resyncAt = 0;
      } else if (hasSnapshot) resnapshots += 1; // held back: a fresh snapshot
      if (!hasSnapshot) {
        hasSnapshot = true;
        synced += 1;
        if (synced === screens && !readySaid) { readySaid = true; console.log("ready"); }
        if (storm && --storm.pending === 0) {
          console.log(`storm ${now - storm.started}`);
          storm = null;
        }
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
  if (at.ws.readyState !== 1 || at.epoch === null || at.epoch === undefined) return;
  if (at.epoch === at.ackedEpoch && at.seq === at.ackedSeq) return;
  if (now - at.ackedMs < ACK_EVERY_MS) return;
  at.ackedEpoch = at.epoch;
  at.ackedSeq = at.seq;
  at.ackedMs = now;
  at.ws.send(JSON.stringify({ type: "ack", epoch: at.epoch, seq: at.seq }));
}

for (let i = 0; i < screens; i++) {
  const at = { url: urls[i % urls.length] };
  sockets.push(at);
  connect(at);
}

function startStorm() {
  storm = { started: Date.now(), pending: sockets.length };
  for (const at of sockets) {
    at.ws.removeAllListeners();
    at.ws.on("error", () => {});
    at.ws.terminate(); // as a server restart or a network drop does: no close handshake
  }
  for (const at of sockets) connect(at);
}

function resyncFor(seconds, n) {
  // each of the n screens asks every 1.1 s, their requests spread evenly over the period
  const until = Date.now() + seconds * 1000;
  const period = 1100;
  sockets.slice(0, n).forEach((at, i) => {
    setTimeout(function ask() {
      if (Date.now() > until) return;
      if (at.ws.readyState === 1 && !at.resyncAt) {
        at.resyncAt = Date.now();
        at.ws.send(JSON.stringify({ type: "resync" }));
      }
      setTimeout(ask, period);
    }, (i * period) / n);
  });
  setTimeout(() => console.log("resynced"), seconds * 1000 + 2 * period);
}

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const [command, ...args] = line.trim().split(/\s+/);
  if (command === "storm") startStorm();
  else if (command === "resync") resyncFor(Number(args[0]), Number(args[1]));
});
setInterval(() => {
  const now = Date.now();
  for (const at of sockets) acknowledge(at, now);
}, ACK_EVERY_MS);

process.on("SIGTERM", () => {
  const out = { screens, open, frames, bytes, delivered, errors, closed, resnapshots, gaps,
    histogram: Object.fromEntries(histogram),
    snapshotHistogram: Object.fromEntries(snapshotHistogram) };
  process.stdout.write(JSON.stringify(out) + "\n", () => process.exit(0));
});
