package dmlflow.resources.protocol;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a verb achieved: attributes for Fn::GetAtt and, rarely, a new physical id (which makes
 * CloudFormation replace the resource and later delete the old one).
 */
public record Outcome(String newPhysicalResourceId, Map<String, String> data) {
    public Outcome {
        data = new TreeMap<>(data);
    }

    public static Outcome done() {
        return new Outcome(null, Map.of());
    }

    public static Outcome done(Map<String, String> data) {
        return new Outcome(null, data);
    }

    public static Outcome replacedBy(String physicalResourceId, Map<String, String> data) {
        return new Outcome(physicalResourceId, data);
    }
}
