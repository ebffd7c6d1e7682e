package dmlflow.resources.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * ECS's JSON protocol on a real local HTTP server, for what moto_server cannot do (its awsvpc
 * RunTask fails): a one-off task that starts, then stops; a schema check exits 10 (a migration is
 * needed), anything else exits 1. A service of one task, which UpdateService leaves with none.
 */
public final class EcsStub implements AutoCloseable {
    public static final String TASK_ARN = "arn:aws:ecs:eu-west-1:123456789012:task/mlflow-TrackingCluster/0123456789abcdef0123456789abcdef";
    private final HttpServer server;
    private final List<String> operations = new ArrayList<>();
    private String lastMode = "";

    public EcsStub() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            String operation = target.substring(target.indexOf('.') + 1);
            int exitCode;
            synchronized (this) {
                operations.add(operation);
                if (operation.equals("RunTask")) {
                    lastMode = request.contains("\"value\":\"check\"") ? "check" : "other";
                }
                exitCode = "check".equals(lastMode) ? 10 : 1;
            }
            String body = switch (operation) {
                case "ListTasks" -> "{\"taskArns\":[]}";
                case "RunTask" -> "{\"tasks\":[{\"taskArn\":\"" + TASK_ARN + "\",\"lastStatus\":\"PROVISIONING\","
                        + "\"containers\":[{\"name\":\"mlflow\"}]}],\"failures\":[]}";
                case "DescribeTasks" -> "{\"tasks\":[{\"taskArn\":\"" + TASK_ARN + "\",\"lastStatus\":\"STOPPED\","
                        + "\"stopCode\":\"EssentialContainerExited\",\"stoppedReason\":\"Essential container in task exited\","
                        + "\"containers\":[{\"name\":\"mlflow\",\"exitCode\":" + exitCode
                        + ",\"lastStatus\":\"STOPPED\"}]}],\"failures\":[]}";
                case "DescribeServices" -> "{\"services\":[{\"serviceName\":\"mlflow-mlflow\",\"status\":\"ACTIVE\","
                        + "\"desiredCount\":1,\"taskDefinition\":\"arn:aws:ecs:eu-west-1:123456789012:task-definition/mlflow-mlflow:6\"}],"
                        + "\"failures\":[]}";
                default -> "{}";
            };
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public synchronized List<String> operations() {
        return List.copyOf(operations);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
