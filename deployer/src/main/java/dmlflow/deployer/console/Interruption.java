package dmlflow.deployer.console;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What to say when the operator presses Ctrl-C: the JVM then runs its shutdown hooks and exits
 * with 130 (128 + SIGINT), and the one line printed says what goes on in AWS regardless.
 */
public final class Interruption {
    private static final AtomicReference<String> GOING_ON = new AtomicReference<>();
    private static final AtomicReference<Runnable> UNDO = new AtomicReference<>();
    private static final AtomicBoolean FINISHED = new AtomicBoolean();

    private Interruption() {
    }

    /** From now until {@link #settled}, an interruption leaves this going on in AWS. */
    public static void goingOn(String what) {
        GOING_ON.set(what);
    }

    public static void settled() {
        GOING_ON.set(null);
        UNDO.set(null);
    }

    /**
     * Until {@link #settled}, an interruption first runs {@code undo} (deleting what this command
     * made and nobody has used yet), then says {@code what} it left.
     */
    public static void undoOnInterrupt(String what, Runnable undo) {
        UNDO.set(undo);
        GOING_ON.set(what);
    }

    /** The command ended by itself: the shutdown hook has nothing to say. */
    public static void finished() {
        FINISHED.set(true);
    }

    /** The line for an interruption, or null when the command ended by itself. */
    static String notice() {
        if (FINISHED.get()) {
            return null;
        }
        String what = GOING_ON.get();
        return what == null ? "Interrupted." : "Interrupted: " + what;
    }

    /** Prints the notice on the console if the JVM stops before the command has finished. */
    public static void install(Console console) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            String notice = notice();
            if (notice == null) {
                return;
            }
            Runnable undo = UNDO.getAndSet(null);
            if (undo != null) {
                try {
                    undo.run();
                } catch (RuntimeException failed) {
                    notice = notice + " (undoing it failed too: ./deploy.sh status shows what is left)";
                }
            }
            console.error(notice);
        }, "dmlflow-interruption"));
    }
}
