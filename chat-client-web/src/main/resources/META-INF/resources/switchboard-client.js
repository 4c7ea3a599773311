// @ts-check
// Switchboard's client library: the only code of the web client that speaks the protocol
// (docs/protocol.md). It runs in browsers and in Node 20+ (pass `WebSocket` where there is no
// global one), and keeps a conversation whole across reconnects, drains and server restarts.
import {
  ClientType, ServerType, PresenceAction, ErrorCode, RETRYABLE_ERRORS, CloseCode, FATAL_CLOSE_CODES, PROTOCOL_VERSION,
} from './protocol.js';

/**
 * @typedef {'idle'|'connecting'|'connected'|'reconnecting'|'offline'|'closed'} Status
 *   `offline`: the client will not reconnect by itself (the browser is offline, the server
 *   closed with a code that means "don't": 1003, 1008 or 1009, or the app's backend disconnected
 *   this user: 4009); `closed`: {@link SwitchboardClient#close} was called.
 *
 * @typedef {object} ConnectionState
 * @property {Status} status
 * @property {string} [node] the node serving this connection (from `welcome`), while connected
 * @property {string} [url] the address connected or being tried
 * @property {number} attempt reconnect attempts since the last successful hello (0 when connected)
 * @property {number} [nextTryAt] when the next attempt starts (epoch ms), while reconnecting
 * @property {string} [reason] why the last connection ended ('drain', 'close 1006', ...)
 * @property {string} [disconnected] while offline after the app's backend disconnected this user
 *   (close 4009): the reason it gave, to show as it is
 *
 * @typedef {object} Member
 * @property {string} id
 * @property {string} name
 * @property {string} node
 *
 * @typedef {object} ChatMessage a `message` frame as docs/protocol.md gives it, plus `mine`
 * @property {string} room
 * @property {string} epoch
 * @property {number} offset
 * @property {string} id
 * @property {string} from the sender's session id
 * @property {string} fromName
 * @property {string} [fromUser] the sender's user id (jwt mode)
 * @property {string} [text] absent from a tombstone
 * @property {number} ts
 * @property {string} [clientMsgId]
 * @property {boolean} [deleted] true: the app's backend deleted this message; a tombstone in its place
 *   (no text), in history and on resume; live, a `deleted` event tells of it
 * @property {boolean} mine whether this client sent it: `from` is one of its connections (this one or
 *   one of its last 100), or, in jwt mode, `fromUser` is its user; never judged by `clientMsgId`
 *
 * @typedef {object} Outgoing a message this client sends, until the server stored it
 * @property {string} clientMsgId
 * @property {string} room
 * @property {string} text
 * @property {'pending'|'sent'|'failed'} state
 * @property {number} [offset] once sent
 * @property {string} [error] the error code, once failed
 *
 * @typedef {object} HistoryPage
 * @property {string} room
 * @property {string} epoch
 * @property {boolean} hasMore
 * @property {ChatMessage[]} messages oldest first
 */

/** How long to wait for a request's answer before it fails with `timeout`. */
const REQUEST_TIMEOUT_MS = 15000;
/** A retryable refusal (broker_unavailable, rate_limited) is tried again after this. */
const RETRY_MS = 2000;
/**
 * How many of its session ids (one per connection) the client keeps to recognise its own messages
 * after reconnects: a tab reconnecting every few minutes keeps its last hours.
 */
const REMEMBERED_SESSIONS = 100;

