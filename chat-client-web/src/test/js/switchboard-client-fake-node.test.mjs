// The library against a hand-written fake of its one seam, the WebSocket: the test plays the node,
// frame by frame, for what a real node cannot be made to do on cue or would take too long for.
// Needs no node (run with the others by WebClientLibraryTests, or: npm test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SwitchboardClient } from '../../main/resources/META-INF/resources/switchboard-client.js';

/** A WebSocket a test answers as a node would; every one opened is in `FakeSocket.opened`. */
class FakeSocket {
  static opened = [];

  constructor(url) {
    this.url = url;
    this.readyState = 0; // CONNECTING
    this.written = [];
    FakeSocket.opened.push(this);
  }

  send(data) { this.written.push(JSON.parse(data)); }

  close(code = 1000) { this.drop(code); }

  /** The last frame of `type` the client wrote. */
  last(type) { return this.written.findLast((frame) => frame.type === type); }

  /** Opens the connection and says welcome and hello_ok, as a node does. */
  async accept(sessionId, hello = {}) {
    this.readyState = 1; // OPEN
    this.receive({ type: 'welcome', sessionId, node: 'fake', protocol: 1 });
    await tick(); // a token function answers asynchronously
    this.receive({ type: 'hello_ok', sessionId, name: 'Ada', anonymous: true, ...hello });
  }

  receive(frame) { this.onmessage?.({ data: JSON.stringify(frame) }); }

