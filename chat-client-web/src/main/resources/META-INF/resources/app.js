// @ts-check
// The chat page: everything the person sees, on top of switchboard-client.js (which alone speaks
// the protocol). User text only ever reaches the page as text (textContent), never as HTML.
import { SwitchboardClient } from './switchboard-client.js';
import { ROOM_PATTERN, MAX_NAME_LENGTH, ErrorCode } from './protocol.js';

/**
 * The page's element with this id (its fields, buttons and lists are all there at load).
 * @param {string} id
 * @returns {HTMLInputElement}
 */
const $ = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id));
const TYPING_SHOWN_MS = 3000;
const TYPING_SENT_EVERY_MS = 2000;
/** Why a server moves a client on purpose (a `reconnect` frame): not an outage. */
const PLANNED_MOVES = new Set(['drain', 'rebalance', 'shutdown', 'redis_unreachable']);
/** Attempts a planned move may take (a draining node refuses, the next one takes) before it reads as an outage. */
const MOVE_ATTEMPTS = 3;
/** A reader this close to the bottom follows new messages; one further up keeps its place. */
const FOLLOW_PX = 48;
const PAGE = 50;

let client;
let room;
let oldestOffset;            // the oldest message shown, for "load older"
const shown = new Map();     // `${epoch}:${offset}` -> li
const pendingItems = new Map(); // clientMsgId -> li of a message not stored yet
const epochs = [];           // epochs in the order seen, to order messages across a history reset
const typists = new Map();   // member id -> {name, timer}
let lastTypingSent = 0;
let unread = 0;
let countdown;
let moving = false;          // the server is moving this client (reconnect frame), until connected again

/**
 * What the node says the page needs (`/page-config.json`): `auth` is `jwt` when the node wants a
 * token, which the page then gets from `tokenUrl`, the embedding app's sign-in (docs/client.md).
 * Until it answers the page behaves as for an anonymous node; Join waits for it.
 * @type {{auth: string, tokenUrl: string | null}}
 */
let config = { auth: 'anonymous', tokenUrl: null };
let signedIn = false;
const configured = fetch('page-config.json', { cache: 'no-store' })
  .then((response) => (response.ok ? response.json() : config))
  .catch(() => config)
  .then((answer) => {
    config = answer;
    signedIn = config.auth === 'jwt';
    if (!signedIn) return;
    // the name comes from the token
    /** @type {HTMLElement} */ ($('name').closest('label')).hidden = true;
    $('name').required = false;
    if (!config.tokenUrl) {
      $('enter-error').textContent = 'This chat wants you signed in, and this page has no way to get a token: '
        + 'its server does not name the app\'s sign-in (switchboard.auth.page-token-url).';
      $('enter-button').disabled = true;
    }
  });

$('name').value = localStorage.getItem('switchboard.name') ?? '';
$('room').value = roomInAddress() ?? 'lobby';

/** A token for this user from the embedding app's sign-in: `{"token": "..."}` or the token as text. */
async function fetchToken() {
  const response = await fetch(/** @type {string} */ (config.tokenUrl), { credentials: 'include', cache: 'no-store' });
  if (!response.ok) throw new Error(`the app's sign-in answered ${response.status}; sign in to the app, then reload`);
  const text = (await response.text()).trim();
  try {
    const body = JSON.parse(text);
    return typeof body === 'string' ? body : body.token;
  } catch {
    return text;
  }
}

$('enter').addEventListener('submit', async (event) => {
  event.preventDefault();
  await configured;
  const name = $('name').value.trim();
  const wanted = $('room').value.trim();
  if (!signedIn && (!name || name.length > MAX_NAME_LENGTH)) {
    $('enter-error').textContent = `Enter a name of 1-${MAX_NAME_LENGTH} characters.`;
    return;
  }
  if (!ROOM_PATTERN.test(wanted)) {
    $('enter-error').textContent = 'A room name is 1-64 letters, digits, _ - . :';
    return;
  }
  $('enter-error').textContent = '';
  if (!signedIn) localStorage.setItem('switchboard.name', name);
  location.hash = encodeURIComponent(wanted);
  enter(name, wanted);
});

window.addEventListener('hashchange', () => {
  const wanted = roomInAddress();
  if (client && wanted !== undefined && wanted !== room) enter(client.name, wanted);
});

