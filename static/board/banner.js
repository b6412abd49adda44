/* The banner: always says how fresh what this screen shows is. In order of precedence:
 * signed out; reconnecting to the wallboard server (with the time of the data shown);
 * catching up (no snapshot yet); the worker not running; the worker reconnecting to Voicenter;
 * syncing with Voicenter; no data from Voicenter for N (stale); live.
 */

import { age, clockTime } from "./present.js";
import { serverNow } from "./reducer.js";

const WORKER_LAG_S = 15; // worker_updated_at this far behind server_time: worker not running
const STALE_S = 90; // nothing from Voicenter for this long: stale

// link: the socket's state as socket.js keeps it (open, snapshotOnSocket, signedOut,
// lastDataSec, lastDeltaSec, healthServerSec).
export function bannerFor(board, link, reconnects, now) {
  if (!link.open || !link.snapshotOnSocket) {
    if (link.signedOut) return ["signed-out", "⚠ Signed out — opening the sign-in page…"];
    let text = "↻ Reconnecting to the wallboard server…";
    if (link.lastDataSec !== null) text += " (data from " + clockTime(link.lastDataSec) + ")";
    else if (reconnects === 0) text = "↻ Connecting to the wallboard server…";
    return ["reconnecting", text];
  }
  if (!board.synced) return ["syncing", "↻ Catching up with the wallboard server…"];
  if (board.epoch === null) {
    return ["worker-down", "⚠ No data from Voicenter yet — waiting for the wallboard worker"];
  }
  const v = board.voicenter;
  const updated = v && typeof v.worker_updated_at === "number" ? v.worker_updated_at : null;
  if (!v || updated === null) {
    return ["worker-down", "⚠ Wallboard worker not running — no data from Voicenter"];
  }
  // Judged at the server_time the health came with: between heartbeats it cannot be newer.
  const lag = (link.healthServerSec === null ? now : link.healthServerSec) - updated;
  if (!v.running || lag > WORKER_LAG_S) {
    return [
      "worker-down",
      "⚠ Wallboard worker not running — no data from Voicenter for " + age(now - updated),
    ];
  }
  let lastEvent = typeof v.last_event_at === "number" ? v.last_event_at : null;
  if (link.lastDeltaSec !== null && (lastEvent === null || link.lastDeltaSec > lastEvent)) {
    lastEvent = link.lastDeltaSec;
  }
  if (!v.connected) {
    return [
      "voicenter-down",
      "↻ Reconnecting to Voicenter…" +
        (lastEvent !== null ? " no data for " + age(now - lastEvent) : ""),
    ];
  }
  if (v.syncing) return ["syncing", "↻ Syncing with Voicenter…"];
  if (lastEvent === null || now - lastEvent > STALE_S) {
    return [
      "stale",
      "⚠ No data from Voicenter" + (lastEvent !== null ? " for " + age(now - lastEvent) : ""),
    ];
  }
  return ["live", "● Live"];
}

export function createBanner(node, board, link, stats) {
  let shown = "";
  return function update(now) {
    if (!node) return;
    const b = bannerFor(board, link, stats.reconnects, now === undefined ? serverNow(board) : now);
    const key = b[0] + "\u0000" + b[1];
    if (key === shown) return;
    shown = key;
    node.dataset.state = b[0];
    node.textContent = b[1];
  };
}
