/* The board's reducer: pure, no DOM. Runs in the browser (window.BoardReducer) and under Node
 * (module.exports; tests/node/reduce.js runs it over recorded frames).
 *
 * The frames it receives are specified in realtime/messages.py (and docs/protocol.md); the state
 * they carry in realtime/state.py. receive() mutates the board and says what happened:
 *
 *   {action, queues: [ids changed], agents: [ids changed]}
 *
 * action: "snapshot" (state replaced), "delta" (applied), "drop" (ignored: duplicate, not synced,
 * unknown), "resync" (something was lost: ask the server for a snapshot), "heartbeat", "error".
 */
(function (root, factory) {
  "use strict";
  const api = factory();
  if (typeof module === "object" && module && module.exports) {
    module.exports = api; // Node
  } else {
    root.BoardReducer = api; // the browser: window.BoardReducer
  }
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  const COLLECTIONS = ["queues", "agents"];
  const LOGIN = 1;
  const LOGOUT = 2;

  function isObject(x) {
    return x !== null && typeof x === "object" && !Array.isArray(x);
  }

  function createBoard() {
    return {
      epoch: null,
      seq: 0,
      queues: Object.create(null), // no prototype: a key like "__proto__" is just a key
      agents: Object.create(null),
      synced: false,
      serverOffsetMs: 0,
      voicenter: null,
      lastHeartbeatSeq: null,
    };
  }

  function result(action, queues, agents) {
    return { action: action, queues: queues || [], agents: agents || [] };
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
    const state = isObject(frame.state) ? frame.state : {};
    const changed = {};
    for (const name of COLLECTIONS) {
      const next = isObject(state[name]) ? state[name] : {};
      const ids = new Set(Object.keys(board[name]));
      for (const id of Object.keys(next)) ids.add(id);
      changed[name] = Array.from(ids);
      board[name] = Object.assign(Object.create(null), next); // replaced, never merged
    }
    board.epoch = frame.epoch === undefined ? null : frame.epoch;
    board.seq = typeof frame.seq === "number" ? frame.seq : 0;
    board.synced = true;
    board.lastHeartbeatSeq = null;
    takeServerInfo(board, frame, nowMs);
    return result("snapshot", changed.queues, changed.agents);
  }

  function receiveDelta(board, frame) {
    if (!board.synced) return result("drop");
    if (frame.epoch !== board.epoch) {
      board.synced = false;
      return result("resync");
    }
    const seq = frame.seq;
    if (typeof seq !== "number" || !isFinite(seq)) return result("drop");
    if (seq <= board.seq) return result("drop");
    if (seq > board.seq + 1) {
      board.synced = false;
      return result("resync");
    }
    const delta = isObject(frame.delta) ? frame.delta : {};
    const changed = { queues: [], agents: [] };
    for (const name of COLLECTIONS) {
      const part = delta[name];
      if (!isObject(part)) continue;
      const collection = board[name];
      if (isObject(part.set)) {
        for (const id of Object.keys(part.set)) {
          collection[id] = part.set[id];
          changed[name].push(id);
        }
      }
      if (Array.isArray(part.del)) {
        for (const id of part.del) {
          const key = String(id);
          if (Object.prototype.hasOwnProperty.call(collection, key)) {
            delete collection[key];
          }
          changed[name].push(key);
        }
      }
    }
    board.seq = seq;
    return result("delta", changed.queues, changed.agents);
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

  function receive(board, frame, nowMs) {
    if (!isObject(frame)) return result("drop");
    switch (frame.type) {
      case "snapshot":
        return receiveSnapshot(board, frame, nowMs);
      case "delta":
        return receiveDelta(board, frame);
      case "heartbeat":
        return receiveHeartbeat(board, frame, nowMs);
      case "error":
        return result("error");
      default:
        return result("drop");
    }
  }

  // --- helpers for the view ------------------------------------------------------------

  function callsOf(agent) {
    return agent && Array.isArray(agent.calls) ? agent.calls : [];
  }

  function agentCategory(agent) {
    const calls = callsOf(agent);
    if (calls.length) {
      for (const call of calls) {
        if (call && (call.state === "Ringing" || call.state === "Dialing")) return "ringing";
      }
      return "oncall";
    }
    const status = agent ? agent.status : null;
    if (status === LOGIN) return "available";
    if (status === LOGOUT) return "loggedout";
    return "break";
  }

  // When the call the agent is on began for the board: answered_at, else started_at.
  function callStart(call) {
    if (!call) return null;
    if (typeof call.answered_at === "number") return call.answered_at;
    if (typeof call.started_at === "number") return call.started_at;
    return null;
  }

  // The earliest start of the agent's calls (its longest current call), or null.
  function longestCallStart(agent) {
    let best = null;
    for (const call of callsOf(agent)) {
      const start = callStart(call);
      if (start !== null && (best === null || start < best)) best = start;
    }
    return best;
  }

  const RANK = { ringing: 0, oncall: 1, break: 2, available: 3, loggedout: 4 };

  const collator =
    typeof Intl !== "undefined" && Intl.Collator
      ? new Intl.Collator(undefined, { numeric: true, sensitivity: "base" })
      : null;

  function compareText(a, b) {
    a = a == null ? "" : String(a);
    b = b == null ? "" : String(b);
    if (collator) {
      const c = collator.compare(a, b);
      if (c !== 0) return c;
    }
    return a < b ? -1 : a > b ? 1 : 0;
  }

  // Seconds since `since` (unknown: -1, so it sorts after every known one).
  function elapsed(since, nowSec) {
    return typeof since === "number" && isFinite(since) ? Math.max(0, nowSec - since) : -1;
  }

  function agentOrder(agents, nowSec) {
    const now = typeof nowSec === "number" ? nowSec : Date.now() / 1000;
    const rows = [];
    for (const ext of Object.keys(agents || {})) {
      const agent = agents[ext] || {};
      const category = agentCategory(agent);
      let duration = 0; // ringing: by name only
      if (category === "oncall") duration = elapsed(longestCallStart(agent), now);
      else if (category === "break" || category === "available") {
        duration = elapsed(agent.status_since, now);
      }
      rows.push({ ext: ext, rank: RANK[category], duration: duration, name: agent.agent_name });
    }
    rows.sort(function (a, b) {
      if (a.rank !== b.rank) return a.rank - b.rank;
      if (a.duration !== b.duration) return b.duration - a.duration; // longest first
      return compareText(a.name, b.name) || compareText(a.ext, b.ext);
    });
    return rows.map(function (row) {
      return row.ext;
    });
  }

  function summary(board, nowSec) {
    const out = {
      waiting: 0,
      longestWaitSince: null,
      available: 0,
      oncall: 0,
      onbreak: 0,
      loggedout: 0,
    };
    const queues = (board && board.queues) || {};
    for (const id of Object.keys(queues)) {
      const waiting = queues[id] && Array.isArray(queues[id].waiting) ? queues[id].waiting : [];
      out.waiting += waiting.length;
      for (const caller of waiting) {
        const t = caller ? caller.joined_at : null;
        if (typeof t === "number" && (out.longestWaitSince === null || t < out.longestWaitSince)) {
          out.longestWaitSince = t;
        }
      }
    }
    const agents = (board && board.agents) || {};
    for (const ext of Object.keys(agents)) {
      switch (agentCategory(agents[ext])) {
        case "ringing":
        case "oncall":
          out.oncall += 1;
          break;
        case "available":
          out.available += 1;
          break;
        case "loggedout":
          out.loggedout += 1;
          break;
        default:
          out.onbreak += 1;
      }
    }
    return out;
  }

  function pad2(n) {
    return n < 10 ? "0" + n : String(n);
  }

  // 7 -> "0:07", 725 -> "12:05", 3723 -> "1:02:03"; unknown -> "—".
  function formatDuration(seconds) {
    if (typeof seconds !== "number" || !isFinite(seconds)) return "—";
    let s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600);
    s -= h * 3600;
    const m = Math.floor(s / 60);
    s -= m * 60;
    return h > 0 ? h + ":" + pad2(m) + ":" + pad2(s) : m + ":" + pad2(s);
  }

  return {
    createBoard: createBoard,
    receive: receive,
    agentCategory: agentCategory,
    agentOrder: agentOrder,
    summary: summary,
    formatDuration: formatDuration,
    callStart: callStart,
    longestCallStart: longestCallStart,
    compareText: compareText,
  };
});
