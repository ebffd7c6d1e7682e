package dmlflow.template.mlflow;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.constructs.Construct;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnCondition;
import software.amazon.awscdk.CfnCreationPolicy;
import software.amazon.awscdk.CfnResourceSignal;
import software.amazon.awscdk.CfnResource;
import software.amazon.awscdk.CfnTag;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.services.cloudwatch.CfnAlarm;
import software.amazon.awscdk.services.ec2.CfnEIP;
import software.amazon.awscdk.services.ec2.CfnInstance;
import software.amazon.awscdk.services.ec2.CfnLaunchTemplate;
import software.amazon.awscdk.services.ec2.CfnSecurityGroup;

/**
 * The lean way out of the private subnets (NatMode instance): a t4g instance in a public subnet with
 * its own Elastic IP, source/destination check off, forwarding and masquerading (nat-instance.sh).
 * At boot it signals CloudFormation only once it forwards (a creation policy), so the routes never
 * switch to an instance that drops traffic. CloudWatch alarms recover it (StatusCheckFailed_System:
 * same instance, address and disk on new hardware) or reboot it (StatusCheckFailed_Instance); the
 * forwarding comes back at every boot.
 * It runs no AWS calls, so it has no role.
 */
final class NatInstance extends Construct {
    static final String USER_DATA = "/dmlflow/template/mlflow/nat-instance.sh";
    /**
     * Each type's baseline network bandwidth in megabits a second (EC2 User Guide, general purpose
     * instances, network performance: t4g.nano 0.032 Gbps, micro 0.064, small 0.128; all burst to
     * 5 Gbps "for a limited time", with credits AWS does not size). Fargate caches no image: every
     * task start pulls the whole image (ECS developer guide, "Fargate pull behavior").
     */
    static final Map<String, Integer> BASELINE_MBPS = new java.util.LinkedHashMap<>(Map.of());
    static {
        BASELINE_MBPS.put("t4g.nano", 32);
        BASELINE_MBPS.put("t4g.micro", 64);
        BASELINE_MBPS.put("t4g.small", 128);
    }
    /**
     * The smallest whose baseline pulls the image twice within the schema function's time and once
     * within the health wait, each with a fifth to spare (NatBandwidthTest has the arithmetic).
     */
    static final String DEFAULT_TYPE = "t4g.micro";
    /** The public SSM parameter naming the newest Amazon Linux 2023 arm64 image. */
    static final String LATEST_IMAGE = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";
    /**
     * Read when the instance is made, and not again while the reference's text stays the same:
     * "During stack updates, CloudFormation doesn't retrieve the value of the dynamic reference
     * unless a change is made to the dynamic reference itself" (AWS knowledge center,
     * cloudformation-stack-update-secrets). ./deploy.sh pins the id in NatInstanceImageId anyway.
     */
    static final String LATEST_IMAGE_REFERENCE = "{{resolve:ssm:" + LATEST_IMAGE + "}}";
    /** How long the instance has to install, forward and signal before its creation fails. */
    static final String SIGNAL_TIMEOUT = "PT15M";
    /** The instance's logical id, which its script signals (NatInstanceScriptTest checks they agree). */
    static final String INSTANCE_ID = "NetworkNatInstanceInstance";

    /**
     * @param internetPath what the public subnet needs to reach the internet (its default route and
     *     route-table association): the instance installs packages and signals CloudFormation at boot
     */
    record Props(String vpcId, String vpcCidr, String subnetId, List<CfnResource> internetPath, String image,
            String instanceType, CfnCondition condition) {
        Props {
            internetPath = List.copyOf(internetPath);
            Objects.requireNonNull(vpcId, "vpcId");
            Objects.requireNonNull(vpcCidr, "vpcCidr");
            Objects.requireNonNull(subnetId, "subnetId");
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(instanceType, "instanceType");
            Objects.requireNonNull(condition, "condition");
        }
    }

    private final CfnInstance instance;
    private final CfnEIP address;
    private final List<CfnAlarm> alarms;

