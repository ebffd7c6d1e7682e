package dmlflow.resources.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gate's probe of https://DomainName against a real local HTTPS server whose certificate
 * (made with the JDK's keytool) names localhost only: the probe sends the host name, checks the
 * certificate against it, and refuses a certificate that does not name it or that nobody trusts.
 */
class HttpProbeTlsTest {
    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    static Path dir;

    private static HttpsServer server;
    private static KeyStore keys;
    private static volatile String lastHost;

    @BeforeAll
    static void start() throws Exception {
        Path store = dir.resolve("localhost.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "localhost", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0).as(output).isTrue();
        keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, PASSWORD);
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, PASSWORD);
        SSLContext serverContext = SSLContext.getInstance("TLS");
        serverContext.init(keyManagers.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(serverContext));
        server.createContext("/health", exchange -> {
            lastHost = exchange.getRequestHeaders().getFirst("Host");
            byte[] body = "OK".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    private static HttpProbe trustingOurCertificate() throws Exception {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(keys);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return new HttpProbe(context.getSocketFactory());
    }

    private static int port() {
        return server.getAddress().getPort();
    }

    @Test
    void aCertificateThatNamesTheHostIsAcceptedAndTheRequestNamesItToo() throws Exception {
        HttpProbe.Reply reply = trustingOurCertificate().get(URI.create("https://localhost:" + port()), "/health",
                "localhost");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo("OK");
        assertThat(lastHost).isEqualTo("localhost");
    }

    @Test
    void aCertificateForAnotherNameIsRefusedWithTheReason() {
        // The same server reached as 127.0.0.1: its certificate names localhost only.
        assertThatThrownBy(() -> trustingOurCertificate().get(URI.create("https://127.0.0.1:" + port()), "/health"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("TLS with 127.0.0.1 failed")
                .hasMessageContaining("the certificate must be valid for that name");
    }

    @Test
    void byDefaultOnlyCertificatesFromTrustedAuthoritiesPass() {
        assertThatThrownBy(() -> new HttpProbe().get(URI.create("https://localhost:" + port()), "/health"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("TLS with localhost failed");
    }
}
