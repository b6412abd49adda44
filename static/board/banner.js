// @ts-check
/* The banner: always says how fresh what this screen shows is, and which part failed. In
 * order of precedence: signed out; reconnecting to the wallboard server (with the time of the
 * data shown; "cannot reach Redis" or "the database is unreachable" when that is why it closed
 * us); the server cannot read
 * Redis (an outage frame); no word from the server for a while (heartbeats stopped); catching
 * up (no snapshot yet); the worker not running; the worker reconnecting to Voicenter (and
 * Voicenter's API not answering either); live calls from Voicenter's API while the socket is
 * down (the statuses may be stale: realtime/fallback.py; not frozen, the calls are live);
 * syncing with Voicenter; no data from Voicenter for N (stale); live. Each failure shows within
 * seconds (realtime/messages.py: "A board shows not live within seconds").
 *
 * Stale looks stale: while the banner says anything but live (or catching up, a moment after
 * a reconnect), the board is frozen (frozenSince): it dims, its timers stop at the time of the
 * last data it had (main.js), and every number says since when it is frozen (board.css reads
 * the words from the --frozen-since variable); it comes back live with the next banner.
 */

import { t } from "./i18n.js";
import { age, clockTime } from "./present.js";
import { serverNow } from "./reducer.js";

// worker_updated_at this far behind server_time: worker not running (realtime/messages.py
// WORKER_SILENT_S; the worker writes its health every second)
const WORKER_LAG_S = 5;
const STALE_S = 90; // nothing from Voicenter for this long: stale
// the Active calls API answered within this long: the calls on the board are its (the worker
// asks every 5 s: realtime/fallback.py POLL_EVERY_S)
const API_FRESH_S = 20;

// link: the socket's state as socket.js keeps it (open, snapshotOnSocket, signedOut,
// lastDataSec, lastDeltaSec, healthServerSec).
// No heartbeat for this many of the server's heartbeat periods (and at least
// SERVER_SILENT_MIN_S): the server has stopped talking (a frozen process, a broken proxy),
// whatever the socket says.
const SERVER_SILENT_PERIODS = 2;
const SERVER_SILENT_MIN_S = 8;

// The text of a closed socket's state, with the time of the data shown if there is any.
function withDataTime(text, link) {
  if (link.lastDataSec === null) return text;
  return t("banner.dataFrom", { text: text, time: clockTime(link.lastDataSec) });
}

/**
 * @param {import("./reducer.js").Board & {synced: boolean}} board
 * @param {Record<string, any>} link the socket's state (socket.js createLink)
 * @param {number} reconnects
 * @param {number} now the server's clock, epoch seconds
 * @param {number} [nowMs] performance.now()
 * @returns {[string, string]} the state's code and the words
 */
