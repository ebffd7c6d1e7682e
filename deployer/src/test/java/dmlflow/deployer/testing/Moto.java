package dmlflow.deployer.testing;

import dmlflow.testing.MotoServer;
import java.util.List;

/**
 * The deployer's moto_server, started through moto_server_with_change_sets.py, which makes
 * ExecuteChangeSet behave like CreateStack and UpdateStack (moto 5.2 skips outputs, parameters and
 * custom-resource waits there). {@link MotoServer#pointAwsAt} points the SDK at a stub instead.
 */
public final class Moto {
    private Moto() {
    }

    /** Starts it once per test run, points the SDK at it, and returns its URL. */
    public static String start() {
        String launcher = Moto.class.getResource("/moto_server_with_change_sets.py").getPath();
        return MotoServer.start(List.of("python3", launcher)).url();
    }
}