/**
 * A connection to a Switchboard cluster that survives reconnects without losing or repeating a
 * message.
 *
 * - Reconnects with exponential backoff and full jitter; after a `reconnect` frame it waits the
 *   hinted `retryAfterMs` instead, then tries the next address (a load balancer, or the next of
 *   `urls`). It does not reconnect after close codes 1003, 1008 and 1009 (see {@link FATAL_CLOSE_CODES}),
 *   nor after 4001 (unauthorized) unless `token` is a function that can give a fresh token.
 * - With a `token` (jwt mode), says hello with it, and when `token` is a function, sends `auth` with a
 *   fresh one before the current one expires.
 * - Rejoins every room with `since` (its last offset), drops anything at or below an offset already
 *   delivered, and reports `recovered: false` (`gap`) and epoch changes (`reset`).
 * - Sends are queued while offline and retried with the same clientMsgId until acknowledged (after
 *   a rejoin, once its replay is over: it may show one stored already), so a message is stored once
 *   however often it is sent; each is `pending`, then `sent` or `failed`.
 * - A message is its own by its sender, never by its clientMsgId alone (#isMine).
 * - {@link close} leaves no timer or listener behind.
 *
 * Events (`addEventListener`; the data is in `event.detail`):
 * - `state` {@link ConnectionState}
 * - `joined` {room, epoch, offset, members, memberCount, recovered, epochChanged} each time a room is (re)joined
 * - `message` {@link ChatMessage}, once per message, in offset order
 * - `members` {room, members: Member[], memberCount} whenever the member list changes
 * - `typing` {room, member}: someone else is typing
 * - `outgoing` {@link Outgoing} whenever a sent message changes state
 * - `gap` {room, from?, to?}: messages were missed and will not come (a rejoin answered
 *   `recovered: false`, or the server could not repair offsets `from`-`to`); {@link history} reads what is still stored
 * - `reset` {room, epoch}: the room's history restarted (the server lost its log)
 * - `left` {room, reason}: the server took the client out of a room (`forbidden`: a refreshed token no
 *   longer grants it, or the app banned the user from it); the room is forgotten and its pending messages fail
 * - `deleted` {room, epoch, offset}: the app deleted a message already delivered (history and a resume
 *   give its tombstone: a message with `deleted: true` and no `text`)
 * - `problem` {code, message, room?}: the server refused something, or cannot reach its store
 */
export class SwitchboardClient extends EventTarget {
  /**
   * @param {object} options
   * @param {string} [options.name] display name (1-32 characters); with a token the server takes the token's
   * @param {string|(() => string|Promise<string>)} [options.token] a token for a node in jwt mode, or a function
   *   that returns a fresh one (called for each hello and before each expiry)
   * @param {string|string[]} [options.urls] WebSocket address(es) tried in turn; default: `/ws` of the page's host
   * @param {typeof WebSocket} [options.WebSocket] the WebSocket class (Node 20: from `ws`, or `--experimental-websocket`)
   * @param {number} [options.backoffMs] first reconnect delay bound (default 500)
   * @param {number} [options.maxBackoffMs] largest reconnect delay bound (default 30000)
   * @param {number} [options.pingMs] how often to ping an idle connection; twice this without a frame and it is dropped (default 20000)
   */
  constructor({ name, token, urls = defaultUrl(), WebSocket: socketClass = globalThis.WebSocket,
    backoffMs = 500, maxBackoffMs = 30000, pingMs = 20000 }) {
    super();
    this.name = name;
    this.token = token;
    /** @type {string|undefined} the user id the server took from the token; undefined when anonymous */
    this.user = undefined;
    this.urls = Array.isArray(urls) ? urls : [urls];
    this.socketClass = socketClass;
    this.backoffMs = backoffMs;
    this.maxBackoffMs = maxBackoffMs;
    this.pingMs = pingMs;
    /** @type {ConnectionState} */
    this.state = { status: 'idle', attempt: 0 };
    /** @type {string|undefined} this connection's session id (a new one after each reconnect) */
    this.sessionId = undefined;
    /** @type {Set<string>} the session ids of this client's last {@link REMEMBERED_SESSIONS} connections, oldest first */
    this.sessionIds = new Set();
    /**
     * room -> {position: {epoch, offset}|null, joined, replayEnd: {epoch, offset}|null (while a
     * rejoin's replay is under way), members: Map<string, Member>, memberCount}
     */
    this.rooms = new Map();
    /** @type {Map<string, Outgoing>} clientMsgId -> message not yet stored */
    this.outbox = new Map();
    this.requests = new Map(); // ref -> {resolve, reject, timer}
    this.joinRefs = new Map(); // ref of a join in flight -> room (a ref is at most 64 characters: not the room's name)
    this.nextRef = 1;
    this.urlIndex = 0;
    this.retryAfterMs = null;
    this.endReason = undefined;
    this.stopped = true;
    /** timers retrying a refused send or join: cleared on disconnect (the rejoin retries everything) and on close */
    this.retries = new Set();
    /** @type {{online: () => void, offline: () => void}|undefined} listening to the browser, from connect() to close() */
    this.networkListeners = undefined;
  }

