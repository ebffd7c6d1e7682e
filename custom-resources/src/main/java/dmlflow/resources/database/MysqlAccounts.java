package dmlflow.resources.database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The SQL that makes MLflow's databases and its user, in statements both MySQL 8 (Aurora MySQL 3)
 * and MariaDB accept. Every statement may run again without harm.
 *
 * <p>A new password is set with MySQL 8's dual passwords (8.0.14+, so every Aurora MySQL 3):
 * {@code RETAIN CURRENT PASSWORD} keeps the old one valid for the tasks still running with it, and
 * {@link #discardOldPassword} ends that once the new tasks are healthy (MySQL 8.0 Reference
 * Manual, "Password Management", dual password support). MariaDB has no dual passwords: there the
 * new password replaces the old at once.
 */
final class MysqlAccounts {
    private final Connection admin;
    private final boolean dualPasswords;

    MysqlAccounts(Connection admin) throws SQLException {
        this.admin = admin;
        this.dualPasswords = supportsDualPasswords(admin.getMetaData().getDatabaseProductVersion());
    }

    /** MySQL from 8.0.14 on; MariaDB (whose version string says so) never. */
    static boolean supportsDualPasswords(String serverVersion) {
        if (serverVersion.contains("MariaDB")) {
            return false;
        }
        String[] parts = serverVersion.split("[^0-9]+");
        int major = parts.length > 0 && !parts[0].isEmpty() ? Integer.parseInt(parts[0]) : 0;
        int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
        int patch = parts.length > 2 ? Integer.parseInt(parts[2]) : 0;
        return major > 8 || (major == 8 && (minor > 0 || patch >= 14));
    }

    static String setPasswordStatement(boolean dualPasswords) {
        return "ALTER USER ?@'%' IDENTIFIED BY ?" + (dualPasswords ? " RETAIN CURRENT PASSWORD" : "");
    }

    boolean dualPasswords() {
        return dualPasswords;
    }

    void createDatabase(String name) throws SQLException {
        try (Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE IF NOT EXISTS " + identifier(name) + " CHARACTER SET utf8mb4");
        }
    }

    /** Creates the user if missing and (re)sets its password, so a changed secret takes effect. */
    void createOrResetUser(Login login) throws SQLException {
        // Connector/J quotes the values into the statement text (client-side prepared statement).
        try (PreparedStatement create = admin.prepareStatement("CREATE USER IF NOT EXISTS ?@'%' IDENTIFIED BY ?")) {
            create.setString(1, login.username());
            create.setString(2, login.password());
            create.execute();
        }
        try (PreparedStatement alter = admin.prepareStatement(setPasswordStatement(dualPasswords))) {
            alter.setString(1, login.username());
            alter.setString(2, login.password());
            alter.execute();
        }
    }

    /** Ends a rotation: only the current password logs in from now on. Nothing to do without dual passwords. */
    void discardOldPassword(String username) throws SQLException {
        if (!dualPasswords) {
            return;
        }
        try (PreparedStatement discard = admin.prepareStatement("ALTER USER ?@'%' DISCARD OLD PASSWORD")) {
            discard.setString(1, username);
            discard.execute();
        }
    }

    /** All privileges (TRIGGER included: MLflow's migrations create one) on exactly these databases. */
    void grantAll(String username, List<String> databases) throws SQLException {
        for (String database : databases) {
            try (PreparedStatement grant = admin.prepareStatement(
                    "GRANT ALL PRIVILEGES ON " + identifier(database) + ".* TO ?@'%'")) {
                grant.setString(1, username);
                grant.execute();
            }
        }
    }

    private static String identifier(String name) {
        if (!DatabaseSetupProperties.DATABASE.matcher(name).matches()) {
            throw new IllegalArgumentException("not a database name: " + name);
        }
        return "`" + name + "`";
    }
}
