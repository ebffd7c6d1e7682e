package dmlflow.resources.database;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/** Opens JDBC connections to MySQL 8 / Aurora MySQL 3 (and MariaDB, in tests). */
final class MysqlConnector {
    private final String sslMode;

    /**
     * @param sslMode Connector/J's sslMode: REQUIRED against Aurora (TLS inside the VPC too);
     *     the tests' MariaDB runs without TLS
     */
    MysqlConnector(String sslMode) {
        this.sslMode = sslMode;
    }

    Connection connect(String host, int port, Login login, Duration timeout) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", login.username());
        properties.setProperty("password", login.password());
        properties.setProperty("sslMode", sslMode);
        properties.setProperty("connectTimeout", String.valueOf(timeout.toMillis()));
        properties.setProperty("socketTimeout", "60000");
        properties.setProperty("connectionTimeZone", "UTC");
        return DriverManager.getConnection("jdbc:mysql://" + host + ":" + port + "/", properties);
    }
}
