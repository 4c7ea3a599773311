package io.switchboard.broker;

/** The broker's backend cannot be reached; nothing was stored or delivered. */
public class BrokerUnavailableException extends RuntimeException {

    public BrokerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
