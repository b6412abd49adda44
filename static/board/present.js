// @ts-check
/* What the board shows, computed from the state: pure, no DOM (the reducer's state in, plain
 * values out). An agent's category, the order of the cards, the header's counts, durations.
 * The entities' fields are specified in realtime/state.py. Words from the catalog (i18n.js).
 */

import { share, t } from "./i18n.js";

const LOGIN = 1;
const LOGOUT = 2;

function callsOf(agent) {
  return agent && Array.isArray(agent.calls) ? agent.calls : [];
}

// The name a card shows: who works the extension now, else its user, else the extension.
export function agentName(agent, ext) {
  const name = agent && (agent.agent_name || agent.user_name);
  return name ? String(name) : String(ext);
}

// "ringing" | "oncall" | "listening" | "available" | "loggedout" | "break"
// "listening": every call is Spying (listening in on another extension): busy, not talking.
export function agentCategory(agent) {
  const calls = callsOf(agent);
  if (calls.length) {
    let listening = true;
    for (const call of calls) {
      if (call && (call.state === "Ringing" || call.state === "Dialing")) return "ringing";
      if (!call || call.state !== "Spying") listening = false;
    }
    return listening ? "listening" : "oncall";
  }
  const status = agent ? agent.status : null;
  if (status === LOGIN) return "available";
  if (status === LOGOUT) return "loggedout";
  return "break";
}

// When the call the agent is on began for the board: answered_at, else started_at.
export function callStart(call) {
  if (!call) return null;
  if (typeof call.answered_at === "number") return call.answered_at;
  if (typeof call.started_at === "number") return call.started_at;
  return null;
}

// The earliest start of the agent's calls (its longest current call), or null.
export function longestCallStart(agent) {
  let best = null;
  for (const call of callsOf(agent)) {
    const start = callStart(call);
    if (start !== null && (best === null || start < best)) best = start;
  }
  return best;
}

// The call a card shows: a ringing/dialing one first, else the first.
export function mainCall(calls) {
  for (const call of calls) {
    if (call && (call.state === "Ringing" || call.state === "Dialing")) return call;
  }
  for (const call of calls) if (call) return call;
  return null;
}

/**
 * Since when an agent on no call has been idle: the later of their last ended and last
 * answered call (realtime/state.py: Voicenter's lastHangupCallEpoch may lag behind an answer;
 * docs/voicenter.md), null when neither is known. Not meaningful while on a call.
 * @returns {number | null}
 */
export function idleSince(agent) {
  const ended = agent ? agent.last_hangup_at : null;
  const answered = agent ? agent.last_answered_at : null;
  const e = typeof ended === "number" && isFinite(ended) ? ended : null;
  const a = typeof answered === "number" && isFinite(answered) ? answered : null;
  if (e === null) return a;
  return a === null || e >= a ? e : a;
}

// What needs attention first: ringing, over a limit, on a call, available, on a break, logged out.
const RANK = { ringing: 0, over: 1, oncall: 2, listening: 2, available: 3, break: 4, loggedout: 5 };

/** @typedef {[number | null, number | null]} Limits */
/** @type {Limits} */
const NO_LIMITS = [null, null];

/**
 * An agent's limits in its status, in seconds: [time in the status, a call taken in it]
 * (null: none), from the page's config.limits (wallboard/teams/limits.py): its team's own for
 * that status, else the account's.
 * @param {{by_status?: Record<string, Limits>, by_agent?: Record<string, Record<string, Limits>>} | null | undefined} limits
 * @param {string} ext
 * @param {unknown} status
 * @returns {Limits}
 */
export function limitsOf(limits, ext, status) {
  if (!limits || typeof status !== "number") return NO_LIMITS;
  const code = String(status);
  const own = limits.by_agent ? limits.by_agent[ext] : null;
  if (own && Object.prototype.hasOwnProperty.call(own, code)) return own[code];
  const account = limits.by_status ? limits.by_status[code] : null;
  return account || NO_LIMITS;
}

/**
 * How far past its limit an agent is, in seconds (0: not over): a call longer than its status'
 * long-call limit, else (no call) longer in its status than that status' limit. Ringing and
 * listening in are never over.
 * @returns {{by: number, call: boolean}}
 */
export function overLimit(agent, ext, limits, nowSec) {
  const category = agentCategory(agent);
  if (category === "ringing" || category === "listening") return { by: 0, call: false };
  const [statusS, callS] = limitsOf(limits, ext, agent ? agent.status : null);
  if (category === "oncall") {
    const start = longestCallStart(agent);
    const by = callS && start !== null ? nowSec - start - callS : 0;
    return { by: by > 0 ? by : 0, call: true };
  }
  const since = agent ? agent.status_since : null;
  const by = statusS && typeof since === "number" ? nowSec - since - statusS : 0;
  return { by: by > 0 ? by : 0, call: false };
}

// "over by 12 min": whole minutes, rounded up (a second over is a minute over).
/** @param {number} seconds */
export function overWords(seconds) {
  return t("agent.overBy", { min: Math.max(1, Math.ceil(seconds / 60)) });
}

// The agents over their limit now.
export function countOver(agents, limits, nowSec) {
  let n = 0;
  if (!limits) return 0;
  for (const ext of Object.keys(agents || {})) {
    if (overLimit(agents[ext], ext, limits, nowSec).by > 0) n += 1;
  }
  return n;
}

const collator =
  typeof Intl !== "undefined" && Intl.Collator
    ? new Intl.Collator(undefined, { numeric: true, sensitivity: "base" })
    : null;

