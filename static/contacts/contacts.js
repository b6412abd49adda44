/* The contacts page: a "Call" button per number, and the call followed live.
 *
 * A click POSTs the number's id to /contacts/call (wallboard/contacts/views.py), which asks
 * Voicenter's Click2Call to ring the person's own extension and then the number. The page holds
 * the board's websocket (../board/socket.js, the same frames and reducer as the board) and
 * follows the call on the person's extension: leg 1 rings their phone, leg 2 calls the contact,
 * then they talk; when the call leaves the extension, it has ended. The call is found by
 * Voicenter's CALLID, or else as the extension's Click2Call call to that number. "Hang up"
 * POSTs /contacts/hangup. Messages are text (textContent), never HTML.
 *
 * A reload during a call: the page's config carries the call its person last placed from it
 * (config.call, from the server's Click2Call log: views.my_call), and once the socket's
 * snapshot shows that call on the extension, its panel and "Hang up" come back; a call no
 * longer there is forgotten without a word.
 */

import { createBoard, serverNow } from "../board/reducer.js";
import { createScreenPop } from "../board/pop.js";
import { createLink, createSocket } from "../board/socket.js";
import { announce, setHidden, setText, str } from "../board/dom.js";
import { setLanguage, t } from "../board/i18n.js";
import { CALL_WORDS, postForm } from "../board/post.js";

const UNSEEN_MS = 20000; // no sign of the call on the socket after this long: say so
const ENDED_SHOWN_MS = 15000; // how long "Ended" stays on the row

function readConfig() {
  const node = document.getElementById("contacts-config");
  try {
    return JSON.parse(node.textContent) || {};
  } catch (err) {
    return {};
  }
}

setLanguage(document.documentElement.lang); // the page's language (Django's)
const config = readConfig();
const myExt = config.me && config.me.extension ? str(config.me.extension) : "";
const board = createBoard();
const stats = { frames: 0, snapshots: 0, deltas: 0, drops: 0, resyncs: 0, reconnects: 0 };
const link = createLink();
const notices = document.getElementById("notices");
const panel = document.getElementById("my-call");
const panelText = panel.querySelector(".my-call-text");
const hangupButton = panel.querySelector(".hangup-button");
const pop = createScreenPop(
  function () {
    const me = myExt && board.state.agents ? board.state.agents[myExt] : null;
    return me && Array.isArray(me.calls) ? me.calls : [];
  },
  myExt ? str(config.lookup_url) : "",
  str(config.add_contact_url)
);
let current = null; // {callId, dial, row, state, name, askedAt, seen, ended, restored}
let synced = false; // a snapshot has come: the extension's calls are known

function notify(text, bad) {
  announce(notices, text, bad);
}


function post(url, fields) {
  return postForm(url, fields, CALL_WORDS);
}

// The call on my extension that is `current`'s, or null.
function findCall() {
  const me = board.state.agents && board.state.agents[myExt];
  const calls = me && Array.isArray(me.calls) ? me.calls : [];
  if (!current) return null;
  for (const call of calls) {
    if (current.callId && call && call.call_id === current.callId) return call;
  }
  // national, international or a star number (*2700): compare the digits' tail
  const dialled = current.dial.replace(/\D/g, "").replace(/^0+/, "");
  for (const call of calls) {
    const number = str(call && call.number).replace(/\D/g, "");
    if (call && /click2call/i.test(str(call.direction)) && dialled && number.endsWith(dialled)) {
      return call;
    }
  }
  return null;
}

function describe(call) {
  if (call.leg === 2 || call.leg === "2") {
    if (typeof call.answered_at === "number" && call.answered_at > 0) {
      const seconds = Math.max(0, Math.floor(serverNow(board) - call.answered_at));
      const m = Math.floor(seconds / 60);
      const s = String(seconds % 60).padStart(2, "0");
      const duration = m + ":" + s;
      return { text: t("contacts.talking", { name: current.name, duration: duration }), live: true };
    }
    return { text: t("contacts.calling", { name: current.name }), live: true };
  }
  return { text: t("contacts.ringing", { name: current.name }), live: true };
}

function show(text, live) {
  setText(panelText, text);
  setHidden(panel, false);
  setHidden(hangupButton, !live);
  if (current && current.state) setText(current.state, text);
}

