// The browser's pure modules under Node's own test runner (`make check`: node --test).
// static/board/reducer.js, present.js, i18n.js and banner.js touch no DOM; the Python tests
// drive them too (tests/test_board_*.py), these check their rules directly.
import assert from "node:assert/strict";
import { test } from "node:test";

import { bannerFor, frozenSince } from "../../static/board/banner.js";
import { count, setLanguage, share, t, word } from "../../static/board/i18n.js";
import {
  age, agentCategory, agentOrder, clockTime, countOver, formatDuration, idleSince, limitsOf,
  overLimit, overWords, setTimeZone, todayTotals,
} from "../../static/board/present.js";
import { createBoard, receive } from "../../static/board/reducer.js";

const snapshot = (seq, state = { queues: {}, agents: {} }) => ({
  type: "snapshot", epoch: "e1", seq, state, server_time: 1000,
});
const delta = (seq, parts, from_seq) => ({
  type: "delta", epoch: "e1", seq, delta: parts, ...(from_seq ? { from_seq } : {}),
});

test("a snapshot replaces the state and the position", () => {
  const board = createBoard();
  assert.equal(receive(board, snapshot(5, { queues: { 1: { id: "1" } }, agents: {} }), 0).action, "snapshot");
  assert.equal(board.seq, 5);
  assert.equal(board.synced, true);
  receive(board, snapshot(9), 0);
  assert.deepEqual(Object.keys(board.state.queues), []); // replaced, never merged
});

test("the next delta applies; an old one is dropped; a gap asks for a resync", () => {
  const board = createBoard();
  receive(board, snapshot(5), 0);
  assert.equal(receive(board, delta(6, { queues: { set: { 7: { id: "7" } } } }), 0).action, "delta");
  assert.deepEqual(Object.keys(board.state.queues), ["7"]);
  assert.equal(receive(board, delta(6, {}), 0).action, "drop");
  assert.equal(receive(board, delta(9, {}), 0).action, "resync");
  assert.equal(board.synced, false);
  assert.equal(receive(board, delta(10, {}), 0).action, "drop"); // until the next snapshot
});

test("a merged delta applies only from the board's own position", () => {
  const board = createBoard();
  receive(board, snapshot(5), 0);
  assert.equal(receive(board, delta(8, { agents: { del: ["x"] } }, 6), 0).action, "delta");
  assert.equal(board.seq, 8);
  assert.equal(receive(board, delta(11, {}, 10), 0).action, "resync");
});

test("a delta of another epoch is a resync, junk is dropped", () => {
  const board = createBoard();
  receive(board, snapshot(5), 0);
  assert.equal(receive(board, null, 0).action, "drop");
  assert.equal(receive(board, { type: "nonsense" }, 0).action, "drop");
  assert.equal(receive(board, { ...delta(6, {}), epoch: "e2" }, 0).action, "resync");
});

test("an agent's category comes from their calls first, then their status", () => {
  assert.equal(agentCategory({ status: 1, calls: [{ state: "Ringing" }] }), "ringing");
  assert.equal(agentCategory({ status: 3, calls: [{ state: "Talking" }] }), "oncall");
  assert.equal(agentCategory({ status: 1, calls: [{ state: "Spying" }] }), "listening");
  assert.equal(agentCategory({ status: 1, calls: [] }), "available");
  assert.equal(agentCategory({ status: 2, calls: [] }), "loggedout");
  assert.equal(agentCategory({ status: 3, calls: [] }), "break");
});

test("ringing agents come first and logged-out agents last", () => {
  const agents = {
    a: { extension: "a", name: "A", status: 2, calls: [] },
    b: { extension: "b", name: "B", status: 1, calls: [] },
    c: { extension: "c", name: "C", status: 1, calls: [{ state: "Ringing", started_at: 10 }] },
  };
  const order = agentOrder(agents, 100);
  assert.equal(order[0], "c");
  assert.equal(order[order.length - 1], "a");
});

test("limits come from the agent's team first, then the account, per status", () => {
  const limits = { by_status: { 3: [1800, null], 1: [null, 1200] }, by_agent: { x: { 3: [600, null] } } };
  assert.deepEqual(limitsOf(limits, "a", 3), [1800, null]); // the account's Lunch: 30 min
  assert.deepEqual(limitsOf(limits, "x", 3), [600, null]); // x's team: 10 min
  assert.deepEqual(limitsOf(limits, "x", 1), [null, 1200]); // x's team says nothing of Login
  assert.deepEqual(limitsOf(limits, "a", 5), [null, null]); // no limit for that status
  assert.deepEqual(limitsOf(null, "a", 3), [null, null]);
});