export function compareText(a, b) {
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

// The cards' order, what needs attention first: ringing, over a limit (limitsOf: the furthest
// over first), on a call, available, on a break, logged out; within each, the longest in that
// state first (available: the longest idle first, idleSince, the next a queue would ring; then
// the longest available), then by name.
export function agentOrder(agents, nowSec, limits) {
  const now = typeof nowSec === "number" ? nowSec : Date.now() / 1000;
  const rows = [];
  for (const ext of Object.keys(agents || {})) {
    const agent = agents[ext] || {};
    let category = agentCategory(agent);
    let duration = 0; // ringing: by name only
    let then = 0; // a second order within the same duration (available: time in the status)
    const over = limits ? overLimit(agent, ext, limits, now).by : 0;
    if (over > 0) {
      category = "over";
      duration = over;
    } else if (category === "oncall" || category === "listening") {
      duration = elapsed(longestCallStart(agent), now);
    }
    else if (category === "available") {
      duration = elapsed(idleSince(agent), now);
      then = elapsed(agent.status_since, now);
    } else if (category === "break") {
      duration = elapsed(agent.status_since, now);
    }
    rows.push({
      ext: ext, rank: RANK[category], duration: duration, then: then, name: agent.agent_name,
    });
  }
  rows.sort(function (a, b) {
    if (a.rank !== b.rank) return a.rank - b.rank;
    if (a.duration !== b.duration) return b.duration - a.duration; // longest first
    if (a.then !== b.then) return b.then - a.then;
    return compareText(a.name, b.name) || compareText(a.ext, b.ext);
  });
  return rows.map(function (row) {
    return row.ext;
  });
}

/**
 * @typedef {{waiting: number, longestWaitSince: number | null, available: number,
 *   oncall: number, listening: number, onbreak: number, loggedout: number}} Summary
 */

// The header's figures, from the state's queues and agents.
/** @returns {Summary} */
export function summary(state) {
  /** @type {Summary} */
  const out = {
    waiting: 0,
    longestWaitSince: null,
    available: 0,
    oncall: 0,
    listening: 0, // listening in: busy, but not on a call of their own
    onbreak: 0,
    loggedout: 0,
  };
  const queues = (state && state.queues) || {};
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
  const agents = (state && state.agents) || {};
  for (const ext of Object.keys(agents)) {
    switch (agentCategory(agents[ext])) {
      case "ringing":
      case "oncall":
        out.oncall += 1;
        break;
      case "listening":
        out.listening += 1;
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

/** @param {number} n */
function pad2(n) {
  return n < 10 ? "0" + n : String(n);
}

// 7 -> "0:07", 725 -> "12:05", 3723 -> "1:02:03"; unknown -> "—".
/** @param {unknown} seconds @returns {string} */
export function formatDuration(seconds) {
  if (typeof seconds !== "number" || !isFinite(seconds)) return "—";
  let s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return h > 0 ? h + ":" + pad2(m) + ":" + pad2(s) : m + ":" + pad2(s);
}

// A past span for the banner: "42 s", "7 min", "2 h 5 min".
/** @param {number} seconds @returns {string} */
export function age(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 120) return t("age.seconds", { s: s });
  const m = Math.floor(s / 60);
  if (m < 120) return t("age.minutes", { m: m });
  return t("age.hours", { h: Math.floor(m / 60), m: m % 60 });
}

/** @type {Intl.DateTimeFormat | null} */
let clock = null; // the account's wall clock (setTimeZone), else the screen's

// Tell the time on the account's clock (the server's TIME_ZONE), not the screen's: a TV in
// another zone, or set wrong, still says what the call center's clock says. 24-hour.
/** @param {string | null | undefined} timeZone an IANA zone, e.g. "Asia/Jerusalem" */
export function setTimeZone(timeZone) {
  try {
    clock = timeZone
      ? new Intl.DateTimeFormat("en-GB", {
          timeZone: timeZone, hour: "2-digit", minute: "2-digit", second: "2-digit",
          hourCycle: "h23",
        })
      : null;
  } catch (err) {
    clock = null; // a zone this browser does not know: the screen's own clock
  }
}

// A moment as the account's wall clock, "14:03:09".
/** @param {number} sec @returns {string} */
export function clockTime(sec) {
  const d = new Date(sec * 1000);
  if (clock) return clock.format(d);
  return pad2(d.getHours()) + ":" + pad2(d.getMinutes()) + ":" + pad2(d.getSeconds());
}

// Today's totals over every queue (the state's `today`, realtime/metrics.py): the counts
// summed, and the service level by the strict formula over the sums.
/** @returns {{answered: number, abandoned: number, withinSl: number, slPct: number | null}} */
export function todayTotals(today) {
  /** @type {{answered: number, abandoned: number, withinSl: number, slPct: number | null}} */
  const out = { answered: 0, abandoned: 0, withinSl: 0, slPct: null };
  for (const id of Object.keys(today || {})) {
    const q = today[id] || {};
    out.answered += typeof q.answered === "number" ? q.answered : 0;
    out.abandoned += typeof q.abandoned === "number" ? q.abandoned : 0;
    out.withinSl += typeof q.answered_within_sl === "number" ? q.answered_within_sl : 0;
  }
  const served = out.answered + out.abandoned;
  if (served > 0) out.slPct = Math.round((1000 * out.withinSl) / served) / 10;
  return out;
}

// "12.5%" / "—"; "0:12" for seconds.
export function percent(value) {
  return share(value);
}
