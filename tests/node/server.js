// A socket.io 2.x server (Engine.IO 3, the line Voicenter runs) with Voicenter's HTTP login in
// front, for the worker to connect to. Usage: node server.js <events.json>
// events.json: {"snapshot": [[name, payload], ...], "live": [[name, payload], ...]}
// Prints {"port": N} when listening, then one JSON line per event a client emits.
"use strict";
const fs = require("fs");
const http = require("http");
const crypto = require("crypto");

const script = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const tokens = new Set();

const server = http.createServer((req, res) => {
  if (req.method === "POST" && req.url === "/monitorAPI/Login/Token") {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      let parsed = {};
      try { parsed = JSON.parse(body); } catch (e) { /* answered below */ }
      if (parsed.token !== "node-token") {
        res.writeHead(401, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ error: "Unauthorized" }));
        return;
      }
      const token = crypto.randomBytes(16).toString("hex");
      tokens.add(token);
      const url = `http://127.0.0.1:${server.address().port}`;
      const expiry = new Date(Date.now() + 3600e3).toISOString();
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({
        StatusCode: 0, Status: "OK",
        Data: { Socket: { Token: token, URLList: [url], Url: url, RefreshToken: "r-" + token,
                          TokenExpiry: expiry, RefreshTokenExpiry: expiry } },
      }));
      out({ login: parsed });
    });
    return;
  }
  res.writeHead(404);
  res.end();
});

const io = require("socket.io")(server, { transports: ["websocket"], serveClient: false });
io.use((socket, next) => {
  if (tokens.has(socket.handshake.query.token)) return next();
  out({ refused: socket.handshake.query.token || null });
  return next(new Error("unauthorized"));
});
io.on("connection", (socket) => {
  out({ connection: socket.handshake.query.EIO });
  const sendSnapshot = () => script.snapshot.forEach(([n, p]) => socket.emit(n, p));
  sendSnapshot();
  let i = 0;
  const timer = setInterval(() => {
    if (i < script.live.length) {
      const [n, p] = script.live[i++];
      socket.emit(n, p);
    }
  }, 50);
  socket.use((packet, next) => {
    out({ received: packet[0], data: packet[1] === undefined ? null : packet[1] });
    next();
  });
  socket.on("keepalive", (token) => {
    const ok = tokens.has(token);
    socket.emit("keepaliveResponse", { isOk: ok, errorCode: ok ? 0 : 1, errorDesc: ok ? "OK" : "bad token" });
  });
  socket.on("resync", () => script.snapshot.slice(1).forEach(([n, p]) => socket.emit(n, p)));
  socket.on("disconnect", () => clearInterval(timer));
});
server.listen(0, "127.0.0.1", () => out({ port: server.address().port }));