/** The room the address names (`/#lobby`), or undefined when its hash names none. */
function roomInAddress() {
  let wanted;
  try {
    wanted = decodeURIComponent(location.hash.slice(1));
  } catch { // URIError: a malformed escape (#%E0%A4%A), from a hand-edited or truncated link
    return undefined;
  }
  return ROOM_PATTERN.test(wanted) ? wanted : undefined;
}

// a reload (or a link) with a room in the address and a name remembered goes straight back in
configured.then(() => {
  if (!client && (signedIn ? config.tokenUrl : $('name').value) && roomInAddress() !== undefined) {
    enter($('name').value, /** @type {string} */ (roomInAddress()));
  }
});

function enter(name, wanted) {
  client?.close();
  reset();
  room = wanted;
  $('room-title').textContent = `# ${room}`;
  $('enter').hidden = true;
  $('chat').hidden = false;
  const nodes = new URLSearchParams(location.search).get('nodes'); // no load balancer: nodes to try in turn
  const who = signedIn ? { token: fetchToken } : { name };
  client = new SwitchboardClient(nodes ? { ...who, urls: nodes.split(',').map((s) => s.trim()).filter(Boolean) } : who);
  on('state', (detail) => showState(detail));
  on('joined', (detail) => onJoined(detail));
  on('message', (detail) => showMessage(detail, { live: true }));
  on('deleted', (detail) => showDeleted(detail));
  on('outgoing', (detail) => onOutgoing(detail));
  on('members', (detail) => showMembers(detail));
  on('typing', (detail) => showTyping(detail.member));
  on('gap', (detail) => notice(detail.from === undefined
    ? 'Some messages from while you were away are no longer stored. Use "Load older messages" for what is.'
    : 'Some messages could not be delivered; they may be shown after reloading the page.'));
  client.addEventListener('reset', () => notice('The room\'s history restarted on the server; older messages are gone.'));
  on('left', (detail) => notice(detail.reason === 'forbidden'
    ? 'You may no longer be in this room; you were taken out of it.' : `You were taken out of this room (${detail.reason}).`));
  on('problem', (detail) => onProblem(detail));
  client.join(room).catch((error) => {
    $('enter-error').textContent = `Could not join: ${error.message}`;
    $('enter').hidden = false;
    $('chat').hidden = true;
  });
  client.connect();
}

/**
 * Listens to one of the client's events (docs/client.md); {@code listener} gets its detail.
 * @param {string} type
 * @param {(detail: any) => void} listener
 */
function on(type, listener) {
  client.addEventListener(type, (event) => listener(/** @type {CustomEvent} */ (event).detail));
}

function reset() {
  $('messages').replaceChildren();
  shown.clear();
  pendingItems.clear();
  epochs.length = 0;
  oldestOffset = undefined;
  $('older').hidden = true;
  $('typing').textContent = '';
}

function onJoined({ epoch }) {
  clearBanner('store'); // a join answered: the server reaches its store and takes work again
  $('text').disabled = false;
  $('send').disabled = false;
  rankEpoch(epoch);
  if (oldestOffset === undefined) loadOlder(); // the first join: show recent history
}

$('older').addEventListener('click', () => loadOlder());

async function loadOlder() {
  const asked = client;
  $('older').disabled = true;
  try {
    const page = await asked.history(room, { before: oldestOffset, limit: PAGE });
    if (asked !== client) return; // the page went to another room meanwhile (and closed that client)
    const list = $('messages');
    const first = oldestOffset === undefined;
    const fromBottom = list.scrollHeight - list.scrollTop; // what the reader sees stays where it is
    for (const message of page.messages) showMessage(message, { live: false });
    if (first) list.scrollTop = list.scrollHeight; // the room opens at its newest message
    else list.scrollTop = list.scrollHeight - fromBottom;
    if (page.messages.length > 0) oldestOffset = page.messages[0].offset;
    else oldestOffset ??= 1;
    $('older').hidden = !page.hasMore;
  } catch (error) {
    if (asked === client && error.code !== 'disconnected') notice(`Could not load older messages: ${error.message}`);
  } finally {
    $('older').disabled = false;
  }
}

$('compose').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $('text').value;
  if (!text.trim() || !client) return;
  client.send(room, text);
  $('text').value = '';
  $('messages').querySelector('.unread-marker')?.remove();
});

$('text').addEventListener('input', () => {
  if (Date.now() - lastTypingSent > TYPING_SENT_EVERY_MS) {
    lastTypingSent = Date.now();
    client?.typing(room);
  }
});

