package dmlflow.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One moto_server per test run on a free loopback port. The SDK reaches it the way it reaches
 * any endpoint override: through aws.endpointUrl (the system-property form of AWS_ENDPOINT_URL),
 * so the production client factories run unchanged.
 *
 * <p>custom-resources' tests run moto_server as installed; the deployer's (through this module's
 * test-jar) run a launcher script of their own that patches moto before it serves.
 */
public final class MotoServer {
    private static MotoServer instance;

    private final List<String> launcher;
    private final int port;

    private MotoServer(List<String> launcher, int port) {
        this.launcher = launcher;
        this.port = port;
    }

    public static MotoServer start() {
        return start(List.of("moto_server"));
    }

    /**
     * Starts moto through a command that takes moto_server's {@code -H} and {@code -p}, once per
     * test run, and points the SDK at it again on every call: a test before may have pointed it
     * at a stub.
     */
    public static synchronized MotoServer start(List<String> launcher) {
        if (instance == null) {
            instance = new MotoServer(List.copyOf(launcher), launch(launcher));
        } else if (!instance.launcher.equals(launcher)) {
            throw new IllegalStateException("moto already runs from " + instance.launcher + ", not " + launcher);
        }
        pointAwsAt(instance.url());
        return instance;
    }

    /** Points every SDK client this JVM makes next at an endpoint: moto, or a stub (WireMock, say). */
    public static void pointAwsAt(String endpoint) {
        System.setProperty("aws.endpointUrl", endpoint);
        System.setProperty("aws.region", "eu-west-1");
        System.setProperty("aws.accessKeyId", "testing");
        System.setProperty("aws.secretAccessKey", "testing");
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    private static int launch(List<String> launcher) {
        int port = Ports.free();
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of("-H", "127.0.0.1", "-p", String.valueOf(port)));
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(new File(System.getProperty("java.io.tmpdir"), "moto-" + port + ".log"))
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
            Ports.awaitListening(port, Duration.ofSeconds(30), process, "moto_server");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", launcher) + " (is moto installed?)", e);
        }
        return port;
    }
}
