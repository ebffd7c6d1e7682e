package dmlflow.resources.protocol;

/** The event or its properties are not what the resource needs; the message says what to fix. */
public final class InvalidRequestException extends RuntimeException {
    public InvalidRequestException(String message) {
        super(message);
    }
}
