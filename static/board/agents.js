/* The agent cards: one per extension, with name, extension, status (colour, icon and name),
 * time in status and the current call (direction, state, number or name, duration), or, for
 * an available agent, how long since their last call (present.idleSince). Keyed by
 * extension, so a change touches only its own card; ordered by present.agentOrder.
 */

import { el, numberAndName, placeChildren, sameOrder, setHidden, setText, setTitle, str } from "./dom.js";
import { t, word } from "./i18n.js";
import {
  agentCategory,
  agentName,
  agentOrder,
  callStart,
  idleSince,
  limitsOf,
  mainCall,
  overWords,
} from "./present.js";
import { setTimer, stopTimer } from "./timers.js";

const MANY_AGENTS = 200; // above this, off-screen cards are left to the browser (board.css)
const STILL_BELLS_ABOVE = 60; // above this many cards a ringing card's bell keeps still (board.css)
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
  const over = el("span", "agent-over");
  over.hidden = true;
  root.append(head, line, over);
  const view = {
    el: root,
    name: name,
    ext: extEl,
    statusText: statusText,
    since: since,
    category: null,
    call: null, // {el, kind, number, name, duration}
    idle: null, // {el, time}: made the first time the agent is available and idle
    over: over,
    overKind: null, // "status" | "call": over its limit in its status, or on a long call
    onStatusOver: null,
    onCallOver: null,
  };
  view.onStatusOver = function (warn, past) {
    setOver(view, warn ? "status" : null, past);
  };
  view.onCallOver = function (warn, past) {
    setOver(view, warn ? "call" : null, past);
  };
  return view;
}

// A card over its limit (present.js overLimit): red, and "⚠ over by 12 min" in words.
function setOver(view, kind, past) {
  if (kind === null) {
    if (view.overKind === null) return;
    view.overKind = null;
    view.el.classList.remove("over", "over-call");
    setHidden(view.over, true);
    return;
  }
  if (view.overKind !== kind) {
    view.overKind = kind;
    view.el.classList.add("over");
    view.el.classList.toggle("over-call", kind === "call");
    setHidden(view.over, false);
  }
  setText(view.over, overWords(past));
}

// Call states the status line already names (statusLabel: ringing, dialing, on a call, on hold,
// listening in).
const SAID_BY_STATUS = new Set(["Ringing", "Dialing", "Talking", "Hold", "Spying"]);

function createCallView() {
  const root = el("div", "agent-call");
  const kind = el("span", "call-kind");
  const party = el("span", "call-party");
  const number = el("span", "call-number");
  // its own element, between them: a name cut short (its end, or on a right-to-left page its
  // start) never takes the separator with it
  const sep = el("span", "call-sep", " · ");
  sep.hidden = true;
  const name = el("span", "call-name");
  party.append(number, sep, name);
  const duration = el("span", "call-duration", "—");
  root.append(kind, party, duration);
  return {
    el: root,
    kind: kind,
    party: party,
    number: number,
    sep: sep,
    name: name,
    duration: duration,
  };
}

function statusLabel(category, agent, call, controls) {
  switch (category) {
    case "ringing":
      return call && call.state === "Dialing" ? t("agent.dialing") : t("agent.ringing");
    case "oncall":
      return call && call.state === "Hold" ? t("agent.onHold") : t("agent.onCall");
    case "listening":
      return t("agent.listening");
    case "available":
      return t("agent.available");
    case "loggedout":
      return t("agent.loggedOut");
    default:
      return controls.statusName(agent.status, agent.status_name) || t("agent.break");
  }
}

// An available agent's "Idle 12:05": since their last call ended (present.idleSince), ticking
// like the other timers; made once per card, hidden (its timer stopped) when not available.
function renderIdle(view, category, agent, now) {
  const since = category === "available" ? idleSince(agent) : null;
  if (since === null) {
    if (view.idle && !view.idle.el.hidden) {
      stopTimer(view.idle.time);
      setHidden(view.idle.el, true);
    }
    return;
  }
  if (!view.idle) {
    const root = el("div", "agent-idle");
    root.title = t("agent.idleTitle");
    const time = el("span", "agent-idle-time", "—");
    root.append(el("span", "agent-idle-label", t("agent.idle")), " ", time);
    view.el.insertBefore(root, view.over);
    view.idle = { el: root, time: time };
  }
  setHidden(view.idle.el, false);
  setTimer(view.idle.time, since, now);
}