    NatInstance(Construct scope, String id, Props props) {
        super(scope, id);
        CfnSecurityGroup securityGroup = CfnSecurityGroup.Builder.create(this, "SecurityGroup")
                .vpcId(props.vpcId())
                .groupDescription("dmlflow NAT instance: everything from inside the VPC, out to the internet")
                .securityGroupIngress(List.of(CfnSecurityGroup.IngressProperty.builder()
                        .ipProtocol("-1").cidrIp(props.vpcCidr()).description("Anything the private subnets send out")
                        .build()))
                .securityGroupEgress(List.of(CfnSecurityGroup.EgressProperty.builder()
                        .ipProtocol("-1").cidrIp("0.0.0.0/0").description("Out to the internet").build()))
                .build();
        CfnLaunchTemplate template = CfnLaunchTemplate.Builder.create(this, "LaunchTemplate")
                .launchTemplateData(CfnLaunchTemplate.LaunchTemplateDataProperty.builder()
                        .metadataOptions(CfnLaunchTemplate.MetadataOptionsProperty.builder()
                                .httpTokens("required").httpEndpoint("enabled").httpPutResponseHopLimit(1).build())
                        .blockDeviceMappings(List.of(CfnLaunchTemplate.BlockDeviceMappingProperty.builder()
                                .deviceName("/dev/xvda")
                                .ebs(CfnLaunchTemplate.EbsProperty.builder().volumeSize(8).volumeType("gp3")
                                        .encrypted(true).deleteOnTermination(true).build())
                                .build()))
                        // In the launch template, not on the instance: cloud-init runs user data once per
                        // instance ("Work with instance user data", EC2 User Guide), so a new script on the
                        // instance would stop and start it and never run. Here a new script is a new
                        // template version, which the instance names (a create-only property): a new
                        // instance runs it and signals before the address and the routes move to it.
                        .userData(Fn.base64(Fn.sub(userData(), Map.of("NatResource", INSTANCE_ID))))
                        .build())
                .build();
        instance = CfnInstance.Builder.create(this, "Instance")
                .imageId(props.image())
                .instanceType(props.instanceType())
                .subnetId(props.subnetId())
                .securityGroupIds(List.of(securityGroup.getAttrGroupId()))
                .sourceDestCheck(false)
                .launchTemplate(CfnInstance.LaunchTemplateSpecificationProperty.builder()
                        .launchTemplateId(template.getRef())
                        .version(template.getAttrLatestVersionNumber())
                        .build())
                .tags(List.of(CfnTag.builder().key("Name").value(Fn.join("-", List.of(Aws.STACK_NAME, "nat"))).build()))
                .build();
        // The routes to the instance wait for its address, and the address for the instance's signal:
        // nothing is sent its way before it forwards.
        instance.getCfnOptions().setCreationPolicy(CfnCreationPolicy.builder()
                .resourceSignal(CfnResourceSignal.builder().count(1).timeout(SIGNAL_TIMEOUT).build())
                .build());
        props.internetPath().forEach(instance::addDependency);
        address = CfnEIP.Builder.create(this, "Address").domain("vpc").instanceId(instance.getRef()).build();
        CfnAlarm recover = alarm("Recover", "StatusCheckFailed_System", "recover",
                "The NAT instance's hardware failed its status check: EC2 moves it to new hardware (same id,"
                        + " address and disk). If this stays in ALARM, run ./deploy.sh -p NatMode=gateway.");
        CfnAlarm reboot = alarm("Reboot", "StatusCheckFailed_Instance", "reboot",
                "The NAT instance's system failed its status check: it is rebooted, and forwards again at"
                        + " boot. If this stays in ALARM, run ./deploy.sh -p NatMode=gateway.");
        alarms = List.of(recover, reboot);
        for (CfnResource resource : List.<CfnResource>of(securityGroup, template, instance, address, recover, reboot)) {
            resource.getCfnOptions().setCondition(props.condition());
        }
    }

    private CfnAlarm alarm(String id, String metric, String action, String description) {
        return CfnAlarm.Builder.create(this, id)
                .alarmDescription(description)
                .namespace("AWS/EC2")
                .metricName(metric)
                .dimensions(List.of(CfnAlarm.DimensionProperty.builder().name("InstanceId").value(instance.getRef()).build()))
                .statistic("Maximum")
                .period(60)
                .evaluationPeriods(2)
                .threshold(1)
                .comparisonOperator("GreaterThanOrEqualToThreshold")
                .alarmActions(List.of(Fn.join("", List.of("arn:", Aws.PARTITION, ":automate:", Aws.REGION, ":ec2:", action))))
                .build();
    }

    static String userData() {
        return StartScript.read(USER_DATA);
    }

    /** Tells a person too, when there is a topic (its condition): the alarms still act first. */
    void alsoNotify(String topicArn, CfnCondition hasTopic) {
        for (CfnAlarm alarm : alarms) {
            List<Object> actions = new ArrayList<>(alarm.getAlarmActions());
            actions.add(Fn.conditionIf(hasTopic.getLogicalId(), topicArn, Aws.NO_VALUE));
            alarm.addPropertyOverride("AlarmActions", actions);
        }
    }

    CfnInstance instance() {
        return instance;
    }

    CfnEIP address() {
        return address;
    }
}
