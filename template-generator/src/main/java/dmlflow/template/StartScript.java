package dmlflow.template;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The container's start script, kept as a real file so that tests run it under /bin/sh. */
final class StartScript {
    static final String RESOURCE = "/dmlflow/template/start-mlflow.sh";

    private StartScript() {
    }

    static String text() {
        try (InputStream in = StartScript.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("start script missing from the classpath: " + RESOURCE);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the start script " + RESOURCE, e);
        }
    }
}
