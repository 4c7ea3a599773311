import { ClientType, ServerType, ErrorCode, FATAL_CLOSE_CODES } from './protocol.js';

/**
 * A Switchboard connection that survives reconnects: it keeps the last {epoch, offset} per room,
 * rejoins with `since` so nothing is missed or shown twice, and resends unacknowledged messages
 * with their original clientMsgId (the server stores a retry once).
 *
 * Events (addEventListener): 'message', 'presence', 'typing', 'joined', 'status', 'problem'.
 */
export class SwitchboardClient extends EventTarget {
  constructor({ url = defaultUrl(), name }) {
    super();
    this.url = url;
    this.name = name;
    this.rooms = new Map();   // room -> {epoch, offset} of the last message shown, or null
    this.pending = new Map(); // clientMsgId -> send frame not yet acknowledged
    this.attempt = 0;
    this.retryAfterMs = null;
    this.stopped = false;
  }

  connect() {
    this.stopped = false;
    const ws = new WebSocket(this.url);
    this.ws = ws;
    this.#status('connecting');
    ws.onmessage = (event) => this.#onFrame(JSON.parse(event.data));
    ws.onclose = (event) => this.#onClose(event);
  }

  close() {
    this.stopped = true;
    this.ws?.close(1000);
  }

  join(room) {
    if (!this.rooms.has(room)) this.rooms.set(room, null);
    this.#sendJoin(room);
  }

  leave(room) {
    this.rooms.delete(room);
    this.#send({ type: ClientType.LEAVE, room });
  }

  say(room, text) {
    const frame = { type: ClientType.SEND, room, text, clientMsgId: crypto.randomUUID() };
    this.pending.set(frame.clientMsgId, frame);
    this.#send(frame);
    return frame.clientMsgId;
  }

  typing(room) {
    this.#send({ type: ClientType.TYPING, room });
  }

  #sendJoin(room) {
    const since = this.rooms.get(room);
    this.#send(since ? { type: ClientType.JOIN, room, since } : { type: ClientType.JOIN, room });
  }

  #send(frame) {
    if (this.ws?.readyState === WebSocket.OPEN && this.ready) this.ws.send(JSON.stringify(frame));
  }

  #onFrame(frame) {
    switch (frame.type) {
      case ServerType.WELCOME:
        this.ws.send(JSON.stringify({ type: ClientType.HELLO, name: this.name }));
        break;
      case ServerType.HELLO_OK:
        this.ready = true;
        this.attempt = 0;
        this.#status('online');
        for (const room of this.rooms.keys()) this.#sendJoin(room);
        break;
      case ServerType.JOINED: {
        if (!this.rooms.get(frame.room) || frame.epochChanged) {
          this.rooms.set(frame.room, { epoch: frame.epoch, offset: frame.epochChanged ? 0 : frame.offset });
        }
        this.#emit('joined', frame);
        for (const pending of this.pending.values()) {
          if (pending.room === frame.room) this.#send(pending);
        }
        break;
      }
      case ServerType.MESSAGE: {
        const last = this.rooms.get(frame.room);
        if (last && last.epoch === frame.epoch && frame.offset <= last.offset) break; // already shown
        this.rooms.set(frame.room, { epoch: frame.epoch, offset: frame.offset });
        this.#emit('message', frame);
        break;
      }
      case ServerType.ACK:
        this.pending.delete(frame.clientMsgId);
        break;
      case ServerType.EPOCH_CHANGED:
        this.rooms.set(frame.room, { epoch: frame.epoch, offset: 0 });
        this.#emit('problem', { message: `History of ${frame.room} restarted (server lost its log)` });
        break;
      case ServerType.PRESENCE:
        this.#emit('presence', frame);
        break;
      case ServerType.TYPING:
        this.#emit('typing', frame);
        break;
      case ServerType.RECONNECT:
        this.retryAfterMs = frame.retryAfterMs;
        break;
      case ServerType.ERROR:
        if (frame.code !== ErrorCode.BROKER_UNAVAILABLE) this.#emit('problem', frame);
        break;
    }
  }

  #onClose(event) {
    this.ready = false;
    if (this.stopped || FATAL_CLOSE_CODES.has(event.code)) {
      this.#status(this.stopped ? 'closed' : `closed (${event.code})`);
      return;
    }
    const backoff = Math.min(30000, 500 * 2 ** this.attempt++);
    const delay = this.retryAfterMs ?? backoff / 2 + Math.random() * backoff / 2;
    this.retryAfterMs = null;
    this.#status(`reconnecting in ${Math.round(delay)} ms`);
    setTimeout(() => this.connect(), delay);
  }

  #status(text) {
    this.#emit('status', { text });
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

function defaultUrl() {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}
