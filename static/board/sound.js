/* The alert sound: off by default, switched per screen (the button, remembered in this
 * browser; or ?sound=1 in the address, for a TV). A short two-tone chime made with the Web
 * Audio API when a queue tile starts alerting (queues.js), at most one per ALERT_GAP_MS.
 * Browsers play sound only after a person has used the page once (or with Chromium's
 * --autoplay-policy=no-user-gesture-required on a kiosk).
 */

import { t } from "./i18n.js";

const KEY = "wallboard.sound";
const ALERT_GAP_MS = 3000;

export function createSound(button, search) {
  const fromUrl = new URLSearchParams(search || "").get("sound");
  let on = fromUrl === "1" || (fromUrl === null && readStored() === "1");
  let context = null;
  let lastMs = -Infinity;

  function readStored() {
    try {
      return window.localStorage.getItem(KEY);
    } catch (err) {
      return null; // storage off: the switch lasts for this page
    }
  }

  function show() {
    if (!button) return;
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? t("sound.on") : t("sound.off");
  }

  function chime() {
    const AudioContext = window.AudioContext || window.webkitAudioContext;
    if (!AudioContext) return;
    if (!context) context = new AudioContext();
    if (context.state === "suspended") context.resume();
    const start = context.currentTime;
    [880, 660].forEach(function (hz, i) {
      const osc = context.createOscillator();
      const gain = context.createGain();
      osc.frequency.value = hz;
      gain.gain.setValueAtTime(0.0001, start + i * 0.25);
      gain.gain.exponentialRampToValueAtTime(0.3, start + i * 0.25 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.25 + 0.22);
      osc.connect(gain).connect(context.destination);
      osc.start(start + i * 0.25);
      osc.stop(start + i * 0.25 + 0.25);
    });
  }

  if (button) {
    button.addEventListener("click", function () {
      on = !on;
      try {
        window.localStorage.setItem(KEY, on ? "1" : "0");
      } catch (err) {
        /* storage off */
      }
      show();
      if (on) chime(); // the click unlocks audio, and says what it sounds like
    });
  }
  show();

  return {
    get on() {
      return on;
    },
    plays: 0,
    // A tile started alerting.
    alert() {
      const nowMs = performance.now();
      if (!on || nowMs - lastMs < ALERT_GAP_MS) return;
      lastMs = nowMs;
      this.plays += 1;
      try {
        chime();
      } catch (err) {
        /* no audio device: the alert still shows */
      }
    },
  };
}
