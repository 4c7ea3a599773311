import { SwitchboardClient } from './client.js';
import { ROOM_PATTERN } from './protocol.js';

const $ = (id) => document.getElementById(id);
let client;
let room;

$('connect').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = $('name').value.trim();
  room = $('room').value.trim();
  if (!name || !ROOM_PATTERN.test(room)) {
    $('status').textContent = 'Enter a name, and a room of letters, digits, _ - . :';
    return;
  }
  client?.close();
  $('log').replaceChildren();
  client = new SwitchboardClient({ name });
  client.addEventListener('status', (e) => { $('status').textContent = e.detail.text; });
  client.addEventListener('joined', (e) => {
    const { members, memberCount } = e.detail;
    $('members').textContent = members.length < memberCount
      ? `${memberCount} members` : members.map((m) => m.name).join(', ');
  });
  client.addEventListener('message', (e) => line(`${e.detail.fromName}: ${e.detail.text}`, 'message'));
  client.addEventListener('presence', (e) => {
    const { action, member, memberCount } = e.detail;
    if (action === 'count') {
      $('members').textContent = `${memberCount} members`;
    } else if (action === 'join' || action === 'leave') {
      line(`${member.name} ${action === 'join' ? 'joined' : 'left'}`, 'presence');
    }
  });
  client.addEventListener('problem', (e) => line(e.detail.message, 'problem'));
  client.join(room);
  client.connect();
});

$('say').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $('text').value;
  if (text.trim()) {
    client.say(room, text);
    $('text').value = '';
  }
});

function line(text, kind) {
  const li = document.createElement('li');
  li.className = kind;
  li.textContent = text;
  $('log').append(li);
  li.scrollIntoView({ block: 'end' });
}