  /** The connection ends (closed by either side). */
  drop(code = 1006) {
    if (this.readyState === 3) return;
    this.readyState = 3; // CLOSED
    this.onclose?.({ code, reason: '' });
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Makes this process look like a browser for one test: a window firing `online` and `offline`
 * (`listening`: the listeners on it) and `navigator.onLine`; and counts the timers set meanwhile
 * (`timers`: those neither run nor cleared). Undone after the test.
 */
function browserLike(t) {
  const window = new EventTarget();
  const listening = new Set();
  const timers = new Set();
  const real = { setTimeout, clearTimeout, setInterval, clearInterval };
  const navigator = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  Object.defineProperty(globalThis, 'navigator', { value: { onLine: true }, configurable: true, writable: true });
  Object.assign(globalThis, {
    addEventListener: (type, listener) => { listening.add(listener); window.addEventListener(type, listener); },
    removeEventListener: (type, listener) => { listening.delete(listener); window.removeEventListener(type, listener); },
    setTimeout: (run, ms, ...args) => {
      const timer = real.setTimeout(() => { timers.delete(timer); run(...args); }, ms);
      timers.add(timer);
      return timer;
    },
    clearTimeout: (timer) => { timers.delete(timer); real.clearTimeout(timer); },
    setInterval: (run, ms, ...args) => {
      const timer = real.setInterval(run, ms, ...args);
      timers.add(timer);
      return timer;
    },
    clearInterval: (timer) => { timers.delete(timer); real.clearInterval(timer); },
  });
  t.after(() => {
    for (const timer of timers) real.clearTimeout(timer); // what a failed test left
    Object.assign(globalThis, real);
    delete globalThis.addEventListener;
    delete globalThis.removeEventListener;
    delete globalThis.navigator;
    if (navigator) Object.defineProperty(globalThis, 'navigator', navigator);
  });
  return { window, listening, timers };
}

/** Waits for the client to open its next socket. */
async function reconnected() {
  const opened = FakeSocket.opened.length;
  while (FakeSocket.opened.length === opened) await new Promise((resolve) => setTimeout(resolve, 1));
}

test('what the client remembers stays bounded however much it sends and however often it reconnects', async () => {
  const ada = new SwitchboardClient({ name: 'Ada', urls: 'ws://fake/ws', WebSocket: FakeSocket, backoffMs: 0 });
  const mine = [];
  ada.addEventListener('message', (e) => mine.push(e.detail.mine));
  ada.join('r');
  ada.connect();
  let offset = 0;
  for (let session = 1; session <= 300; session++) {
    const socket = FakeSocket.opened.at(-1);
    await socket.accept(`s${session}`);
    socket.receive({ type: 'joined', room: 'r', epoch: 'e', offset, members: [], memberCount: 1,
      ref: socket.last('join').ref });
    for (let i = 0; i < 10; i++) {
      const { clientMsgId } = ada.send('r', `${session}.${i}`);
      offset += 1;
      socket.receive({ type: 'ack', room: 'r', clientMsgId, epoch: 'e', offset, duplicate: false, ref: clientMsgId });
      socket.receive({ type: 'message', room: 'r', epoch: 'e', offset, id: `m${offset}`, from: `s${session}`,
        fromName: 'Ada', text: `${session}.${i}`, ts: Date.now(), clientMsgId });
    }
    socket.drop();
    await reconnected(); // after a random delay up to backoffMs: 0 here
  }
  assert.equal(mine.length, 3000);
  assert.ok(mine.every(Boolean), 'each of its messages recognised as its own');
  // a message from 50 connections ago (replayed, or read from history) is still its own
  FakeSocket.opened.at(-1).receive({ type: 'message', room: 'r', epoch: 'e', offset: offset + 1, id: 'old',
    from: 's250', fromName: 'Ada', text: 'late', ts: Date.now(), clientMsgId: 'late' });
  assert.equal(mine.at(-1), true);
  for (const [field, value] of Object.entries(ada)) {
    if (value instanceof Set || value instanceof Map) {
      assert.ok(value.size <= 100, `${field} holds ${value.size} entries after 3000 messages over 300 connections`);
    }
  }
  ada.close();
});

test('pending messages wait for the rejoin\'s replay, which a gap can end; one the replay shows stored is not sent again', async () => {
  const ada = new SwitchboardClient({ name: 'Ada', urls: 'ws://fake/ws', WebSocket: FakeSocket, backoffMs: 0 });
  const outgoing = [];
  ada.addEventListener('outgoing', (e) => outgoing.push(e.detail));
  ada.join('r');
  ada.connect();
  const first = FakeSocket.opened.at(-1);
  await first.accept('s1');
  first.receive({ type: 'joined', room: 'r', epoch: 'e', offset: 5, members: [], memberCount: 1, ref: first.last('join').ref });
  const stored = ada.send('r', 'stored, ack lost');
  assert.equal(first.last('send').clientMsgId, stored.clientMsgId);
  first.drop(); // before the ack

  await reconnected();
  const second = FakeSocket.opened.at(-1);
  await second.accept('s2');
  assert.deepEqual(second.last('join').since, { epoch: 'e', offset: 5 });
  second.receive({ type: 'joined', room: 'r', epoch: 'e', offset: 8, members: [], memberCount: 1, ref: second.last('join').ref });
  const during = ada.send('r', 'sent during the replay');
  assert.equal(second.last('send'), undefined, 'nothing sent before the replay is over');
  second.receive({ type: 'message', room: 'r', epoch: 'e', offset: 6, id: 'm6', from: 's1', fromName: 'Ada',
    text: 'stored, ack lost', ts: Date.now(), clientMsgId: stored.clientMsgId });
  assert.deepEqual(outgoing.at(-1), { ...stored, state: 'sent', offset: 6 });
  assert.equal(second.last('send'), undefined, 'offsets 7 and 8 are still to come');
  second.receive({ type: 'gap', room: 'r', epoch: 'e', from: 7, to: 8 });
  assert.deepEqual(second.written.filter((f) => f.type === 'send').map((f) => f.clientMsgId), [during.clientMsgId]);
  ada.close();
});

test('after close() nothing is left to fire: no timer, no listener on the browser\'s online and offline', async (t) => {
  const { window, listening, timers } = browserLike(t);
  const ada = new SwitchboardClient({ urls: 'ws://fake/ws', WebSocket: FakeSocket, token: async () => 'a token' });
  const events = [];
  for (const type of ['state', 'joined', 'outgoing', 'problem']) ada.addEventListener(type, (e) => events.push(e.detail));
  ada.join('r');
  ada.join('busy');
  ada.connect();
  const socket = FakeSocket.opened.at(-1);
  await socket.accept('s1', { user: 'ada-id', anonymous: false, expiresAt: Date.now() + 600000 });
  const [join, busyJoin] = socket.written.filter((f) => f.type === 'join');
  socket.receive({ type: 'joined', room: 'r', epoch: 'e', offset: 0, members: [], memberCount: 1, ref: join.ref });
  socket.receive({ type: 'error', code: 'overloaded', message: 'busy', ref: busyJoin.ref, retryAfterMs: 60000 });
  const sent = ada.send('r', 'hi');
  socket.receive({ type: 'error', code: 'broker_unavailable', message: 'no Redis', ref: sent.clientMsgId, retryAfterMs: 60000 });
  assert.equal(timers.size, 4, 'pinging, the token\'s refresh, a join and a send to retry');
  assert.equal(listening.size, 2, 'online and offline');

  ada.close();
  assert.equal(events.at(-1).status, 'closed');
  const heard = events.length;
  assert.equal(timers.size, 0, 'no timer left');
  assert.equal(listening.size, 0, 'no listener left');
  window.dispatchEvent(new Event('offline'));
  window.dispatchEvent(new Event('online'));
  assert.equal(FakeSocket.opened.at(-1), socket, 'no new connection');
  assert.equal(events.length, heard, 'no event after closed');
});

test('close() while waiting to reconnect, or for a token: nothing fires afterwards', async (t) => {
  const { timers, listening } = browserLike(t);
  const ada = new SwitchboardClient({ name: 'Ada', urls: 'ws://fake/ws', WebSocket: FakeSocket, backoffMs: 60000 });
  ada.connect();
  await FakeSocket.opened.at(-1).accept('s1');
  FakeSocket.opened.at(-1).drop();
  assert.equal(ada.state.status, 'reconnecting');
  const opened = FakeSocket.opened.length;
  ada.close();
  assert.equal(timers.size, 0, 'the reconnect is called off');
  assert.equal(FakeSocket.opened.length, opened);

  let refuse;
  const bob = new SwitchboardClient({ urls: 'ws://fake/ws', WebSocket: FakeSocket,
    token: () => new Promise((resolve, reject) => { refuse = reject; }) });
  const events = [];
  for (const type of ['state', 'problem']) bob.addEventListener(type, (e) => events.push(e.detail));
  bob.connect();
  const socket = FakeSocket.opened.at(-1);
  socket.readyState = 1;
  socket.receive({ type: 'welcome', sessionId: 's2', node: 'fake', protocol: 1 }); // bob asks for a token
  bob.close();
  const heard = events.length;
  refuse(new Error('signed out'));
  await tick();
  assert.equal(events.length, heard, 'no problem reported after closed');
  assert.equal(timers.size, 0);
  assert.equal(listening.size, 0);
});

test('offline in the browser: nothing ticks meanwhile, and back online a send waits for the rejoin\'s replay', async (t) => {
  const { window, timers } = browserLike(t);
  const ada = new SwitchboardClient({ name: 'Ada', urls: 'ws://fake/ws', WebSocket: FakeSocket });
  ada.join('r');
  ada.connect();
  const first = FakeSocket.opened.at(-1);
  await first.accept('s1');
  first.receive({ type: 'joined', room: 'r', epoch: 'e', offset: 3, members: [], memberCount: 1, ref: first.last('join').ref });
  window.dispatchEvent(new Event('offline'));
  assert.equal(ada.state.status, 'offline');
  assert.equal(first.readyState, 3);
  assert.equal(timers.size, 0, 'no ping or retry while offline');

  window.dispatchEvent(new Event('online'));
  const second = FakeSocket.opened.at(-1);
  assert.notEqual(second, first);
  await second.accept('s2');
  const sent = ada.send('r', 'back online'); // before the room is rejoined
  assert.equal(second.last('send'), undefined);
  second.receive({ type: 'joined', room: 'r', epoch: 'e', offset: 4, members: [], memberCount: 1, ref: second.last('join').ref });
  assert.equal(second.last('send'), undefined, 'offset 4 is still to come');
  second.receive({ type: 'message', room: 'r', epoch: 'e', offset: 4, id: 'm4', from: 'someone', fromName: 'Bob',
    text: 'meanwhile', ts: Date.now(), clientMsgId: 'b1' });
  assert.equal(second.last('send').clientMsgId, sent.clientMsgId);
  ada.close();
});

test('a room the server takes the client out of (a refreshed token no longer grants it) is forgotten, not joined again', async () => {
  const ada = new SwitchboardClient({ name: 'Ada', urls: 'ws://fake/ws', WebSocket: FakeSocket, backoffMs: 0 });
  const left = [];
  const outgoing = [];
  ada.addEventListener('left', (e) => left.push(e.detail));
  ada.addEventListener('outgoing', (e) => outgoing.push(e.detail));
  ada.join('kept');
  ada.join('revoked');
  ada.connect();
  const first = FakeSocket.opened.at(-1);
  await first.accept('s1');
  for (const room of ['kept', 'revoked']) {
    const join = first.written.findLast((f) => f.type === 'join' && f.room === room);
    first.receive({ type: 'joined', room, epoch: 'e', offset: 0, members: [], memberCount: 1, ref: join.ref });
  }
  const pending = ada.send('revoked', 'not stored yet');
  first.receive({ type: 'left', room: 'revoked', reason: 'forbidden' });
  assert.deepEqual(left, [{ room: 'revoked', reason: 'forbidden' }]);
  assert.deepEqual(outgoing.at(-1), { ...pending, state: 'failed', error: 'forbidden' });

  first.drop();
  await reconnected();
  const second = FakeSocket.opened.at(-1);
  await second.accept('s2');
  assert.deepEqual(second.written.filter((f) => f.type === 'join').map((f) => f.room), ['kept']);
  ada.close();
});

test('a presence batch adds its joins, then removes its leaves', async () => {
  const ada = new SwitchboardClient({ name: 'Ada', urls: 'ws://fake/ws', WebSocket: FakeSocket, backoffMs: 0 });
  ada.join('busy');
  ada.connect();
  const socket = FakeSocket.opened.at(-1);
  await socket.accept('s1');
  const join = socket.written.findLast((f) => f.type === 'join');
  const member = (name) => ({ id: `${name}-id`, name, node: 'fake' });
  socket.receive({ type: 'joined', room: 'busy', epoch: 'e', offset: 0, members: [member('Ada'), member('Cy')],
    memberCount: 2, ref: join.ref });
  // Bob and Dee came, Dee and Cy went, all within one batch interval
  socket.receive({ type: 'presence', room: 'busy', action: 'batch', joins: [member('Bob'), member('Dee')],
    leaves: [member('Dee'), member('Cy')] });
  assert.deepEqual(ada.members('busy').members.map((m) => m.name).sort(), ['Ada', 'Bob']);
  assert.equal(ada.members('busy').memberCount, 2);
  ada.close();
});
