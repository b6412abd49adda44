// @ts-check
/* The browser's words: every string the board, the TV, the contacts page, the screen-pop and
 * the status buttons put on screen, by key, in one table per language (English here; another
 * language is another table in TABLES, its missing keys read in English). The server's pages
 * translate their own words (Django's catalogs); what the server sends as words (an answer's
 * message, the service-level formulas in the page's config) comes translated already.
 *
 *   t("banner.live")                          -> "● Live"
 *   t("queue.moreWaiting", { count: 3 })      -> "+ 3 more waiting"
 *   word("callState", call.state)             -> "Talking" (Voicenter's value as it came, if
 *                                                the table has no word for it)
 *
 * A placeholder's value is isolated (FSI ... PDI) with the direction of its own first letters:
 * "Talking with שרה כהן · 0:02" reads in that order on Hebrew and English pages alike.
 *
 * Pure: no DOM, no I/O (present.js and banner.js import it, and the tests run those under
 * Node). t(key) is a plain object lookup; t(key, params) fills {name} placeholders from a
 * template split once per key, so a drawing costs what the concatenation it replaces did.
 */

// (a table of Voicenter's values has no prototype: a value "constructor" is not a word)
function values(words) {
  return Object.assign(Object.create(null), words);
}

const EN = {
  // banner.js: how fresh the screen is
  "banner.signedOut": "⚠ Signed out — opening the sign-in page…",
  "banner.storeDownRetrying": "⚠ The wallboard server cannot reach Redis — retrying…",
  "banner.databaseDown": "⚠ The wallboard's database is unreachable — retrying…",
  "banner.reconnecting": "↻ Reconnecting to the wallboard server…",
  "banner.connecting": "↻ Connecting to the wallboard server…",
  "banner.dataFrom": "{text} (data from {time})",
  "banner.storeDownFrozen": "⚠ The wallboard server cannot reach Redis — data frozen",
  "banner.storeDownFrozenSince":
    "⚠ The wallboard server cannot reach Redis — data frozen since {time}",
  "banner.serverSilent": "⚠ No word from the wallboard server for {age}",
  "banner.catchingUp": "↻ Catching up with the wallboard server…",
  "banner.noDataYet": "⚠ No data from Voicenter yet — waiting for the wallboard worker",
  "banner.workerDown": "⚠ Wallboard worker not running — no data from Voicenter",
  "banner.workerDownFor": "⚠ Wallboard worker not running — no data from Voicenter for {age}",
  "banner.voicenterDown": "↻ Reconnecting to Voicenter…",
  "banner.voicenterDownFor": "↻ Reconnecting to Voicenter… no data for {age}",
  "banner.fromApi": "◐ Live calls from Voicenter's API; statuses may be stale",
  "banner.voicenterUnreachable": "⚠ Cannot reach Voicenter (realtime socket and API)",
  "banner.voicenterUnreachableFor":
    "⚠ Cannot reach Voicenter (realtime socket and API) — no data for {age}",
  "banner.syncing": "↻ Syncing with Voicenter…",
  "banner.stale": "⚠ No data from Voicenter",
  "banner.staleFor": "⚠ No data from Voicenter for {age}",
  "banner.live": "● Live",
  "tv.page": "Agents {from}–{to} of {total} · page {page} of {pages}",
  "board.frozen": "‖ frozen",
  "board.frozenSince": "‖ frozen since {time}",
  // present.js: a past span
  "age.seconds": "{s} s",
  "age.minutes": "{m} min",
  "age.hours": "{h} h {m} min",
  // render.js: the header
  "header.onCallListening": "{oncall} +{listening} listening",
  // queues.js: the tiles
  "queue.waiting": "waiting",
  "queue.longestWait": "longest wait",
  "queue.longWait": "⚠ Long wait",
  "queue.answered": "answered",
  "queue.abandoned": "abandoned",
  "queue.sl": "SL",
  "queue.asa": "ASA",
  "queue.unknownNumber": "Unknown number",
  "queue.alertWaiting": "⚠ {count} waiting (alert at {at})",
  "queue.alertLongestWait": "⚠ Waiting over {duration}",
  "queue.agentsAvailable": "available",
  "queue.agentsOnCall": "on a call",
  "queue.agentsOnBreak": "on a break",
  "queue.agentsOfTeams": "Its agents: the agents of {teams}",
  "queue.agentsWhoAnswered": "Its agents: those who answered its calls today (no team names this queue)",
  "queue.agentsUnknown": "No agent known yet: nobody answered its calls today, and no team names this queue",
  "queue.alertSl": "⚠ SL {sl}% (below {min}%)",
  "queue.chart": "Callers waiting, last {minutes} minutes: at most {peak} at once",
  "queue.slTip": "Service level (T = {threshold} s): {text}",
  "queue.moreWaiting": "+ {count} more waiting",
  "queue.unnamed": "Queue {id}",
  // agents.js: the cards
  "agent.dialing": "Dialing",
  "agent.ringing": "Ringing",
  "agent.onHold": "On hold",
  "agent.onCall": "On call",
  "agent.listening": "Listening in",
  "agent.overBy": "over by {min} min",
  "agent.available": "Available",
  "agent.idle": "Idle",
  "agent.idleTitle": "Time since their last call ended",
  "agent.loggedOut": "Logged out",
  "agent.break": "Break",
  "agent.changingTo": "Changing to {name}…",
  "agent.unknownNumber": "Unknown number",
  "call.direction": "Call",
  "call.unknownState": "Unknown",
  // Voicenter's call directions and states (realtime/state.py), as a person reads them: word()
  direction: values({
    Incoming: "Incoming",
    Outgoing: "Outgoing",
    Click2Call: "Click2Call",
    Spy: "Spy",
  }),
  callState: values({
    Ringing: "Ringing",
    Dialing: "Dialing",
    Talking: "Talking",
    Hold: "Hold",
    Spying: "Spying",
  }),
  // status.js: the status buttons
  "status.unnamed": "Status {code}",
  "status.about": "{name}: {text}",
  "status.done": "{name}: done.",
  "status.pageOutOfDate":
    "This page is out of date (its security token expired): reload it and try again.",
  "status.serverAnswered": "The wallboard server answered {status}: not changed.",
  "status.serverUnreachable": "The wallboard server could not be reached: not changed.",
  "status.notChanged": "Not changed.",
  "status.unknown": "unknown",
  "status.notConfirmed": "Voicenter has not confirmed {name}; it reports {shown}.",
  "status.menuTitle": "Status of {name}",
  "status.you": "You",
  "status.myStatus": "My status",
  "status.changeOf": "Change the status of {name}",
  // pop.js: the screen-pop
  "pop.incoming": "Incoming call",
  "pop.hiddenNumber": "a hidden number",
  "pop.moreContacts": "Other contacts with this number: {count}",
  "pop.unknownCaller": "Unknown caller",
  "pop.addContact": "Add contact",
  "pop.close": "Close",
  "pop.ended": "Call ended",
  // sound.js
  "sound.on": "Alert sound: on",
  "sound.off": "Alert sound: off",
  // contacts.js: calling a contact
  "contacts.pageOutOfDate": "This page is out of date (its security token expired): reload it.",
  "contacts.serverAnswered": "The wallboard server answered {status}.",
  "contacts.serverUnreachable": "The wallboard server could not be reached.",
  "contacts.talking": "Talking with {name} · {duration}",
  "contacts.calling": "Calling {name}…",
  "contacts.ringing": "Your phone is ringing: answer it to call {name}.",
  "contacts.ended": "Call ended.",
  "contacts.neverSeen": "Voicenter accepted the call but never showed it on your extension.",
  "contacts.alreadyCalling": "You are already on a call from this page.",
  "contacts.theContact": "the contact",
  "contacts.asking": "Asking Voicenter to call {name}…",
  "contacts.notStarted": "The call did not start.",
  "contacts.hungUp": "Hung up.",
  "contacts.notHungUp": "Could not hang up.",
  // callbacks.js: callers who gave up
  "callbacks.callBack": "Call back",
  "callbacks.callBackLabel": "Call back {number}",
  "callbacks.calledBackBy": "Called back by {name} at {time}",
  "callbacks.calledBackByYou": "You called back at {time}",
  "callbacks.withOutcome": "{text} · {outcome}",
  "callbacks.count": "Callers: {total} · not called back yet: {open}",
  "callbacks.asking": "Asking Voicenter to call {number} back: your phone rings first…",
  // queues.js: a repeat caller
  "queue.repeat": "Called {count} more times today or yesterday",
};

