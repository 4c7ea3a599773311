// @ts-check
// The chat page: everything the person sees, on top of switchboard-client.js (which alone speaks
// the protocol). One client, one connection, many rooms: a sidebar of the rooms joined (kept in
// localStorage, joined again after a reload), each with its unread count and a mention marker; each
// room keeps its own message list, so switching is instant and loses nothing. User text only ever
// reaches the page as text (textContent), never as HTML.
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
const ROOMS_KEY = 'switchboard.rooms';

/**
 * One room as the page keeps it, shown or not.
 * @typedef {object} RoomView
 * @property {string} name
 * @property {HTMLOListElement} list its messages, in the page only while it is the room shown
 * @property {Map<string, HTMLElement>} shown `${epoch}:${offset}` -> its message
 * @property {Map<string, HTMLElement>} pending clientMsgId -> a message not stored yet
 * @property {string[]} epochs in the order seen, to order messages across a history reset
 * @property {number | undefined} oldestOffset the oldest message shown, for "load older"
 * @property {boolean} hasMore
 * @property {number} unread messages from others not seen yet
 * @property {boolean} mentioned one of them names you
 * @property {number | undefined} scrollTop where the reader was when it left the room
 * @property {boolean} joined
 * @property {boolean} removed the server took this page out of it, or refused it: showing it asks again
 * @property {Map<string, {name: string, timer: ReturnType<typeof setTimeout>}>} typists member id -> typing
 * @property {{members: any[], memberCount: number} | undefined} members
 * @property {HTMLLIElement} item its entry in the sidebar
 */

/** @type {SwitchboardClient | undefined} */
let client;
/** @type {Map<string, RoomView>} */
const rooms = new Map();
/** @type {RoomView | undefined} */
let active;
let lastTypingSent = 0;
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
  askForNotifications();
  start(name, [wanted], wanted);
});

$('join-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const wanted = $('join-room').value.trim();
  if (!ROOM_PATTERN.test(wanted)) {
    $('join-error').textContent = 'A room name is 1-64 letters, digits, _ - . :';
    return;
  }
  $('join-error').textContent = '';
  $('join-room').value = '';
  askForNotifications();
  show(wanted);
});