test("an agent over a status limit or on a long call is over, by how much", () => {
  const limits = { by_status: { 3: [1800, null], 1: [null, 1200] }, by_agent: {} };
  const lunch = { status: 3, status_since: 1000, calls: [] };
  assert.equal(overLimit(lunch, "a", limits, 1000 + 1800).by, 0); // at the limit: not over
  assert.deepEqual(overLimit(lunch, "a", limits, 1000 + 1800 + 720), { by: 720, call: false });
  const talking = { status: 1, status_since: 0, calls: [{ state: "Talking", answered_at: 100 }] };
  assert.deepEqual(overLimit(talking, "a", limits, 100 + 1260), { by: 60, call: true });
  const ringing = { status: 3, status_since: 0, calls: [{ state: "Ringing", started_at: 0 }] };
  assert.equal(overLimit(ringing, "a", limits, 99_999).by, 0); // ringing is never "over"
  const agents = { a: lunch, b: talking, c: ringing };
  assert.equal(countOver(agents, limits, 100 + 1260 + 2000), 2);
  setLanguage("en");
  assert.equal(overWords(720), "over by \u206812\u2069 min");
  assert.equal(overWords(1), "over by \u20681\u2069 min"); // a second over is a minute over
});

test("the cards come by what needs attention: ringing, over, call, available, break, out", () => {
  const limits = { by_status: { 3: [1800, null] }, by_agent: {} };
  const agents = {
    out: { status: 2, status_since: 0, calls: [] },
    lunch: { status: 3, status_since: 90, calls: [] },
    longLunch: { status: 3, status_since: 0, calls: [] },
    free: { status: 1, status_since: 0, calls: [] },
    talk: { status: 1, status_since: 0, calls: [{ state: "Talking", answered_at: 0 }] },
    ring: { status: 1, status_since: 0, calls: [{ state: "Ringing", started_at: 0 }] },
  };
  assert.deepEqual(agentOrder(agents, 1850, limits), ["ring", "longLunch", "talk", "free", "lunch", "out"]);
});

test("durations and ages read as people read them", () => {
  setLanguage("en");
  assert.equal(formatDuration(7), "0:07");
  assert.equal(formatDuration(3723), "1:02:03");
  assert.equal(formatDuration(NaN), "—");
  assert.equal(age(42), "\u206842\u2069 s");
  assert.equal(age(7 * 60), "\u20687\u2069 min");
});

test("today's totals sum the queues and take the strict service level", () => {
  const totals = todayTotals({
    1: { answered: 8, abandoned: 2, answered_within_sl: 6 },
    2: { answered: 0, abandoned: 0, answered_within_sl: 0 },
  });
  assert.equal(totals.answered, 8);
  assert.equal(totals.abandoned, 2);
  assert.equal(totals.slPct, 60);
});

test("the catalog fills placeholders and falls back to Voicenter's own value", () => {
  setLanguage("en");
  assert.equal(t("queue.moreWaiting", { count: 3 }), "+ \u20683\u2069 more waiting");
  // each value isolated (FSI ... PDI): a Hebrew name beside a timer keeps its order
  assert.equal(
    t("contacts.talking", { name: "שרה כהן", duration: "0:02" }),
    "Talking with \u2068שרה כהן\u2069 · \u20680:02\u2069",
  );
  assert.equal(word("callState", "SomethingNew"), "SomethingNew");
  assert.equal(word("callState", "constructor"), "constructor"); // no prototype's words
});

test("the banner says live only with a fresh worker and a connected socket", () => {
  const now = 2_000_000;
  const link = {
    open: true, snapshotOnSocket: true, signedOut: false, lastDataSec: now, lastDeltaSec: now,
    healthServerSec: now, healthAtMs: 0, heartbeatS: 5, heartbeatGapS: 20, outage: null,
    storeDown: false, databaseDown: false,
  };
  const voicenter = {
    running: true, connected: true, syncing: false, last_event_at: now, worker_updated_at: now,
  };
  const board = { synced: true, epoch: "e1", voicenter };
  assert.equal(bannerFor(board, link, 0, now, 0)[0], "live");
  assert.equal(bannerFor(board, { ...link, open: false, databaseDown: true }, 0, now, 0)[0], "database-down");
  const silent = { ...voicenter, worker_updated_at: now - 60 };
  assert.equal(bannerFor({ ...board, voicenter: silent }, link, 0, now, 0)[0], "worker-down");
});

test("with the socket down the banner says calls come from the API, or that both are down", () => {
  const now = 2_000_000;
  const link = {
    open: true, snapshotOnSocket: true, signedOut: false, lastDataSec: now, lastDeltaSec: now - 30,
    healthServerSec: now, healthAtMs: 0, heartbeatS: 5, heartbeatGapS: 20, outage: null,
    storeDown: false, databaseDown: false,
  };
  const down = {
    running: true, connected: false, syncing: false, last_event_at: now - 30,
    worker_updated_at: now, source: "", api_at: null, api_failing: false,
  };
  const banner = (v) => bannerFor({ synced: true, epoch: "e1", voicenter: v }, link, 0, now, 0);
  assert.equal(banner(down)[0], "voicenter-down");
  const polled = { ...down, source: "api", api_at: now - 3 };
  assert.deepEqual(banner(polled), ["api", t("banner.fromApi")]);
  assert.equal(frozenSince("api", { voicenter: polled }, link), null); // the calls are live
  // an API answer long ago is not live calls
  assert.equal(banner({ ...polled, api_at: now - 60 })[0], "voicenter-down");
  const both = { ...down, api_failing: true };
  assert.equal(banner(both)[0], "voicenter-down");
  assert.match(banner(both)[1], /API/);
  assert.notEqual(banner(both)[1], banner(down)[1]);
});

