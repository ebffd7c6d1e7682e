package dmlflow.resources.health;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One HTTP/1.1 GET through the load balancer, as a client would send it, but with the Host header
 * of the name users will use while connecting to the load balancer's own address (their DNS
 * record may not exist yet). A plain socket, because the JDK's HTTP clients refuse a Host header
 * unless a system property is set before their first use anywhere in the JVM, and Java's
 * HttpClient defaults to HTTP/2 (with {@code Upgrade: h2c}).
 *
 * <p>An https URI (the stack's own domain, with the certificate it made) is probed as a browser
 * would: TLS with the host name sent (SNI) and the certificate checked against it and the JVM's
 * trusted authorities.
 */
final class HttpProbe {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_READ = 64 * 1024;

    record Reply(int status, String body, Optional<String> wwwAuthenticate) {
    }

    private final SSLSocketFactory tls;

    HttpProbe() {
        this((SSLSocketFactory) SSLSocketFactory.getDefault());
    }

    /** With the authorities a test trusts. */
    HttpProbe(SSLSocketFactory tls) {
        this.tls = tls;
    }

    Reply get(URI base, String path) throws IOException {
        return get(base, path, null);
    }

    Reply get(URI base, String path, String host) throws IOException {
        return get(base, path, host, null);
    }

    /** With {@code authorization}, the request carries that Authorization header. */
    Reply get(URI base, String path, String host, String authorization) throws IOException {
        boolean secure = "https".equals(base.getScheme());
        if (!(secure || "http".equals(base.getScheme())) || base.getHost() == null) {
            throw new IOException("the probe speaks http or https to a host, not " + base);
        }
        int port = base.getPort() >= 0 ? base.getPort() : secure ? 443 : 80;
        String hostHeader = host != null ? host : base.getHost() + (base.getPort() < 0 ? "" : ":" + port);
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(base.getHost(), port), (int) CONNECT_TIMEOUT.toMillis());
            plain.setSoTimeout((int) READ_TIMEOUT.toMillis());
            Socket socket = secure ? handshake(plain, base.getHost(), port) : plain;
            try {
                OutputStream out = socket.getOutputStream();
                out.write(("GET " + path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nUser-Agent: dmlflow-health-gate\r\n"
                        + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                        + "Accept: */*\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return parse(readAll(socket.getInputStream()));
            } finally {
                if (socket != plain) {
                    socket.close();
                }
            }
        }
    }

    /** TLS over the connected socket: SNI and the certificate checked for this host name. */
    private Socket handshake(Socket plain, String host, int port) throws IOException {
        SSLSocket socket = (SSLSocket) tls.createSocket(plain, host, port, true);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        try {
            socket.startHandshake();
        } catch (SSLException e) {
            socket.close();
            throw new IOException("TLS with " + host + " failed (" + e.getMessage() + "): the certificate must be valid"
                    + " for that name", e);
        }
        return socket;
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while (bytes.size() < MAX_READ && (n = in.read(buffer)) >= 0) {
            bytes.write(buffer, 0, n);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static Reply parse(String response) throws IOException {
        int headerEnd = response.indexOf("\r\n\r\n");
        String head = headerEnd < 0 ? response : response.substring(0, headerEnd);
        String[] lines = head.split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/")) {
            throw new IOException("not an HTTP answer: " + lines[0]);
        }
        Optional<String> wwwAuthenticate = Optional.empty();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0 && lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("www-authenticate")) {
                wwwAuthenticate = Optional.of(lines[i].substring(colon + 1).trim());
            }
        }
        String body = headerEnd < 0 ? "" : response.substring(headerEnd + 4).strip();
        try {
            return new Reply(Integer.parseInt(statusLine[1]), body.length() > 200 ? body.substring(0, 200) : body,
                    wwwAuthenticate);
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP status: " + lines[0], e);
        }
    }
}
