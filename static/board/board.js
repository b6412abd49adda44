/* The wallboard's view and socket. Loaded after reducer.js (window.BoardReducer).
 *
 * - One websocket at a time to /ws/wallboard/ (frames: realtime/messages.py); reconnects by
 *   itself with jittered exponential backoff, never reloads the page.
 * - Frames go through the pure reducer; the ids they changed are collected and drawn in one
 *   requestAnimationFrame, touching only the DOM nodes of those entities (keyed Maps).
 * - Every string that comes from Voicenter is set with textContent: never HTML.
 * - One 1-second interval ticks every timer (a Map of element -> start), the banner and the
 *   watchdogs; timers follow the server's clock (board.serverOffsetMs).
 *
 * window.wallboard = {board, stats} for tests and benchmarks.
 */
(function () {
  "use strict";

  const R = window.BoardReducer;
  const WS_PATH = "/ws/wallboard/";
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 30000;
  const WAIT_WARN_S = 60; // a caller waiting longer than this: warning style
  const WORKER_LAG_S = 15; // worker_updated_at this far behind server_time: worker not running
  const STALE_S = 90; // nothing from Voicenter for this long: stale
  const ORDER_EVERY_S = 5; // timer-driven re-sort check
  const UNSYNCED_MAX_MS = 30000; // open socket, no snapshot for this long: reconnect
  const SILENT_MIN_S = 90; // no frame at all for max(this, 3 heartbeat periods): reconnect
  const CLOSE_UNAUTHENTICATED = 4401;
  const LOGIN_URL = document.body.dataset.loginUrl || "/accounts/login/";

  const board = R.createBoard();
  const stats = {
    frames: 0,
    snapshots: 0,
    deltas: 0,
    drops: 0,
    resyncs: 0,
    reconnects: 0,
    lastRenderMs: 0,
    maxRenderMs: 0,
    renders: 0,
  };
  window.wallboard = { board: board, stats: stats };

  const $ = function (id) {
    return document.getElementById(id);
  };
  const dom = {
    queues: $("queues"),
    agents: $("agents"),
    banner: $("banner"),
    filterText: $("filter-text"),
    filterQueue: $("filter-queue"),
    waiting: $("count-waiting"),
    longest: $("count-longest"),
    available: $("count-available"),
    oncall: $("count-oncall"),
    onbreak: $("count-break"),
    loggedout: $("count-loggedout"),
  };

  function nowSec() {
    return (Date.now() + board.serverOffsetMs) / 1000;
  }

  // --- small DOM helpers (text only) ------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function setText(node, value) {
    const text = value === null || value === undefined ? "" : String(value);
    if (node.textContent !== text) node.textContent = text;
  }

  function setHidden(node, hidden) {
    if (node.hidden !== hidden) node.hidden = hidden;
  }

  function str(value) {
    return value === null || value === undefined ? "" : String(value);
  }

  // --- timers: one Map, ticked once a second ------------------------------------------------

  // element -> {start (epoch s), text (last shown), warnAfter (s), onWarn(bool) | null, warned}
  const timers = new Map();

  function tickTimer(node, t, now) {
    const secs = now - t.start;
    const text = R.formatDuration(secs);
    if (text !== t.text) {
      t.text = text;
      node.textContent = text;
    }
    if (t.onWarn) {
      const warn = secs >= t.warnAfter;
      if (warn !== t.warned) {
        t.warned = warn;
        t.onWarn(warn);
      }
    }
  }

  function setTimer(node, start, now, warnAfter, onWarn) {
    if (typeof start !== "number" || !isFinite(start)) {
      timers.delete(node);
      setText(node, "—");
      if (onWarn) onWarn(false);
      return;
    }
    let t = timers.get(node);
    if (!t) {
      t = { start: start, text: null, warnAfter: 0, onWarn: null, warned: null };
      timers.set(node, t);
    }
    t.start = start;
    t.warnAfter = warnAfter || 0;
    if (t.onWarn !== (onWarn || null)) {
      t.onWarn = onWarn || null;
      t.warned = null;
    }
    tickTimer(node, t, now);
  }

  function stopTimer(node) {
    timers.delete(node);
  }

  // --- keyed reordering: move as few nodes as possible ----------------------------------------

  // Indices (into seq) of a longest increasing subsequence of seq's non-negative entries.
  function lisIndices(seq) {
    const tails = []; // tails[k]: index in seq of the smallest tail of an increasing run of k+1
    const prev = new Array(seq.length);
    for (let i = 0; i < seq.length; i++) {
      const v = seq[i];
      if (v < 0) continue;
      let lo = 0;
      let hi = tails.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (seq[tails[mid]] < v) lo = mid + 1;
        else hi = mid;
      }
      prev[i] = lo > 0 ? tails[lo - 1] : -1;
      tails[lo] = i;
    }
    const keep = new Uint8Array(seq.length);
    let k = tails.length ? tails[tails.length - 1] : -1;
    while (k >= 0) {
      keep[k] = 1;
      k = prev[k];
    }
    return keep;
  }

  // Make container's children exactly `wanted` (elements, in order), moving few nodes.
  function placeChildren(container, wanted) {
    if (!container.firstChild) {
      const frag = document.createDocumentFragment();
      for (const node of wanted) frag.appendChild(node);
      container.appendChild(frag);
      return;
    }
    const pos = new Map();
    let i = 0;
    for (let c = container.firstChild; c; c = c.nextSibling) pos.set(c, i++);
    const seq = wanted.map(function (node) {
      const p = pos.get(node);
      return p === undefined ? -1 : p;
    });
    const keep = lisIndices(seq);
    let next = null;
    for (let j = wanted.length - 1; j >= 0; j--) {
      const node = wanted[j];
      if (!keep[j]) container.insertBefore(node, next);
      next = node;
    }
  }

  function sameOrder(a, b) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  // --- filter -------------------------------------------------------------------------------

  const filter = { text: "", queue: "" };

  function agentMatches(agent) {
    if (filter.queue) {
      const calls = Array.isArray(agent.calls) ? agent.calls : [];
      let found = false;
      for (const call of calls) {
        if (call && call.queue_id !== null && call.queue_id !== undefined) {
          if (String(call.queue_id) === filter.queue) {
            found = true;
            break;
          }
        }
      }
      if (!found) return false;
    }
    if (filter.text) {
      const hay = (
        str(agent.agent_name) +
        "\n" +
        str(agent.extension) +
        "\n" +
        str(agent.number)
      ).toLowerCase();
      if (hay.indexOf(filter.text) < 0) return false;
    }
    return true;
  }

  function applyFilterToAll() {
    for (const [id, view] of queueViews) {
      setHidden(view.el, filter.queue !== "" && id !== filter.queue);
    }
    for (const [ext, view] of agentViews) {
      const agent = board.agents[ext];
      setHidden(view.el, !agent || !agentMatches(agent));
    }
    document.body.classList.toggle("filtered", filter.text !== "" || filter.queue !== "");
  }

  if (dom.filterText) {
    dom.filterText.addEventListener("input", function () {
      filter.text = dom.filterText.value.trim().toLowerCase();
      applyFilterToAll();
    });
  }
  if (dom.filterQueue) {
    dom.filterQueue.addEventListener("change", function () {
      filter.queue = dom.filterQueue.value;
      applyFilterToAll();
    });
  }

  // --- queues -------------------------------------------------------------------------------

  const queueViews = new Map(); // queue id -> view
  let queueOrder = []; // ids, as placed
  let queueOrderDirty = false;

  function createQueueView(id) {
    const root = el("section", "queue");
    root.dataset.queueId = id;
    const head = el("header", "queue-head");
    const name = el("h3", "queue-name");
    head.appendChild(name);
    const line = el("div", "queue-stats");
    const waitingBox = el("div", "queue-waiting");
    const icon = el("span", "queue-icon", "☎");
    icon.setAttribute("aria-hidden", "true");
    const count = el("b", "queue-waiting-count", "0");
    const label = el("span", "queue-waiting-label", "waiting");
    waitingBox.append(icon, count, label);
    const longestBox = el("div", "queue-longest-box");
    const longest = el("span", "queue-longest", "—");
    const longestLabel = el("span", "queue-longest-label", "longest wait");
    const alert = el("span", "queue-alert", "⚠ Long wait");
    alert.hidden = true;
    longestBox.append(longest, longestLabel, alert);
    line.append(waitingBox, longestBox);
    const list = el("ol", "callers");
    const more = el("div", "callers-more");
    more.hidden = true;
    root.append(head, line, list, more);
    const view = {
      el: root,
      name: name,
      nameText: null,
      count: count,
      longest: longest,
      list: list,
      more: more,
      callers: new Map(), // call id -> caller view
      onWarn: null,
    };
    view.onWarn = function (warn) {
      root.classList.toggle("warn", warn);
      setHidden(alert, !warn);
      setHidden(longestLabel, warn);
    };
    return view;
  }

  function createCallerView() {
    const li = el("li", "caller");
    const wait = el("span", "caller-wait", "—");
    const number = el("span", "caller-number");
    const name = el("span", "caller-name");
    li.append(wait, number, name);
    const view = { el: li, wait: wait, number: number, name: name, onWarn: null };
    view.onWarn = function (warn) {
      li.classList.toggle("warn", warn);
    };
    return view;
  }

  function removeQueueView(id, view) {
    stopTimer(view.longest);
    for (const caller of view.callers.values()) stopTimer(caller.wait);
    view.callers.clear();
    view.el.remove();
    queueViews.delete(id);
    queueOrderDirty = true;
  }

  const TV_CALLERS = 3; // TV mode shows this many callers per tile (board.css), then "+N more"

  function renderQueue(id, now) {
    const queue = board.queues[id];
    let view = queueViews.get(id);
    if (!queue || typeof queue !== "object") {
      if (view) removeQueueView(id, view);
      return;
    }
    if (!view) {
      view = createQueueView(id);
      queueViews.set(id, view);
      queueOrderDirty = true;
      setHidden(view.el, filter.queue !== "" && id !== filter.queue);
    }
    const name = str(queue.name) || "Queue " + id;
    if (view.nameText !== name) {
      view.nameText = name;
      setText(view.name, name);
      queueOrderDirty = true;
    }
    const waiting = Array.isArray(queue.waiting) ? queue.waiting : [];
    setText(view.count, waiting.length);
    view.el.classList.toggle("has-waiting", waiting.length > 0);
    view.el.dataset.waiting = String(waiting.length);

    let longest = null;
    const seen = new Map();
    const wanted = [];
    for (let i = 0; i < waiting.length; i++) {
      const caller = waiting[i] || {};
      if (typeof caller.joined_at === "number" && (longest === null || caller.joined_at < longest)) {
        longest = caller.joined_at;
      }
      let key = caller.call_id === null || caller.call_id === undefined ? "#" + i : String(caller.call_id);
      if (seen.has(key)) key = key + "#" + i; // a duplicated id: keep both rows
      let cv = view.callers.get(key);
      if (!cv) {
        cv = createCallerView();
        cv.el.dataset.callId = key;
        view.callers.set(key, cv);
      }
      seen.set(key, cv);
      const number = str(caller.caller_number);
      setText(cv.number, number || "Unknown number");
      cv.number.classList.toggle("unknown", !number);
      setText(cv.name, str(caller.caller_name));
      setTimer(cv.wait, caller.joined_at, now, WAIT_WARN_S, cv.onWarn);
      wanted.push(cv.el);
    }
    for (const [key, cv] of view.callers) {
      if (!seen.has(key)) {
        stopTimer(cv.wait);
        cv.el.remove();
        view.callers.delete(key);
      }
    }
    placeChildren(view.list, wanted);
    const hiddenInTv = waiting.length - TV_CALLERS;
    setHidden(view.more, hiddenInTv <= 0);
    if (hiddenInTv > 0) setText(view.more, "+ " + hiddenInTv + " more waiting");
    setTimer(view.longest, longest, now, WAIT_WARN_S, view.onWarn);
  }

  function sortedQueueIds() {
    const ids = Array.from(queueViews.keys());
    ids.sort(function (a, b) {
      return R.compareText(queueViews.get(a).nameText, queueViews.get(b).nameText) || R.compareText(a, b);
    });
    return ids;
  }

  const MANY_QUEUES = 12; // above this, TV tiles show only their figures (board.css)

  function placeQueues() {
    queueOrderDirty = false;
    const many = queueViews.size > MANY_QUEUES;
    if (dom.queues.classList.contains("many") !== many) dom.queues.classList.toggle("many", many);
    const ids = sortedQueueIds();
    if (!sameOrder(ids, queueOrder) || dom.queues.childElementCount !== ids.length) {
      placeChildren(
        dom.queues,
        ids.map(function (id) {
          return queueViews.get(id).el;
        })
      );
      queueOrder = ids;
    }
    updateQueueOptions(ids);
  }

  let optionKey = "";

  function updateQueueOptions(ids) {
    const select = dom.filterQueue;
    if (!select) return;
    const key = ids
      .map(function (id) {
        return id + "\u0000" + queueViews.get(id).nameText;
      })
      .join("\u0001");
    if (key === optionKey) return;
    optionKey = key;
    while (select.options.length > 1) select.remove(1);
    for (const id of ids) {
      const option = document.createElement("option");
      option.value = id;
      option.textContent = queueViews.get(id).nameText;
      select.appendChild(option);
    }
    if (filter.queue && !queueViews.has(filter.queue)) {
      filter.queue = ""; // the selected queue is gone
      applyFilterToAll();
    }
    select.value = filter.queue;
  }

  // --- agents -------------------------------------------------------------------------------

  const agentViews = new Map(); // extension -> view
  let agentOrderIds = []; // extensions, as placed

  const DIRECTION_ARROW = { Incoming: "↙", Outgoing: "↗", Click2Call: "⇄", Spy: "◉" };

  function createAgentView(ext) {
    const root = el("article", "agent");
    root.dataset.ext = ext;
    const head = el("div", "agent-head");
    const name = el("span", "agent-name");
    const extEl = el("span", "agent-ext");
    head.append(name, extEl);
    const line = el("div", "agent-line");
    const status = el("span", "agent-status");
    const icon = el("span", "icon");
    icon.setAttribute("aria-hidden", "true");
    const statusText = el("span", "agent-status-text");
    status.append(icon, statusText);
    const since = el("span", "agent-since", "—");
    line.append(status, since);
    root.append(head, line);
    return {
      el: root,
      name: name,
      ext: extEl,
      statusText: statusText,
      since: since,
      category: null,
      call: null, // {el, kind, number, name, duration}
    };
  }

  function createCallView() {
    const root = el("div", "agent-call");
    const kind = el("span", "call-kind");
    const party = el("span", "call-party");
    const number = el("span", "call-number");
    const name = el("span", "call-name");
    party.append(number, name);
    const duration = el("span", "call-duration", "—");
    root.append(kind, party, duration);
    return { el: root, kind: kind, number: number, name: name, duration: duration };
  }

  function removeAgentView(ext, view) {
    stopTimer(view.since);
    if (view.call) stopTimer(view.call.duration);
    view.el.remove();
    agentViews.delete(ext);
  }

  // The call a card shows: a ringing/dialing one first, else the first.
  function mainCall(calls) {
    for (const call of calls) {
      if (call && (call.state === "Ringing" || call.state === "Dialing")) return call;
    }
    for (const call of calls) if (call) return call;
    return null;
  }

  function statusLabel(category, agent, call) {
    switch (category) {
      case "ringing":
        return call && call.state === "Dialing" ? "Dialing" : "Ringing";
      case "oncall":
        return call && call.state === "Hold" ? "On hold" : "On call";
      case "available":
        return "Available";
      case "loggedout":
        return "Logged out";
      default:
        return str(agent.status_name) || "Break";
    }
  }

  function renderAgent(ext, now) {
    const agent = board.agents[ext];
    let view = agentViews.get(ext);
    if (!agent || typeof agent !== "object") {
      if (view) removeAgentView(ext, view);
      return;
    }
    if (!view) {
      view = createAgentView(ext);
      agentViews.set(ext, view);
    }
    const category = R.agentCategory(agent);
    if (view.category !== category) {
      view.category = category;
      view.el.dataset.category = category;
    }
    const calls = Array.isArray(agent.calls) ? agent.calls : [];
    const call = mainCall(calls);
    setText(view.name, str(agent.agent_name) || str(agent.user_name) || ext);
    setText(view.ext, str(agent.number) || str(agent.extension) || ext);
    setText(view.statusText, statusLabel(category, agent, call));
    setTimer(view.since, agent.status_since, now);

    if (call) {
      if (!view.call) {
        view.call = createCallView();
        view.el.appendChild(view.call.el);
      }
      const c = view.call;
      const direction = str(call.direction) || "Call";
      const arrow = DIRECTION_ARROW[direction] || "";
      let kind = (arrow ? arrow + " " : "") + direction + " · " + (str(call.state) || "Unknown");
      if (calls.length > 1) kind += " · +" + (calls.length - 1);
      setText(c.kind, kind);
      const number = str(call.number);
      const name = str(call.name);
      setText(c.number, number || (name ? "" : "Unknown number"));
      setText(c.name, name);
      setTimer(c.duration, R.callStart(call), now);
    } else if (view.call) {
      stopTimer(view.call.duration);
      view.call.el.remove();
      view.call = null;
    }
    setHidden(view.el, !agentMatches(agent));
  }

  const MANY_AGENTS = 200; // above this, off-screen cards are left to the browser (board.css)

  function placeAgents(now) {
    const many = agentViews.size > MANY_AGENTS;
    if (dom.agents.classList.contains("many") !== many) dom.agents.classList.toggle("many", many);
    const ids = R.agentOrder(board.agents, now);
    if (sameOrder(ids, agentOrderIds) && dom.agents.childElementCount === ids.length) return;
    const wanted = [];
    for (const ext of ids) {
      const view = agentViews.get(ext);
      if (view) wanted.push(view.el);
    }
    placeChildren(dom.agents, wanted);
    agentOrderIds = ids;
  }

  // --- header ---------------------------------------------------------------------------------

  const headerWarn = function (warn) {
    const box = dom.longest && dom.longest.closest(".count");
    if (box) box.classList.toggle("warn", warn);
  };

  function renderHeader(now) {
    const s = R.summary(board, now);
    setText(dom.waiting, s.waiting);
    dom.waiting.closest(".count").classList.toggle("has-waiting", s.waiting > 0);
    setTimer(dom.longest, s.longestWaitSince, now, WAIT_WARN_S, headerWarn);
    setText(dom.available, s.available);
    setText(dom.oncall, s.oncall);
    setText(dom.onbreak, s.onbreak);
    setText(dom.loggedout, s.loggedout);
  }

  // --- rendering, batched per animation frame ------------------------------------------------

  const dirtyQueues = new Set();
  const dirtyAgents = new Set();
  let fullRender = false;
  let renderPending = false;
  let snapshotPending = false;

  function scheduleRender() {
    if (renderPending) return;
    renderPending = true;
    requestAnimationFrame(render);
  }

  function render() {
    renderPending = false;
    const started = performance.now();
    const now = nowSec();
    if (fullRender) {
      fullRender = false;
      for (const id of queueViews.keys()) dirtyQueues.add(id);
      for (const id of Object.keys(board.queues)) dirtyQueues.add(id);
      for (const ext of agentViews.keys()) dirtyAgents.add(ext);
      for (const ext of Object.keys(board.agents)) dirtyAgents.add(ext);
    }
    const queuesChanged = dirtyQueues.size > 0;
    const agentsChanged = dirtyAgents.size > 0;
    for (const id of dirtyQueues) renderQueue(id, now);
    dirtyQueues.clear();
    for (const ext of dirtyAgents) renderAgent(ext, now);
    dirtyAgents.clear();
    if (queueOrderDirty) placeQueues();
    if (agentsChanged) placeAgents(now);
    if (queuesChanged || agentsChanged) renderHeader(now);
    const took = performance.now() - started;
    stats.renders += 1;
    stats.lastRenderMs = took;
    if (took > stats.maxRenderMs) stats.maxRenderMs = took;
    if (snapshotPending) {
      snapshotPending = false;
      document.body.dataset.ready = "1";
    }
    updateBanner(now);
  }

  // --- the banner: how fresh is what this screen shows -----------------------------------------

  let healthServerSec = null; // server_time of the last snapshot/heartbeat
  let lastDataSec = null; // server time when the last frame arrived
  let lastDeltaSec = null; // server time when the last delta arrived (an event from Voicenter)
  let bannerKey = "";

  function age(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    if (s < 120) return s + " s";
    const m = Math.floor(s / 60);
    if (m < 120) return m + " min";
    return Math.floor(m / 60) + " h " + (m % 60) + " min";
  }

  function clock(sec) {
    const d = new Date(sec * 1000);
    const p = function (n) {
      return n < 10 ? "0" + n : String(n);
    };
    return p(d.getHours()) + ":" + p(d.getMinutes()) + ":" + p(d.getSeconds());
  }

  function bannerFor(now) {
    if (!ws || ws.readyState !== 1 || !snapshotOnSocket) {
      if (closeCode === CLOSE_UNAUTHENTICATED) {
        return ["signed-out", "⚠ Signed out — opening the sign-in page…"];
      }
      let text = "↻ Reconnecting to the wallboard server…";
      if (lastDataSec !== null) text += " (data from " + clock(lastDataSec) + ")";
      else if (stats.reconnects === 0) text = "↻ Connecting to the wallboard server…";
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
    const lag = (healthServerSec === null ? now : healthServerSec) - updated;
    if (!v.running || lag > WORKER_LAG_S) {
      return [
        "worker-down",
        "⚠ Wallboard worker not running — no data from Voicenter for " + age(now - updated),
      ];
    }
    let lastEvent = typeof v.last_event_at === "number" ? v.last_event_at : null;
    if (lastDeltaSec !== null && (lastEvent === null || lastDeltaSec > lastEvent)) {
      lastEvent = lastDeltaSec;
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

  function updateBanner(now) {
    if (!dom.banner) return;
    const b = bannerFor(now === undefined ? nowSec() : now);
    const key = b[0] + "\u0000" + b[1];
    if (key === bannerKey) return;
    bannerKey = key;
    dom.banner.dataset.state = b[0];
    dom.banner.textContent = b[1];
  }

  // --- the socket -------------------------------------------------------------------------------

  let ws = null;
  let backoffMs = BACKOFF_MIN_MS;
  let reconnectTimer = null;
  let connects = 0;
  let resyncSent = false;
  let snapshotOnSocket = false;
  let unsyncedSinceMs = 0; // performance.now() when this socket began waiting for a snapshot
  let lastFrameMs = 0; // performance.now() of the last frame on this socket
  let lastHealthMs = 0; // performance.now() of the last heartbeat/snapshot on this socket
  let heartbeatGapS = 20; // the last gap between heartbeats (bounded), for the watchdog
  let closeCode = null;

  function socketUrl() {
    return (location.protocol === "https:" ? "wss" : "ws") + "://" + location.host + WS_PATH;
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
    snapshotOnSocket = false;
    unsyncedSinceMs = performance.now();
    lastFrameMs = performance.now();
    lastHealthMs = 0;
    sock.onopen = function () {
      if (sock !== ws) return;
      closeCode = null;
      unsyncedSinceMs = lastFrameMs = performance.now();
      updateBanner();
    };
    sock.onmessage = function (event) {
      if (sock !== ws) return;
      onFrame(event.data);
    };
    sock.onclose = function (event) {
      if (sock !== ws) return;
      closeCode = event.code;
      dropSocket();
      if (closeCode === CLOSE_UNAUTHENTICATED) {
        // The session is gone (expired, signed out): only a person can sign in again, so show
        // the sign-in page, which brings the board back afterwards.
        const next = encodeURIComponent(location.pathname + location.search);
        setTimeout(function () {
          location.assign(LOGIN_URL + "?next=" + next);
        }, 3000);
        return;
      }
      scheduleReconnect();
    };
    sock.onerror = function () {
      /* a close event follows */
    };
    updateBanner();
  }

  function dropSocket() {
    const sock = ws;
    ws = null;
    board.synced = false; // deltas are ignored until the next socket's snapshot
    snapshotOnSocket = false;
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
    updateBanner();
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

  function noteHealth(frame) {
    const nowMs = performance.now();
    if (typeof frame.server_time === "number") healthServerSec = frame.server_time;
    if (frame.type === "heartbeat" && lastHealthMs) {
      const gap = (nowMs - lastHealthMs) / 1000;
      // the last gap, bounded: one long outage must not blind the watchdog for good
      heartbeatGapS = Math.min(Math.max(gap, 20), 120);
    }
    lastHealthMs = nowMs;
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
    const result = R.receive(board, frame, Date.now());
    if (frame && (frame.type === "snapshot" || frame.type === "heartbeat")) noteHealth(frame);
    lastDataSec = nowSec();
    switch (result.action) {
      case "snapshot":
        stats.snapshots += 1;
        resyncSent = false;
        snapshotOnSocket = true;
        backoffMs = BACKOFF_MIN_MS;
        lastDeltaSec = null;
        fullRender = true;
        snapshotPending = true;
        dirtyQueues.clear();
        dirtyAgents.clear();
        scheduleRender();
        break;
      case "delta":
        stats.deltas += 1;
        lastDeltaSec = lastDataSec;
        for (const id of result.queues) dirtyQueues.add(id);
        for (const ext of result.agents) dirtyAgents.add(ext);
        scheduleRender();
        break;
      case "resync":
        stats.resyncs += 1;
        requestResync();
        break;
      case "drop":
        stats.drops += 1;
        break;
      default: // heartbeat, error
        break;
    }
    updateBanner();
  }

  // --- the one interval ------------------------------------------------------------------------

  let ticks = 0;

  function watchdog() {
    if (!ws) return;
    const nowMs = performance.now();
    if (ws.readyState === 1 && !board.synced && nowMs - unsyncedSinceMs > UNSYNCED_MAX_MS) {
      dropSocket(); // the snapshot never came: start over
      scheduleReconnect();
      return;
    }
    const silentS = Math.max(SILENT_MIN_S, 3 * heartbeatGapS);
    if (ws.readyState === 1 && nowMs - lastFrameMs > silentS * 1000) {
      dropSocket(); // heartbeats stopped: a dead connection the browser has not noticed
      scheduleReconnect();
    }
  }

  // TV mode: nobody scrolls a TV. Shrink the type, down to TV_MIN_SCALE, until the board fits
  // the screen, and grow it back when there is room again (the 12 % margin stops see-sawing).
  const TV = document.body.classList.contains("tv");
  const TV_MIN_SCALE = 0.86; // agent names (1.75rem) stay at 24 px or more on a 1080p TV
  const TV_STEP = 0.04;
  let tvScale = 1;

  function fitTv() {
    if (!TV || !board.synced) return;
    const root = document.documentElement;
    const spare = window.innerHeight - root.scrollHeight;
    if (spare < 0 && tvScale > TV_MIN_SCALE) {
      tvScale = Math.max(TV_MIN_SCALE, tvScale - TV_STEP);
    } else if (spare > 0.12 * window.innerHeight && tvScale < 1) {
      tvScale = Math.min(1, tvScale + TV_STEP);
    } else {
      return;
    }
    root.style.fontSize = (tvScale * 100).toFixed(0) + "%";
  }

  function tick() {
    const now = nowSec();
    for (const [node, t] of timers) {
      if (!node.isConnected) {
        timers.delete(node); // belt and braces: its entity is gone
        continue;
      }
      tickTimer(node, t, now);
    }
    ticks += 1;
    // timer-driven re-sort (a pending render re-sorts anyway, with its new cards)
    if (ticks % ORDER_EVERY_S === 0 && agentViews.size && !renderPending) placeAgents(now);
    watchdog();
    updateBanner(now);
    fitTv();
  }

  setInterval(tick, 1000);
  updateBanner();
  connect();
})();
