package dmlflow.deployer.command;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.StackResource;

/**
 * Plays the Lambda that moto_server cannot run: when a custom resource waits to be created, it
 * PUTs SUCCESS to moto's ResponseURL for it, as the handler would.
 */
final class CustomResourceAnswerer implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger answered = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicReference<Exception> lastError = new java.util.concurrent.atomic.AtomicReference<>();
    private final Thread thread;

    CustomResourceAnswerer(String motoUrl, String stack, String logicalId, String dataJson) {
        HttpClient http = HttpClient.newHttpClient();
        thread = new Thread(() -> {
            try (CloudFormationClient cloudFormation = CloudFormationClient.create()) {
                while (running.get()) {
                    try {
                        for (StackResource resource : cloudFormation.describeStackResources(r -> r.stackName(stack)).stackResources()) {
                            if (logicalId.equals(resource.logicalResourceId())
                                    && "CREATE_IN_PROGRESS".equals(resource.resourceStatusAsString())) {
                                String body = "{\"Status\":\"SUCCESS\",\"StackId\":\"" + resource.stackId()
                                        + "\",\"LogicalResourceId\":\"" + logicalId + "\",\"PhysicalResourceId\":\"x\","
                                        + "\"RequestId\":\"r\",\"Data\":" + dataJson + "}";
                                URI url = URI.create(motoUrl + "/cloudformation_eu-west-1/cfnresponse?stack="
                                        + URLEncoder.encode(resource.stackId(), StandardCharsets.UTF_8));
                                // moto reads the region of the call from the credential scope, as AWS does.
                                http.send(HttpRequest.newBuilder(url).timeout(java.time.Duration.ofSeconds(10)).header("Content-Type", "application/json")
                                        .header("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/cloudformation/aws4_request, SignedHeaders=host, Signature=0")
                                        .PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
                                        HttpResponse.BodyHandlers.discarding());
                                answered.incrementAndGet();
                            }
                        }
                    } catch (java.io.IOException | RuntimeException notYet) {
                        // No stack yet, or moto busy with the stack: look again.
                        lastError.set(notYet);
                    }
                    Thread.sleep(100);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "custom-resource-answerer");
        thread.setDaemon(true);
        thread.start();
    }

    int answered() {
        return answered.get();
    }

    /** What last went wrong while looking or answering, for a failing test's message. */
    Exception lastError() {
        return lastError.get();
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(5000);
    }
}