test("a board not live is frozen since its last data, by what failed", () => {
  const now = 2_000_000;
  const link = { lastDataSec: now - 3, lastDeltaSec: now - 40, outage: null };
  const board = { voicenter: { last_event_at: now - 30, worker_updated_at: now - 12 } };
  assert.equal(frozenSince("live", board, link), null);
  assert.equal(frozenSince("syncing", board, link), null); // catching up: a moment, not frozen
  assert.equal(frozenSince("worker-down", board, link), now - 12); // the worker's last word
  assert.equal(frozenSince("stale", board, link), now - 30); // the newest event the board has
  assert.equal(frozenSince("reconnecting", board, link), now - 3); // the last data received
  assert.equal(frozenSince("store-down", board, { ...link, outage: { since: now - 7 } }), now - 7);
  assert.ok(Number.isNaN(frozenSince("reconnecting", { voicenter: null }, { lastDataSec: null })));
});

test("times are told on the account's clock, 24-hour, whatever the screen's zone", () => {
  const at = Date.UTC(2026, 6, 1, 12, 30, 5) / 1000; // summer: Jerusalem is UTC+3
  setTimeZone("Asia/Jerusalem");
  assert.equal(clockTime(at), "15:30:05");
  setTimeZone("America/New_York");
  assert.equal(clockTime(at), "08:30:05");
  setTimeZone(null);
});

test("every language's table has every English key, with the same placeholders", async () => {
  const { TABLES } = await import("../../static/board/i18n.js");
  const holes = (text) => (typeof text === "string" ? (text.match(/\{\w+\}/g) || []).sort() : []);
  for (const [language, table] of Object.entries(TABLES)) {
    assert.deepEqual(Object.keys(table).sort(), Object.keys(TABLES.en).sort(), language);
    for (const key of Object.keys(TABLES.en)) {
      const english = TABLES.en[key];
      if (typeof english === "string") {
        assert.equal(typeof table[key], "string", `${language} ${key}`);
        assert.ok(table[key].length > 0, `${language} ${key}`);
        assert.deepEqual(holes(table[key]), holes(english), `${language} ${key}`);
      } else {
        assert.deepEqual(Object.keys(table[key]).sort(), Object.keys(english).sort(), key);
      }
    }
  }
});

test("Hebrew reads from the Hebrew table", () => {
  assert.equal(setLanguage("he"), "he");
  assert.notEqual(t("banner.live"), "● Live");
  assert.match(t("banner.live"), /[\u0590-\u05FF]/);
  setLanguage("en");
});

test("counts and percentages are written as the language writes them", () => {
  for (const lang of ["en", "he"]) {
    setLanguage(lang);
    const expected = new Intl.NumberFormat(lang).format(12345);
    assert.equal(count(12345), expected);
    assert.equal(share(12.5), new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 }).format(0.125));
  }
  setLanguage("en");
  assert.equal(count(1234), "1,234");
  assert.equal(share(87.25), "87.3%");
  assert.equal(share(null), "—");
  assert.equal(share(NaN), "—");
  assert.equal(count(undefined), "");
});

test("available agents come longest idle first, since their last call ended or was answered", () => {
  const agents = {
    recent: { status: 1, status_since: 0, calls: [], last_hangup_at: 90, last_answered_at: 80 },
    long: { status: 1, status_since: 95, calls: [], last_hangup_at: 10, last_answered_at: 5 },
    // the ended call's time lags behind the answer (docs/voicenter.md): idle since the answer
    lagging: { status: 1, status_since: 0, calls: [], last_hangup_at: 20, last_answered_at: 50 },
    unknown: { status: 1, status_since: 0, calls: [], last_hangup_at: null, last_answered_at: null },
    talking: { status: 1, status_since: 0, calls: [{ state: "Talking", answered_at: 99 }],
               last_hangup_at: 1, last_answered_at: 1 },
  };
  assert.equal(idleSince(agents.long), 10);
  assert.equal(idleSince(agents.lagging), 50);
  assert.equal(idleSince(agents.unknown), null);
  assert.equal(idleSince({ last_hangup_at: null, last_answered_at: 7 }), 7);
  assert.deepEqual(agentOrder(agents, 100), ["talking", "long", "lagging", "recent", "unknown"]);
});