document.addEventListener('visibilitychange', () => {
  if (!document.hidden) {
    unread = 0;
    document.title = 'Switchboard';
  }
});

function showMessage(message, { live }) {
  const key = `${message.epoch}:${message.offset}`;
  if (message.room !== room || shown.has(key)) return;
  const pending = message.mine ? pendingItems.get(message.clientMsgId) : undefined; // another's copy of our id is not ours
  if (pending) {
    pending.remove();
    pendingItems.delete(message.clientMsgId);
  }
  rankEpoch(message.epoch);
  const following = isFollowing();
  const li = messageItem(message.fromName, message.text, message.ts, isMine(message));
  if (message.deleted) markDeleted(li);
  li.dataset.epoch = message.epoch;
  li.dataset.offset = String(message.offset);
  shown.set(key, li);
  place(li);
  if (live && typists.delete(message.from)) renderTyping(); // what they typed arrived: no longer typing
  if (live && !message.mine && document.hidden) {
    if (unread === 0) {
      $('messages').querySelector('.unread-marker')?.remove();
      const marker = document.createElement('li');
      marker.className = 'unread-marker';
      marker.textContent = 'New messages';
      li.before(marker);
    }
    unread += 1;
    document.title = `(${unread}) Switchboard`;
  }
  if (live) follow(following || message.mine);
}

/**
 * Whose a message is, for its tint: the library's `mine` (this page's own connections), or, after a
 * reload, the sender: the user in jwt mode, the name when anonymous (as the server names senders).
 */
function isMine(message) {
  if (message.mine) return true;
  if (client.user) return message.fromUser === client.user;
  return !message.fromUser && !String(message.from).startsWith('api:') && message.fromName === client.name;
}

/** Whether the reader is at the newest message (so new ones should come into view). */
function isFollowing() {
  const list = $('messages');
  return list.scrollHeight - list.scrollTop - list.clientHeight <= FOLLOW_PX;
}

/** Shows the newest message when the reader follows; else offers to jump there, leaving the view still. */
function follow(following) {
  const list = $('messages');
  if (following) {
    list.scrollTop = list.scrollHeight;
    $('jump').hidden = true;
  } else {
    $('jump').hidden = false;
  }
}

$('jump').addEventListener('click', () => follow(true));
$('messages').addEventListener('scroll', () => { if (isFollowing()) $('jump').hidden = true; });

/** The app's backend deleted a message: its tombstone takes its place. */
function showDeleted({ room: of, epoch, offset }) {
  const li = shown.get(`${epoch}:${offset}`);
  if (of === room && li) markDeleted(li);
}

function markDeleted(li) {
  li.classList.add('deleted');
  li.querySelector('.text').textContent = 'message deleted';
}

function onOutgoing(message) {
  if (message.room !== room) return;
  let li = pendingItems.get(message.clientMsgId);
  if (message.state === 'pending' && !li) {
    li = messageItem(client.name, message.text, undefined, true);
    li.classList.add('pending');
    li.dataset.clientMsgId = message.clientMsgId;
    pendingItems.set(message.clientMsgId, li);
    $('messages').append(li);
    $('messages').scrollTop = $('messages').scrollHeight;
  } else if (li && message.state === 'sent') {
    li.classList.remove('pending'); // the message itself replaces it when it arrives
    clearBanner('store');
  } else if (li && message.state === 'failed') {
    li.classList.remove('pending');
    li.classList.add('failed');
    li.title = `Not sent: ${message.error}`;
  }
}

/** Puts a stored message in offset order (older epochs first), before any pending ones. */
function place(li) {
  const list = $('messages');
  const rank = epochs.indexOf(li.dataset.epoch);
  const offset = Number(li.dataset.offset);
  let after = /** @type {HTMLElement | null} */ (list.lastElementChild);
  while (after && (after.classList.contains('pending') || after.classList.contains('failed')
      || (after.dataset.offset !== undefined && isAfter(after, rank, offset)))) {
    after = /** @type {HTMLElement | null} */ (after.previousElementSibling);
  }
  if (after) after.after(li); else list.prepend(li);
}

function isAfter(item, rank, offset) {
  const itemRank = epochs.indexOf(item.dataset.epoch);
  return itemRank > rank || (itemRank === rank && Number(item.dataset.offset) > offset);
}

function rankEpoch(epoch) {
  if (!epochs.includes(epoch)) epochs.push(epoch);
}

