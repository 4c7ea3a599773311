// The client library driven against a real Switchboard node: SWITCHBOARD_URL=ws://host:port/ws.
// Run by chat-server's WebClientLibraryTests (or: npm test, with a node running).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { SwitchboardClient } from '../../main/resources/META-INF/resources/switchboard-client.js';

const url = process.env.SWITCHBOARD_URL;
assert.ok(url, 'set SWITCHBOARD_URL to a node, e.g. ws://127.0.0.1:8080/ws');
const clients = [];
after(() => clients.forEach((c) => c.close()));

function client(name, options = {}) {
  const c = new SwitchboardClient({ name, urls: url, backoffMs: 50, ...options });
  c.messages = [];
  c.outgoing = [];
  c.states = [];
  c.addEventListener('message', (e) => c.messages.push(e.detail));
  c.addEventListener('outgoing', (e) => c.outgoing.push(e.detail));
  c.addEventListener('state', (e) => c.states.push(e.detail));
  clients.push(c);
  return c;
}

async function until(what, condition, ms = 10000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const room = (name) => `${name}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * A WebSocket class for the `WebSocket` option: the real one, wrapped so that a test sees every frame
 * the client writes (`written`) and can break one way of a live connection: `dropSends` swallows the
 * client's `send` frames, `deaf` everything the server sends (a connection dead one way).
 */
class TappedSocket {
  constructor(url) {
    this.real = new WebSocket(url);
    this.written = [];
    this.dropSends = false;
    this.deaf = false;
    this.real.onmessage = (event) => { if (!this.deaf) this.onmessage?.(event); };
    this.real.onclose = (event) => this.onclose?.(event);
    this.real.onerror = (event) => this.onerror?.(event);
  }

  get readyState() { return this.real.readyState; }

  send(data) {
    const frame = JSON.parse(data);
    this.written.push(frame);
    if (!(this.dropSends && frame.type === 'send')) this.real.send(data);
  }

  close(code, reason) { this.real.close(code, reason); }
}

/** Ada and Bob connected and in a new room; answers [room, ada, bob]. */
async function adaAndBob(name) {
  const r = room(name);
  const ada = client('Ada');
  const bob = client('Bob');
  ada.connect();
  bob.connect();
  await ada.join(r);
  await bob.join(r);
  return [r, ada, bob];
}

test('a message goes pending, then sent, and reaches every member once', async () => {
  const [r, ada, bob] = await adaAndBob('send');
  const sent = ada.send(r, 'hello bob');
  await until('ack', () => ada.outgoing.some((o) => o.state === 'sent'));
  await until('delivery', () => bob.messages.length === 1 && ada.messages.length === 1);
  assert.deepEqual(ada.outgoing.map((o) => o.state), ['pending', 'sent']);
  assert.equal(bob.messages[0].text, 'hello bob');
  assert.equal(bob.messages[0].fromName, 'Ada');
  assert.equal(bob.messages[0].mine, false);
  assert.equal(ada.messages[0].mine, true);
  assert.equal(ada.messages[0].clientMsgId, sent.clientMsgId);
  assert.equal(ada.state.status, 'connected');
  assert.ok(ada.state.node, 'the serving node is known');
});

test('members and typing are reported; one\'s own typing is not', async () => {
  const r = room('presence');
  const ada = client('Ada');
  const bob = client('Bob');
  const typing = [];
  ada.addEventListener('typing', (e) => typing.push(e.detail));
  ada.connect();
  await ada.join(r);
  bob.connect();
  await bob.join(r);
  await until('Bob in Ada\'s member list', () => ada.members(r).members.some((m) => m.name === 'Bob'));
  assert.equal(ada.members(r).memberCount, 2);
  ada.typing(r);
  bob.typing(r);
  await until('Bob typing', () => typing.length > 0);
  assert.equal(typing[0].member.name, 'Bob');
  bob.close();
  await until('Bob gone', () => ada.members(r).memberCount === 1);
  assert.deepEqual(ada.members(r).members.map((m) => m.name), ['Ada']);
});

test('a message sent before the connection is up is queued and delivered once', async () => {
  const r = room('queued');
  const bob = client('Bob');
  bob.connect();
  await bob.join(r);
  const ada = client('Ada');
  const joined = ada.join(r);
  const early = ada.send(r, 'sent while offline');
  assert.equal(early.state, 'pending');
  ada.connect();
  await joined;
  await until('delivery', () => bob.messages.length === 1);
  await until('sent', () => ada.outgoing.at(-1).state === 'sent');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(bob.messages.map((m) => m.text), ['sent while offline']);
});

test('a dropped connection resumes from its last offset: no gap, no duplicate', async () => {
  const [r, ada, bob] = await adaAndBob('resume');
  ada.send(r, 'before');
  await until('first', () => bob.messages.length === 1);
  bob.socket.close(); // the network drops; the library reconnects by itself
  for (let i = 1; i <= 5; i++) ada.send(r, `away ${i}`);
  bob.send(r, 'typed while away');
  await until('all', () => bob.messages.length === 7 && ada.messages.length === 7);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(bob.messages.map((m) => m.text).slice(0, 6), ['before', 'away 1', 'away 2', 'away 3', 'away 4', 'away 5']);
  assert.equal(bob.messages.filter((m) => m.text === 'typed while away').length, 1);
  assert.equal(ada.messages.filter((m) => m.text === 'typed while away').length, 1);
  const offsets = bob.messages.map((m) => m.offset);
  assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b));
  assert.ok(bob.states.some((s) => s.status === 'reconnecting'));
  assert.equal(bob.state.status, 'connected');
});

test('after a reconnect, a pending message the replay shows stored is not sent again; the rest is, after the replay', async () => {
  const r = room('replay');
  const ada = client('Ada', { WebSocket: TappedSocket });
  const bob = client('Bob');
  ada.connect();
  bob.connect();
  await ada.join(r);
  await bob.join(r);
  const dropped = ada.socket;
  dropped.deaf = true; // nothing reaches Ada any more: neither the ack of what she sends nor the message
  const stored = ada.send(r, 'stored, ack lost');
  await until('stored', () => bob.messages.length === 1);
  dropped.close(); // the connection ends; until the client hears of it, what it sends goes nowhere
  const away = ada.send(r, 'sent while away');
  await until('both sent', () => ada.outgoing.filter((o) => o.state === 'sent').length === 2);
  await until('delivery', () => ada.messages.length === 2 && bob.messages.length === 2);

  const rejoined = ada.socket;
  assert.notEqual(rejoined, dropped);
  // the replay showed the first one stored: only the second went out again (re-sent, the first
  // would be stored twice once the server forgot its clientMsgId: 10 minutes by default)
  assert.deepEqual(rejoined.written.filter((f) => f.type === 'send').map((f) => f.clientMsgId), [away.clientMsgId]);
  assert.deepEqual(ada.messages.map((m) => [m.text, m.mine]), [['stored, ack lost', true], ['sent while away', true]]);
  assert.equal(ada.outgoing.find((o) => o.clientMsgId === stored.clientMsgId && o.state === 'sent').offset,
    ada.messages[0].offset);
  assert.deepEqual(bob.messages.map((m) => m.text), ['stored, ack lost', 'sent while away']);
});

test('a message of another sender that carries our clientMsgId is not taken for ours', async () => {
  const r = room('forged');
  const ada = client('Ada', { WebSocket: TappedSocket });
  const mallory = client('Mallory');
  ada.connect();
  mallory.connect();
  await ada.join(r);
  await mallory.join(r);
  ada.socket.dropSends = true; // Ada's message does not get through yet: it stays pending
  const sent = ada.send(r, 'from Ada');
  // Mallory copied (or guessed) its clientMsgId and sends it as her own
  mallory.socket.send(JSON.stringify({ type: 'send', room: r, text: 'forged', clientMsgId: sent.clientMsgId }));
  await until('the forged message', () => ada.messages.length === 1);
  assert.equal(ada.messages[0].text, 'forged');
  assert.equal(ada.messages[0].mine, false);
  assert.equal(ada.outgoing.at(-1).state, 'pending', 'Ada\'s message is not taken for stored');

  ada.socket.close(); // the connection drops: after the rejoin Ada's message is sent again, and stored as hers
  await until('Ada\'s message stored', () => ada.outgoing.at(-1).state === 'sent');
  await until('delivery', () => ada.messages.length === 2 && mallory.messages.length === 2);
  assert.deepEqual(ada.messages.map((m) => [m.text, m.mine]), [['forged', false], ['from Ada', true]]);
  assert.equal(ada.outgoing.at(-1).offset, ada.messages[1].offset);
  assert.deepEqual(mallory.messages.map((m) => [m.text, m.mine]), [['forged', true], ['from Ada', false]]);
});

test('history pages back from the newest', async () => {
  const r = room('history');
  const ada = client('Ada');
  ada.connect();
  await ada.join(r);
  for (let i = 1; i <= 12; i++) ada.send(r, `h${i}`);
  await until('stored', () => ada.outbox.size === 0);
  const late = client('Late');
  late.connect();
  await late.join(r);
  const newest = await late.history(r, { limit: 5 });
  assert.deepEqual(newest.messages.map((m) => m.text), ['h8', 'h9', 'h10', 'h11', 'h12']);
  assert.equal(newest.hasMore, true);
  const older = await late.history(r, { before: newest.messages[0].offset, limit: 10 });
  assert.deepEqual(older.messages.map((m) => m.text), ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7']);
  assert.equal(older.hasMore, false);
  const own = await ada.history(r, { limit: 1 });
  assert.equal(own.messages[0].mine, true);
});

test('no reconnect after a close that means "don\'t" (1009: frame too large)', async () => {
  const r = room('fatal');
  const ada = client('Ada');
  ada.connect();
  await ada.join(r);
  ada.send(r, 'x'.repeat(70000));
  await until('offline', () => ada.state.status === 'offline');
  assert.match(ada.state.reason, /1009/);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(ada.state.status, 'offline');
  assert.ok(!ada.states.some((s) => s.status === 'reconnecting'));
});

// the server API of the anonymous node (SWITCHBOARD_API_URL, SWITCHBOARD_API_KEY)
const api = { url: process.env.SWITCHBOARD_API_URL, key: process.env.SWITCHBOARD_API_KEY };

test('the app disconnecting its user: offline with the reason it gave, no reconnect (4009)', { skip: !api.url }, async () => {
  const name = `Mallory-${Math.random().toString(36).slice(2, 8)}`;
  const mallory = client(name);
  mallory.connect();
  await until('connected', () => mallory.state.status === 'connected');
  const answer = await fetch(`${api.url}/api/users/${encodeURIComponent(name)}/disconnect`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${api.key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ reason: 'spam in the lobby' }),
  });
  assert.equal(answer.status, 202);
  await until('offline', () => mallory.state.status === 'offline');
  assert.equal(mallory.state.disconnected, 'spam in the lobby');
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(mallory.state.status, 'offline');
  assert.ok(!mallory.states.some((s) => s.status === 'reconnecting'));
});

/** Calls the server API as docs/api.md shows; answers the response. */
function callApi(method, path, body) {
  return fetch(`${api.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${api.key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
}

test('a message the app deletes: a deleted event live, a tombstone in history', { skip: !api.url }, async () => {
  const where = room('notes');
  const ada = client('Ada');
  const deleted = [];
  ada.addEventListener('deleted', (e) => deleted.push(e.detail));
  ada.connect();
  await ada.join(where);
  ada.send(where, 'one');
  ada.send(where, 'take this back');
  await until('both stored', () => ada.messages.filter((m) => m.room === where).length === 2);
  const target = ada.messages.find((m) => m.text === 'take this back');
  const answer = await callApi('DELETE', `/api/rooms/${where}/messages/${target.offset}`);
  assert.equal(answer.status, 200);
  await until('the deleted event', () => deleted.length === 1);
  assert.deepEqual(deleted[0], { room: where, epoch: target.epoch, offset: target.offset });
  const page = await ada.history(where, { limit: 10 });
  assert.deepEqual(page.messages.map((m) => [m.offset, m.text, Boolean(m.deleted)]),
    [[target.offset - 1, 'one', false], [target.offset, undefined, true]]);
});

test('a user the app bans from a room: taken out (left forbidden), its join refused', { skip: !api.url }, async () => {
  const where = room('banned');
  const name = `Eve-${Math.random().toString(36).slice(2, 8)}`;
  const eve = client(name);
  const left = [];
  eve.addEventListener('left', (e) => left.push(e.detail));
  eve.connect();
  await eve.join(where);
  const answer = await callApi('POST', `/api/rooms/${where}/bans`, { user: name, duration: 600 });
  assert.equal(answer.status, 201);
  await until('left', () => left.length === 1);
  assert.deepEqual(left[0], { room: where, reason: 'forbidden' });
  await assert.rejects(eve.join(where), (error) => error.code === 'forbidden' && /banned/.test(error.message));
});

test('sending to a room not joined is refused at once', () => {
  const ada = client('Ada');
  assert.throws(() => ada.send('nowhere', 'hi'), /join nowhere/);
});

// jwt mode: a second node that takes HS256 tokens (SWITCHBOARD_JWT_URL, _SECRET, _ISSUER, _AUDIENCE)
const jwt = {
  url: process.env.SWITCHBOARD_JWT_URL,
  secret: process.env.SWITCHBOARD_JWT_SECRET,
  issuer: process.env.SWITCHBOARD_JWT_ISSUER,
  audience: process.env.SWITCHBOARD_JWT_AUDIENCE,
};

/** An HS256 token for `sub` living `seconds`, signed as an issuer would. */
function token(sub, seconds) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({
    sub, name: `User ${sub}`, iss: jwt.issuer, aud: jwt.audience, iat: now, exp: now + seconds,
  })}`;
  return `${unsigned}.${createHmac('sha256', jwt.secret).update(unsigned).digest('base64url')}`;
}

test('with a token function the client says hello with a token and refreshes it before it expires', { skip: !jwt.url }, async () => {
  let issued = 0;
  const ada = client(undefined, { urls: jwt.url, token: () => { issued += 1; return token('ada-id', 3); } });
  ada.connect();
  await until('connected', () => ada.state.status === 'connected');
  assert.equal(ada.user, 'ada-id');
  assert.equal(ada.name, 'User ada-id');
  // tokens live 3 s (the node allows 1 s of skew): three refreshes take the connection well past the first's end
  await until('three refreshes', () => issued >= 4, 20000);
  assert.equal(ada.state.status, 'connected');
  assert.ok(ada.states.every((s) => s.status !== 'reconnecting'), 'never dropped');
});

test('with an expired token and no way to get another the client stops and says why', { skip: !jwt.url }, async () => {
  const stale = client(undefined, { urls: jwt.url, token: token('bob-id', -600) });
  stale.connect();
  await until('offline', () => stale.state.status === 'offline');
  assert.match(stale.state.reason, /4001/);
});

test('in jwt mode a message is ours by its user: from another tab it is, from another user with our clientMsgId not', { skip: !jwt.url }, async () => {
  const r = room('jwt-mine');
  const ada = client(undefined, { urls: jwt.url, token: token('ada-id', 300) });
  const adaElsewhere = client(undefined, { urls: jwt.url, token: token('ada-id', 300) });
  const bob = client(undefined, { urls: jwt.url, token: token('bob-id', 300) });
  for (const c of [ada, adaElsewhere, bob]) c.connect();
  for (const c of [ada, adaElsewhere, bob]) await c.join(r);
  const sent = ada.send(r, 'from Ada');
  await until('stored', () => ada.outgoing.at(-1).state === 'sent');
  bob.socket.send(JSON.stringify({ type: 'send', room: r, text: 'forged', clientMsgId: sent.clientMsgId }));
  await until('delivery', () => ada.messages.length === 2 && adaElsewhere.messages.length === 2);
  for (const seen of [ada, adaElsewhere]) {
    assert.deepEqual(seen.messages.map((m) => [m.text, m.mine]), [['from Ada', true], ['forged', false]]);
  }
  const page = await adaElsewhere.history(r);
  assert.deepEqual(page.messages.map((m) => m.mine), [true, false]);
});
