/* The board's one websocket to /ws/wallboard/ (frames: realtime/messages.py). Reconnects by
 * itself with jittered exponential backoff and never reloads the page; feeds every frame to
 * the reducer and asks for a snapshot (resync) when the reducer says something was lost; a
 * watchdog drops a socket that never synced or went silent. A socket closed with 4401 (the
 * session is gone) sends the screen to the sign-in page, which brings the board back.
 *
 * It acknowledges what the board has applied ({"type": "ack"}), at most once per ACK_EVERY_MS
 * and only when its position moved: a board that cannot keep up is then held back by the
 * server and sent a fresh snapshot instead of a backlog.
 *
 * It keeps `link` up to date for the banner (banner.js).
 */

import { receive, serverNow } from "./reducer.js";

const WS_PATH = "/ws/wallboard/";
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 30000;
const UNSYNCED_MAX_MS = 30000; // open socket, no snapshot for this long: reconnect
const SILENT_MIN_S = 90; // no frame at all for max(this, 3 heartbeat periods): reconnect
const CLOSE_UNAUTHENTICATED = 4401;
const CLOSE_STORE_DOWN = 4503; // the server cannot reach its data (Redis): it says so, we retry
const CLOSE_DATABASE_DOWN = 4504; // the server cannot reach its database: likewise
const SIGN_IN_AFTER_MS = 3000; // time to read "Signed out" before the sign-in page opens
const ACK_EVERY_MS = 2000;

export function createLink() {
  return {
    open: false, // a socket is open
    snapshotOnSocket: false, // ...and has had its snapshot
    signedOut: false, // the last socket was closed for want of a session
    lastDataSec: null, // server time when the last frame arrived
    lastDeltaSec: null, // server time when the last delta arrived (an event from Voicenter)
    healthServerSec: null, // server_time of the last snapshot/heartbeat
    healthAtMs: 0, // performance.now() when the last snapshot/heartbeat arrived (0: none yet)
    heartbeatS: 5, // the server's heartbeat period (the page's config says)
    heartbeatGapS: 20, // the last gap between two heartbeats (bounded), for the watchdog
    outage: null, // {part, since}: the server cannot read the state (an outage frame)
    storeDown: false, // the last socket was closed because the server cannot reach Redis
    databaseDown: false, // ...because it cannot reach its database (who we are is unknown)
  };
}