window.addEventListener('hashchange', () => {
  const wanted = roomInAddress();
  if (client && wanted !== undefined && wanted !== active?.name) show(wanted);
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

/** The rooms this browser was in (joined again after a reload). */
function savedRooms() {
  try {
    const saved = JSON.parse(localStorage.getItem(ROOMS_KEY) ?? '[]');
    return Array.isArray(saved) ? saved.filter((r) => typeof r === 'string' && ROOM_PATTERN.test(r)) : [];
  } catch {
    return [];
  }
}

function saveRooms() {
  localStorage.setItem(ROOMS_KEY, JSON.stringify([...rooms.keys()]));
}

// a reload (or a link) with a room in the address and a name remembered goes straight back in,
// to every room it was in
configured.then(() => {
  const wanted = roomInAddress();
  if (!client && (signedIn ? config.tokenUrl : $('name').value) && wanted !== undefined) {
    const saved = savedRooms();
    start($('name').value, saved.includes(wanted) ? saved : [...saved, wanted], wanted);
  }
});

/** Connects once, joins the rooms, and shows one of them. */
function start(name, wanted, shown) {
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
  on('typing', (detail) => showTyping(detail.room, detail.member));
  on('gap', (detail) => notice(detail.room, detail.from === undefined
    ? 'Some messages from while you were away are no longer stored. Use "Load older messages" for what is.'
    : 'Some messages could not be delivered; they may be shown after reloading the page.'));
  on('reset', (detail) => notice(detail.room, 'The room\'s history restarted on the server; older messages are gone.'));
  on('left', (detail) => removed(detail.room, detail.reason));
  on('problem', (detail) => onProblem(detail));
  for (const roomName of wanted) open(roomName);
  show(shown);
  client.connect();
}

/**
 * Listens to one of the client's events (docs/client.md); {@code listener} gets its detail.
 * @param {string} type
 * @param {(detail: any) => void} listener
 */
function on(type, listener) {
  client?.addEventListener(type, (event) => listener(/** @type {CustomEvent} */ (event).detail));
}

/** The room's view, joining it first if this page is not in it. */
function open(name) {
  let view = rooms.get(name);
  if (view) {
    if (view.removed) join(view); // taken out before (a ban since lifted?): asked again
    return view;
  }
  const list = document.createElement('ol');
  list.className = 'messages';
  list.setAttribute('aria-label', `Messages in ${name}`);
  list.setAttribute('aria-live', 'polite');
  list.tabIndex = 0;
  list.addEventListener('scroll', () => { if (view === active && isFollowing()) $('jump').hidden = true; });
  view = {
    name, list, shown: new Map(), pending: new Map(), epochs: [], oldestOffset: undefined, hasMore: false,
    unread: 0, mentioned: false, scrollTop: undefined, joined: false, removed: false, typists: new Map(), members: undefined,
    item: sidebarItem(name),
  };
  rooms.set(name, view);
  $('rooms').append(view.item);
  saveRooms();
  join(view);
  return view;
}

function join(view) {
  view.removed = false;
  client?.join(view.name).catch((error) => {
    notice(view.name, `Could not join ${view.name}: ${error.message}`);
    if (rooms.get(view.name) === view && !view.joined) view.removed = true;
  });
}

/** The room's entry in the sidebar: a button that shows it (with its unread count) and one that leaves it. */
function sidebarItem(name) {
  const item = document.createElement('li');
  item.dataset.room = name;
  const go = document.createElement('button');
  go.type = 'button';
  go.className = 'room';
  const label = document.createElement('span');
  label.className = 'room-name';
  label.textContent = `# ${name}`;
  const present = document.createElement('span');
  present.className = 'room-members';
  present.hidden = true;
  const badge = document.createElement('span');
  badge.className = 'unread';
  badge.hidden = true;
  go.append(label, present, badge);
  go.addEventListener('click', () => show(name));
  const leave = document.createElement('button');
  leave.type = 'button';
  leave.className = 'leave';
  leave.textContent = '×';
  leave.setAttribute('aria-label', `Leave ${name}`);
  leave.addEventListener('click', () => leaveRoom(name));
  item.append(go, leave);
  return item;
}

/** Shows a room (joining it if needed): its list, scroll position, members and typing come back as they were. */
function show(name) {
  const view = open(name);
  if (active === view) return;
  if (active) {
    active.scrollTop = active.list.scrollTop;
    active.list.removeAttribute('id');
    active.item.querySelector('.room')?.removeAttribute('aria-current');
  }
  active = view;
  view.list.id = 'messages';
  $('messages-slot').replaceChildren(view.list);
  view.item.querySelector('.room')?.setAttribute('aria-current', 'true');
  $('room-title').textContent = `# ${name}`;
  if (location.hash.slice(1) !== encodeURIComponent(name)) history.replaceState(null, '', `#${encodeURIComponent(name)}`);
  if (view.scrollTop === undefined) view.list.scrollTop = view.list.scrollHeight;
  else view.list.scrollTop = view.scrollTop;
  view.unread = 0;
  view.mentioned = false;
  renderBadge(view);
  renderTitle();
  $('older').hidden = !view.hasMore;
  $('jump').hidden = true;
  $('text').disabled = !view.joined;
  $('send').disabled = !view.joined;
  renderMembers();
  renderTyping();
}

function leaveRoom(name) {
  const view = rooms.get(name);
  if (!view) return;
  client?.leave(name);
  forget(view);
}

/** The server took this page out of a room (a ban, a token that no longer grants it). */
function removed(name, reason) {
  const view = rooms.get(name);
  if (!view) return;
  notice(name, reason === 'forbidden'
    ? 'You may no longer be in this room; you were taken out of it.' : `You were taken out of this room (${reason}).`);
  view.joined = false;
  view.removed = true;
  if (view === active) {
    $('text').disabled = true;
    $('send').disabled = true;
  }
}

/** Drops a room from the page; shows another one, if any is left. */
function forget(view) {
  rooms.delete(view.name);
  view.item.remove();
  saveRooms();
  renderTitle();
  if (active !== view) return;
  active = undefined;
  const next = rooms.keys().next();
  if (!next.done) {
    show(next.value);
  } else {
    $('messages-slot').replaceChildren();
    $('room-title').textContent = 'Join a room to chat';
    $('text').disabled = true;
    $('send').disabled = true;
    $('members').replaceChildren();
    $('member-count').textContent = '';
  }
}

function onJoined({ room: name, epoch }) {
  clearBanner('store'); // a join answered: the server reaches its store and takes work again
  const view = rooms.get(name);
  if (!view) return;
  view.joined = true;
  if (view === active) {
    $('text').disabled = false;
    $('send').disabled = false;
  }
  rankEpoch(view, epoch);
  if (view.oldestOffset === undefined) loadOlder(view); // the first join: show recent history
}

$('older').addEventListener('click', () => { if (active) loadOlder(active); });

async function loadOlder(view) {
  $('older').disabled = true;
  try {
    const page = await /** @type {SwitchboardClient} */ (client).history(view.name, { before: view.oldestOffset, limit: PAGE });
    if (rooms.get(view.name) !== view) return; // left meanwhile
    const list = view.list;
    const first = view.oldestOffset === undefined;
    const fromBottom = list.scrollHeight - list.scrollTop; // what the reader sees stays where it is
    // the page goes in as one piece before what is shown (it is older): no walk of the list per message
    const before = /** @type {HTMLElement | null} */ (list.querySelector('li[data-offset]'));
    const batch = { fragment: document.createDocumentFragment(), before };
    for (const message of page.messages) showMessage(message, { live: false, batch });
    list.insertBefore(batch.fragment, before ?? list.firstChild);
    if (first) list.scrollTop = list.scrollHeight; // the room opens at its newest message
    else list.scrollTop = list.scrollHeight - fromBottom;
    if (page.messages.length > 0) view.oldestOffset = page.messages[0].offset;
    else view.oldestOffset ??= 1;
    view.hasMore = page.hasMore;
    if (view === active) $('older').hidden = !page.hasMore;
  } catch (error) {
    if (error.code !== 'disconnected') notice(view.name, `Could not load older messages: ${error.message}`);
  } finally {
    $('older').disabled = false;
  }
}

$('compose').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $('text').value;
  if (!text.trim() || !client || !active) return;
  client.send(active.name, text);
  $('text').value = '';
  active.list.querySelector('.unread-marker')?.remove();
});

