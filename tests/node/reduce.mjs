// Runs the browser's reducer (static/board/reducer.js, an ES module) over recorded frames.
// Usage: node reduce.mjs <frames.json>   (a JSON array of server frames)
// Prints {"actions": [...], "changed": [...], "epoch", "seq", "synced", "state": {...}}.
import fs from "node:fs";
import { createBoard, receive } from "../../static/board/reducer.js";

const frames = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const board = createBoard();
const results = frames.map((frame, i) => receive(board, frame, 1000 * i));
process.stdout.write(JSON.stringify({
  actions: results.map((r) => r.action),
  changed: results.map((r) => r.changed),
  epoch: board.epoch,
  seq: board.seq,
  synced: board.synced,
  state: board.state,
}));
