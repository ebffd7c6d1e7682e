package dmlflow.resources.protocol;

/** A resource could not do its job; the message is the whole reason CloudFormation shows. */
public final class ResourceFailure extends RuntimeException {
    public ResourceFailure(String message) {
        super(message);
    }

    public ResourceFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