  /** Opens the connection (and keeps it open until {@link close}). */
  connect() {
    this.stopped = false;
    clearTimeout(this.retryTimer);
    this.#listenToNetwork();
    if (globalThis.navigator?.onLine === false) {
      this.#setState({ status: 'offline', attempt: this.state.attempt, reason: 'browser offline' });
      return;
    }
    const url = this.urls[this.urlIndex % this.urls.length];
    this.#setState({ status: this.state.attempt > 0 ? 'reconnecting' : 'connecting', url, attempt: this.state.attempt });
    const socket = new this.socketClass(url);
    this.socket = socket;
    this.ready = false;
    this.lastHeard = Date.now();
    socket.onmessage = (event) => {
      if (socket === this.socket) this.#onFrame(JSON.parse(typeof event.data === 'string' ? event.data : String(event.data)));
    };
    socket.onclose = (event) => {
      if (socket === this.socket) this.#onClose(event.code, event.reason);
    };
    socket.onerror = () => {}; // a close event follows
  }

  /**
   * Closes for good: no reconnect, and nothing left behind that could fire (no timer, no listener on
   * the browser's `online`/`offline`); pending messages stay pending.
   */
  close() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.#stopListeningToNetwork();
    const socket = this.socket;
    this.#connectionEnded('closed');
    socket?.close(CloseCode.NORMAL);
    this.#setState({ status: 'closed', attempt: 0 });
  }

  /**
   * Joins a room (and rejoins it after every reconnect). Resolves with the first `joined`.
   * @param {string} room
   * @returns {Promise<object>}
   */
  join(room) {
    let entry = this.rooms.get(room);
    if (!entry) {
      entry = { position: null, joined: false, replayEnd: null, members: new Map(), memberCount: 0, waiters: [] };
      this.rooms.set(room, entry);
    }
    const joined = new Promise((resolve, reject) => entry.waiters.push({ resolve, reject }));
    if (this.ready) this.#sendJoin(room);
    return joined;
  }

  /** Leaves a room; its queued messages fail with `not_joined`. */
  leave(room) {
    this.rooms.delete(room);
    if (this.ready) this.#write({ type: ClientType.LEAVE, room });
    for (const message of this.outbox.values()) {
      if (message.room === room) this.#fail(message, ErrorCode.NOT_JOINED);
    }
  }

  /**
   * Sends a message: queued until the room is joined on a live connection, then retried with the
   * same clientMsgId until the server stores it.
   * @param {string} room a room this client joined
   * @param {string} text
   * @returns {Outgoing}
   */
  send(room, text) {
    if (!this.rooms.has(room)) throw new Error(`join ${room} before sending to it`);
    /** @type {Outgoing} */
    const message = { clientMsgId: randomId(), room, text, state: 'pending' };
    this.outbox.set(message.clientMsgId, message);
    this.#emit('outgoing', { ...message });
    this.#transmit(message);
    return message;
  }

  /** Tells the room this client is typing (best effort: dropped while offline). */
  typing(room) {
    if (this.ready && this.rooms.get(room)?.joined) this.#write({ type: ClientType.TYPING, room });
  }

  /**
   * Reads stored messages older than `before` (the newest when omitted), oldest first.
   * @param {string} room a joined room
   * @param {{before?: number, limit?: number}} [options]
   * @returns {Promise<HistoryPage>}
   */
  history(room, { before, limit = 50 } = {}) {
    const frame = { type: ClientType.HISTORY, room, limit };
    if (before !== undefined) frame.before = before;
    return this.#request(frame).then((page) => ({
      room: page.room, epoch: page.epoch, hasMore: page.hasMore,
      messages: page.messages.map((m) => this.#decorate(m)),
    }));
  }

  /** The members of a joined room as last heard. @returns {{members: Member[], memberCount: number}} */
  members(room) {
    const entry = this.rooms.get(room);
    return { members: entry ? [...entry.members.values()] : [], memberCount: entry?.memberCount ?? 0 };
  }

  #onFrame(frame) {
    this.lastHeard = Date.now();
    switch (frame.type) {
      case ServerType.WELCOME:
        this.sessionId = frame.sessionId;
        this.sessionIds.add(frame.sessionId);
        if (this.sessionIds.size > REMEMBERED_SESSIONS) this.sessionIds.delete(this.sessionIds.values().next().value);
        this.node = frame.node;
        this.#hello();
        break;
      case ServerType.HELLO_OK:
        this.name = frame.name;
        this.user = frame.user;
        this.#refreshBefore(frame.expiresAt);
        this.ready = true;
        this.retryAfterMs = null;
        this.#setState({ status: 'connected', node: this.node, url: this.state.url, attempt: 0 });
        this.#startPinging();
        for (const room of this.rooms.keys()) this.#sendJoin(room);
        break;
      case ServerType.JOINED:
        this.#onJoined(frame);
        break;
      case ServerType.MESSAGE:
        this.#onMessage(frame);
        break;
      case ServerType.ACK:
        this.#onAck(frame);
        break;
      case ServerType.EPOCH_CHANGED: {
        const entry = this.rooms.get(frame.room);
        if (entry) entry.position = { epoch: frame.epoch, offset: 0 };
        this.#emit('reset', { room: frame.room, epoch: frame.epoch });
        if (entry) this.#resendAfterReplay(frame.room, entry);
        break;
      }
      case ServerType.GAP: {
        const entry = this.rooms.get(frame.room);
        if (entry?.position?.epoch === frame.epoch && entry.position.offset < frame.to) {
          entry.position = { epoch: frame.epoch, offset: frame.to };
        }
        this.#emit('gap', { room: frame.room, from: frame.from, to: frame.to });
        if (entry) this.#resendAfterReplay(frame.room, entry);
        break;
      }
      case ServerType.PRESENCE:
        this.#onPresence(frame);
        break;
      case ServerType.DELETED:
        if (this.rooms.has(frame.room)) this.#emit('deleted', { room: frame.room, epoch: frame.epoch, offset: frame.offset });
        break;
      case ServerType.TYPING:
        if (frame.member?.id !== this.sessionId) this.#emit('typing', { room: frame.room, member: frame.member });
        break;
      case ServerType.AUTH_OK:
        this.#refreshBefore(frame.expiresAt);
        break;
      case ServerType.LEFT:
        if (frame.reason) this.#removed(frame.room, frame.reason);
        else this.#settle(frame.ref, frame);
        break;
      case ServerType.HISTORY:
      case ServerType.PONG:
        this.#settle(frame.ref, frame);
        break;
      case ServerType.RECONNECT:
        this.retryAfterMs = frame.retryAfterMs;
        this.endReason = frame.reason;
        break;
      case ServerType.ERROR:
        this.#onError(frame);
        break;
      default: // a frame type this version does not know: ignored, as the protocol asks
    }
  }

  /**
   * The server took this client out of a room, unasked (`left` with a reason: a refreshed token no
   * longer grants it): the room is forgotten, so no reconnect joins it again, and its pending
   * messages fail with the reason.
   */
  #removed(room, reason) {
    if (!this.rooms.delete(room)) return;
    for (const message of this.outbox.values()) {
      if (message.room === room) this.#fail(message, reason);
    }
    this.#emit('left', { room, reason });
  }

  #onJoined(frame) {
    this.joinRefs.delete(frame.ref);
    const entry = this.rooms.get(frame.room);
    if (!entry) return; // left meanwhile
    if (frame.epochChanged) {
      entry.position = { epoch: frame.epoch, offset: 0 };
      this.#emit('reset', { room: frame.room, epoch: frame.epoch });
    } else if (!entry.position) {
      entry.position = { epoch: frame.epoch, offset: frame.offset };
    }
    if (frame.recovered === false) this.#emit('gap', { room: frame.room });
    entry.joined = true;
    entry.replayEnd = { epoch: frame.epoch, offset: frame.offset };
    entry.members = new Map(frame.members.map((m) => [m.id, m]));
    entry.memberCount = frame.memberCount;
    this.#emit('joined', { room: frame.room, epoch: frame.epoch, offset: frame.offset, members: frame.members,
      memberCount: frame.memberCount, recovered: frame.recovered !== false, epochChanged: Boolean(frame.epochChanged) });
    this.#emitMembers(frame.room, entry);
    for (const waiter of entry.waiters.splice(0)) waiter.resolve(frame);
    this.#resendAfterReplay(frame.room, entry);
  }

  /**
   * Sends the room's pending messages (again) once the replay that follows `joined` is over: the
   * messages up to the `joined` offset, or a `gap` in their place. A pending message may be among
   * them, stored before the connection dropped and its ack lost; sent again before the replay shows
   * it, it would be stored twice when the server no longer remembers its clientMsgId
   * (`switchboard.history.dedupe-ttl`, 10 minutes). Seen in the replay, it is settled as sent
   * (#onMessage), and only the rest goes out. A new epoch ends the wait too: the old log is
   * gone, and with it what the server remembered.
   */
  #resendAfterReplay(room, entry) {
    const end = entry.replayEnd;
    if (!end) return;
    const at = entry.position;
    if (at?.epoch === end.epoch && at.offset < end.offset) return; // more of the replay to come
    entry.replayEnd = null;
    for (const message of this.outbox.values()) {
      if (message.room === room) this.#transmit(message);
    }
  }

  #onMessage(frame) {
    const entry = this.rooms.get(frame.room);
    if (!entry) return;
    const last = entry.position;
    if (last && last.epoch === frame.epoch && frame.offset <= last.offset) return; // delivered already
    entry.position = { epoch: frame.epoch, offset: frame.offset };
    const pending = this.outbox.get(frame.clientMsgId);
    if (pending && pending.room === frame.room && this.#isMine(frame)) this.#sent(pending, frame.offset);
    this.#emit('message', this.#decorate(frame));
    this.#resendAfterReplay(frame.room, entry);
  }

  #onAck(frame) {
    const message = this.outbox.get(frame.clientMsgId);
    if (message) this.#sent(message, frame.offset);
  }

  #onPresence(frame) {
    const entry = this.rooms.get(frame.room);
    if (!entry) return;
    const joined = (member) => {
      if (!entry.members.has(member.id)) entry.memberCount += 1;
      entry.members.set(member.id, member);
    };
    const left = (member) => {
      if (entry.members.delete(member.id)) entry.memberCount = Math.max(0, entry.memberCount - 1);
    };
    if (frame.action === PresenceAction.JOIN) {
      joined(frame.member);
    } else if (frame.action === PresenceAction.LEAVE) {
      left(frame.member);
    } else if (frame.action === PresenceAction.BATCH) { // joins first, then leaves: who came and went is in both
      (frame.joins ?? []).forEach(joined);
      (frame.leaves ?? []).forEach(left);
    } else if (frame.action === PresenceAction.COUNT) {
      entry.memberCount = frame.memberCount;
    } else {
      return;
    }
    this.#emitMembers(frame.room, entry);
  }

  #onError(frame) {
    const message = frame.ref ? this.outbox.get(frame.ref) : undefined;
    if (message) { // a send, answered under its clientMsgId (used as ref)
      if (RETRYABLE_ERRORS.has(frame.code)) {
        this.#emit('problem', { code: frame.code, message: frame.message, room: message.room });
        this.#retryLater(() => this.#transmit(message), frame.retryAfterMs ?? RETRY_MS);
      } else {
        this.#fail(message, frame.code);
      }
      return;
    }
    const joinRoom = this.joinRefs.get(frame.ref);
    if (joinRoom !== undefined) {
      this.joinRefs.delete(frame.ref);
      const entry = this.rooms.get(joinRoom);
      if (entry && RETRYABLE_ERRORS.has(frame.code)) {
        this.#emit('problem', { code: frame.code, message: frame.message, room: joinRoom });
        this.#retryLater(() => { if (this.ready && this.rooms.has(joinRoom)) this.#sendJoin(joinRoom); },
          frame.retryAfterMs ?? RETRY_MS);
      } else if (entry) {
        this.rooms.delete(joinRoom);
        const error = Object.assign(new Error(frame.message), { code: frame.code });
        for (const waiter of entry.waiters.splice(0)) waiter.reject(error);
        this.#emit('problem', { code: frame.code, message: frame.message, room: joinRoom });
      }
      return;
    }
    if (frame.ref && this.requests.has(frame.ref)) {
      this.#settle(frame.ref, undefined, Object.assign(new Error(frame.message), { code: frame.code }));
      return;
    }
    this.#emit('problem', { code: frame.code, message: frame.message, room: frame.room });
  }

  /** Says who this client is: its token (jwt mode) or its name. */
  async #hello() {
    const socket = this.socket;
    if (this.token === undefined) {
      this.#write({ type: ClientType.HELLO, name: this.name, protocol: PROTOCOL_VERSION });
      return;
    }
    try {
      const token = typeof this.token === 'function' ? await this.token() : this.token;
      if (this.socket === socket) this.#write({ type: ClientType.HELLO, token, protocol: PROTOCOL_VERSION });
    } catch (error) {
      if (this.socket !== socket) return; // closed, or another connection, meanwhile
      this.#emit('problem', { code: ErrorCode.UNAUTHORIZED, message: `no token: ${error.message ?? error}` });
      socket?.close();
    }
  }

  /** With a token function, sends `auth` with a fresh token a little before `expiresAt` (epoch ms). */
  #refreshBefore(expiresAt) {
    clearTimeout(this.refreshTimer);
    const fresh = this.token;
    if (typeof fresh !== 'function' || !expiresAt) return;
    const lifetime = expiresAt - Date.now();
    const delay = Math.max(0, lifetime - Math.min(60000, lifetime / 5));
    const socket = this.socket;
    this.refreshTimer = setTimeout(async () => {
      try {
        const token = await fresh();
        if (this.socket === socket && this.ready) this.#write({ type: ClientType.AUTH, token });
      } catch (error) {
        if (this.socket !== socket) return; // closed, or another connection, meanwhile
        this.#emit('problem', { code: ErrorCode.UNAUTHORIZED, message: `no fresh token: ${error.message ?? error}` });
      }
    }, delay);
  }

  /**
   * What every end of a connection does (dropped, closed, or the browser offline): stops its timers,
   * fails its requests, and marks every room to be rejoined, so nothing is sent to a room before its
   * rejoin's replay is over.
   */
  #connectionEnded(requestError) {
    this.socket = undefined;
    this.ready = false;
    clearInterval(this.pinger);
    clearTimeout(this.refreshTimer);
    this.#cancelRetries();
    for (const entry of this.rooms.values()) {
      entry.joined = false;
      entry.replayEnd = null;
    }
    this.joinRefs.clear();
    this.#failRequests(requestError);
  }

  #onClose(code, reason) {
    this.#connectionEnded('disconnected');
    if (this.stopped) return;
    const why = this.endReason ?? (reason ? `close ${code}: ${reason}` : `close ${code}`);
    this.endReason = undefined;
    if (code === CloseCode.DISCONNECTED) { // the app does not want this user back now
      this.#setState({ status: 'offline', attempt: this.state.attempt, reason: why,
        disconnected: reason || 'disconnected by the app' });
      return;
    }
    if (FATAL_CLOSE_CODES.has(code) || (code === CloseCode.UNAUTHORIZED && typeof this.token !== 'function')) {
      this.#setState({ status: 'offline', attempt: this.state.attempt, reason: why });
      return;
    }
    const attempt = this.state.attempt + 1;
    let delay;
    if (this.retryAfterMs !== null) { // the server asked for this delay (reconnect frame)
      delay = this.retryAfterMs;
    } else { // exponential backoff with full jitter
      delay = Math.random() * Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (attempt - 1));
    }
    this.retryAfterMs = null;
    this.urlIndex += 1; // the next address: another node, or the load balancer again
    this.#setState({ status: 'reconnecting', attempt, nextTryAt: Date.now() + delay, reason: why });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** In a browser: goes offline with it, and reconnects when it is back. */
  #listenToNetwork() {
    if (this.networkListeners || !globalThis.addEventListener || !('onLine' in (globalThis.navigator ?? {}))) return;
    this.networkListeners = { online: () => this.#online(), offline: () => this.#offline() };
    for (const [type, listener] of Object.entries(this.networkListeners)) globalThis.addEventListener(type, listener);
  }

  #stopListeningToNetwork() {
    if (!this.networkListeners) return;
    for (const [type, listener] of Object.entries(this.networkListeners)) globalThis.removeEventListener(type, listener);
    this.networkListeners = undefined;
  }

  #retryLater(retry, delay) {
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      retry();
    }, delay);
    this.retries.add(timer);
  }

  #cancelRetries() {
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
  }

  #online() {
    if (!this.stopped && this.state.status === 'offline' && this.state.reason === 'browser offline') this.connect();
  }

  #offline() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.#connectionEnded('disconnected');
    socket?.close();
    this.#setState({ status: 'offline', attempt: this.state.attempt, reason: 'browser offline' });
  }

  #startPinging() {
    clearInterval(this.pinger);
    this.pinger = setInterval(() => {
      const socket = this.socket;
      if (!socket) return;
      if (Date.now() - this.lastHeard > 2 * this.pingMs) { // half-open: nothing heard for two pings
        this.socket = undefined;
        socket.close();
        this.#onClose(1006, 'no answer to ping');
      } else {
        this.#write({ type: ClientType.PING });
      }
    }, this.pingMs);
    /** @type {any} */ (this.pinger).unref?.(); // Node: a ping timer alone does not keep the process alive
  }

  #sendJoin(room) {
    const position = this.rooms.get(room)?.position;
    const ref = `j${this.nextRef++}`;
    this.joinRefs.set(ref, room);
    const frame = { type: ClientType.JOIN, room, ref };
    if (position) frame.since = position;
    this.#write(frame);
  }

  #transmit(message) {
    const entry = this.rooms.get(message.room);
    if (message.state !== 'pending' || !this.ready || !entry?.joined || entry.replayEnd) return;
    this.#write({ type: ClientType.SEND, room: message.room, text: message.text,
      clientMsgId: message.clientMsgId, ref: message.clientMsgId });
  }

  #sent(message, offset) {
    this.outbox.delete(message.clientMsgId);
    message.state = 'sent';
    message.offset = offset;
    this.#emit('outgoing', { ...message });
  }

  #fail(message, code) {
    this.outbox.delete(message.clientMsgId);
    message.state = 'failed';
    message.error = code;
    this.#emit('outgoing', { ...message });
  }

  #request(frame) {
    if (!this.ready) return Promise.reject(Object.assign(new Error('not connected'), { code: 'disconnected' }));
    const ref = `r${this.nextRef++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#settle(ref, undefined,
        Object.assign(new Error('no answer'), { code: 'timeout' })), REQUEST_TIMEOUT_MS);
      this.requests.set(ref, { resolve, reject, timer });
      this.#write({ ...frame, ref });
    });
  }

  #settle(ref, value, error) {
    const request = this.requests.get(ref);
    if (!request) return;
    this.requests.delete(ref);
    clearTimeout(request.timer);
    if (error) request.reject(error); else request.resolve(value);
  }

  #failRequests(code) {
    for (const ref of [...this.requests.keys()]) {
      this.#settle(ref, undefined, Object.assign(new Error(code), { code }));
    }
  }

  /**
   * Whether this client sent a message. Decided by the sender, which the server sets, never by the
   * clientMsgId, which anyone can copy from a message they saw (or guess) and send as their own:
   * - `from` is the session id of this connection or of one of the client's last
   *   {@link REMEMBERED_SESSIONS} (a message stored before a reconnect and replayed after it);
   * - in jwt mode, `fromUser` is this client's user: the server took it from a signed token, so the
   *   user's messages from another tab or an earlier page are theirs too.
   * The name is not used: an anonymous name proves nothing, anyone may say "Ada" too. (The server
   * scopes an anonymous sender's clientMsgIds by name; a retry it takes for a duplicate is still
   * settled by its `ack`, which only ever answers this connection's own `send`.)
   * @param {{from?: string, fromUser?: string}} message a `message` frame
   */
  #isMine(message) {
    return this.sessionIds.has(message.from) || (this.user !== undefined && message.fromUser === this.user);
  }

  #decorate(frame) {
    return { ...frame, mine: this.#isMine(frame) };
  }

  #emitMembers(room, entry) {
    this.#emit('members', { room, members: [...entry.members.values()], memberCount: entry.memberCount });
  }

  #write(frame) {
    if (this.socket?.readyState === 1) this.socket.send(JSON.stringify(frame)); // 1: OPEN
  }

  #setState(state) {
    this.state = state;
    this.#emit('state', { ...state });
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

function defaultUrl() {
  const location = globalThis.location;
  if (!location) throw new Error('no page to take the address from: pass urls');
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}

function randomId() {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
