package dmlflow.deployer.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Why a file could not be read or written, in a person's words rather than a library's. */
public final class Problems {
    private Problems() {
    }

    /**
     * Why a connection failed (to AWS, or to the tracking server), from the cause's type; the
     * HTTP client's own message is for --verbose. {@code otherwise} when no cause says.
     */
    public static String connection(Throwable failure, String otherwise) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof java.net.UnknownHostException) {
                return "its address does not resolve";
            }
            if (cause instanceof java.net.ConnectException) {
                return "the connection was refused";
            }
            if (cause instanceof java.net.SocketTimeoutException || cause instanceof java.net.http.HttpTimeoutException
                    || cause.getClass().getSimpleName().equals("ApiCallTimeoutException")) {
                return "no answer in time";
            }
            if (cause instanceof javax.net.ssl.SSLException) {
                return "the TLS handshake failed";
            }
        }
        return otherwise;
    }

    public static String of(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "there is no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NotDirectoryException) {
            return "a part of the path is not a directory";
        }
        if (e instanceof JsonProcessingException json) {
            var at = json.getLocation();
            String where = at == null || at.getLineNr() < 1 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            return "it is not well-formed" + where;
        }
        if (e.getClass() == java.io.FileNotFoundException.class) {
            return "there is no such file, or it cannot be opened";
        }
        return "an input/output error (" + e.getClass().getSimpleName() + ")";
    }
}