$('text').addEventListener('input', () => {
  if (active && Date.now() - lastTypingSent > TYPING_SENT_EVERY_MS) {
    lastTypingSent = Date.now();
    client?.typing(active.name);
  }
});

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && active) {
    active.unread = 0;
    active.mentioned = false;
    renderBadge(active);
    renderTitle();
  }
});

/**
 * @param {any} message
 * @param {{live: boolean, batch?: {fragment: DocumentFragment, before: HTMLElement | null}}} how a history
 *   page's messages older than {@code batch.before} are gathered in its fragment instead of placed one by one
 */
function showMessage(message, { live, batch }) {
  const view = rooms.get(message.room);
  const key = `${message.epoch}:${message.offset}`;
  if (!view || view.shown.has(key)) return;
  const pending = message.mine ? view.pending.get(message.clientMsgId) : undefined; // another's copy of our id is not ours
  if (pending) {
    pending.remove();
    view.pending.delete(message.clientMsgId);
  }
  rankEpoch(view, message.epoch);
  const shownNow = view === active;
  const following = shownNow && isFollowing();
  const mine = isMine(message);
  const li = messageItem(message.fromName, message.text, message.ts, mine);
  if (message.deleted) markDeleted(li);
  const mention = !mine && !message.deleted && mentions(message.text);
  if (mention) li.classList.add('mention');
  li.dataset.epoch = message.epoch;
  li.dataset.offset = String(message.offset);
  view.shown.set(key, li);
  if (batch && (!batch.before || isAfter(view, batch.before, view.epochs.indexOf(message.epoch), message.offset))) {
    batch.fragment.append(li);
  } else {
    place(view, li);
  }
  if (live && view.typists.delete(message.from) && shownNow) renderTyping(); // what they typed arrived
  if (live && !mine && (!shownNow || document.hidden)) {
    if (view.unread === 0 && shownNow) {
      view.list.querySelector('.unread-marker')?.remove();
      const marker = document.createElement('li');
      marker.className = 'unread-marker';
      marker.textContent = 'New messages';
      li.before(marker);
    }
    view.unread += 1;
    if (mention) {
      view.mentioned = true;
      notify(view.name, message);
    }
    renderBadge(view);
    renderTitle();
  }
  if (live && shownNow) follow(following || mine);
}

/** Whether a message names this page's user: its name as a word, with or without an at sign before it. */
function mentions(text) {
  const name = client?.name;
  if (!name || typeof text !== 'string') return false;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\p{L}\\p{N}_])@?${escaped}(?![\\p{L}\\p{N}_])`, 'iu').test(text);
}

/** Asked once, on a click (browsers only ask then): notifications for mentions while the tab is hidden. */
function askForNotifications() {
  if ('Notification' in window && Notification.permission === 'default') Notification.requestPermission().catch(() => {});
}

function notify(roomName, message) {
  if (!document.hidden || !('Notification' in window) || Notification.permission !== 'granted') return;
  const note = new Notification(`${message.fromName} in #${roomName}`, { body: message.text, tag: `switchboard-${roomName}` });
  note.onclick = () => { window.focus(); show(roomName); };
}

function renderBadge(view) {
  const badge = /** @type {HTMLElement} */ (view.item.querySelector('.unread'));
  badge.hidden = view.unread === 0;
  badge.textContent = view.mentioned ? `@ ${view.unread}` : String(view.unread);
  view.item.classList.toggle('mentioned', view.mentioned);
  view.item.dataset.unread = String(view.unread);
  badge.title = view.mentioned ? `${view.unread} unread, you are mentioned` : `${view.unread} unread`;
}

