/* The status buttons: who may change which card, the buttons, the request, and the pending
 * state until Voicenter's own userStatusUpdate shows the change on the socket.
 *
 * The page's configuration (board-config, wallboard/board/views.py) gives the account's status
 * names, which ones are offered, who is looking (me: their extension; agent / supervisor) and
 * where to POST (wallboard/agents/views.py: fields extension and status, CSRF header). An agent
 * gets a button per status on their own card (pinned first, marked "You"); a supervisor gets a
 * "Status" button on every card that opens one shared menu with the same buttons. A display
 * link (me: null) and TV mode get none.
 *
 * One request per card at a time (a double click sends one). After Voicenter accepts, the card
 * shows "Changing to Lunch…" until the agent's status in the state becomes Lunch; after
 * confirm_s without it, a notice says so, and the card shows what Voicenter reports. Every
 * answer's message (a refusal, a timeout...) is shown in the notice bar (aria-live) and, on
 * one's own card, under the buttons. Text only: names and messages are set as textContent.
 */

import { announce, el, setText, str } from "./dom.js";
import { t } from "./i18n.js";
import { STATUS_WORDS, postForm } from "./post.js";
import { agentName } from "./present.js";


const EMPTY = { statuses: [], me: null, status_url: "", confirm_s: 10 };

export function readConfig(doc) {
  const node = doc.getElementById("board-config");
  if (!node) return EMPTY;
  try {
    const config = JSON.parse(node.textContent);
    return config && typeof config === "object" ? config : EMPTY;
  } catch (err) {
    return EMPTY;
  }
}