// callLimit: the long-call limit of the agent's status, seconds (null: none).
function renderCall(view, calls, now, callLimit) {
  const call = mainCall(calls);
  if (call) {
    if (!view.call) {
      view.call = createCallView();
      view.el.appendChild(view.call.el);
    }
    const c = view.call;
    const direction = str(call.direction);
    const arrow = DIRECTION_ARROW[direction] || "";
    const state = str(call.state);
    // the state only when the status line does not already say it: the room goes to the party
    let kind =
      (arrow ? arrow + " " : "") + (direction ? word("direction", direction) : t("call.direction"));
    if (!SAID_BY_STATUS.has(state)) {
      kind += " · " + (state ? word("callState", state) : t("call.unknownState"));
    }
    if (calls.length > 1) kind += " · +" + (calls.length - 1);
    setText(c.kind, kind);
    const number = str(call.number);
    const contact = str(call.contact); // our contact's name first (realtime/contacts.py)
    const name = contact || str(call.name);
    setText(c.number, number || (name ? "" : t("agent.unknownNumber")));
    setText(c.name, name);
    setHidden(c.sep, !(number && name));
    setTitle(c.party, numberAndName(number, name));
    c.name.classList.toggle("contact", !!contact);
    if (callLimit) setTimer(c.duration, callStart(call), now, callLimit, view.onCallOver, true);
    else setTimer(c.duration, callStart(call), now);
  } else if (view.call) {
    stopTimer(view.call.duration);
    view.call.el.remove();
    view.call = null;
  }
  if (!callLimit && view.overKind === "call") setOver(view, null, 0);
}

// controls: status.js's createStatusControls (the status buttons and the pending state);
// limits: the page's config.limits (present.js limitsOf); mySlot: where one's own card goes,
// above the queues (its status buttons in sight on a laptop), if the page has one.
export function createAgents(container, filter, controls, limits, mySlot) {
  const views = new Map(); // extension -> view
  let order = []; // extensions, as placed

  function remove(ext, view) {
    stopTimer(view.since);
    if (view.call) stopTimer(view.call.duration);
    if (view.idle) stopTimer(view.idle.time);
    view.el.remove();
    views.delete(ext);
  }

  // Draw extension `ext` as `agent` (its entity in the state; missing: the card goes).
  function render(ext, agent, now) {
    let view = views.get(ext);
    if (!agent || typeof agent !== "object") {
      if (view) remove(ext, view);
      return;
    }
    if (!view) {
      view = createAgentView(ext);
      views.set(ext, view);
    }
    const category = agentCategory(agent);
    if (view.category !== category) {
      view.category = category;
      view.el.dataset.category = category;
    }
    const calls = Array.isArray(agent.calls) ? agent.calls : [];
    const shownName = agentName(agent, ext);
    setText(view.name, shownName);
    setTitle(view.name, shownName);
    setText(view.ext, str(agent.number) || str(agent.extension) || ext);
    const changing = controls.draw(view, ext, agent);
    const label = statusLabel(category, agent, mainCall(calls), controls);
    setText(view.statusText, changing ? t("agent.changingTo", { name: changing.name }) : label);
    const [statusLimit, callLimit] = limitsOf(limits, ext, agent.status);
    const watchStatus = calls.length === 0 && !!statusLimit;
    if (watchStatus) setTimer(view.since, agent.status_since, now, statusLimit, view.onStatusOver, true);
    else {
      setTimer(view.since, agent.status_since, now);
      if (view.overKind === "status") setOver(view, null, 0);
    }
    renderCall(view, calls, now, category === "oncall" ? callLimit : null);
    renderIdle(view, category, agent, now);
    setHidden(view.el, !filter.showsAgent(agent));
  }

  // Put the cards in order (agents: the state's agents collection).
  function place(agents, now) {
    const many = views.size > MANY_AGENTS;
    if (container.classList.contains("many") !== many) container.classList.toggle("many", many);
    const still = views.size > STILL_BELLS_ABOVE;
    if (container.classList.contains("still") !== still) container.classList.toggle("still", still);
    const ids = agentOrder(agents, now, limits);
    const pinned = controls.pinned;
    const at = pinned ? ids.indexOf(pinned) : -1;
    if (at >= 0) {
      ids.splice(at, 1); // one's own card comes first: above the queues, in its own place
      const mine = views.get(pinned);
      if (mine && mySlot && mine.el.parentNode !== mySlot) mySlot.appendChild(mine.el);
      else if (!mySlot) ids.unshift(pinned);
    }
    if (sameOrder(ids, order) && container.childElementCount === ids.length) return;
    const wanted = [];
    for (const ext of ids) {
      const view = views.get(ext);
      if (view) wanted.push(view.el);
    }
    placeChildren(container, wanted);
    order = ids;
  }

  function applyFilter(agents) {
    for (const [ext, view] of views) {
      const agent = agents[ext];
      setHidden(view.el, !agent || !filter.showsAgent(agent));
    }
  }

  return {
    render: render,
    place: place,
    applyFilter: applyFilter,
    ids: views.keys.bind(views),
    size: function () {
      return views.size;
    },
  };
}
