/* TV mode (/?tv=1, display links): the board fits its screen; nobody scrolls a TV.
 *
 * - The type scales with the screen: the 1080p design at 16 px a rem, twice that on 4K, about
 *   11 px on a 1366x768 screen (the header's numbers stay near 6 % of the screen's height, the
 *   tiles' about 5 %: readable from 5 m on a 55" 1080p screen). It shrinks further, down to
 *   MIN_SCALE of that, only while the header and the queues leave the agents fewer than
 *   MIN_ROWS rows of cards (many queues on a small screen), and grows back when there is room.
 * - Every queue shows (board.css keeps a tile's height steady on a TV); the agents get the rest
 *   of the screen in whole rows of cards, never a row cut in two. When they do not all fit they
 *   are paged: PAGE_S seconds a page, the cards in the board's order (what needs attention
 *   first: present.js agentOrder), and a note in the corner says which page of how many.
 *
 * Called once a second (main.js); touches the page only when something changed.
 */

import { t } from "./i18n.js";

const DESIGN_H = 1080; // the screen the TV styles were drawn for, at 16 px a rem
const DESIGN_W = 1920;
const BASE_PX = 16;
const MIN_SCALE = 0.7;
const MIN_ROWS = 2;
const STEP = 0.05;
const PAGE_S = 10;
const CARD_MIN_REM = 18; // a card's least width: a name across the room (the columns follow)

/**
 * @param {{synced: boolean}} board
 * @param {HTMLElement | null} agents the cards' container
 * @param {HTMLElement | null} note where the page is told
 */
export function createTvFit(board, agents, note) {
  const on = document.body.classList.contains("tv");
  let scale = 1;
  let page = 0;
  let shownFor = 0; // seconds the page has been shown
  let height = "";
  let noteText = "";
  let fontSize = ""; // as set (the browser writes "16.00px" back as "16px")
  let columns = "";

  function rootPx() {
    const screen = Math.min(window.innerHeight / DESIGN_H, window.innerWidth / DESIGN_W);
    return (BASE_PX * screen * scale).toFixed(2) + "px";
  }

  // How the cards lie: the height of a row (card and gap, as laid out: fractions of a pixel
  // add up over rows), the gap, and cards per row.
  function grid(cards) {
    const gap = parseFloat(getComputedStyle(/** @type {HTMLElement} */ (agents)).rowGap) || 0;
    const first = cards[0].getBoundingClientRect();
    let cols = 0;
    let next = null;
    for (const card of cards) {
      const box = card.getBoundingClientRect();
      if (Math.abs(box.top - first.top) > 1) {
        next = box;
        break;
      }
      cols += 1;
    }
    const pitch = next ? next.top - first.top : first.height + gap;
    return { pitch: pitch, gap: gap, cols: Math.max(1, cols) };
  }

  return function fit() {
    if (!on || !board.synced || !agents) return;
    const root = document.documentElement;
    const px = rootPx();
    if (fontSize !== px) {
      fontSize = px;
      root.style.fontSize = px;
      return; // measured at the next call, laid out in the new size
    }
    // columns by the card's width in the screen's own rem (media queries read the browser's)
    const remPx = parseFloat(fontSize);
    const gapPx = parseFloat(getComputedStyle(agents).columnGap) || 0;
    const cols = String(
      Math.max(1, Math.floor((agents.clientWidth + gapPx) / (CARD_MIN_REM * remPx + gapPx)))
    );
    if (cols !== columns) {
      columns = cols;
      agents.style.setProperty("--cols", cols);
      return; // laid out again in the new columns
    }
    const cards = Array.from(agents.children).filter(function (card) {
      return !(/** @type {HTMLElement} */ (card).hidden);
    });
    if (!cards.length) return;
    const g = grid(cards);
    const bottom = parseFloat(getComputedStyle(agents.closest("main") || agents).paddingBottom) || 0;
    // (and the page's note, fixed in the corner below the last row)
    const room = window.innerHeight - agents.getBoundingClientRect().top - bottom - 2 * remPx;
    const rows = Math.max(1, Math.floor((room + g.gap) / g.pitch));
    if (room < MIN_ROWS * g.pitch - g.gap && scale > MIN_SCALE) {
      scale = Math.max(MIN_SCALE, scale - STEP);
      return;
    }
    if (scale < 1 && room > (MIN_ROWS + 2) * g.pitch) {
      scale = Math.min(1, scale + STEP);
      return;
    }
    const wanted = rows * g.pitch - g.gap + "px";
    if (wanted !== height) {
      height = wanted;
      agents.style.height = wanted;
    }
    const perPage = rows * g.cols;
    const pages = Math.ceil(cards.length / perPage);
    shownFor += 1;
    if (page >= pages) page = 0;
    else if (shownFor >= PAGE_S && pages > 1) {
      page = (page + 1) % pages;
      shownFor = 0;
    }
    const top = page * rows * g.pitch;
    if (agents.scrollTop !== top) agents.scrollTop = top;
    const text =
      pages > 1
        ? t("tv.page", {
            from: page * perPage + 1,
            to: Math.min(cards.length, (page + 1) * perPage),
            total: cards.length,
            page: page + 1,
            pages: pages,
          })
        : "";
    if (note && text !== noteText) {
      noteText = text;
      note.textContent = text;
      note.hidden = !text;
    }
  };
}