// where: {loginUrl, query}: the sign-in page, and the socket URL's query (a display link's
// token); on: {snapshot(), changed(changed), banner(), view(frame)}: what the page does with
// what arrives (a view frame: what this board shows, its team; view.js).
export function createSocket(board, stats, link, where, on) {
  let ws = null;
  let backoffMs = BACKOFF_MIN_MS;
  let reconnectTimer = null;
  let connects = 0;
  let resyncSent = false;
  let unsyncedSinceMs = 0; // performance.now() when this socket began waiting for a snapshot
  let lastFrameMs = 0; // performance.now() of the last frame on this socket
  let ackedEpoch = null; // the position last acknowledged on this socket
  let ackedSeq = -1;
  let lastAckMs = 0;

  function socketUrl() {
    const query = where.query ? "?" + where.query : "";
    return (location.protocol === "https:" ? "wss" : "ws") + "://" + location.host + WS_PATH + query;
  }

  function connect() {
    reconnectTimer = null;
    if (connects > 0) stats.reconnects += 1;
    connects += 1;
    let sock;
    try {
      sock = new WebSocket(socketUrl());
    } catch (err) {
      scheduleReconnect();
      return;
    }
    ws = sock;
    resyncSent = false;
    ackedEpoch = null;
    ackedSeq = -1;
    link.snapshotOnSocket = false;
    unsyncedSinceMs = performance.now();
    lastFrameMs = performance.now();
    link.healthAtMs = 0;
    sock.onopen = function () {
      if (sock !== ws) return;
      link.open = true;
      link.signedOut = false;
      unsyncedSinceMs = lastFrameMs = performance.now();
      on.banner();
    };
    sock.onmessage = function (event) {
      if (sock !== ws) return;
      onFrame(event.data);
    };
    sock.onclose = function (event) {
      if (sock !== ws) return;
      link.signedOut = event.code === CLOSE_UNAUTHENTICATED;
      link.storeDown = event.code === CLOSE_STORE_DOWN;
      link.databaseDown = event.code === CLOSE_DATABASE_DOWN;
      dropSocket();
      if (link.signedOut) {
        // The session is gone (expired, signed out): only a person can sign in again.
        const next = encodeURIComponent(location.pathname + location.search);
        setTimeout(function () {
          location.assign(where.loginUrl + "?next=" + next);
        }, SIGN_IN_AFTER_MS);
        return;
      }
      scheduleReconnect();
    };
    sock.onerror = function () {
      /* a close event follows */
    };
    on.banner();
  }

  function dropSocket() {
    const sock = ws;
    ws = null;
    link.open = false;
    board.synced = false; // deltas are ignored until the next socket's snapshot
    link.snapshotOnSocket = false;
    if (sock) {
      sock.onopen = sock.onmessage = sock.onclose = sock.onerror = null;
      if (sock.readyState === 0 || sock.readyState === 1) {
        try {
          sock.close();
        } catch (err) {
          /* already closing */
        }
      }
    }
    on.banner();
  }

  function scheduleReconnect() {
    if (reconnectTimer !== null) return;
    const delay = backoffMs * (0.5 + Math.random() * 0.5);
    backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
    reconnectTimer = setTimeout(connect, delay);
  }

  function requestResync() {
    if (resyncSent || !ws || ws.readyState !== 1) return;
    resyncSent = true;
    unsyncedSinceMs = performance.now();
    ws.send(JSON.stringify({ type: "resync" }));
  }

  // Tell the server what the board has applied, if it moved, at most once per ACK_EVERY_MS;
  // the watchdog's tick sends the one a burst's rate limit held back.
  function acknowledge(nowMs) {
    if (!ws || ws.readyState !== 1 || !board.synced || board.epoch === null) return;
    if (board.epoch === ackedEpoch && board.seq === ackedSeq) return;
    if (nowMs - lastAckMs < ACK_EVERY_MS) return;
    lastAckMs = nowMs;
    ackedEpoch = board.epoch;
    ackedSeq = board.seq;
    ws.send(JSON.stringify({ type: "ack", epoch: board.epoch, seq: board.seq }));
    stats.acks += 1;
  }

  function noteHealth(frame) {
    const nowMs = performance.now();
    if (typeof frame.server_time === "number") link.healthServerSec = frame.server_time;
    if (frame.type === "heartbeat" && link.healthAtMs) {
      const gap = (nowMs - link.healthAtMs) / 1000;
      // the last gap, bounded: one long outage must not blind the watchdog for good
      link.heartbeatGapS = Math.min(Math.max(gap, 20), 120);
    }
    link.healthAtMs = nowMs;
    link.outage = null; // a heartbeat or a snapshot: the server reads the state again
    link.storeDown = false;
    link.databaseDown = false;
  }

  function onFrame(text) {
    stats.frames += 1;
    let frame;
    try {
      frame = JSON.parse(text);
    } catch (err) {
      stats.drops += 1;
      return;
    }
    lastFrameMs = performance.now();
    if (frame && frame.type === "view") {
      // A snapshot of its scope follows; until it comes, deltas already cut to the new scope
      // must not land on the old scope's state (a moment of two teams' tiles mixed).
      if (board.synced) {
        board.synced = false;
        unsyncedSinceMs = lastFrameMs;
      }
      if (on.view) on.view(frame);
      return;
    }
    const result = receive(board, frame, Date.now());
    if (frame && (frame.type === "snapshot" || frame.type === "heartbeat")) noteHealth(frame);
    if (result.action === "outage") {
      link.outage = { part: String(frame.part), since: frame.since };
    }
    link.lastDataSec = serverNow(board);
    switch (result.action) {
      case "snapshot":
        stats.snapshots += 1;
        resyncSent = false;
        link.snapshotOnSocket = true;
        backoffMs = BACKOFF_MIN_MS;
        link.lastDeltaSec = null;
        on.snapshot();
        break;
      case "delta":
        stats.deltas += 1;
        link.lastDeltaSec = link.lastDataSec;
        on.changed(result.changed);
        break;
      case "resync":
        stats.resyncs += 1;
        requestResync();
        break;
      case "drop":
        stats.drops += 1;
        break;
      default: // heartbeat, outage, error
        break;
    }
    acknowledge(lastFrameMs);
    on.banner();
  }

  // Once a second: a socket that never got its snapshot, or went silent, is started over.
  function watchdog() {
    if (!ws) return;
    const nowMs = performance.now();
    acknowledge(nowMs);
    if (ws.readyState === 1 && !board.synced && nowMs - unsyncedSinceMs > UNSYNCED_MAX_MS) {
      dropSocket(); // the snapshot never came: start over
      scheduleReconnect();
      return;
    }
    const silentS = Math.max(SILENT_MIN_S, 3 * link.heartbeatGapS);
    if (ws.readyState === 1 && nowMs - lastFrameMs > silentS * 1000) {
      dropSocket(); // heartbeats stopped: a dead connection the browser has not noticed
      scheduleReconnect();
    }
  }

  // A message to the server (the board's own requests: {"type": "view", "team": ...}).
  function send(message) {
    if (!ws || ws.readyState !== 1) return false;
    ws.send(JSON.stringify(message));
    return true;
  }

  return { connect: connect, watchdog: watchdog, send: send };
}
