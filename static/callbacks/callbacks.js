// @ts-check
/* The page of today's callers who gave up (wallboard/callbacks/views.py): the list, newest
 * first, and a "Call back" button per caller.
 *
 * The list comes as JSON from config.list_url: the page asks every config.poll_ms with the
 * version it holds (the server answers {same: true} while nothing changed: the lists are read
 * only when they move) and reads it all every config.refresh_ms (a call-back's outcome comes
 * with Voicenter's call record). A click POSTs the row's number and abandon key to
 * config.call_url: Voicenter rings the person's extension, then the caller; a row someone else
 * took answers who did. Everything from callers and people is text (textContent), never HTML,
 * and each name or number keeps its own direction.
 */

import { announce, el, setHidden, setText, str } from "../board/dom.js";
import { count, setLanguage, t } from "../board/i18n.js";
import { CALL_WORDS, postForm } from "../board/post.js";


function readConfig() {
  const node = document.getElementById("callbacks-config");
  try {
    return JSON.parse(node ? str(node.textContent) : "") || {};
  } catch (err) {
    return {};
  }
}

setLanguage(document.documentElement.lang);
const config = readConfig();
const body = document.getElementById("callbacks-rows");
const empty = document.getElementById("callbacks-empty");
const picker = document.getElementById("callbacks-queue");
const openOnly = document.getElementById("callbacks-open");
const counted = document.getElementById("callbacks-count");
const notices = document.getElementById("notices");

// the columns' names (the page's, translated): each cell says it on a phone, where the table
// is a list of blocks (board.css)
const head = document.getElementById("callbacks-head");
const labels = head ? Array.from(head.querySelectorAll("th"), (th) => str(th.textContent).trim()) : [];
let version = "";
let rows = [];
let lastFull = 0;
let asking = new Set(); // rows whose call-back is on its way
let wantedQueue = str(config.queue);

function rowKey(row) {
  return str(row.number) + "|" + str(row.key);
}

function callbackText(row) {
  const back = row.callback;
  if (!back) return "";
  const text = back.mine
    ? t("callbacks.calledBackByYou", { time: back.when })
    : t("callbacks.calledBackBy", { name: back.name, time: back.when });
  return back.outcome ? t("callbacks.withOutcome", { text: text, outcome: back.outcome }) : text;
}

function callerCell(row) {
  const cell = el("td", "callback-caller");
  const number = el("span", "number-shown", str(row.shown) || str(row.number));
  number.dir = "ltr";
  cell.append(number);
  if (row.contact) {
    cell.append(" · ");
    const name = row.contact_url ? el("a", "callback-contact") : el("bdi", "callback-contact");
    if (name instanceof HTMLAnchorElement) name.href = str(row.contact_url);
    const inner = el("bdi", "", str(row.contact));
    name.append(inner);
    cell.append(name);
  }
  return cell;
}

function actionCell(row) {
  const cell = el("td", "callback-action");
  const text = callbackText(row);
  if (text) {
    const done = el("span", "callback-done", text);
    done.classList.toggle("mine", !!row.callback.mine);
    cell.append(done);
    return cell;
  }
  const button = el("button", "call-button", t("callbacks.callBack"));
  button.type = "button";
  button.disabled = !config.may_call || asking.has(rowKey(row));
  button.setAttribute(
    "aria-label",
    t("callbacks.callBackLabel", { number: str(row.shown) || str(row.number) })
  );
  button.addEventListener("click", function () {
    callBack(row, button);
  });
  cell.append(button);
  return cell;
}

function drawRow(row) {
  const tr = el("tr", "callback-row");
  tr.classList.toggle("taken", !!row.callback);
  tr.dataset.key = rowKey(row);
  const when = el("td", "callback-when", str(row.when));
  when.dir = "ltr";
  const queue = el("td", "callback-queue");
  queue.append(el("bdi", "", str(row.queue)));
  const waited = el("td", "callback-waited", str(row.waited));
  waited.dir = "ltr";
  const calls = el("td", "callback-calls", count(row.calls));
  if (row.calls > 1) calls.classList.add("repeat");
  const cells = [when, callerCell(row), queue, waited, calls, actionCell(row)];
  cells.forEach(function (cell, i) {
    if (labels[i] && i !== 1 && i !== 5) cell.dataset.label = labels[i];
  });
  tr.append(...cells);
  return tr;
}

function drawPicker() {
  if (!(picker instanceof HTMLSelectElement)) return;
  const names = new Map();
  for (const row of rows) names.set(str(row.queue_id), str(row.queue));
  if (wantedQueue && !names.has(wantedQueue)) names.set(wantedQueue, wantedQueue);
  const first = picker.options[0];
  const wanted = [first];
  for (const [id, name] of [...names].sort((a, b) => a[1].localeCompare(b[1]))) {
    const option = document.createElement("option");
    option.value = id;
    option.textContent = name;
    wanted.push(option);
  }
  picker.replaceChildren(...wanted);
  picker.value = wantedQueue;
}

function draw() {
  const onlyOpen = openOnly instanceof HTMLInputElement && openOnly.checked;
  const shown = rows.filter(function (row) {
    if (wantedQueue && str(row.queue_id) !== wantedQueue) return false;
    return !(onlyOpen && row.callback);
  });
  if (body) body.replaceChildren(...shown.map(drawRow));
  const open = rows.filter((row) => !row.callback).length;
  if (counted) setText(counted, t("callbacks.count", { total: count(rows.length), open: count(open) }));
  if (empty) setHidden(empty, shown.length > 0);
  drawPicker();
}

async function load(full) {
  const url = new URL(str(config.list_url), window.location.href);
  if (!full && version) url.searchParams.set("v", version);
  let answer = null;
  try {
    const response = await fetch(url, { credentials: "same-origin" });
    if (response.status === 401 || response.redirected) {
      window.location.href = str(document.body.dataset.loginUrl);
      return;
    }
    answer = await response.json();
  } catch (err) {
    announce(notices, t("contacts.serverUnreachable"), true);
    return;
  }
  if (!answer || answer.ok === false) {
    announce(notices, str(answer && answer.message), true);
    return;
  }
  version = str(answer.v);
  if (answer.same) return;
  lastFull = Date.now();
  rows = Array.isArray(answer.rows) ? answer.rows : [];
  draw();
}

async function callBack(row, button) {
  const key = rowKey(row);
  if (asking.has(key)) return; // one request per row at a time
  asking.add(key);
  button.disabled = true;
  announce(notices, t("callbacks.asking", { number: str(row.shown) || str(row.number) }), false);
  const answer = await postForm(
    str(config.call_url),
    { number: str(row.number), key: str(row.key) },
    CALL_WORDS
  );
  asking.delete(key);
  announce(notices, str(answer && answer.message), !(answer && answer.ok));
  await load(true); // the row shows who calls back (or why not), at once
}

if (picker instanceof HTMLSelectElement) {
  picker.addEventListener("change", function () {
    wantedQueue = picker.value;
    const url = new URL(window.location.href);
    if (wantedQueue) url.searchParams.set("queue", wantedQueue);
    else url.searchParams.delete("queue");
    history.replaceState(null, "", url);
    draw();
  });
}
if (openOnly) openOnly.addEventListener("change", draw);

if (config.list_url) {
  load(true);
  setInterval(function () {
    load(Date.now() - lastFull >= Number(config.refresh_ms || 60000));
  }, Number(config.poll_ms || 5000));
}
