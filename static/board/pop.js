/* The screen-pop: when a call rings at the signed-in person's own extension, a card pops with
 * the caller's contact (name, company, notes, a link to the contact) or an unknown caller, as
 * Voicenter's own Pop-up screen does. The contact comes from GET /contacts/lookup?phone=
 * (wallboard/contacts/views.py): one request per ringing call of one's own extension, never
 * per screen per event. The card stays while the call lasts, and a little after. An unknown
 * caller's card offers "Add contact" to who may add contacts: the add form (its URL in the page's
 * config, add_contact_url; "" for everyone else) with the number filled in (?phone=), in a tab
 * of its own, so that the board or the contacts page stays open during the call.
 * Text only (textContent).
 */

import { el, setText, str } from "./dom.js";
import { t } from "./i18n.js";

const KEEP_AFTER_MS = 10000; // the card stays this long after the call has gone

// getCalls(): the own extension's calls now; lookupUrl: the lookup endpoint ("" = off);
// addUrl: the contact add form an unknown caller's card links to ("" = no link).
export function createScreenPop(getCalls, lookupUrl, addUrl) {
  const seen = new Set(); // call ids already popped (or being looked up)
  let card = null; // {el, callId, gone}
  let hideTimer = null;

  function close() {
    clearTimeout(hideTimer);
    if (card) card.el.remove();
    card = null;
  }

  function show(call, contact) {
    close();
    const box = el("aside", "screen-pop");
    box.setAttribute("role", "alert");
    box.setAttribute("aria-label", t("pop.incoming"));
    const head = el("div", "screen-pop-head", t("pop.incoming"));
    const number = str(call.number) || t("pop.hiddenNumber");
    const body = el("div", "screen-pop-body");
    if (contact && contact.found) {
      const link = el("a", "screen-pop-name", str(contact.name));
      link.href = str(contact.url);
      body.append(link);
      if (contact.company) body.append(el("div", "screen-pop-company", str(contact.company)));
      body.append(el("div", "screen-pop-number", number));
      if (contact.notes) body.append(el("p", "screen-pop-notes", str(contact.notes)));
      if (contact.total > 1) {
        const more = t("pop.moreContacts", { count: contact.total - 1 });
        body.append(el("div", "screen-pop-more", more));
      }
    } else {
      body.append(el("div", "screen-pop-name", t("pop.unknownCaller")));
      body.append(el("div", "screen-pop-number", number));
    }
    const dismiss = el("button", "screen-pop-close", t("pop.close"));
    dismiss.type = "button";
    dismiss.addEventListener("click", close);
    box.append(head, body);
    if (!(contact && contact.found) && addUrl && str(call.number)) box.append(addLink(call), " ");
    box.append(dismiss);
    document.body.appendChild(box);
    card = { el: box, callId: str(call.call_id) };
  }

  // "Add contact": the add form with the caller's number (as Voicenter sent it) filled in.
  function addLink(call) {
    const link = el("a", "screen-pop-add", t("pop.addContact"));
    link.classList.add("plain-button"); // (board.css: drawn as a button beside "Close")
    link.href = addUrl + "?phone=" + encodeURIComponent(str(call.number));
    link.target = "_blank";
    link.rel = "noopener";
    return link;
  }

  async function lookUp(call) {
    let contact = null;
    try {
      const url = lookupUrl + "?phone=" + encodeURIComponent(str(call.number));
      const response = await fetch(url, { credentials: "same-origin" });
      if (response.ok) contact = await response.json();
    } catch (err) {
      contact = null; // the card still pops, as "Unknown caller"
    }
    if (stillRinging(call.call_id)) show(call, contact);
  }

  function stillRinging(callId) {
    return getCalls().some(function (c) {
      return c && c.call_id === callId;
    });
  }

  // Look at the own extension's calls (after each drawing and once a second).
  function check() {
    if (!lookupUrl) return;
    const calls = getCalls();
    for (const call of calls) {
      if (!call || !call.call_id || seen.has(call.call_id)) continue;
      const incoming = !/click2call|outgoing|spy/i.test(str(call.direction));
      if (incoming && call.state === "Ringing") {
        seen.add(call.call_id);
        lookUp(call);
      }
    }
    if (card && !card.gone && !stillRinging(card.callId)) {
      card.gone = true;
      card.el.classList.add("ended");
      setText(card.el.querySelector(".screen-pop-head"), t("pop.ended"));
      hideTimer = setTimeout(close, KEEP_AFTER_MS);
    }
    if (seen.size > 500) seen.clear(); // a long-lived page
  }

  return { check: check };
}