export function bannerFor(board, link, reconnects, now, nowMs) {
  if (!link.open || !link.snapshotOnSocket) {
    if (link.signedOut) return ["signed-out", t("banner.signedOut")];
    if (link.storeDown) {
      return ["store-down", withDataTime(t("banner.storeDownRetrying"), link)];
    }
    if (link.databaseDown) {
      return ["database-down", withDataTime(t("banner.databaseDown"), link)];
    }
    if (link.lastDataSec === null && reconnects === 0) {
      return ["reconnecting", t("banner.connecting")];
    }
    return ["reconnecting", withDataTime(t("banner.reconnecting"), link)];
  }
  if (link.outage) {
    const since = typeof link.outage.since === "number" ? link.outage.since : null;
    return [
      "store-down",
      since !== null
        ? t("banner.storeDownFrozenSince", { time: clockTime(since) })
        : t("banner.storeDownFrozen"),
    ];
  }
  if (typeof nowMs === "number" && link.healthAtMs) {
    const silentS = (nowMs - link.healthAtMs) / 1000;
    if (silentS > Math.max(SERVER_SILENT_MIN_S, SERVER_SILENT_PERIODS * link.heartbeatS + 2)) {
      return ["server-silent", t("banner.serverSilent", { age: age(silentS) })];
    }
  }
  if (!board.synced) return ["syncing", t("banner.catchingUp")];
  if (board.epoch === null) {
    return ["worker-down", t("banner.noDataYet")];
  }
  const v = board.voicenter;
  const updated = v && typeof v.worker_updated_at === "number" ? v.worker_updated_at : null;
  if (!v || updated === null) {
    return ["worker-down", t("banner.workerDown")];
  }
  // Judged at the server_time the health came with: between heartbeats it cannot be newer.
  const lag = (link.healthServerSec === null ? now : link.healthServerSec) - updated;
  if (!v.running || lag > WORKER_LAG_S) {
    return ["worker-down", t("banner.workerDownFor", { age: age(now - updated) })];
  }
  let lastEvent = typeof v.last_event_at === "number" ? v.last_event_at : null;
  if (link.lastDeltaSec !== null && (lastEvent === null || link.lastDeltaSec > lastEvent)) {
    lastEvent = link.lastDeltaSec;
  }
  if (!v.connected) {
    const apiAt = typeof v.api_at === "number" ? v.api_at : null;
    if (v.source === "api" && !v.api_failing && apiAt !== null && now - apiAt <= API_FRESH_S) {
      return ["api", t("banner.fromApi")];
    }
    if (v.api_failing) {
      return [
        "voicenter-down",
        lastEvent !== null
          ? t("banner.voicenterUnreachableFor", { age: age(now - lastEvent) })
          : t("banner.voicenterUnreachable"),
      ];
    }
    return [
      "voicenter-down",
      lastEvent !== null
        ? t("banner.voicenterDownFor", { age: age(now - lastEvent) })
        : t("banner.voicenterDown"),
    ];
  }
  if (v.syncing) return ["syncing", t("banner.syncing")];
  if (lastEvent === null || now - lastEvent > STALE_S) {
    return [
      "stale",
      lastEvent !== null
        ? t("banner.staleFor", { age: age(now - lastEvent) })
        : t("banner.stale"),
    ];
  }
  return ["live", t("banner.live")];
}

function newest(...times) {
  let found = null;
  for (const time of times) {
    if (typeof time === "number" && isFinite(time) && (found === null || time > found)) found = time;
  }
  return found;
}

/**
 * Since when the board's data are frozen, for the banner's state `code`: null while live (or
 * catching up), else the server time of the last data the board had (NaN: not known).
 * @param {string} code
 * @param {import("./reducer.js").Board} board
 * @param {Record<string, any>} link
 * @returns {number | null}
 */
export function frozenSince(code, board, link) {
  if (code === "live" || code === "syncing" || code === "api") return null;
  const v = board.voicenter || {};
  let since = null;
  if (code === "worker-down") since = newest(v.worker_updated_at);
  else if (code === "voicenter-down" || code === "stale") {
    since = newest(v.last_event_at, link.lastDeltaSec);
  } else if (code === "store-down" && link.outage) since = newest(link.outage.since);
  if (since === null) since = newest(link.lastDataSec);
  return since === null ? NaN : since;
}

/**
 * The banner, kept up to date by calling the function it returns (with the server's clock, or
 * none: now); its `frozenAt` is frozenSince's answer for what it shows.
 * @returns {((now?: number) => void) & {frozenAt: number | null}}
 */
export function createBanner(node, board, link, stats) {
  let shown = "";
  let frozenKey = "";
  const update = function (now) {
    if (!node) return;
    const b = bannerFor(
      board,
      link,
      stats.reconnects,
      now === undefined ? serverNow(board) : now,
      performance.now()
    );
    const since = frozenSince(b[0], board, link);
    update.frozenAt = since;
    const fKey = since === null ? "" : String(since);
    if (fKey !== frozenKey) {
      frozenKey = fKey;
      const body = document.body;
      body.classList.toggle("frozen", since !== null);
      const words =
        since === null
          ? ""
          : isNaN(since)
            ? t("board.frozen")
            : t("board.frozenSince", { time: clockTime(since) });
      // a CSS string: the words are ours (the catalog and a clock time), quoted as JSON quotes
      body.style.setProperty("--frozen-since", JSON.stringify(words));
    }
    const key = b[0] + "\u0000" + b[1];
    if (key === shown) return;
    shown = key;
    node.dataset.state = b[0];
    node.textContent = b[1];
  };
  update.frozenAt = /** @type {number | null} */ (null);
  return update;
}
