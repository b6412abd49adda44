/* The queue tiles: one per queue, with its waiting count, its longest wait (ticking, warning
 * past the queue's alert threshold, else WAIT_WARN_S), today's numbers and its waiting callers
 * in join order. Keyed by queue id and call id, so a change touches only its own tile and rows.
 * Also keeps the queue filter's options.
 *
 * Alerts (the queue's settings, in its `today` entity): callers waiting at or above
 * alert_waiting, a caller waiting alert_longest_wait_s or more, today's service level below
 * alert_sl_pct. An alerting tile turns red AND says which alert in words (never colour alone);
 * onAlert(id) is called when a tile starts alerting (the optional sound, main.js).
 *
 * Who can take its calls: a line of its agents available / on a call / on a break, its agents
 * being those of the teams that name it (the page's queue_members, wallboard/teams/members.py),
 * else those who answered its calls today (its `today` entity's answered_by); the line's
 * tooltip says which (renderMembers, drawn with the cards).
 */

import { el, numberAndName, placeChildren, sameOrder, setHidden, setText, setTitle, str } from "./dom.js";
import { count, t } from "./i18n.js";
import { agentCategory, compareText, formatDuration, percent } from "./present.js";
import { setTimer, stopTimer } from "./timers.js";

export const WAIT_WARN_S = 60; // a caller waiting longer than this: warning style
const TV_CALLERS = 3; // TV mode shows this many callers per tile (board.css), then "+N more"
const MANY_QUEUES = 12; // above this, TV tiles show only their figures (board.css)

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
  const label = el("span", "queue-waiting-label", t("queue.waiting"));
  waitingBox.append(icon, count, label);
  const longestBox = el("div", "queue-longest-box");
  const longest = el("span", "queue-longest", "—");
  const longestLabel = el("span", "queue-longest-label", t("queue.longestWait"));
  const alert = el("span", "queue-alert", t("queue.longWait"));
  alert.hidden = true;
  longestBox.append(longest, longestLabel, alert);
  const alerts = el("p", "queue-alerts");
  alerts.hidden = true;
  line.append(waitingBox, longestBox);
  // today's numbers (the state's `today`, realtime/metrics.py); the formula in its tooltip
  const day = el("dl", "queue-today");
  const figure = function (label, cls) {
    const box = el("div", "queue-figure " + cls);
    const value = el("dd", "queue-figure-value", "–");
    box.append(el("dt", "queue-figure-label", label), value);
    day.appendChild(box);
    return { box: box, value: value };
  };
  const today = {
    answered: figure(t("queue.answered"), "figure-answered"),
    abandoned: figure(t("queue.abandoned"), "figure-abandoned"),
    sl: figure(t("queue.sl"), "figure-sl"),
    asa: figure(t("queue.asa"), "figure-asa"),
  };
  const chart = createChart();
  const list = el("ol", "callers");
  const more = el("div", "callers-more");
  more.hidden = true;
  const members = el("p", "queue-agents");
  const figureOf = function (cls) {
    const box = el("span", "queue-agents-figure " + cls);
    const n = el("b", "queue-agents-count", "0");
    const label = el("span", "queue-agents-label");
    box.append(n, label);
    members.appendChild(box);
    return { n: n, label: label };
  };
  const memberFigures = {
    available: figureOf("available"),
    oncall: figureOf("oncall"),
    onbreak: figureOf("onbreak"),
  };
  setText(memberFigures.available.label, t("queue.agentsAvailable"));
  setText(memberFigures.oncall.label, t("queue.agentsOnCall"));
  setText(memberFigures.onbreak.label, t("queue.agentsOnBreak"));
  root.append(head, line, members, alerts, day, chart.el, list, more);
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
    today: today,
    chart: chart,
    alerts: alerts,
    waitWarn: false, // the longest wait is past its threshold (the timer says)
    alerting: "", // the alerts shown, as text ("" none)
    day: null, // the queue's `today` entity
    queueName: "", // Voicenter's name for it
    longestStart: null, // when its longest-waiting caller joined
    waitingCount: 0,
    moreCount: 0, // the callers past TV_CALLERS, as "+ N more waiting" says
    slTip: { formula: null, threshold: null, text: null }, // what its tooltip was made of
    onAlert: null, // set by createQueues
    members: members,
    memberFigures: memberFigures,
    membersKey: "", // what its line was drawn from
  };
  view.onWarn = function (warn) {
    view.waitWarn = warn;
    root.classList.toggle("warn", warn);
    setHidden(alert, !warn);
    setHidden(longestLabel, warn);
    updateAlerts(view);
  };
  return view;
}