const HE = {
  // banner.js: how fresh the screen is
  "banner.signedOut": "⚠ נותקת מהמערכת — מעבר לדף הכניסה…",
  "banner.storeDownRetrying": "⚠ שרת לוח המוקד לא מצליח להתחבר ל-Redis — מנסה שוב…",
  "banner.databaseDown": "⚠ אין גישה למסד הנתונים של לוח המוקד — מנסה שוב…",
  "banner.reconnecting": "↻ מתחבר מחדש לשרת לוח המוקד…",
  "banner.connecting": "↻ מתחבר לשרת לוח המוקד…",
  "banner.dataFrom": "{text} (נתונים מ-{time})",
  "banner.storeDownFrozen": "⚠ שרת לוח המוקד לא מצליח להתחבר ל-Redis — הנתונים מוקפאים",
  "banner.storeDownFrozenSince":
    "⚠ שרת לוח המוקד לא מצליח להתחבר ל-Redis — הנתונים מוקפאים מאז {time}",
  "banner.serverSilent": "⚠ אין אות משרת לוח המוקד כבר {age}",
  "banner.catchingUp": "↻ מתעדכן מול שרת לוח המוקד…",
  "banner.noDataYet": "⚠ עדיין אין נתונים מ-Voicenter — ממתין לתהליך הרקע של לוח המוקד",
  "banner.workerDown": "⚠ תהליך הרקע של לוח המוקד לא פועל — אין נתונים מ-Voicenter",
  "banner.workerDownFor":
    "⚠ תהליך הרקע של לוח המוקד לא פועל — אין נתונים מ-Voicenter כבר {age}",
  "banner.voicenterDown": "↻ מתחבר מחדש ל-Voicenter…",
  "banner.voicenterDownFor": "↻ מתחבר מחדש ל-Voicenter… אין נתונים כבר {age}",
  "banner.fromApi": "◐ שיחות חיות מה-API של Voicenter; ייתכן שהסטטוסים אינם מעודכנים",
  "banner.voicenterUnreachable": "⚠ אין חיבור ל-Voicenter (לא לשקע הזמן-אמת ולא ל-API)",
  "banner.voicenterUnreachableFor":
    "⚠ אין חיבור ל-Voicenter (לא לשקע הזמן-אמת ולא ל-API) — אין נתונים כבר {age}",
  "banner.syncing": "↻ מסתנכרן עם Voicenter…",
  "banner.stale": "⚠ אין נתונים מ-Voicenter",
  "banner.staleFor": "⚠ אין נתונים מ-Voicenter כבר {age}",
  "banner.live": "● בזמן אמת",
  "tv.page": "נציגים {from}–{to} מתוך {total} · עמוד {page} מתוך {pages}",
  "board.frozen": "‖ מוקפא",
  "board.frozenSince": "‖ מוקפא מאז {time}",
  // present.js: a past span
  "age.seconds": "{s} שנ׳",
  "age.minutes": "{m} דק׳",
  "age.hours": "{h} שע׳ {m} דק׳",
  // render.js: the header
  "header.onCallListening": "{oncall} + {listening} בהאזנה",
  // queues.js: the tiles
  "queue.waiting": "ממתינים",
  "queue.longestWait": "ההמתנה הארוכה ביותר",
  "queue.longWait": "⚠ המתנה ארוכה",
  "queue.answered": "נענו",
  "queue.abandoned": "ננטשו",
  "queue.sl": "רמת שירות",
  "queue.asa": "זמן מענה ממוצע",
  "queue.unknownNumber": "מספר לא ידוע",
  "queue.alertWaiting": "⚠ {count} ממתינים (התראה מ-{at})",
  "queue.alertLongestWait": "⚠ המתנה של יותר מ-{duration}",
  "queue.agentsAvailable": "זמינים",
  "queue.agentsOnCall": "בשיחה",
  "queue.agentsOnBreak": "בהפסקה",
  "queue.agentsOfTeams": "הנציגים שלו: הנציגים של {teams}",
  "queue.agentsWhoAnswered": "הנציגים שלו: מי שענו לשיחות שלו היום (אין צוות שהתור הזה שייך אליו)",
  "queue.agentsUnknown": "עדיין אין נציגים ידועים: איש לא ענה לשיחות שלו היום, ואין צוות שהתור הזה שייך אליו",
  "queue.alertSl": "⚠ רמת שירות {sl}% (מתחת ל-{min}%)",
  "queue.chart": "ממתינים ב-{minutes} הדקות האחרונות: לכל היותר {peak} בו־זמנית",
  "queue.slTip": "רמת שירות (T = {threshold} שנ׳): {text}",
  "queue.moreWaiting": "+ {count} ממתינים נוספים",
  "queue.unnamed": "תור {id}",
  // agents.js: the cards
  "agent.dialing": "מחייג",
  "agent.ringing": "מצלצל",
  "agent.onHold": "שיחה בהמתנה",
  "agent.onCall": "בשיחה",
  "agent.listening": "בהאזנה",
  "agent.overBy": "חריגה של {min} דק׳",
  "agent.available": "זמין",
  "agent.idle": "ללא שיחה",
  "agent.idleTitle": "הזמן שעבר מאז סיום השיחה האחרונה",
  "agent.loggedOut": "מנותק",
  "agent.break": "בהפסקה",
  "agent.changingTo": "מעבר ל-{name}…",
  "agent.unknownNumber": "מספר לא ידוע",
  "call.direction": "שיחה",
  "call.unknownState": "לא ידוע",
  // Voicenter's call directions and states (realtime/state.py), as a person reads them: word()
  direction: values({
    Incoming: "נכנסת",
    Outgoing: "יוצאת",
    Click2Call: "Click2Call",
    Spy: "האזנה",
  }),
  callState: values({
    Ringing: "מצלצלת",
    Dialing: "בחיוג",
    Talking: "בשיחה",
    Hold: "בהמתנה",
    Spying: "בהאזנה",
  }),
  // status.js: the status buttons
  "status.unnamed": "סטטוס {code}",
  "status.about": "{name}: {text}",
  "status.done": "{name}: בוצע.",
  "status.pageOutOfDate":
    "הדף הזה לא מעודכן (תוקף אסימון האבטחה שלו פג): יש לרענן אותו ולנסות שוב.",
  "status.serverAnswered": "שרת לוח המוקד השיב בקוד {status}: לא בוצע שינוי.",
  "status.serverUnreachable": "אין חיבור לשרת לוח המוקד: לא בוצע שינוי.",
  "status.notChanged": "לא בוצע שינוי.",
  "status.unknown": "לא ידוע",
  "status.notConfirmed": "לא התקבל אישור מ-Voicenter על {name}; הסטטוס המדווח: {shown}.",
  "status.menuTitle": "הסטטוס של {name}",
  "status.you": "את/ה",
  "status.myStatus": "הסטטוס שלי",
  "status.changeOf": "שינוי הסטטוס של {name}",
  // pop.js: the screen-pop
  "pop.incoming": "שיחה נכנסת",
  "pop.hiddenNumber": "מספר חסוי",
  "pop.moreContacts": "אנשי קשר נוספים עם המספר הזה: {count}",
  "pop.unknownCaller": "מתקשר לא מזוהה",
  "pop.addContact": "הוספת איש קשר",
  "pop.close": "סגירה",
  "pop.ended": "השיחה הסתיימה",
  // sound.js
  "sound.on": "צליל התראה: פועל",
  "sound.off": "צליל התראה: כבוי",
  // contacts.js: calling a contact
  "contacts.pageOutOfDate": "הדף הזה לא מעודכן (תוקף אסימון האבטחה שלו פג): יש לרענן אותו.",
  "contacts.serverAnswered": "שרת לוח המוקד השיב בקוד {status}.",
  "contacts.serverUnreachable": "אין חיבור לשרת לוח המוקד.",
  "contacts.talking": "בשיחה עם {name} · {duration}",
  "contacts.calling": "מחייג אל {name}…",
  "contacts.ringing": "הטלפון שלך מצלצל: יש לענות כדי לחייג אל {name}.",
  "contacts.ended": "השיחה הסתיימה.",
  "contacts.neverSeen": "Voicenter קיבל את השיחה, אבל היא לא הופיעה בשלוחה שלך.",
  "contacts.alreadyCalling": "כבר יש לך שיחה פעילה מהדף הזה.",
  "contacts.theContact": "איש הקשר",
  "contacts.asking": "שולח ל-Voicenter בקשה לחייג אל {name}…",
  "contacts.notStarted": "השיחה לא התחילה.",
  "contacts.hungUp": "השיחה נותקה.",
  "contacts.notHungUp": "לא ניתן היה לנתק את השיחה.",
  // callbacks.js: callers who gave up
  "callbacks.callBack": "חיוג חוזר",
  "callbacks.callBackLabel": "חיוג חוזר אל {number}",
  "callbacks.calledBackBy": "{name} חזר/ה אליו ב-{time}",
  "callbacks.calledBackByYou": "חזרת אליו ב-{time}",
  "callbacks.withOutcome": "{text} · {outcome}",
  "callbacks.count": "מתקשרים: {total} · עוד לא קיבלו חיוג חוזר: {open}",
  "callbacks.asking": "שולח ל-Voicenter בקשה לחזור אל {number}: הטלפון שלך יצלצל קודם…",
  // queues.js: a repeat caller
  "queue.repeat": "התקשר עוד {count} פעמים היום או אתמול",
};

