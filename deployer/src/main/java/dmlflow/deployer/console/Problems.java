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
