// @ts-check
// The one place the client mirrors the wire protocol (docs/protocol.md; Java: io.switchboard.protocol).

export const PROTOCOL_VERSION = 1;

export const ClientType = Object.freeze({
  HELLO: 'hello', AUTH: 'auth', JOIN: 'join', LEAVE: 'leave', SEND: 'send', TYPING: 'typing', HISTORY: 'history', PING: 'ping',
});

export const ServerType = Object.freeze({
  WELCOME: 'welcome', HELLO_OK: 'hello_ok', AUTH_OK: 'auth_ok', JOINED: 'joined', LEFT: 'left', MESSAGE: 'message', ACK: 'ack',
  PRESENCE: 'presence', TYPING: 'typing', HISTORY: 'history', EPOCH_CHANGED: 'epoch_changed',
  ERROR: 'error', RECONNECT: 'reconnect', PONG: 'pong', GAP: 'gap', DELETED: 'deleted',
});

export const PresenceAction = Object.freeze({ JOIN: 'join', LEAVE: 'leave', BATCH: 'batch', COUNT: 'count' });

export const ErrorCode = Object.freeze({
  BAD_JSON: 'bad_json', UNKNOWN_TYPE: 'unknown_type', BAD_FRAME: 'bad_frame', INVALID_ROOM: 'invalid_room',
  TEXT_TOO_LONG: 'text_too_long', HELLO_REQUIRED: 'hello_required', NOT_JOINED: 'not_joined',
  TOO_MANY_ROOMS: 'too_many_rooms', RATE_LIMITED: 'rate_limited', BROKER_UNAVAILABLE: 'broker_unavailable',
  OVERLOADED: 'overloaded', UNAUTHORIZED: 'unauthorized', FORBIDDEN: 'forbidden',
  TOO_MANY_CONNECTIONS: 'too_many_connections', UNSUPPORTED_PROTOCOL: 'unsupported_protocol',
});

/** Errors after which the same request may succeed later: the client retries them, keeping the clientMsgId. */
export const RETRYABLE_ERRORS = new Set([ErrorCode.BROKER_UNAVAILABLE, ErrorCode.RATE_LIMITED, ErrorCode.OVERLOADED]);

export const CloseCode = Object.freeze({
  NORMAL: 1000, UNSUPPORTED_DATA: 1003, POLICY_VIOLATION: 1008, MESSAGE_TOO_BIG: 1009, SERVICE_RESTART: 1012,
  UNAUTHORIZED: 4001, HEARTBEAT_TIMEOUT: 4002, HELLO_TIMEOUT: 4003, SLOW_CONSUMER: 4008,
  DISCONNECTED: 4009, DISCONNECTED_MAY_RECONNECT: 4010,
});

/**
 * Close codes after which reconnecting cannot help, so the client does not: the client itself sent
 * something the server always refuses (docs/protocol.md, "Close codes").
 */
export const FATAL_CLOSE_CODES = new Set([CloseCode.UNSUPPORTED_DATA, CloseCode.POLICY_VIOLATION,
  CloseCode.MESSAGE_TOO_BIG]);

export const ROOM_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Longest `name` a `hello` may carry. */
export const MAX_NAME_LENGTH = 32;
