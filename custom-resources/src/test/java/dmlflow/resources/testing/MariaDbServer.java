package dmlflow.resources.testing;

import dmlflow.testing.Ports;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway MariaDB server (Debian's mariadb-server package) on a free loopback port, once
 * per test run, with an admin login like Aurora's master user. {@link #startSeparate} makes one
 * of its own that can be snapshotted and restored the way Aurora does it: a copy of the storage
 * (every database, the users and their password hashes), brought up as a new server.
 */
public final class MariaDbServer {
    public static final String ADMIN = "dmlflow_admin";
    public static final String ADMIN_PASSWORD = "Adm1n-p@ss:w/rd?#%";
    private static MariaDbServer instance;

    private final int port;
    private final Path dir;
    private final Process process;

    private MariaDbServer(int port, Path dir, Process process) {
        this.port = port;
        this.dir = dir;
        this.process = process;
    }

    public static synchronized MariaDbServer start() {
        if (instance == null) {
            try {
                instance = launch();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start MariaDB (apt-get install mariadb-server)", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return instance;
    }

    /** A server of its own, for a test that stops, snapshots and restores it. */
    public static MariaDbServer startSeparate() throws IOException, InterruptedException {
        return launch();
    }

    private static MariaDbServer launch() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("dmlflow-mariadb");
        Path data = dir.resolve("data");
        run(List.of("chown", "-R", "mysql:mysql", dir.toString()));
        run(List.of("mariadb-install-db", "--no-defaults", "--user=mysql", "--datadir=" + data,
                "--auth-root-authentication-method=normal", "--skip-test-db"));
        MariaDbServer mariadb = serve(dir);
        try (Connection root = DriverManager.getConnection(mariadb.jdbcUrl(), "root", "");
                Statement sql = root.createStatement()) {
            sql.execute("CREATE USER '" + ADMIN + "'@'%' IDENTIFIED BY '" + ADMIN_PASSWORD.replace("'", "''") + "'");
            sql.execute("GRANT ALL PRIVILEGES ON *.* TO '" + ADMIN + "'@'%' WITH GRANT OPTION");
        } catch (SQLException e) {
            throw new IOException("cannot prepare MariaDB: " + e.getMessage(), e);
        }
        return mariadb;
    }

    /**
     * Stops the server cleanly and copies its data directory: what a cluster snapshot holds.
     * The server is gone afterwards, as a deleted cluster is.
     */
    public Path snapshot() throws IOException, InterruptedException {
        stop();
        Path copy = Files.createTempDirectory("dmlflow-mariadb-snapshot");
        run(List.of("cp", "-a", dir.resolve("data").toString(), copy.resolve("data").toString()));
        return copy;
    }

    /** A new server on a copy of a snapshot, on a port of its own: a restored cluster. */
    public static MariaDbServer restore(Path snapshot) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("dmlflow-mariadb-restored");
        run(List.of("cp", "-a", snapshot.resolve("data").toString(), dir.resolve("data").toString()));
        run(List.of("chown", "-R", "mysql:mysql", dir.toString()));
        return serve(dir);
    }

    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    /**
     * Stops the server's process where it stands (SIGSTOP): connections are still accepted by the
     * kernel but nothing answers, as while a paused Aurora Serverless v2 instance resumes.
     */
    public void freeze() throws IOException, InterruptedException {
        run(List.of("kill", "-STOP", String.valueOf(process.pid())));
    }

    /** Lets a frozen server go on (SIGCONT). */
    public void thaw() throws IOException, InterruptedException {
        run(List.of("kill", "-CONT", String.valueOf(process.pid())));
    }

    private static MariaDbServer serve(Path dir) throws IOException, InterruptedException {
        Path data = dir.resolve("data");
        int port = Ports.free();
        Process server = new ProcessBuilder("mariadbd", "--no-defaults", "--user=mysql", "--datadir=" + data,
                "--socket=" + dir.resolve("mysqld.sock"), "--pid-file=" + dir.resolve("mysqld.pid"),
                "--port=" + port, "--bind-address=127.0.0.1", "--skip-name-resolve",
                "--character-set-server=utf8mb4", "--log-error=" + dir.resolve("error.log"))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.log").toFile())
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::destroy));
        Ports.awaitListening(port, Duration.ofSeconds(60), server, "mariadbd (log: " + dir.resolve("error.log") + ")");
        return new MariaDbServer(port, dir, server);
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(new File(System.getProperty("java.io.tmpdir"), "dmlflow-mariadb-setup.log")).start();
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed; see dmlflow-mariadb-setup.log in the temp dir");
        }
    }

    public int port() {
        return port;
    }

    public String jdbcUrl() {
        return "jdbc:mysql://127.0.0.1:" + port + "/?sslMode=DISABLED&allowPublicKeyRetrieval=true";
    }

    public Connection connect(String user, String password) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), user, password);
    }

    public Connection admin() throws SQLException {
        return connect(ADMIN, ADMIN_PASSWORD);
    }
}
