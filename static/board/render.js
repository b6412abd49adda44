/* Drawing, batched: the reducer says which ids each frame changed; they are collected and drawn
 * in one requestAnimationFrame, touching only the DOM nodes of those entities, then the tiles
 * and cards are re-placed and the header recounted. Knows the collections it draws (queues,
 * agents, and today's numbers on the queue tiles and in the header); a collection it does not
 * draw is kept in the state and ignored here.
 */

import { createAgents } from "./agents.js";
import { createFilter } from "./filter.js";
import { count, t } from "./i18n.js";
import { serverNow } from "./reducer.js";
import { countOver, percent, summary, todayTotals } from "./present.js";
import { setText } from "./dom.js";
import { createQueues, WAIT_WARN_S } from "./queues.js";
import { createStatusControls } from "./status.js";
import { setTimer } from "./timers.js";

const ORDER_EVERY_S = 5; // timer-driven re-sort of the cards, every this many ticks
const MIN_FRAME_MS = 100; // at most ten drawings a second (schedule)

function collectionOf(board, name) {
  return board.state[name] || {};
}

// page: the board's elements (queues, agents, filterText, filterQueue, notices, and the header's
// counts: waiting, longest, available, oncall, onbreak, loggedout, answered, abandoned, sl) and
// onAlert(queueId) (a tile started alerting); config: the page's
// board-config (status.js). onRendered(now, firstAfterSnapshot) runs after every drawing.
export function createRenderer(board, stats, page, config, onRendered) {
  const filter = createFilter(page.filterText, page.filterQueue, applyFilterToAll);
  const queues = createQueues(
    page.queues,
    page.filterQueue,
    filter,
    config.formulas || {},
    page.onAlert,
    config.queue_members || {}
  );
  const dirty = { queues: new Set(), agents: new Set(), today: new Set() };
  const controls = createStatusControls(
    config,
    function (ext) {
      return collectionOf(board, "agents")[ext] || null;
    },
    function (ext) {
      dirty.agents.add(ext);
      schedule();
    },
    page.notices
  );
  // wallboard/teams/limits.py; none set: null, and nothing is judged (nor its count shown)
  const given = config.limits || {};
  const limits =
    Object.keys(given.by_status || {}).length || Object.keys(given.by_agent || {}).length
      ? given
      : null;
  if (page.over && !limits) page.over.closest(".count").hidden = true;
  const agents = createAgents(page.agents, filter, controls, limits, page.mySlot);
  let full = false;
  let pending = false;
  let lastDrawn = -Infinity; // performance.now() of the last drawing
  let snapshotPending = false;
  let ticks = 0;
  // A card changes its look at once, its place at the next re-sort (twice a second, main.js),
  // not at every frame (each moves cards, and the browser lays the grid out again); a card
  // added or gone is placed at once.
  let placeSoon = false;
  let placedCount = -1;

  function placeAgents(now) {
    agents.place(collectionOf(board, "agents"), now);
    placeSoon = false;
    placedCount = agents.size();
  }

  function applyFilterToAll() {
    queues.applyFilter();
    agents.applyFilter(collectionOf(board, "agents"));
    document.body.classList.toggle("filtered", filter.active());
  }

  const headerWarn = function (warn) {
    const box = page.longest && page.longest.closest(".count");
    if (box) box.classList.toggle("warn", warn);
  };

  // The agents over their limit: time moves them over, so counted at every tick too.
  function renderOver(now) {
    if (!page.over || !limits) return;
    const n = countOver(collectionOf(board, "agents"), limits, now);
    setText(page.over, count(n));
    page.over.closest(".count").classList.toggle("has-over", n > 0);
  }

  function renderHeader(now) {
    const s = summary(board.state);
    setText(page.waiting, count(s.waiting));
    page.waiting.closest(".count").classList.toggle("has-waiting", s.waiting > 0);
    setTimer(page.longest, s.longestWaitSince, now, WAIT_WARN_S, headerWarn);
    setText(page.available, count(s.available));
    // listening in (Spying) is not a call of one's own: shown beside the calls, not in them
    const listening = { oncall: s.oncall, listening: s.listening };
    setText(page.oncall, s.listening ? t("header.onCallListening", listening) : count(s.oncall));
    setText(page.onbreak, count(s.onbreak));
    setText(page.loggedout, count(s.loggedout));
    renderOver(now);
    const totals = todayTotals(collectionOf(board, "today"));
    setText(page.answered, count(totals.answered));
    setText(page.abandoned, count(totals.abandoned));
    setText(page.sl, percent(totals.slPct));
  }

  function render() {
    pending = false;
    stats.drawPending = false;
    const started = performance.now();
    lastDrawn = started;
    const now = serverNow(board);
    const queueState = collectionOf(board, "queues");
    const agentState = collectionOf(board, "agents");
    const first = snapshotPending;
    if (full) {
      full = false;
      for (const id of queues.ids()) dirty.queues.add(id);
      for (const id of Object.keys(queueState)) dirty.queues.add(id);
      for (const ext of agents.ids()) dirty.agents.add(ext);
      for (const ext of Object.keys(agentState)) dirty.agents.add(ext);
    }
    // a queue's numbers today are drawn on its tile: alone when its callers did not change
    const dayIds = Array.from(dirty.today).filter((id) => !dirty.queues.has(id));
    const todayChanged = dirty.today.size > 0;
    dirty.today.clear();
    const queuesChanged = dirty.queues.size > 0;
    const agentsChanged = dirty.agents.size > 0;
    // Taken before drawing: a card drawn may ask to be drawn again (status.js), for the next
    // frame.
    const queueIds = Array.from(dirty.queues);
    dirty.queues.clear();
    const agentIds = Array.from(dirty.agents);
    dirty.agents.clear();
    const todayState = collectionOf(board, "today");
    for (const id of queueIds) queues.render(id, queueState[id], now, todayState[id]);
    for (const id of dayIds) queues.renderDay(id, todayState[id], now);
    for (const ext of agentIds) agents.render(ext, agentState[ext], now);
    if (queues.place()) applyFilterToAll(); // the selected queue went away
    if (agentsChanged) placeSoon = true;
    if (agentsChanged && (first || agents.size() !== placedCount)) placeAgents(now);
    if (queuesChanged || agentsChanged || todayChanged) {
      queues.renderMembers(agentState, todayState);
      renderHeader(now);
    }
    const took = performance.now() - started;
    stats.renders += 1;
    stats.lastRenderMs = took;
    if (took > stats.maxRenderMs) stats.maxRenderMs = took;
    snapshotPending = false;
    onRendered(now, first);
  }

  // At most one drawing per MIN_FRAME_MS: a change on a quiet board is drawn at the next frame,
  // changes that follow it close are drawn together. Each drawing of the page has a fixed cost
  // besides its changes (the browser walks the page to paint it, and on a 1,000-agent board
  // that was most of each frame): ten drawings a second instead of thirty is a third of it.
  function schedule() {
    if (pending) return;
    pending = true;
    stats.drawPending = true; // a change applied to the state, not drawn yet
    const wait = lastDrawn + MIN_FRAME_MS - performance.now();
    if (wait > 0 && !snapshotPending) {
      setTimeout(function () {
        requestAnimationFrame(render);
      }, wait);
    } else requestAnimationFrame(render);
  }

  return {
    // A snapshot replaced the state: draw everything once.
    snapshot() {
      full = true;
      snapshotPending = true;
      dirty.queues.clear();
      dirty.agents.clear();
      dirty.today.clear();
      schedule();
    },

    // A delta changed these ids ({collection: [ids]}).
    changed(changed) {
      for (const name of Object.keys(dirty)) {
        for (const id of changed[name] || []) dirty[name].add(id);
      }
      schedule();
    },

    // Once a second (three quarters of a second after the timers tick, main.js): cards changed
    // since take their places, and every ORDER_EVERY_S time moves cards between places (the
    // longest on a break first...).
    tick(now) {
      ticks += 1;
      renderOver(now);
      if ((placeSoon || ticks % ORDER_EVERY_S === 0) && agents.size()) placeAgents(now);
    },

    // Half a second before tick() (a quarter of a second after the timers tick, main.js): the
    // cards changed since take their places (a second's moves in two halves: all at once made
    // one long drawing on a big board).
    place(now) {
      if (placeSoon && agents.size()) placeAgents(now);
    },
  };
}
