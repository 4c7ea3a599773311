#!/usr/bin/env python3
"""Writes, in Redis's protocol, the commands a node sends Redis for N storm clients joining rooms of 50
and leaving them, as the chat-server at a git revision sends them (its scripts, read from that
revision): two scripts and SADD per join, a script and SREM per leave, before join.lua; join.lua
and the member index in batches of 50 since. Used by run.sh; see docs/benchmarks.md, "Reconnect storms".

usage: storm_commands.py REVISION CLIENTS OUT
"""
import hashlib
import subprocess
import sys
import time

revision, clients, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
RESOURCES = 'chat-server/src/main/resources/io/switchboard/'


def source(path):
    shown = subprocess.run(['git', 'show', f'{revision}:{RESOURCES}{path}'], capture_output=True, text=True)
    return shown.stdout if shown.returncode == 0 else None


history, presence, join_body = source('broker/history.lua'), source('presence/presence.lua'), source('presence/join.lua')
if history is None or presence is None:
    sys.exit(f'{revision} has no history.lua or presence.lua')
# as LuaScript.compose builds it
join = None if join_body is None else (
    f'local function page(KEYS, ARGV)\n{history}\nend\n'
    f'local function presence(KEYS, ARGV)\n{presence}\nend\n{join_body}')


def sha(text):
    return hashlib.sha1(text.encode()).hexdigest()


def command(*args):
    encoded = [a.encode() if isinstance(a, str) else a for a in args]
    return b'*%d\r\n' % len(encoded) + b''.join(b'$%d\r\n%s\r\n' % (len(a), a) for a in encoded)


with open(out, 'wb') as f:
    for script in filter(None, (history, presence, join)):
        f.write(command('SCRIPT', 'LOAD', script))
    now = str(int(time.time() * 1000))
    index = 'sb:replay:node:n1:members'
    batch = {'SADD': [], 'SREM': []}

    def indexed(operation, entry):
        if join is None:  # one command per change
            f.write(command(operation, index, entry))
            return
        batch[operation].append(entry)
        if len(batch[operation]) == 50:
            f.write(command(operation, index, *batch[operation]))
            batch[operation].clear()

    for room_number in range(clients // 50):
        room = f'room-{room_number}'
        history_keys = [f'sb:replay:{{{room}}}:{suffix}' for suffix in ('meta', 'log', 'bans')]
        presence_keys = [f'sb:replay:{{{room}}}:{suffix}' for suffix in ('presence', 'presence:expiry', 'meta')]
        # ttl 30 s, list limit 100, empty-room retention 5 min, no webhook events, the room, events' lifetime
        presence_args = ['30000', '100', '300000', '', room, '2592000']
        members = [(f'{room}-m{i}', f'user-{room}-{i}') for i in range(50)]
        for member, user in members:
            json = f'{{"id":"{member}","name":"{user}","node":"n1","user":"{user}"}}'
            history_args = ['0123456789ab', 'since', '0', '0', '300', '1', '0', user, now]
            if join is None:
                f.write(command('EVALSHA', sha(history), '3', *history_keys, *history_args))
                f.write(command('EVALSHA', sha(presence), '3', *presence_keys, 'join', *presence_args, member, json))
            else:
                f.write(command('EVALSHA', sha(join), '6', *history_keys, *presence_keys, '3', str(len(history_args)),
                                *history_args, 'join', *presence_args, member, json))
            indexed('SADD', f'{room}\n{member}')
        for member, user in members:
            f.write(command('EVALSHA', sha(presence), '3', *presence_keys, 'leave', *presence_args, member))
            indexed('SREM', f'{room}\n{member}')
