package dmlflow.template.mlflow;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The container's start script, kept as a real file so that tests run it under /bin/sh. */
final class StartScript {
    static final String RESOURCE = "/dmlflow/template/mlflow/start-mlflow.sh";

    private StartScript() {
    }

    static String text() {
        return read(RESOURCE);
    }

    /** A script kept beside the template's classes (the start script, the NAT instance's user data). */
    static String read(String resource) {
        try (InputStream in = StartScript.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("script missing from the classpath: " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the script " + resource, e);
        }
    }
}
