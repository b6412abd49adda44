/* TV mode (/?tv=1): nobody scrolls a TV. Shrinks the type, down to TV_MIN_SCALE, until the
 * board fits the screen, and grows it back when there is room again (the 12 % margin stops
 * see-sawing). Called once a second.
 */

const TV_MIN_SCALE = 0.86; // agent names (1.75rem) stay at 24 px or more on a 1080p TV
const TV_STEP = 0.04;

export function createTvFit(board) {
  const on = document.body.classList.contains("tv");
  let scale = 1;
  return function fit() {
    if (!on || !board.synced) return;
    const root = document.documentElement;
    const spare = window.innerHeight - root.scrollHeight;
    if (spare < 0 && scale > TV_MIN_SCALE) {
      scale = Math.max(TV_MIN_SCALE, scale - TV_STEP);
    } else if (spare > 0.12 * window.innerHeight && scale < 1) {
      scale = Math.min(1, scale + TV_STEP);
    } else {
      return;
    }
    root.style.fontSize = (scale * 100).toFixed(0) + "%";
  };
}
