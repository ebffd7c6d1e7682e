package dmlflow.resources;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Runs one handler of this jar on one event outside Lambda, the way the Java runtime would:
 * {@code java -cp custom-resources.jar dmlflow.resources.LocalInvoke HANDLER_CLASS EVENT_FILE [TIMEOUT_SECONDS]}.
 * For trying a handler against a real or emulated endpoint, and for measuring cold starts.
 */
public final class LocalInvoke {
    private LocalInvoke() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: LocalInvoke HANDLER_CLASS EVENT_FILE [TIMEOUT_SECONDS]");
            System.exit(2);
        }
        RequestStreamHandler handler = (RequestStreamHandler) Class.forName(args[0]).getDeclaredConstructor().newInstance();
        long timeoutMillis = (args.length > 2 ? Long.parseLong(args[2]) : 300) * 1000;
        Instant deadline = Instant.now().plusMillis(timeoutMillis);
        try (InputStream event = Files.newInputStream(Path.of(args[1]))) {
            handler.handleRequest(event, new ByteArrayOutputStream(), new LocalContext(deadline));
        }
    }

    private record LocalContext(Instant deadline) implements Context {
        @Override
        public int getRemainingTimeInMillis() {
            return (int) Math.max(0, deadline.toEpochMilli() - System.currentTimeMillis());
        }

        @Override
        public LambdaLogger getLogger() {
            return new LambdaLogger() {
                @Override
                public void log(String message) {
                    System.err.print(message);
                }

                @Override
                public void log(byte[] message) {
                    log(new String(message, StandardCharsets.UTF_8));
                }
            };
        }

        @Override
        public String getAwsRequestId() {
            return "local";
        }

        @Override
        public String getLogGroupName() {
            return "local";
        }

        @Override
        public String getLogStreamName() {
            return "local";
        }

        @Override
        public String getFunctionName() {
            return "local";
        }

        @Override
        public String getFunctionVersion() {
            return "$LATEST";
        }

        @Override
        public String getInvokedFunctionArn() {
            return "local";
        }

        @Override
        public CognitoIdentity getIdentity() {
            return null;
        }

        @Override
        public ClientContext getClientContext() {
            return null;
        }

        @Override
        public int getMemoryLimitInMB() {
            return (int) (Runtime.getRuntime().maxMemory() / (1024 * 1024));
        }
    }
}