function createCallerView() {
  const li = el("li", "caller");
  const wait = el("span", "caller-wait", "—");
  const number = el("span", "caller-number");
  const name = el("span", "caller-name");
  const repeat = el("span", "caller-repeat"); // a repeat caller: "↻ 2" (realtime/callbacks.py)
  repeat.hidden = true;
  const who = el("span", "caller-who"); // the grid's last column: the mark, then the name
  who.append(repeat, name);
  li.append(wait, number, who);
  const view = { el: li, wait: wait, number: number, name: name, repeat: repeat, onWarn: null };
  view.onWarn = function (warn) {
    li.classList.toggle("warn", warn);
  };
  return view;
}

function renderCallers(view, waiting, now) {
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
    setText(cv.number, number || t("queue.unknownNumber"));
    cv.number.classList.toggle("unknown", !number);
    // our contact's name (realtime/contacts.py) before the one the caller's network sent
    const contact = str(caller.contact);
    const callerName = contact || str(caller.caller_name);
    setText(cv.name, callerName);
    const earlier = typeof caller.earlier === "number" && caller.earlier > 0 ? caller.earlier : 0;
    const repeatText = earlier ? t("queue.repeat", { count: count(earlier) }) : "";
    setHidden(cv.repeat, !earlier);
    if (earlier) {
      setText(cv.repeat, "↻ " + count(earlier));
      setTitle(cv.repeat, repeatText);
    }
    const tip = numberAndName(number, callerName);
    setTitle(cv.el, earlier ? tip + " · " + repeatText : tip);
    cv.name.classList.toggle("contact", !!contact);
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
  return longest;
}

// The tile's alerts from what it shows now; onAlert when one more starts.
function updateAlerts(view) {
  const day = view.day || {};
  const found = [];
  if (typeof day.alert_waiting === "number" && view.waitingCount >= day.alert_waiting) {
    found.push(t("queue.alertWaiting", { count: view.waitingCount, at: day.alert_waiting }));
  }
  if (view.waitWarn && typeof day.alert_longest_wait_s === "number") {
    found.push(t("queue.alertLongestWait", { duration: formatDuration(day.alert_longest_wait_s) }));
  }
  const sl = day.service_level_pct;
  if (typeof day.alert_sl_pct === "number" && typeof sl === "number" && sl < day.alert_sl_pct) {
    found.push(t("queue.alertSl", { sl: sl, min: day.alert_sl_pct }));
  }
  const text = found.join(" · ");
  if (text === view.alerting) return;
  const more = found.length > (view.alerting ? view.alerting.split(" · ").length : 0);
  view.alerting = text;
  setText(view.alerts, text);
  setHidden(view.alerts, !text);
  view.el.classList.toggle("alert", !!text);
  if (more && view.onAlert) view.onAlert(view.el.dataset.queueId);
}

// The callers waiting over the last hour (the entity's waiting_last_hour: one point a minute,
// the most at once in it): a small SVG line, drawn only when its points change.
const SVG = "http://www.w3.org/2000/svg";
const CHART_W = 60;
const CHART_H = 16;

function createChart() {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "queue-chart");
  svg.setAttribute("viewBox", "0 0 " + CHART_W + " " + CHART_H);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("role", "img");
  const line = document.createElementNS(SVG, "polyline");
  svg.appendChild(line);
  return { el: svg, line: line, key: null };
}

