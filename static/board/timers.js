/* Every ticking timer on the board (waits, time in status, call durations) in one Map of
 * element -> start, ticked once a second by main.js against the server's clock. A timer may
 * warn: past `warnAfter` seconds its onWarn(true, secondsPast) is called once, and
 * onWarn(false, 0) when it is no longer past it; with `follow`, onWarn(true, secondsPast) at
 * every tick while past it (a card saying how far over its limit it is).
 */

import { formatDuration } from "./present.js";
import { setText } from "./dom.js";

// element -> {start (epoch s), text (last shown), warnAfter (s), onWarn | null, warned, follow}
const timers = new Map();

function tickTimer(node, t, now) {
  const secs = now - t.start;
  const text = formatDuration(secs);
  if (text !== t.text) {
    t.text = text;
    setText(node, text);
  }
  if (t.onWarn) {
    const warn = secs >= t.warnAfter;
    if (warn !== t.warned) {
      t.warned = warn;
      t.onWarn(warn, warn ? secs - t.warnAfter : 0);
    } else if (warn && t.follow) t.onWarn(true, secs - t.warnAfter);
  }
}

// Show the time since `start` in `node` from now on; an unknown start shows "—".
export function setTimer(node, start, now, warnAfter, onWarn, follow) {
  if (typeof start !== "number" || !isFinite(start)) {
    timers.delete(node);
    setText(node, "—");
    if (onWarn) onWarn(false, 0);
    return;
  }
  let t = timers.get(node);
  if (!t) {
    t = { start: start, text: null, warnAfter: 0, onWarn: null, warned: null, follow: false };
    timers.set(node, t);
  }
  t.start = start;
  t.warnAfter = warnAfter || 0;
  t.follow = !!follow;
  if (t.onWarn !== (onWarn || null)) {
    t.onWarn = onWarn || null;
    t.warned = null;
  }
  tickTimer(node, t, now);
}

export function stopTimer(node) {
  timers.delete(node);
}

export function tickTimers(now) {
  for (const [node, t] of timers) {
    if (!node.isConnected) {
      timers.delete(node); // belt and braces: its entity is gone
      continue;
    }
    tickTimer(node, t, now);
  }
}