// language (primary subtag) -> its table; a later language adds its own here
export const TABLES = { en: EN, he: HE };

// Unicode's first-strong isolate and its end (UAX #9): invisible, they isolate what is between.
export const FSI = "\u2068";
export const PDI = "\u2069";

let table = EN;
let templates = new Map(); // key -> [literal, name, literal, name, ..., literal]
let counts = new Intl.NumberFormat("en");
let shares = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 });

// Read the words of `lang` ("he", "en-us"...) from now on; English for a language without a
// table. Call it before the first drawing (main.js, contacts.js): what is drawn keeps its words.
/** @param {string | null | undefined} lang @returns {string} the language used */
export function setLanguage(lang) {
  const primary = String(lang || "en").toLowerCase().split("-")[0];
  const next = TABLES[primary] || EN;
  const used = primary in TABLES ? primary : "en";
  if (next !== table) {
    table = next;
    templates = new Map();
    counts = new Intl.NumberFormat(used);
    shares = new Intl.NumberFormat(used, { style: "percent", maximumFractionDigits: 1 });
  }
  return used;
}

// A count as the language writes it ("1,234"); what is not a finite number is shown as given.
/** @param {unknown} value @returns {string} */
export function count(value) {
  return typeof value === "number" && isFinite(value) ? counts.format(value) : String(value ?? "");
}

