package dmlflow.resources.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * One moto_server per test run on a free loopback port. The SDK reaches it the way it reaches
 * any endpoint override: through aws.endpointUrl (the system-property form of AWS_ENDPOINT_URL),
 * so the handlers' production client factories run unchanged.
 */
public final class MotoServer {
    private static MotoServer instance;

    private final int port;

    private MotoServer(int port) {
        this.port = port;
    }

    public static synchronized MotoServer start() {
        if (instance == null) {
            int port = Ports.free();
            try {
                Process process = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", String.valueOf(port))
                        .redirectErrorStream(true)
                        .redirectOutput(new File(System.getProperty("java.io.tmpdir"), "moto-" + port + ".log"))
                        .start();
                Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
                Ports.awaitListening(port, Duration.ofSeconds(30), process, "moto_server");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start moto_server (is moto installed?)", e);
            }
            System.setProperty("aws.endpointUrl", "http://127.0.0.1:" + port);
            System.setProperty("aws.region", "eu-west-1");
            System.setProperty("aws.accessKeyId", "testing");
            System.setProperty("aws.secretAccessKey", "testing");
            instance = new MotoServer(port);
        }
        return instance;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }
}
