// @ts-check
/* A form POSTed to the wallboard server with the page's CSRF token, its JSON answer read. Every
 * page's buttons go through it (status.js, the contacts and call-back pages). An answer that is
 * not our JSON (Django's own refusal page, a proxy's error) or no answer at all becomes
 * {ok: false, message} in the words the caller gives: `words.outOfDate()` for a 403 (the
 * security token expired), `words.answered(status)`, `words.unreachable()`; STATUS_WORDS for a
 * status change (each says nothing changed), CALL_WORDS for a call.
 */

import { t } from "./i18n.js";

export const STATUS_WORDS = {
  outOfDate: () => t("status.pageOutOfDate"),
  answered: (status) => t("status.serverAnswered", { status: status }),
  unreachable: () => t("status.serverUnreachable"),
};

export const CALL_WORDS = {
  outOfDate: () => t("contacts.pageOutOfDate"),
  answered: (status) => t("contacts.serverAnswered", { status: status }),
  unreachable: () => t("contacts.serverUnreachable"),
};

function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input instanceof HTMLInputElement ? input.value : "";
}

export async function postForm(url, fields, words) {
  const form = new FormData();
  for (const key of Object.keys(fields)) form.append(key, fields[key]);
  try {
    const response = await fetch(url, {
      method: "POST",
      body: form,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
    });
    return await response.json().catch(function () {
      const message =
        response.status === 403 ? words.outOfDate() : words.answered(response.status);
      return { ok: false, message: message };
    });
  } catch (err) {
    return { ok: false, message: words.unreachable() };
  }
}
