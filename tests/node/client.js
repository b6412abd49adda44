// socket.io-client 2.x (the line Voicenter's Node SDK uses) as a client of the simulator.
// Usage: node client.js <base url> <token>
// Prints one JSON line per event received, then {"done": true} once it has seen the whole
// conversation: snapshots, a keep-alive answer, a resync answer and a live event.
"use strict";
const io = require("socket.io-client");

const [base, token] = process.argv.slice(2);
const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const socket = io(base, {
  query: { token },
  transports: ["websocket"],
  reconnection: false,
  timeout: 10000,
});

const seen = new Set();
let resyncSent = false;
let snapshotsAfterResync = 0;

const original = socket.onevent;
socket.onevent = function (packet) {
  const [name, payload] = packet.data || [];
  out({ event: name, data: payload });
  seen.add(name);
  if (name === "AllExtensionsStatus" && !seen.has("keepaliveSent")) {
    seen.add("keepaliveSent");
    socket.emit("keepalive", token);
  }
  if (name === "keepaliveResponse" && !resyncSent) {
    resyncSent = true;
    socket.emit("resync", { cache: false });
  }
  if (resyncSent && (name === "loginStatus" || name === "AllExtensionsStatus")) {
    snapshotsAfterResync += 1;
  }
  const live = seen.has("ExtensionEvent") || seen.has("QueueEvent");
  if (snapshotsAfterResync >= 2 && live) {
    out({ done: true });
    socket.close();
    process.exit(0);
  }
  original.call(this, packet);
};

socket.on("connect_error", (err) => {
  out({ connect_error: String((err && err.description) || err) });
  process.exit(2);
});
socket.on("error", (err) => {
  out({ error: String(err) });
  process.exit(2);
});
setTimeout(() => {
  out({ timeout: true, seen: [...seen] });
  process.exit(3);
}, 20000);