// config: readConfig(); getAgent(ext): the agent's entity now; redraw(ext): draw that card
// again; notices: the aria-live element of the page's messages.
export function createStatusControls(config, getAgent, redraw, notices) {
  const statuses = Array.isArray(config.statuses) ? config.statuses : [];
  const names = new Map(statuses.map((s) => [s.code, str(s.name)]));
  const offered = statuses.filter((s) => s.offered);
  const me = config.me && typeof config.me === "object" ? config.me : null;
  const url = str(config.status_url);
  const confirmMs = Math.max(1, Number(config.confirm_s) || 10) * 1000;
  const pending = new Map(); // ext -> {code, name, answered, timer}
  const ownNotes = new Map(); // ext -> {text, bad}: the message under one's own buttons
  const menu = createMenu();

  function mine(ext) {
    return !!(me && me.extension && me.extension === ext);
  }

  function mayAct(ext) {
    if (!me || !url || !offered.length || document.body.classList.contains("tv")) return false;
    return !!(me.supervisor || (me.agent && mine(ext)));
  }

  function statusName(code, fallback) {
    return names.get(code) || str(fallback) || t("status.unnamed", { code: code });
  }

  function agentLabel(ext) {
    return agentName(getAgent(ext), ext);
  }

  function notify(text, bad) {
    announce(notices, text, bad);
  }

  function tell(ext, text, bad) {
    notify(mine(ext) ? text : t("status.about", { name: agentLabel(ext), text: text }), bad);
    if (mine(ext)) ownNotes.set(ext, { text: text, bad: bad });
  }

  // The change shows: no longer pending. `andRedraw`: the card is not being drawn right now.
  function settle(ext, p, andRedraw) {
    clearTimeout(p.timer);
    pending.delete(ext);
    tell(ext, t("status.done", { name: p.name }), false);
    if (andRedraw) redraw(ext);
  }

  async function ask(ext, code) {
    if (pending.has(ext) || !mayAct(ext)) return; // one request per card at a time
    const p = { code: code, name: statusName(code), answered: false, timer: null };
    pending.set(ext, p);
    ownNotes.delete(ext);
    redraw(ext);
    const answer = await postForm(url, { extension: ext, status: String(code) }, STATUS_WORDS);
    if (pending.get(ext) !== p) return;
    if (!answer || !answer.ok) {
      pending.delete(ext);
      tell(ext, str(answer && answer.message) || t("status.notChanged"), true);
      redraw(ext);
      return;
    }
    p.answered = true;
    const agent = getAgent(ext);
    if (agent && agent.status === code) {
      settle(ext, p, true); // the socket was faster than the answer
      return;
    }
    p.timer = setTimeout(function () {
      if (pending.get(ext) !== p) return;
      pending.delete(ext);
      const now = getAgent(ext);
      const shown = now ? statusName(now.status, now.status_name) : t("status.unknown");
      tell(ext, t("status.notConfirmed", { name: p.name, shown: shown }), true);
      redraw(ext);
    }, confirmMs);
  }

  // Buttons for each offered status into `box` (made once), for card `ext`.
  function fillChoices(box, ext, onChosen) {
    box.textContent = "";
    for (const s of offered) {
      const button = el("button", "status-choice", str(s.name));
      button.type = "button";
      button.dataset.status = String(s.code);
      button.addEventListener("click", function () {
        if (button.getAttribute("aria-pressed") === "true") return; // already so
        if (onChosen) onChosen();
        ask(ext, s.code);
      });
      box.appendChild(button);
    }
  }

  function markCurrent(box, agent, p) {
    const current = p ? p.code : agent ? agent.status : null;
    for (const button of box.children) {
      const pressed = Number(button.dataset.status) === current ? "true" : "false";
      if (button.getAttribute("aria-pressed") !== pressed) {
        button.setAttribute("aria-pressed", pressed);
      }
      // aria-disabled, not disabled: the button keeps the keyboard focus (ask() ignores it)
      const busy = p ? "true" : "false";
      if (button.getAttribute("aria-disabled") !== busy) button.setAttribute("aria-disabled", busy);
    }
  }

  function createMenu() {
    const box = el("div", "status-menu");
    box.setAttribute("role", "dialog");
    box.hidden = true;
    const title = el("div", "status-menu-title");
    box.id = "status-menu";
    title.id = "status-menu-title";
    box.setAttribute("aria-labelledby", title.id);
    const list = el("div", "status-menu-list");
    box.append(title, list);
    document.body.appendChild(box);
    const state = { box: box, title: title, list: list, ext: null, anchor: null };
    function close(refocus) {
      if (box.hidden) return;
      box.hidden = true;
      if (state.anchor) state.anchor.setAttribute("aria-expanded", "false");
      if (refocus && state.anchor && state.anchor.isConnected) state.anchor.focus();
      state.ext = null;
    }
    box.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        close(true);
      } else if (event.key === "Tab") {
        // Tab cycles through the choices: the menu is modal while open
        const buttons = Array.from(list.querySelectorAll("button"));
        const at = buttons.indexOf(document.activeElement);
        const next = (at + (event.shiftKey ? -1 : 1) + buttons.length) % buttons.length;
        event.preventDefault();
        if (buttons.length) buttons[next].focus();
      }
    });
    document.addEventListener("mousedown", function (event) {
      if (!box.hidden && !box.contains(event.target) && event.target !== state.anchor) {
        close(false);
      }
    });
    box.addEventListener("focusout", function (event) {
      if (!box.hidden && event.relatedTarget && !box.contains(event.relatedTarget)) close(false);
    });
    state.close = close;
    return state;
  }

  function openMenu(ext, anchor) {
    if (!menu.box.hidden && menu.ext === ext) {
      menu.close(true);
      return;
    }
    if (menu.anchor) menu.anchor.setAttribute("aria-expanded", "false");
    menu.ext = ext;
    menu.anchor = anchor;
    setText(menu.title, t("status.menuTitle", { name: agentLabel(ext) }));
    fillChoices(menu.list, ext, function () {
      menu.close(true);
    });
    markCurrent(menu.list, getAgent(ext), pending.get(ext));
    const rect = anchor.getBoundingClientRect();
    menu.box.hidden = false;
    const width = menu.box.offsetWidth;
    const left = Math.max(8, Math.min(rect.right - width, window.innerWidth - width - 8));
    const below = rect.bottom + 4;
    const top =
      below + menu.box.offsetHeight > window.innerHeight
        ? Math.max(8, rect.top - menu.box.offsetHeight - 4)
        : below;
    menu.box.style.left = left + "px";
    menu.box.style.top = top + "px";
    anchor.setAttribute("aria-expanded", "true");
    const first =
      menu.list.querySelector("button[aria-pressed='true']") || menu.list.querySelector("button");
    if (first) first.focus();
  }

  // Draw the controls of card `view` (agents.js) for `agent`; returns the pending change, if
  // any, for the card's status line.
  function draw(view, ext, agent) {
    let p = pending.get(ext) || null;
    if (p && p.answered && agent && agent.status === p.code) {
      settle(ext, p, false); // this very drawing shows it as done
      p = null;
    }
    const own = mine(ext);
    if (view.el.classList.contains("mine") !== own) {
      view.el.classList.toggle("mine", own);
      if (own) view.el.id = "my-card"; // the header's "My status" link
      else if (view.el.id === "my-card") view.el.removeAttribute("id");
    }
    if (own && !view.you) {
      view.you = el("span", "agent-you", t("status.you"));
      view.name.after(view.you);
    }
    const acting = mayAct(ext);
    if (acting && own) {
      if (!view.actions) {
        view.actions = el("div", "agent-actions");
        view.actions.setAttribute("role", "group");
        view.actions.setAttribute("aria-label", t("status.myStatus"));
        fillChoices(view.actions, ext, null);
        view.note = el("p", "agent-note"); // (the notice bar announces it)
        view.el.append(view.actions, view.note);
      }
      markCurrent(view.actions, agent, p);
      const note = ownNotes.get(ext);
      setText(view.note, note ? note.text : "");
      view.note.classList.toggle("bad", !!(note && note.bad));
    } else if (acting && !view.menuButton) {
      const button = el("button", "agent-menu-button", "⋮"); // named by aria-label below
      button.type = "button";
      button.setAttribute("aria-haspopup", "dialog");
      button.setAttribute("aria-expanded", "false");
      button.setAttribute("aria-controls", "status-menu");
      button.addEventListener("click", function () {
        openMenu(ext, button);
      });
      view.menuButton = button;
      view.el.appendChild(button);
    }
    if (view.menuButton) {
      const label = t("status.changeOf", { name: agentLabel(ext) });
      if (view.menuButton.title !== label) {
        view.menuButton.setAttribute("aria-label", label);
        view.menuButton.title = label;
      }
      view.menuButton.setAttribute("aria-disabled", p ? "true" : "false");
    }
    if (!menu.box.hidden && menu.ext === ext) markCurrent(menu.list, agent, p);
    if (p) view.el.dataset.pending = String(p.code);
    else if (view.el.dataset.pending) delete view.el.dataset.pending;
    return p;
  }

  return {
    draw: draw,
    mine: mine,
    statusName: statusName,
    pinned: me && me.extension ? me.extension : null,
  };
}
