// @ts-check
/* The board's reducer: pure, no DOM. An ES module, run by the board (main.js) and under Node
 * by the tests (tests/node/reduce.mjs runs it over recorded frames).
 *
 * The frames it receives are specified in realtime/messages.py; the state they carry in
 * realtime/state.py. It knows no collection by name: a snapshot's state is a set of
 * collections (id -> entity) and a delta says, per collection, what to set and what to delete,
 * so a collection the server adds reaches the board with no change here.
 *
 * receive(board, frame, nowMs) mutates the board and says what happened:
 *
 *   {action, changed: {collection: [ids changed]}}
 *
 * action: "snapshot" (state replaced), "delta" (applied), "drop" (ignored: duplicate, not synced,
 * unknown), "resync" (something was lost: ask the server for a snapshot), "heartbeat", "outage"
 * (the server cannot read the state: the board's data is frozen), "error".
 */

function isObject(x) {
  return x !== null && typeof x === "object" && !Array.isArray(x);
}

// A collection: no prototype, so that a key like "__proto__" is just a key.
function collection(entries) {
  return Object.assign(Object.create(null), entries || {});
}

/**
 * What a board knows: the state (collection name -> {id: entity}), its position in the
 * server's stream, and the server's clock and health as the last frames told them.
 * @typedef {{epoch: string | null, seq: number, state: Record<string, Record<string, any>>,
 *   synced: boolean, serverOffsetMs: number, voicenter: Record<string, any> | null,
 *   lastHeartbeatSeq: number | null}} Board
 * @typedef {{action: string, changed: Record<string, string[]>}} Received
 */

/** @returns {Board} */
export function createBoard() {
  return {
    epoch: null,
    seq: 0,
    state: Object.create(null), // collection name -> {id: entity}
    synced: false,
    serverOffsetMs: 0,
    voicenter: null,
    lastHeartbeatSeq: null,
  };
}

/** @param {string} action @param {Record<string, string[]>} [changed] @returns {Received} */
function result(action, changed) {
  return { action: action, changed: changed || {} };
}

// server_time and the worker's health: carried by snapshots and heartbeats.
function takeServerInfo(board, frame, nowMs) {
  if (typeof frame.server_time === "number" && isFinite(frame.server_time)) {
    const now = typeof nowMs === "number" && isFinite(nowMs) ? nowMs : Date.now();
    board.serverOffsetMs = frame.server_time * 1000 - now;
  }
  if ("voicenter" in frame) {
    board.voicenter = isObject(frame.voicenter) ? frame.voicenter : null;
  }
}

function receiveSnapshot(board, frame, nowMs) {
  const next = isObject(frame.state) ? frame.state : {};
  /** @type {Record<string, string[]>} */
  const changed = {};
  const names = new Set(Object.keys(board.state));
  for (const name of Object.keys(next)) if (isObject(next[name])) names.add(name);
  const state = Object.create(null);
  for (const name of names) {
    const entries = isObject(next[name]) ? next[name] : {};
    const ids = new Set(Object.keys(board.state[name] || {}));
    for (const id of Object.keys(entries)) ids.add(id);
    changed[name] = Array.from(ids);
    state[name] = collection(entries); // replaced, never merged
  }
  board.state = state;
  board.epoch = frame.epoch === undefined ? null : frame.epoch;
  board.seq = typeof frame.seq === "number" ? frame.seq : 0;
  board.synced = true;
  board.lastHeartbeatSeq = null;
  takeServerInfo(board, frame, nowMs);
  return result("snapshot", changed);
}

function receiveDelta(board, frame) {
  if (!board.synced) return result("drop");
  if (frame.epoch !== board.epoch) {
    board.synced = false;
    return result("resync");
  }
  const seq = frame.seq;
  if (typeof seq !== "number" || !isFinite(seq)) return result("drop");
  // A merged frame covers from_seq..seq (a web process under load); a single one just seq.
  const from = typeof frame.from_seq === "number" && isFinite(frame.from_seq) ? frame.from_seq : seq;
  if (seq <= board.seq) return result("drop");
  if (from !== board.seq + 1) {
    board.synced = false; // a gap, or a merge this board is partly past: start over
    return result("resync");
  }
  const delta = isObject(frame.delta) ? frame.delta : {};
  /** @type {Record<string, string[]>} */
  const changed = {};
  for (const name of Object.keys(delta)) {
    const part = delta[name];
    if (!isObject(part)) continue;
    const entries = board.state[name] || (board.state[name] = collection());
    const ids = (changed[name] = []);
    if (isObject(part.set)) {
      for (const id of Object.keys(part.set)) {
        entries[id] = part.set[id];
        ids.push(id);
      }
    }
    if (Array.isArray(part.del)) {
      for (const id of part.del) {
        const key = String(id);
        delete entries[key];
        ids.push(key);
      }
    }
  }
  board.seq = seq;
  return result("delta", changed);
}

function receiveHeartbeat(board, frame, nowMs) {
  takeServerInfo(board, frame, nowMs);
  let action = "heartbeat";
  if (board.synced) {
    if (frame.epoch !== board.epoch) {
      board.synced = false;
      action = "resync";
    } else if (board.lastHeartbeatSeq !== null && board.seq < board.lastHeartbeatSeq) {
      // the previous heartbeat promised a seq this board never reached: a delta was lost
      board.synced = false;
      action = "resync";
    }
  }
  board.lastHeartbeatSeq = typeof frame.seq === "number" ? frame.seq : null;
  return result(action);
}

/** @param {Board} board @param {any} frame a server frame, or junk @param {number} [nowMs] @returns {Received} */
export function receive(board, frame, nowMs) {
  if (!isObject(frame)) return result("drop");
  switch (frame.type) {
    case "snapshot":
      return receiveSnapshot(board, frame, nowMs);
    case "delta":
      return receiveDelta(board, frame);
    case "heartbeat":
      return receiveHeartbeat(board, frame, nowMs);
    case "outage":
      // the server cannot read the state: what the board shows is frozen (banner.js says so);
      // no position in it to act on
      takeServerInfo(board, frame, nowMs);
      return result("outage");
    case "error":
      return result("error");
    default:
      return result("drop");
  }
}

// The server's clock now, in epoch seconds, as far as this board knows it.
/** @param {Board} board @param {number} [nowMs] @returns {number} */
export function serverNow(board, nowMs) {
  return ((typeof nowMs === "number" ? nowMs : Date.now()) + board.serverOffsetMs) / 1000;
}
