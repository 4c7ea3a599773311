package io.switchboard.broker;

/** Where a published message is stored; {@code duplicate} when its clientMsgId had been stored already. */
public record PublishResult(String epoch, long offset, boolean duplicate) {}
