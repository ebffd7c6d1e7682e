package dmlflow.resources.testing;

import java.util.HashSet;
import java.util.Set;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.DescribeTargetHealthRequest;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.DescribeTargetHealthResponse;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetDescription;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealth;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealthDescription;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealthStateEnum;

/** A target group whose targets' health the test sets. */
public final class FakeTargets implements ElasticLoadBalancingV2Client {
    private final Set<String> healthy = new HashSet<>();

    public synchronized void healthy(String address) {
        healthy.add(address);
    }

    @Override
    public synchronized DescribeTargetHealthResponse describeTargetHealth(DescribeTargetHealthRequest request) {
        return DescribeTargetHealthResponse.builder().targetHealthDescriptions(healthy.stream()
                .map(ip -> TargetHealthDescription.builder()
                        .target(TargetDescription.builder().id(ip).port(5000).build())
                        .targetHealth(TargetHealth.builder().state(TargetHealthStateEnum.HEALTHY).build())
                        .build())
                .toList()).build();
    }

    @Override
    public String serviceName() {
        return "elasticloadbalancing";
    }

    @Override
    public void close() {
    }
}