function renderChart(chart, points) {
  const values = Array.isArray(points) ? points.filter((v) => typeof v === "number") : [];
  const key = values.join(",");
  if (key === chart.key) return;
  chart.key = key;
  const top = Math.max(1, ...values);
  const step = CHART_W / Math.max(1, values.length - 1);
  const coords = values.map(function (v, i) {
    return (i * step).toFixed(1) + "," + (CHART_H - (v / top) * (CHART_H - 1) - 0.5).toFixed(1);
  });
  chart.line.setAttribute("points", coords.join(" "));
  const peak = values.length ? Math.max(...values) : 0;
  chart.el.setAttribute("aria-label", t("queue.chart", { minutes: values.length, peak: peak }));
  setHidden(chart.el, values.length < 2);
}

function renderToday(view, day, formulas) {
  const figures = view.today;
  const d = day && typeof day === "object" ? day : null;
  setText(figures.answered.value, count(d ? d.answered : 0));
  setText(figures.abandoned.value, count(d ? d.abandoned : 0));
  setText(figures.sl.value, d ? percent(d.service_level_pct) : "—");
  setText(figures.asa.value, d && typeof d.asa_s === "number" ? formatDuration(d.asa_s) : "—");
  if (d) {
    const formula = String(d.formula || "strict");
    const text = (formulas && formulas[formula]) || formula;
    // made again only when what it says changed (drawDay runs with most queue events)
    const made = view.slTip;
    if (made.formula !== formula || made.threshold !== d.sl_threshold_s || made.text !== text) {
      made.formula = formula;
      made.threshold = d.sl_threshold_s;
      made.text = text;
      // (the formula in words: its code name is the admin's, not the screen's)
      figures.sl.box.title = t("queue.slTip", { threshold: d.sl_threshold_s, text: text });
    }
  }
}

