package dmlflow.resources.database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The SQL that makes MLflow's databases and its user, in statements both MySQL 8 (Aurora MySQL 3)
 * and MariaDB accept. Every statement may run again without harm.
 */
final class MysqlAccounts {
    private final Connection admin;

    MysqlAccounts(Connection admin) {
        this.admin = admin;
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
        try (PreparedStatement alter = admin.prepareStatement("ALTER USER ?@'%' IDENTIFIED BY ?")) {
            alter.setString(1, login.username());
            alter.setString(2, login.password());
            alter.execute();
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
