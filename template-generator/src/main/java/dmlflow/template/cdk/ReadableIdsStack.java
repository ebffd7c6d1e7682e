package dmlflow.template.cdk;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.constructs.Construct;
import software.amazon.awscdk.CfnElement;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;

/** A stack whose logical ids read like its construct paths instead of path-plus-hash. */
public abstract class ReadableIdsStack extends Stack {
    /** Logical id to construct path: CDK asks for an element's id more than once. */
    private final Map<String, String> logicalIds = new HashMap<>();

    protected ReadableIdsStack(Construct scope, String id, StackProps props) {
        super(scope, id, props);
    }

    /** Readable logical ids from the construct path ("Network/Vpc/PublicSubnet1/Subnet" → NetworkVpcPublicSubnet1Subnet). */
    @Override
    protected String allocateLogicalId(CfnElement element) {
        List<String> names = element.getNode().getScopes().stream()
                .skip(2) // the app and this stack
                .map(scope -> scope.getNode().getId())
                .filter(id -> !id.equals("Resource") && !id.equals("Default"))
                .toList();
        String logicalId = String.join("", names).replaceAll("[^A-Za-z0-9]", "");
        if (logicalId.isEmpty()) {
            logicalId = element.getNode().getId().replaceAll("[^A-Za-z0-9]", "");
        }
        String path = element.getNode().getPath();
        String previous = logicalIds.putIfAbsent(logicalId, path);
        if (previous != null && !previous.equals(path)) {
            throw new IllegalStateException("two resources would share the logical id " + logicalId
                    + ": " + previous + " and " + path);
        }
        return logicalId;
    }
}
