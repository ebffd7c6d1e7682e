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

/**
 * One HTTP/1.1 GET through the load balancer, as a client would send it, but with the Host header
 * of the name users will use while connecting to the load balancer's own address (their DNS
 * record may not exist yet). A plain socket, because the JDK's HTTP clients refuse a Host header
 * unless a system property is set before their first use anywhere in the JVM, and Java's
 * HttpClient defaults to HTTP/2 (with {@code Upgrade: h2c}).
 */
final class HttpProbe {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_READ = 64 * 1024;

    record Reply(int status, String body, Optional<String> wwwAuthenticate) {
    }

    Reply get(URI base, String path) throws IOException {
        return get(base, path, null);
    }

    Reply get(URI base, String path, String host) throws IOException {
        if (!"http".equals(base.getScheme()) || base.getHost() == null) {
            throw new IOException("the probe speaks plain http to a host, not " + base);
        }
        int port = base.getPort() < 0 ? 80 : base.getPort();
        String hostHeader = host != null ? host : base.getHost() + (base.getPort() < 0 ? "" : ":" + port);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(base.getHost(), port), (int) CONNECT_TIMEOUT.toMillis());
            socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nUser-Agent: dmlflow-health-gate\r\n"
                    + "Accept: */*\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return parse(readAll(socket.getInputStream()));
        }
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
