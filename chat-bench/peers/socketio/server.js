"use strict";

// Minimal Socket.IO 4.8 server with the Redis adapter: the comparison peer
// that chat-bench drives over raw Engine.IO v4 / Socket.IO v5 WebSocket frames.
// Event contract: see README.md (keep the two in sync).

const http = require("node:http");
const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-adapter");
const { createClient } = require("redis");

const HOST = process.env.HOST || "127.0.0.1";
const PORT = Number.parseInt(process.env.PORT || "3000", 10);
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const MAX_ROOM_LENGTH = 64;

if (!Number.isInteger(PORT) || PORT < 0 || PORT > 65535) {
  console.error(`invalid PORT: ${process.env.PORT}`);
  process.exit(1);
}

function validRoom(room) {
  return typeof room === "string" && room.length > 0 && room.length <= MAX_ROOM_LENGTH;
}

// An ack callback is only present when the client sent a packet id.
function reply(ack, payload) {
  if (typeof ack === "function") ack(payload);
}

function localMembers(io, room) {
  const sids = io.of("/").adapter.rooms.get(room);
  return sids ? sids.size : 0;
}

async function main() {
  // Reconnect forever once up, but fail fast (about 5 s) if Redis is not
  // reachable at start-up instead of hanging with the port closed.
  let redisReady = false;
  const pubClient = createClient({
    url: REDIS_URL,
    socket: {
      reconnectStrategy: (retries, cause) =>
        redisReady ? Math.min(retries * 50, 2000) : retries >= 50 ? cause : 100,
    },
  });
  const subClient = pubClient.duplicate();
  // node-redis emits "error" on connection problems (and reconnects by
  // itself); an unhandled "error" event would crash the process. Start-up
  // failures are reported once, by main().catch below.
  for (const [name, client] of [["pub", pubClient], ["sub", subClient]]) {
    client.on("error", (err) => {
      if (redisReady) console.error(`redis ${name} client error: ${err.message}`);
    });
  }
  await Promise.all([pubClient.connect(), subClient.connect()]);
  redisReady = true;

  // Anything that is not /socket.io/ reaches this handler.
  const httpServer = http.createServer((req, res) => {
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found\n");
  });

  const io = new Server(httpServer, {
    transports: ["websocket"], // no HTTP long-polling
    serveClient: false,
    // perMessageDeflate: left at the Socket.IO default (false)
    adapter: createAdapter(pubClient, subClient),
  });

  io.on("connection", (socket) => {
    socket.on("join", async (room, ack) => {
      if (!validRoom(room)) return reply(ack, { error: "bad_request" });
      await socket.join(room);
      reply(ack, { room, members: localMembers(io, room) });
    });

    socket.on("leave", async (room, ack) => {
      if (!validRoom(room)) return reply(ack, { error: "bad_request" });
      await socket.leave(room);
      reply(ack, { room });
    });

    socket.on("msg", (payload, ack) => {
      const room = payload !== null && typeof payload === "object" ? payload.room : undefined;
      const text = payload !== null && typeof payload === "object" ? payload.text : undefined;
      if (!validRoom(room) || typeof text !== "string") return reply(ack, { error: "bad_request" });
      // Whole room, sender included, on every process (via the Redis adapter).
      io.to(room).emit("msg", { room, from: socket.id, text, ts: Date.now() });
      reply(ack, { ok: true });
    });
  });

  await new Promise((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(PORT, HOST, resolve);
  });
  console.log(`socketio peer listening on ${HOST}:${PORT} (redis ${REDIS_URL})`);

  let closing = false;
  async function shutdown(signal) {
    if (closing) return;
    closing = true;
    // Never hang on shutdown: with Redis unreachable the adapter's UNSUBSCRIBE
    // and QUIT stay queued until a reconnect, so give up after 5 s.
    setTimeout(() => {
      console.error(`socketio peer on ${HOST}:${PORT} forced exit after 5 s (${signal})`);
      process.exit(0);
    }, 5000).unref();
    try {
      // Disconnects all sockets, closes the adapter (unsubscribes) and the HTTP server.
      await io.close();
    } catch (err) {
      console.error(`error closing socket.io: ${err.message}`);
    }
    await Promise.allSettled(
      [pubClient, subClient].map((c) => (c.isReady ? c.quit() : c.disconnect())),
    );
    console.log(`socketio peer on ${HOST}:${PORT} stopped (${signal})`);
    process.exit(0);
  }
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((err) => {
  console.error(`socketio peer failed to start on ${HOST}:${PORT} (redis ${REDIS_URL}): ${err.message || err}`);
  process.exit(1);
});
