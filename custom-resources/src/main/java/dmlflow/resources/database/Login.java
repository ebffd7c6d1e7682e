package dmlflow.resources.database;

import java.util.Objects;

/** A database login read from a Secrets Manager secret; the password never appears in text. */
record Login(String username, String password) {
    Login {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
        return "Login[" + username + "]";
    }
}
