package dmlflow.resources.protocol;

/**
 * What a verb is doing or waiting for right now, in words for a person: it becomes the reason
 * when the deadline comes first ("timed out after 290 s waiting for the database at … (last
 * error: …)").
 */
public final class Progress {
    private volatile String current = "the handler to start";

    public void now(String what) {
        current = what;
    }

    public String current() {
        return current;
    }
}
