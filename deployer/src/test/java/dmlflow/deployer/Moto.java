package dmlflow.deployer;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;

/**
 * One moto_server per test run on a free loopback port; the SDK reaches it through
 * aws.endpointUrl, the system-property form of AWS_ENDPOINT_URL. Started through
 * moto_server_with_change_sets.py, which makes ExecuteChangeSet behave like CreateStack and
 * UpdateStack (moto 5.2 skips outputs, parameters and custom-resource waits there).
 */
final class Moto {
    private static String url;

    private Moto() {
    }

    /** Points every SDK client this JVM makes next at an endpoint (moto, or a WireMock stub). */
    static void pointAwsAt(String endpoint) {
        System.setProperty("aws.endpointUrl", endpoint);
        System.setProperty("aws.region", "eu-west-1");
        System.setProperty("aws.accessKeyId", "testing");
        System.setProperty("aws.secretAccessKey", "testing");
    }

    static synchronized String start() {
        if (url == null) {
            try {
                int port;
                try (ServerSocket socket = new ServerSocket(0)) {
                    port = socket.getLocalPort();
                }
                // moto_server with change sets executed as CloudFormation does (see the script).
                String launcher = Moto.class.getResource("/moto_server_with_change_sets.py").getPath();
                Process moto = new ProcessBuilder("python3", launcher, "-H", "127.0.0.1", "-p", String.valueOf(port))
                        .redirectErrorStream(true)
                        .redirectOutput(new File(System.getProperty("java.io.tmpdir"), "deployer-moto-" + port + ".log"))
                        .start();
                Runtime.getRuntime().addShutdownHook(new Thread(moto::destroy));
                Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
                while (true) {
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                        break;
                    } catch (IOException notYet) {
                        if (Instant.now().isAfter(deadline) || !moto.isAlive()) {
                            throw new IllegalStateException("moto_server did not start on port " + port);
                        }
                        Thread.sleep(50);
                    }
                }
                url = "http://127.0.0.1:" + port;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start moto_server", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        pointAwsAt(url);
        return url;
    }
}
