/* What this board shows (a view frame: realtime/messages.py): its team's name beside the title,
 * the team picker (only when there are several to pick from; its choice is sent to the server,
 * which keeps it and answers with the new view and a snapshot of its scope), and, for a board
 * that shows nothing, why (the sentences come translated in the page: data-no-team,
 * data-team-gone). Team names come from people: text, each option with its own direction.
 */

// page: {teamName, pick, note}; send(message): to the server (socket.js)
export function createView(page, send) {
  if (page.pick) {
    page.pick.addEventListener("change", function () {
      send({ type: "view", team: page.pick.value });
    });
  }
  return function show(frame) {
    const team = typeof frame.team === "string" ? frame.team : "";
    if (page.teamName) {
      page.teamName.textContent = team;
      page.teamName.hidden = !team;
    }
    const why = frame.why === "no_team" || frame.why === "team_gone" ? frame.why : "";
    if (page.note) {
      const words = why === "no_team" ? page.note.dataset.noTeam : page.note.dataset.teamGone;
      page.note.textContent = why ? words || "" : "";
      page.note.hidden = !why;
    }
    document.body.dataset.view = why || "shown";
    if (!page.pick) return;
    const options = Array.isArray(frame.options) ? frame.options : [];
    const drawn = options.map(function (option) {
      const element = document.createElement("option");
      element.value = String(option.value);
      element.textContent = option.value === "all" ? page.pick.dataset.all || "" : String(option.name);
      element.dir = "auto";
      return element;
    });
    page.pick.replaceChildren.apply(page.pick, drawn);
    page.pick.value = String(frame.chosen || "");
    const label = page.pick.closest("label");
    if (label) label.hidden = options.length < 2;
  };
}
