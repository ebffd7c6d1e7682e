package dmlflow.resources.protocol;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/** Turns any throwable into a sentence a person can act on: the message, then its causes. */
public final class Reasons {
    private Reasons() {
    }

    public static String of(Throwable failure) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = failure; t != null && parts.size() < 4; t = t.getCause()) {
            String part = describe(t);
            if (parts.stream().noneMatch(p -> p.contains(part))) {
                parts.add(part);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return String.join(": ", parts);
    }

    private static String describe(Throwable t) {
        if (t instanceof AwsServiceException aws && aws.awsErrorDetails() != null) {
            String code = aws.awsErrorDetails().errorCode();
            String message = aws.awsErrorDetails().errorMessage();
            return (code == null ? "" : code + ": ") + (message == null ? aws.getMessage() : message);
        }
        String message = t.getMessage();
        if (t instanceof InvalidRequestException || t instanceof ResourceFailure) {
            return message;
        }
        if (t instanceof Error) {
            return "internal error (" + t.getClass().getSimpleName() + ")" + (message == null ? "" : ": " + message);
        }
        if (message == null || message.isBlank()) {
            return t.getClass().getSimpleName();
        }
        return message;
    }
}
