package dmlflow.deployer.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dmlflow.deployer.console.DeployerException;
import dmlflow.deployer.console.Problems;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * MLflow's own user API (basic auth, mlflow/server/auth/routes.py in 3.12 and 3.17), called as the
 * stack's admin: users/create (POST), users/list (GET), users/update-password and
 * users/update-admin (PATCH). New passwords come from SecureRandom and go nowhere but the answer.
 */
final class MlflowUsers {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    record User(String username, boolean admin) {
    }

    private final URI base;
    private final String authorization;
    private final String secretArn;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    MlflowUsers(String trackingUri, String adminUsername, String adminPassword, String secretArn) {
        this.base = URI.create(trackingUri.endsWith("/") ? trackingUri : trackingUri + "/");
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(
                (adminUsername + ":" + adminPassword).getBytes(StandardCharsets.UTF_8));
        this.secretArn = secretArn;
    }

    /** 24 characters of an unambiguous alphabet: about 140 bits. */
    static String newPassword() {
        StringBuilder password = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            password.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return password.toString();
    }

    void create(String username, String password) {
        call("POST", "api/2.0/mlflow/users/create", Map.of("username", username, "password", password), username);
    }

    void makeAdmin(String username) {
        call("PATCH", "api/2.0/mlflow/users/update-admin", Map.of("username", username, "is_admin", true), username);
    }

    void setPassword(String username, String password) {
        call("PATCH", "api/2.0/mlflow/users/update-password", Map.of("username", username, "password", password), username);
    }

    List<User> list() {
        List<User> users = new ArrayList<>();
        for (JsonNode user : call("GET", "api/2.0/mlflow/users/list", null, null).path("users")) {
            users.add(new User(user.path("username").asText(), user.path("is_admin").asBoolean()));
        }
        return users;
    }

    private JsonNode call(String method, String path, Map<String, Object> body, String username) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", authorization).header("Accept", "application/json");
        try {
            request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            if (body != null) {
                request.header("Content-Type", "application/json");
            }
            HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return answered(answer, path, username);
        } catch (IOException e) {
            throw DeployerException.failed("cannot reach the tracking server at " + base + " (" + Problems.connection(e, "the connection failed")
                    + "): is this machine's address inside"
                    + " AllowedCidr, and is the stack's server healthy (./deploy.sh status)?");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DeployerException.failed("interrupted while calling the tracking server");
        }
    }

    private JsonNode answered(HttpResponse<String> answer, String path, String username) throws IOException {
        int status = answer.statusCode();
        JsonNode body = parse(answer.body());
        if (status / 100 == 2) {
            return body;
        }
        String said = body.path("message").asText(answer.body().strip());
        String code = body.path("error_code").asText("");
        if (status == 401) {
            throw DeployerException.failed("the tracking server refused the admin's password from " + secretArn
                    + ": MLflow takes that secret only when it first makes the user store, so it was changed in MLflow"
                    + " since. Put the admin's current password into the secret, or reset it through MLflow's UI.");
        }
        if (code.equals("RESOURCE_ALREADY_EXISTS") || said.contains("already exists")) {
            throw DeployerException.failed("user " + username + " exists already: ./deploy.sh users reset-password "
                    + username + " gives them a new password");
        }
        if (code.equals("RESOURCE_DOES_NOT_EXIST") || (status == 404 && username != null && !said.contains("<"))) {
            throw DeployerException.failed("there is no user " + username + ": ./deploy.sh users add " + username
                    + " creates one (./deploy.sh users list shows who there is)");
        }
        if (status == 404) {
            throw DeployerException.failed("this tracking server has no " + path + " (HTTP 404): is basic auth on"
                    + " (AuthMode=basic), and is its MLflow 3 or later?");
        }
        // MLflow's own JSON message is for people; a page from the load balancer or a proxy is not.
        String message = body.has("message") ? ": " + (said.length() > 300 ? said.substring(0, 300) + "…" : said)
                : " (not MLflow's answer: the load balancer's or a proxy's; ./deploy.sh status and ./deploy.sh logs"
                        + " show whether the server is up)";
        throw DeployerException.failed("the tracking server answered " + path + " with HTTP " + status
                + (code.isEmpty() ? "" : " " + code) + message);
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body == null || body.isBlank() ? "{}" : body);
        } catch (IOException notJson) {
            return JSON.createObjectNode();
        }
    }
}
