package io.switchboard.broker;

/** The broker holds as many rooms as it may; one more is refused until rooms expire. */
public final class BrokerFullException extends BrokerUnavailableException {

    public BrokerFullException(String message) {
        super(message, null);
    }
}
