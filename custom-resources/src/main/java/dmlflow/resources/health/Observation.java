package dmlflow.resources.health;

import java.util.ArrayList;
import java.util.List;

/** One look at the service: what is not yet healthy, or why it never will be. */
final class Observation {
    private final List<String> unmet = new ArrayList<>();
    private String fatal;
    private String version;
    private boolean reached;

    void unmet(String condition) {
        unmet.add(condition);
    }

    void fatal(String reason) {
        fatal = reason;
    }

    /** An API request with the tracking URI's Host header got past MLflow's host check. */
    void reachedMlflow() {
        reached = true;
    }

    boolean hasReachedMlflow() {
        return reached;
    }

    void version(String mlflowVersion) {
        version = mlflowVersion;
    }

    boolean healthy() {
        return fatal == null && unmet.isEmpty() && reached && version != null;
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
