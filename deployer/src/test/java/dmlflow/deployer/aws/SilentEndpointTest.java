package dmlflow.deployer.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dmlflow.deployer.Main;
import dmlflow.deployer.testing.TestConsole;
import dmlflow.testing.MotoServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An endpoint that accepts connections and never answers (a black-holing proxy or firewall): a
 * real local socket, the deployer's real clients and timeouts. The command must end within a
 * minute with one line naming the endpoint.
 */
class SilentEndpointTest {
    private ServerSocket silent;
    private final List<Socket> held = new ArrayList<>();
    private Thread acceptor;

    @BeforeEach
    void start() throws IOException {
        silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(() -> {
            while (!silent.isClosed()) {
                try {
                    Socket socket = silent.accept();
                    synchronized (held) {
                        held.add(socket);
                    }
                } catch (IOException closed) {
                    return;
                }
            }
        }, "silent-endpoint");
        acceptor.setDaemon(true);
        acceptor.start();
        MotoServer.pointAwsAt("http://127.0.0.1:" + silent.getLocalPort());
    }

    @AfterEach
    void stop() throws IOException {
        silent.close();
        synchronized (held) {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    @Test
    void aSilentEndpointEndsTheCommandWithinAMinuteNamingItAndATerminalSeesTheWait() {
        TestConsole console = new TestConsole(true, "");
        Instant began = Instant.now();

        int code = Main.run(new String[] {"status"}, console.console, options -> new AwsSession(options, console.console));

        Duration took = Duration.between(began, Instant.now());
        assertThat(code).isEqualTo(1);
        assertThat(took).as("a silent endpoint ends the command").isLessThan(Duration.ofSeconds(60));
        List<String> errors = console.err().lines().filter(l -> !l.isBlank()).toList();
        assertThat(errors).singleElement().asString()
                .startsWith("Error: cannot reach AWS (CloudFormation DescribeStacks): no answer from http://127.0.0.1:"
                        + silent.getLocalPort() + " after ");
        assertThat(console.out()).contains("waiting for http://127.0.0.1:" + silent.getLocalPort() + " to answer");
        synchronized (held) {
            assertThat(held).as("connections were accepted: the endpoint is silent, not closed").isNotEmpty();
        }
    }
}
