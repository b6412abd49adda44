/* The board's filter: an agent's name, extension or number, and a queue. Reads its two inputs;
 * says whether an agent card or a queue tile is shown; calls onChange when the user changes it.
 */

import { str } from "./dom.js";

export function createFilter(textInput, queueSelect, onChange) {
  const filter = {
    text: "",
    queue: "",

    active() {
      return filter.text !== "" || filter.queue !== "";
    },

    showsQueue(id) {
      return filter.queue === "" || id === filter.queue;
    },

    // An agent shows under a queue filter while on a call from that queue.
    showsAgent(agent) {
      if (filter.queue) {
        const calls = Array.isArray(agent.calls) ? agent.calls : [];
        const inQueue = calls.some(function (call) {
          return call && call.queue_id != null && String(call.queue_id) === filter.queue;
        });
        if (!inQueue) return false;
      }
      if (filter.text) {
        const hay = (
          str(agent.agent_name) +
          "\n" +
          str(agent.extension) +
          "\n" +
          str(agent.number)
        ).toLowerCase();
        if (hay.indexOf(filter.text) < 0) return false;
      }
      return true;
    },
  };
  if (textInput) {
    textInput.addEventListener("input", function () {
      filter.text = textInput.value.trim().toLowerCase();
      onChange();
    });
  }
  if (queueSelect) {
    queueSelect.addEventListener("change", function () {
      filter.queue = queueSelect.value;
      onChange();
    });
  }
  return filter;
}
