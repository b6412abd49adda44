/* Small DOM helpers. Text only: every string that comes from Voicenter (caller names and
 * numbers come from strangers) is set with textContent, never as HTML. And keyed reordering
 * that moves as few nodes as possible.
 */

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function str(value) {
  return value === null || value === undefined ? "" : String(value);
}

// A node's text (a node holding text only). Changed in place when the node holds one text
// node: the browser then redraws the text, where a new text node (textContent =) must also be
// styled and laid out afresh, and a 1,000-agent board changes a thousand texts a second
// (bench/bench_browser.py). No text is no text node, as before (CSS :empty).
export function setText(node, value) {
  const text = str(value);
  const only = node.firstChild;
  if (text && only !== null && only === node.lastChild && only.nodeType === Node.TEXT_NODE) {
    if (only.data !== text) only.data = text;
  } else if (node.textContent !== text) node.textContent = text;
}

// A name or number in a sentence keeps its own direction (FSI ... PDI): Hebrew beside digits.
export function isolate(value) {
  return "\u2068" + str(value) + "\u2069";
}

// "number · name" (either may be missing), each part isolated: a tooltip's whole text.
export function numberAndName(number, name) {
  return [number, name].filter(Boolean).map(isolate).join(" · ");
}

// A truncated name or number shows whole on hover: the element's tooltip is its full text.
export function setTitle(node, value) {
  const text = str(value);
  if (node.title !== text) node.title = text;
}

export function setHidden(node, hidden) {
  if (node.hidden !== hidden) node.hidden = hidden;
}

export function sameOrder(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

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

// Make container's children exactly `wanted` (elements, in order), moving few nodes: the
// longest run already in order stays where it is.
export function placeChildren(container, wanted) {
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

// The page's notice bar (an aria-live region that is always there, empty when quiet): shows
// `text` for a while. Emptied first and filled on the next frame, so that a screen reader
// announces the same message twice in a row too.
const NOTICE_MS = 12000;
const noticeTimers = new WeakMap();

export function announce(region, text, bad) {
  if (!region) return;
  clearTimeout(noticeTimers.get(region));
  region.textContent = "";
  region.classList.toggle("bad", !!bad);
  requestAnimationFrame(function () {
    region.textContent = str(text);
  });
  noticeTimers.set(
    region,
    setTimeout(function () {
      region.textContent = "";
    }, NOTICE_MS)
  );
}
