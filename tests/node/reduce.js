// Runs the browser's reducer (static/board/reducer.js) over recorded frames.
// Usage: node reduce.js <frames.json>   (a JSON array of server frames)
// Prints {"actions": [...], "epoch", "seq", "synced", "state": {"queues", "agents"}}.
"use strict";
const fs = require("fs");
const path = require("path");
const R = require(path.join(__dirname, "..", "..", "static", "board", "reducer.js"));

const frames = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const board = R.createBoard();
const actions = frames.map((frame, i) => R.receive(board, frame, 1000 * i).action);
process.stdout.write(JSON.stringify({
  actions,
  epoch: board.epoch,
  seq: board.seq,
  synced: board.synced,
  state: { queues: board.queues, agents: board.agents },
}));