// The number's row on this page ("<li class=number>") of a call restored after a reload, or
// null (another page of contacts, a search that does not show it, a number since deleted).
function rowOf(contactId, dial) {
  for (const row of document.querySelectorAll(".contact .number")) {
    const contact = row.closest(".contact");
    if (contact && contact.dataset.contact === str(contactId) && row.dataset.dial === dial) {
      return row;
    }
  }
  return null;
}

// config.call (views.my_call): the call placed before the page was loaded, to follow again.
function restore(remembered) {
  if (!remembered || !myExt || !str(remembered.dial)) return;
  const dial = str(remembered.dial);
  const row = rowOf(remembered.contact, dial);
  const ageMs = typeof remembered.age_s === "number" ? remembered.age_s * 1000 : 0;
  current = {
    callId: str(remembered.call_id),
    dial: dial,
    row: row,
    state: row ? row.querySelector(".call-state") : null,
    name: str(remembered.name) || t("contacts.theContact"),
    askedAt: performance.now() - ageMs,
    seen: false,
    ended: false,
    restored: true,
  };
}

function follow() {
  pop.check();
  if (!current || current.ended) return;
  const call = findCall();
  if (call) {
    current.seen = true;
    if (!current.callId && call.call_id) current.callId = str(call.call_id);
    const d = describe(call);
    show(d.text, d.live);
    if (current.row) current.row.dataset.call = "live";
  } else if (current.seen) {
    finish(t("contacts.ended"));
  } else if (current.restored) {
    // a call from before the reload that the socket does not show (once the call's first
    // seconds have passed, in case it was still being asked for): over, or never started
    if (synced && performance.now() - current.askedAt > UNSEEN_MS) current = null;
  } else if (performance.now() - current.askedAt > UNSEEN_MS) {
    // never shown on the socket: the page lets the person call again
    finish(t("contacts.neverSeen"));
  }
}

function finish(text) {
  const done = current;
  if (!done) return;
  done.ended = true;
  show(text, false);
  if (done.row) delete done.row.dataset.call;
  setTimeout(function () {
    if (current === done) {
      current = null;
      if (done.state) setText(done.state, "");
      setHidden(panel, true);
    }
  }, ENDED_SHOWN_MS);
}

// A call the page follows and shows (a restored one not yet seen on the socket is not).
function calling() {
  return current && !current.ended && (current.seen || !current.restored);
}

async function call(button) {
  if (button.disabled || calling()) {
    if (calling()) notify(t("contacts.alreadyCalling"), true);
    return;
  }
  const row = button.closest(".number");
  const contact = button.closest(".contact");
  const name = contact ? contact.querySelector(".contact-name").textContent.trim() : "";
  button.disabled = true;
  current = {
    callId: "",
    dial: str(row.dataset.dial),
    row: row,
    state: row.querySelector(".call-state"),
    name: name || t("contacts.theContact"),
    askedAt: performance.now(),
    seen: false,
    ended: false,
    restored: false,
  };
  show(t("contacts.asking", { name: current.name }), false);
  const answer = await post(config.call_url, { number: button.dataset.number });
  button.disabled = false;
  if (!answer.ok) {
    const failed = current;
    current = null;
    setText(failed.state, "");
    setHidden(panel, true);
    notify(str(answer.message) || t("contacts.notStarted"), true);
    return;
  }
  current.callId = str(answer.call_id);
  notify(str(answer.message), false);
  follow();
}

async function hangUp() {
  hangupButton.disabled = true;
  const answer = await post(config.hangup_url, { extension: myExt }); // (an empty multipart body is a 400)
  hangupButton.disabled = false;
  const fallback = answer.ok ? t("contacts.hungUp") : t("contacts.notHungUp");
  notify(str(answer.message) || fallback, !answer.ok);
}

document.addEventListener("click", function (event) {
  const button = event.target.closest && event.target.closest(".call-button");
  if (button) call(button);
});
hangupButton.addEventListener("click", hangUp);

if (myExt) {
  restore(config.call);
  const socket = createSocket(
    board,
    stats,
    link,
    { loginUrl: document.body.dataset.loginUrl || "/accounts/login/", query: "" },
    {
      snapshot: function () {
        synced = true;
        document.body.dataset.ready = "1"; // (the tests wait for it)
        follow();
      },
      changed: function (changed) {
        if (changed.agents && changed.agents.indexOf(myExt) >= 0) follow();
      },
      banner: function () {},
    }
  );
  socket.connect();
  setInterval(function () {
    socket.watchdog();
    follow();
  }, 1000);
} else {
  document.body.dataset.ready = "1";
}
window.wallboardContacts = { board: board, stats: stats };
