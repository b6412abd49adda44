/* The board page: wires the modules together and runs the one 1-second interval that ticks
 * every timer, runs the socket's watchdog, the banner and TV fitting, and in between re-sorts
 * the cards.
 *
 *   socket.js  -> reducer.js (the state) -> render.js (queues.js, agents.js, filter.js,
 *                                                      status.js: the status buttons)
 *                                        -> banner.js (how fresh it is)
 *              -> view.js (what this board shows: its team, the team picker)
 *
 * window.wallboard = {board, stats, sound} for tests and benchmarks.
 */

import { createBanner } from "./banner.js";
import { setLanguage } from "./i18n.js";
import { setTimeZone } from "./present.js";
import { createSound } from "./sound.js";
import { createBoard, serverNow } from "./reducer.js";
import { createRenderer } from "./render.js";
import { createLink, createSocket } from "./socket.js";
import { createScreenPop } from "./pop.js";
import { readConfig } from "./status.js";
import { tickTimers } from "./timers.js";
import { createTvFit } from "./tv.js";
import { createView } from "./view.js";

setLanguage(document.documentElement.lang); // the page's language (Django's): before any drawing
const board = createBoard();
const stats = {
  frames: 0,
  snapshots: 0,
  deltas: 0,
  drops: 0,
  resyncs: 0,
  reconnects: 0,
  acks: 0, // positions acknowledged to the server (socket.js)
  lastRenderMs: 0,
  maxRenderMs: 0,
  renders: 0,
  drawPending: false,
};
window.wallboard = { board: board, stats: stats };

const $ = function (id) {
  return document.getElementById(id);
};
const page = {
  queues: $("queues"),
  agents: $("agents"),
  mySlot: document.body.classList.contains("tv") ? null : $("my-card-slot"),
  filterText: $("filter-text"),
  filterQueue: $("filter-queue"),
  waiting: $("count-waiting"),
  longest: $("count-longest"),
  available: $("count-available"),
  oncall: $("count-oncall"),
  onbreak: $("count-break"),
  loggedout: $("count-loggedout"),
  over: $("count-over"),
  answered: $("count-answered"),
  abandoned: $("count-abandoned"),
  sl: $("count-sl"),
  onAlert: function () {
    sound.alert();
  },
  notices: $("notices"),
};

const config = readConfig(document);
setTimeZone(config.time_zone); // times on the account's clock, not the screen's
const sound = createSound($("sound-toggle"), location.search);
window.wallboard.sound = sound;
const link = createLink();
if (typeof config.heartbeat_s === "number" && config.heartbeat_s > 0) {
  link.heartbeatS = config.heartbeat_s; // the server's period: how long a silence may last
}
const updateBanner = createBanner($("banner"), board, link, stats);
const myExt = config.me && config.me.extension ? String(config.me.extension) : "";
const pop = createScreenPop(
  function () {
    const me = myExt && board.state.agents ? board.state.agents[myExt] : null;
    return me && Array.isArray(me.calls) ? me.calls : [];
  },
  myExt ? String(config.lookup_url || "") : "",
  String(config.add_contact_url || "")
);
const renderer = createRenderer(board, stats, page, config, function (now, firstAfterSnapshot) {
  pop.check();
  if (firstAfterSnapshot) document.body.dataset.ready = "1";
  updateBanner(now);
});
const loginUrl = document.body.dataset.loginUrl || "/accounts/login/";
const where = { loginUrl: loginUrl, query: document.body.dataset.socketQuery || "" };
const socket = createSocket(board, stats, link, where, {
  snapshot: renderer.snapshot,
  changed: renderer.changed,
  banner: function () {
    updateBanner();
  },
  view: function (frame) {
    showView(frame);
  },
});
const showView = createView(
  { teamName: $("team-name"), pick: $("team-pick"), note: $("view-note") },
  socket.send
);
const fitTv = createTvFit(board, $("agents"), $("agents-page"));

// The board's clock: the server's, or while frozen the time of the last data (banner.js).
function boardNow() {
  const now = serverNow(board);
  const frozenAt = updateBanner.frozenAt;
  return frozenAt === null || isNaN(frozenAt) ? now : Math.min(now, frozenAt);
}

// The cards take their new places between the timers' ticks, twice a second: the ticking
// timers and the moved cards each redraw much of a 1,000-agent board, and together (or a whole
// second's moves at once) they made frames too long (bench/bench_browser.py).
setInterval(function tick() {
  const now = serverNow(board);
  socket.watchdog();
  updateBanner(now);
  // frozen (banner.js): the timers stand at the time of the last data, not ticking on as if live
  if (!Number.isNaN(updateBanner.frozenAt)) tickTimers(boardNow()); // NaN: frozen, time unknown
  setTimeout(function () {
    renderer.place(boardNow());
  }, 250);
  setTimeout(function () {
    renderer.tick(boardNow());
  }, 750);
  fitTv();
  pop.check();
}, 1000);
updateBanner();
socket.connect();