// teams: the page's queue_members (queue id -> {teams, agents}: the queues some team names).
export function createQueues(container, select, filter, formulas, onAlert, teams) {
  teams = teams || {};
  const views = new Map(); // queue id -> view
  let order = []; // ids, as placed
  let orderDirty = false;
  let optionKey = "";

  function remove(id, view) {
    stopTimer(view.longest);
    for (const caller of view.callers.values()) stopTimer(caller.wait);
    view.callers.clear();
    view.el.remove();
    views.delete(id);
    orderDirty = true;
  }

  // Draw queue `id` as `queue` (its entity in the state; missing: the tile goes), with `day`,
  // its numbers today (the state's `today`; missing: none yet).
  function render(id, queue, now, day) {
    let view = views.get(id);
    if (!queue || typeof queue !== "object") {
      if (view) remove(id, view);
      return;
    }
    if (!view) {
      view = createQueueView(id);
      view.onAlert = onAlert || null;
      views.set(id, view);
      orderDirty = true;
      setHidden(view.el, !filter.showsQueue(id));
    }
    view.queueName = str(queue.name);
    setDay(id, view, day);
    const waiting = Array.isArray(queue.waiting) ? queue.waiting : [];
    view.waitingCount = waiting.length;
    setText(view.count, waiting.length);
    view.el.classList.toggle("has-waiting", waiting.length > 0);
    view.el.dataset.waiting = String(waiting.length);
    view.longestStart = renderCallers(view, waiting, now);
    const hiddenInTv = waiting.length - TV_CALLERS;
    setHidden(view.more, hiddenInTv <= 0);
    if (hiddenInTv > 0 && hiddenInTv !== view.moreCount) {
      view.moreCount = hiddenInTv; // (made again only when the count changed)
      setText(view.more, t("queue.moreWaiting", { count: hiddenInTv }));
    }
    drawDay(view, now);
  }

  // The queue's numbers today changed, not its callers: only the tile's figures, chart, name
  // and alerts are drawn again (a change of today's numbers comes with most queue events).
  function renderDay(id, day, now) {
    const view = views.get(id);
    if (!view) return;
    setDay(id, view, day);
    drawDay(view, now);
  }

  function setDay(id, view, day) {
    view.day = day && typeof day === "object" ? day : null;
    const name =
      (view.day && str(view.day.display_name)) || view.queueName || t("queue.unnamed", { id: id });
    if (view.nameText !== name) {
      view.nameText = name;
      setText(view.name, name);
      orderDirty = true;
    }
  }

  function drawDay(view, now) {
    const warnAfter =
      view.day && typeof view.day.alert_longest_wait_s === "number"
        ? view.day.alert_longest_wait_s
        : WAIT_WARN_S;
    setTimer(view.longest, view.longestStart, now, warnAfter, view.onWarn);
    renderToday(view, view.day, formulas);
    renderChart(view.chart, view.day ? view.day.waiting_last_hour : null);
    updateAlerts(view);
  }

  function sortedIds() {
    const ids = Array.from(views.keys());
    ids.sort(function (a, b) {
      return compareText(views.get(a).nameText, views.get(b).nameText) || compareText(a, b);
    });
    return ids;
  }

  // The queue filter's options follow the queues; returns true when the selected queue went
  // away (the filter was reset, so every card must be filtered again).
  function updateOptions(ids) {
    if (!select) return false;
    const key = ids
      .map(function (id) {
        return id + "\u0000" + views.get(id).nameText;
      })
      .join("\u0001");
    if (key === optionKey) return false;
    optionKey = key;
    while (select.options.length > 1) select.remove(1);
    for (const id of ids) {
      const option = document.createElement("option");
      option.value = id;
      option.textContent = views.get(id).nameText;
      select.appendChild(option);
    }
    let reset = false;
    if (filter.queue && !views.has(filter.queue)) {
      filter.queue = ""; // the selected queue is gone
      reset = true;
    }
    select.value = filter.queue;
    return reset;
  }

  // Put the tiles in name order if a tile came, went or was renamed; true if the filter reset.
  function place() {
    if (!orderDirty) return false;
    orderDirty = false;
    const many = views.size > MANY_QUEUES;
    if (container.classList.contains("many") !== many) container.classList.toggle("many", many);
    const ids = sortedIds();
    if (!sameOrder(ids, order) || container.childElementCount !== ids.length) {
      placeChildren(
        container,
        ids.map(function (id) {
          return views.get(id).el;
        })
      );
      order = ids;
    }
    return updateOptions(ids);
  }

  function applyFilter() {
    for (const [id, view] of views) setHidden(view.el, !filter.showsQueue(id));
  }

  // Every tile's line of agents, from the agents' state now (agents: the state's agents
  // collection; today: its today collection).
  function renderMembers(agents, today) {
    for (const [id, view] of views) {
      const team = teams[id];
      const fromTeam = !!(team && Array.isArray(team.agents));
      const day = today[id];
      const list = fromTeam ? team.agents : day && Array.isArray(day.answered_by) ? day.answered_by : [];
      let available = 0;
      let oncall = 0;
      let onbreak = 0;
      for (const ext of list) {
        const agent = agents[ext];
        if (!agent) continue;
        const category = agentCategory(agent);
        if (category === "available") available += 1;
        else if (category === "break") onbreak += 1;
        else if (category !== "loggedout") oncall += 1; // ringing, talking, listening in
      }
      const names = fromTeam && Array.isArray(team.teams) ? team.teams.join(", ") : "";
      const key = [available, oncall, onbreak, list.length, names].join(" ");
      if (key === view.membersKey) continue;
      view.membersKey = key;
      setText(view.memberFigures.available.n, count(available));
      setText(view.memberFigures.oncall.n, count(oncall));
      setText(view.memberFigures.onbreak.n, count(onbreak));
      view.members.classList.toggle("none-free", available === 0 && list.length > 0);
      view.members.title = fromTeam
        ? t("queue.agentsOfTeams", { teams: names })
        : list.length
          ? t("queue.agentsWhoAnswered")
          : t("queue.agentsUnknown");
    }
  }

  return {
    render: render,
    renderDay: renderDay,
    renderMembers: renderMembers,
    place: place,
    applyFilter: applyFilter,
    ids: views.keys.bind(views),
  };
}