// A percentage (12.5 -> "12.5%") as the language writes it; "—" when there is none.
/** @param {unknown} value @returns {string} */
export function share(value) {
  return typeof value === "number" && isFinite(value) ? shares.format(value / 100) : "—";
}

function text(key) {
  const found = table[key];
  if (found !== undefined) return found;
  const english = EN[key];
  return english !== undefined ? english : key;
}

function split(template) {
  const parts = [];
  let at = 0;
  const re = /\{(\w+)\}/g;
  let m;
  while ((m = re.exec(template)) !== null) {
    parts.push(template.slice(at, m.index), m[1]);
    at = m.index + m[0].length;
  }
  parts.push(template.slice(at));
  return parts;
}

// The words for `key`; with `params`, its {name} placeholders filled.
/** @param {string} key @param {Record<string, unknown>} [params] @returns {string} */
export function t(key, params) {
  if (params === undefined) return text(key);
  let parts = templates.get(key);
  if (parts === undefined) {
    parts = split(text(key));
    templates.set(key, parts);
  }
  let out = parts[0];
  for (let i = 1; i < parts.length; i += 2) {
    const value = params[parts[i]];
    // each value isolated (FSI ... PDI: its own direction, from its first letters): a Hebrew
    // name, a number or a timer inside a sentence of the other direction keeps its order
    out +=
      (value === undefined || value === null ? "{" + parts[i] + "}" : FSI + value + PDI) +
      parts[i + 1];
  }
  return out;
}

// A value Voicenter sent (a call's direction, its state) as the table's `group` words it, or
// as it came when the table has no word for it.
/** @param {string} group @param {string} value @returns {string} */
export function word(group, value) {
  const words = table[group];
  const found = words === undefined ? undefined : words[value];
  if (found !== undefined) return found;
  const english = EN[group][value];
  return english !== undefined ? english : value;
}