function messageItem(from, text, ts, mine) {
  const li = document.createElement('li');
  if (mine) li.classList.add('mine');
  const name = document.createElement('span');
  name.className = 'from';
  name.textContent = from;
  const time = document.createElement('time');
  const when = ts ? new Date(ts) : new Date();
  time.dateTime = when.toISOString();
  time.textContent = when.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const body = document.createElement('span');
  body.className = 'text';
  body.textContent = text;
  li.append(time, name, body);
  return li;
}

function notice(text) {
  const li = document.createElement('li');
  li.className = 'notice';
  li.textContent = text;
  $('messages').append(li);
}

function showMembers({ room: of, members, memberCount }) {
  if (of !== room) return;
  const items = [...members].sort((a, b) => a.name.localeCompare(b.name)).map((member) => {
    const li = document.createElement('li');
    li.textContent = member.id === client.sessionId ? `${member.name} (you)` : member.name;
    return li;
  });
  $('members').replaceChildren(...items);
  $('member-count').textContent = `(${memberCount})`;
}

function showTyping(member) {
  clearTimeout(typists.get(member.id)?.timer);
  const timer = setTimeout(() => { typists.delete(member.id); renderTyping(); }, TYPING_SHOWN_MS);
  typists.set(member.id, { name: member.name, timer });
  renderTyping();
}

function renderTyping() {
  const names = [...typists.values()].map((t) => t.name);
  $('typing').textContent = names.length === 0 ? ''
    : `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} typing…`;
}

function showState(state) {
  const status = $('connection');
  status.dataset.status = state.status;
  clearInterval(countdown);
  switch (state.status) {
    case 'connecting':
      status.textContent = 'Connecting…';
      break;
    case 'connected':
      status.textContent = 'Connected';
      status.title = `Served by ${state.node}`; // the node, for a details view: not every user's business
      clearBanner('connection');
      moving = false;
      break;
    case 'reconnecting': {
      // the server moves this client (its reconnect frame): no outage to report, while the move
      // takes the few attempts it may need (a draining node refuses; the next one takes it)
      if (PLANNED_MOVES.has(state.reason)) moving = true;
      if (moving && state.attempt <= MOVE_ATTEMPTS) {
        status.textContent = 'Moving you to another server…';
        clearBanner('connection');
        break;
      }
      const tick = () => {
        const seconds = Math.max(0, Math.ceil((state.nextTryAt - Date.now()) / 1000));
        status.textContent = state.nextTryAt && seconds > 0
          ? `Reconnecting (attempt ${state.attempt}) in ${seconds} s…` : `Reconnecting (attempt ${state.attempt})…`;
      };
      tick();
      countdown = setInterval(tick, 500);
      banner('connection', 'Connection lost; reconnecting. What you send meanwhile is kept and sent once it is back.');
      break;
    }
    case 'offline':
      if (state.disconnected !== undefined) {
        status.textContent = 'Disconnected';
        banner('connection', `You were disconnected: ${state.disconnected}`, 'offline');
        break;
      }
      status.textContent = `Offline (${state.reason})`;
      banner('connection', state.reason === 'browser offline'
        ? 'You are offline. Messages you send are kept and sent when the network is back.'
        : `Disconnected by the server (${state.reason}); reload the page to try again.`, 'offline');
      break;
    default:
      status.textContent = 'Not connected';
  }
}

function onProblem(problem) {
  if (problem.code === ErrorCode.UNAUTHORIZED) {
    banner('connection', `The server wants you signed in, and the sign-in failed: ${problem.message}`, 'offline');
  } else if (problem.code === ErrorCode.BROKER_UNAVAILABLE) {
    banner('store', 'The server cannot reach its message store right now. Your messages are kept and retried.');
  } else if (problem.code === ErrorCode.OVERLOADED) {
    banner('store', 'The server is very busy; joining is retried shortly.');
  } else if (problem.code === ErrorCode.RATE_LIMITED) {
    banner('store', 'You are sending faster than allowed; your messages are retried shortly.');
  } else if (problem.code !== 'disconnected') {
    notice(problem.message ?? problem.code);
  }
}

function banner(kind, text, className = '') {
  const element = $('banner');
  element.dataset.kind = kind;
  element.className = className;
  element.textContent = text;
  element.hidden = false;
}

function clearBanner(kind) {
  if ($('banner').dataset.kind === kind) $('banner').hidden = true;
}
