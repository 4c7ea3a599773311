package io.switchboard.webhook;

/**
 * An event a webhook did not take within its attempts.
 *
 * @param id       the parked entry's id (for replay); null until parked
 * @param room     the event's room
 * @param event    the request body that was sent (the event's JSON)
 * @param error    the last attempt's failure
 * @param parkedAt when it was parked (epoch ms)
 */
public record DeadLetter(String id, String room, String event, String error, long parkedAt) {}