function renderTitle() {
  const total = [...rooms.values()].reduce((sum, view) => sum + view.unread, 0);
  document.title = total > 0 ? `(${total}) Switchboard` : 'Switchboard';
}

/**
 * Whose a message is, for its tint: the library's `mine` (this page's own connections), or, after a
 * reload, the sender: the user in jwt mode, the name when anonymous (as the server names senders).
 */
function isMine(message) {
  if (message.mine) return true;
  if (client?.user) return message.fromUser === client.user;
  return !message.fromUser && !String(message.from).startsWith('api:') && message.fromName === client?.name;
}

/** Whether the reader is at the newest message of the room shown (so new ones should come into view). */
function isFollowing() {
  const list = active?.list;
  return !list || list.scrollHeight - list.scrollTop - list.clientHeight <= FOLLOW_PX;
}

/** Shows the newest message when the reader follows; else offers to jump there, leaving the view still. */
function follow(following) {
  if (!active) return;
  if (following) {
    active.list.scrollTop = active.list.scrollHeight;
    $('jump').hidden = true;
  } else {
    $('jump').hidden = false;
  }
}

$('jump').addEventListener('click', () => follow(true));

/** The app's backend deleted a message: its tombstone takes its place. */
function showDeleted({ room: name, epoch, offset }) {
  const li = rooms.get(name)?.shown.get(`${epoch}:${offset}`);
  if (li) markDeleted(li);
}

function markDeleted(li) {
  li.classList.add('deleted');
  li.classList.remove('mention');
  li.querySelector('.text').textContent = 'message deleted';
}

function onOutgoing(message) {
  const view = rooms.get(message.room);
  if (!view) return;
  let li = view.pending.get(message.clientMsgId);
  if (message.state === 'pending' && !li) {
    li = messageItem(client?.name ?? '', message.text, undefined, true);
    li.classList.add('pending');
    li.dataset.clientMsgId = message.clientMsgId;
    view.pending.set(message.clientMsgId, li);
    view.list.append(li);
    view.list.scrollTop = view.list.scrollHeight;
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
function place(view, li) {
  const list = view.list;
  const rank = view.epochs.indexOf(li.dataset.epoch);
  const offset = Number(li.dataset.offset);
  let after = /** @type {HTMLElement | null} */ (list.lastElementChild);
  while (after && (after.classList.contains('pending') || after.classList.contains('failed')
      || (after.dataset.offset !== undefined && isAfter(view, after, rank, offset)))) {
    after = /** @type {HTMLElement | null} */ (after.previousElementSibling);
  }
  if (after) after.after(li); else list.prepend(li);
}

function isAfter(view, item, rank, offset) {
  const itemRank = view.epochs.indexOf(item.dataset.epoch);
  return itemRank > rank || (itemRank === rank && Number(item.dataset.offset) > offset);
}

function rankEpoch(view, epoch) {
  if (!view.epochs.includes(epoch)) view.epochs.push(epoch);
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

function notice(roomName, text) {
  const view = rooms.get(roomName);
  if (!view) return;
  const li = document.createElement('li');
  li.className = 'notice';
  li.textContent = text;
  view.list.append(li);
}

function showMembers({ room: name, members, memberCount }) {
  const view = rooms.get(name);
  if (!view) return;
  view.members = { members, memberCount };
  // every room's head count in the sidebar, the list of names for the room shown
  const present = /** @type {HTMLElement} */ (view.item.querySelector('.room-members'));
  present.hidden = false;
  present.textContent = String(memberCount);
  present.title = memberCount === 1 ? '1 member' : `${memberCount} members`;
  view.item.dataset.members = String(memberCount);
  if (view === active) renderMembers();
}

function renderMembers() {
  const known = active?.members;
  const items = [...(known?.members ?? [])].sort((a, b) => a.name.localeCompare(b.name)).map((member) => {
    const li = document.createElement('li');
    li.textContent = member.id === client?.sessionId ? `${member.name} (you)` : member.name;
    return li;
  });
  $('members').replaceChildren(...items);
  $('member-count').textContent = known ? `(${known.memberCount})` : '';
}

function showTyping(roomName, member) {
  const view = rooms.get(roomName);
  if (!view) return;
  clearTimeout(view.typists.get(member.id)?.timer);
  const timer = setTimeout(() => { view.typists.delete(member.id); if (view === active) renderTyping(); }, TYPING_SHOWN_MS);
  view.typists.set(member.id, { name: member.name, timer });
  if (view === active) renderTyping();
}

function renderTyping() {
  const names = [...(active?.typists.values() ?? [])].map((t) => t.name);
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
    notice(problem.room ?? active?.name, problem.message ?? problem.code);
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
