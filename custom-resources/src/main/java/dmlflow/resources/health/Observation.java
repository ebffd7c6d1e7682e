package dmlflow.resources.health;

import java.util.ArrayList;
import java.util.List;

/** One look at the service: what is not yet healthy, or why it never will be. */
final class Observation {
    private final List<String> unmet = new ArrayList<>();
    private String fatal;
    private String version;

    void unmet(String condition) {
        unmet.add(condition);
    }

    void fatal(String reason) {
        fatal = reason;
    }

    void version(String mlflowVersion) {
        version = mlflowVersion;
    }

    boolean healthy() {
        return fatal == null && unmet.isEmpty() && version != null;
    }

    String fatal() {
        return fatal;
    }

    String version() {
        return version;
    }

    String unmetConditions() {
        return unmet.isEmpty() ? "nothing" : String.join("; ", unmet);
    }
}
