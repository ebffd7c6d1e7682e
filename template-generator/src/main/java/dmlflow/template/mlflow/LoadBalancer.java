package dmlflow.template.mlflow;

import dmlflow.template.cdk.Json;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.constructs.Construct;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnCondition;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.services.certificatemanager.CfnCertificate;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.CfnSecurityGroupEgress;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SecurityGroupProps;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationLoadBalancer;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationLoadBalancerProps;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationProtocol;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationTargetGroup;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationTargetGroupProps;
import software.amazon.awscdk.services.elasticloadbalancingv2.CfnListener;
import software.amazon.awscdk.services.elasticloadbalancingv2.CfnListenerRule;
import software.amazon.awscdk.services.elasticloadbalancingv2.HealthCheck;
import software.amazon.awscdk.services.elasticloadbalancingv2.TargetType;
import software.amazon.awscdk.services.route53.CfnRecordSet;

/**
 * The internet-facing application load balancer in front of the tracking server.
 *
 * <p>Port 80 always listens; with a certificate (given, or made for DomainName in its Route 53
 * zone, with an alias record), 443 serves HTTPS and 80 redirects to it, except
 * {@code /health} and {@code /version} (for monitors) and anything from the NAT gateway's address
 * (the health gate), which 80 keeps forwarding, so the gate can probe the server through the load
 * balancer without a certificate that names the ALB's own DNS name.
 */
final class LoadBalancer extends Construct {
    static final int SERVER_PORT = 5000;
    static final String TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

    /**
     * How the load balancer gets HTTPS: a certificate made elsewhere ({@code certificateArn}), or
     * one this stack makes and validates in the Route 53 zone that holds {@code domainName}, with
     * an alias record to the load balancer ({@code managesDomain}); neither: HTTP only.
     */
    record Tls(String certificateArn, CfnCondition hasCertificateArn, CfnCondition hasCertificate, String domainName,
            String hostedZoneId, CfnCondition managesDomain) {
        Tls {
            Objects.requireNonNull(certificateArn, "certificateArn");
            Objects.requireNonNull(hasCertificateArn, "hasCertificateArn");
            Objects.requireNonNull(hasCertificate, "hasCertificate");
            Objects.requireNonNull(domainName, "domainName");
            Objects.requireNonNull(hostedZoneId, "hostedZoneId");
            Objects.requireNonNull(managesDomain, "managesDomain");
        }
    }

    record Props(Network network, String allowedCidr, Tls tls, String idleTimeoutSeconds, SignIn signIn) {
        Props {
            Objects.requireNonNull(signIn, "signIn");
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(allowedCidr, "allowedCidr");
            Objects.requireNonNull(tls, "tls");
            Objects.requireNonNull(idleTimeoutSeconds, "idleTimeoutSeconds");
        }
    }

    private final ApplicationLoadBalancer alb;
    private final SecurityGroup securityGroup;
    private final ApplicationTargetGroup targetGroup;
    private final CfnListener httpListener;
    private final CfnListenerRule healthRule;
    private final CfnListenerRule gateRule;
    private final CfnCondition hasCertificate;
    private final Tls tls;
    private final CfnListener httpsListener;
    private final CfnRecordSet aliasRecord;

    LoadBalancer(Construct scope, String id, Props props) {
        super(scope, id);
        tls = props.tls();
        hasCertificate = tls.hasCertificate();
        securityGroup = new SecurityGroup(this, "SecurityGroup", SecurityGroupProps.builder()
                .vpc(props.network().vpc())
                .description("dmlflow load balancer: HTTP and HTTPS from AllowedCidr")
                .allowAllOutbound(false)
                .build());
        // An inline rule: without one, EC2 keeps a security group's default allow-all egress (AWS::EC2::
        // SecurityGroup, SecurityGroupEgress), and the rule to the tasks' group is a resource of its own.
        securityGroup.addEgressRule(Peer.ipv4(props.network().vpc().getVpcCidrBlock()), Port.tcp(SERVER_PORT),
                "The tracking server's tasks, in the VPC");
        securityGroup.addIngressRule(Peer.ipv4(props.allowedCidr()), Port.tcp(80), "HTTP from AllowedCidr");
        securityGroup.addIngressRule(Peer.ipv4(props.allowedCidr()), Port.tcp(443), "HTTPS from AllowedCidr");
        // The health gate runs in the private subnets: its requests reach the load balancer from
        // the NAT gateway's address, which AllowedCidr need not include.
        String natSource = Fn.join("", List.of(props.network().natPublicIp(), "/32"));
        securityGroup.addIngressRule(Peer.ipv4(natSource), Port.tcp(80), "Health gate, through the NAT");
        // With a domain of its own the gate probes https://DomainName, as users reach it.
        securityGroup.addIngressRule(Peer.ipv4(natSource), Port.tcp(443), "Health gate over HTTPS, through the NAT");

        alb = new ApplicationLoadBalancer(this, "Alb", ApplicationLoadBalancerProps.builder()
                .vpc(props.network().vpc())
                .vpcSubnets(props.network().publicSubnets())
                .internetFacing(true)
                .securityGroup(securityGroup)
                .dropInvalidHeaderFields(true)
                .build());
        alb.setAttribute("idle_timeout.timeout_seconds", props.idleTimeoutSeconds());

        targetGroup = new ApplicationTargetGroup(this, "Targets", ApplicationTargetGroupProps.builder()
                .vpc(props.network().vpc())
                .port(SERVER_PORT)
                .protocol(ApplicationProtocol.HTTP)
                .targetType(TargetType.IP)
                .deregistrationDelay(Duration.seconds(30))
                .healthCheck(HealthCheck.builder()
                        // MLflow answers /health without touching the database, so a paused
                        // Aurora does not make targets unhealthy.
                        .path("/health")
                        .healthyHttpCodes("200")
                        .interval(Duration.seconds(15))
                        .timeout(Duration.seconds(5))
                        .healthyThresholdCount(2)
                        .unhealthyThresholdCount(3)
                        .build())
                .build());

        httpListener = CfnListener.Builder.create(this, "Http")
                .loadBalancerArn(alb.getLoadBalancerArn())
                .port(80)
                .protocol("HTTP")
                .defaultActions(Fn.conditionIf(hasCertificate.getLogicalId(),
                        List.of(redirectToHttps()), List.of(forward())))
                .build();
        // The health gate must send an API request as users do (to prove the Host check lets them
        // in), but with a certificate port 80 redirects everything: forward what comes from the
        // NAT gateway's address (the gate's, the stack's own) on port 80 whatever its path.
        // Priority 1 is the health rule's since the first release: a stack update that moved it
        // would collide with the new rule (priorities are unique per listener) and fail.
        healthRule = forwardOnPortEighty("HealthOverHttp", 1, paths("/health", "/version"));
        gateRule = forwardOnPortEighty("HealthGateOverHttp", 2, CfnListenerRule.RuleConditionProperty.builder()
                .field("source-ip")
                .sourceIpConfig(CfnListenerRule.SourceIpConfigProperty.builder().values(List.of(natSource)).build())
                .build());
        // ACM validates the certificate through records CloudFormation writes into the zone, and
        // the resource completes once it is issued (AWS::CertificateManager::Certificate,
        // DomainValidationOption.HostedZoneId).
        CfnCertificate certificate = CfnCertificate.Builder.create(this, "Certificate")
                .domainName(tls.domainName())
                .validationMethod("DNS")
                .domainValidationOptions(List.of(CfnCertificate.DomainValidationOptionProperty.builder()
                        .domainName(tls.domainName()).hostedZoneId(tls.hostedZoneId()).build()))
                .build();
        certificate.getCfnOptions().setCondition(tls.managesDomain());
        aliasRecord = CfnRecordSet.Builder.create(this, "AliasRecord")
                .hostedZoneId(tls.hostedZoneId())
                .name(tls.domainName())
                .type("A")
                .aliasTarget(CfnRecordSet.AliasTargetProperty.builder()
                        .dnsName(alb.getLoadBalancerDnsName())
                        .hostedZoneId(alb.getLoadBalancerCanonicalHostedZoneId())
                        .evaluateTargetHealth(false)
                        .build())
                .build();
        aliasRecord.getCfnOptions().setCondition(tls.managesDomain());
        httpsListener = CfnListener.Builder.create(this, "Https")
                .loadBalancerArn(alb.getLoadBalancerArn())
                .port(443)
                .protocol("HTTPS")
                .sslPolicy(TLS_POLICY)
                .certificates(List.of(CfnListener.CertificateProperty.builder()
                        .certificateArn(Fn.conditionIf(tls.hasCertificateArn().getLogicalId(), tls.certificateArn(),
                                certificate.getRef()).toString())
                        .build()))
                .defaultActions(Fn.conditionIf(props.signIn().signsIn().getLogicalId(),
                        props.signIn().authenticateThen("authenticate", forward(2), true), List.of(forward())))
                .build();
        httpsListener.getCfnOptions().setCondition(hasCertificate);
        signInRules(props.signIn());
    }

    /**
     * With sign-in, the HTTPS listener authenticates every request (its default action) except:
     * one carrying credentials (a script's basic auth, or a token-page password), which MLflow
     * checks itself; {@code /health} and {@code /version}, for monitors and the health gate; and
     * the UI's background calls, which get 401 rather than a redirect to the identity provider
     * that their fetch cannot follow, so a page whose session expired says so and a reload signs
     * in again. A rule holds at most 5 condition values, 3 per path condition (ELB guide, "Quotas").
     */
    private void signInRules(SignIn signIn) {
        CfnListenerRule credentials = forwardOnHttps("CredentialsSkipSignIn", 1, signIn,
                CfnListenerRule.RuleConditionProperty.builder()
                        .field("http-header")
                        .httpHeaderConfig(CfnListenerRule.HttpHeaderConfigProperty.builder()
                                .httpHeaderName("Authorization").values(List.of("*")).build())
                        .build());
        CfnListenerRule health = forwardOnHttps("HealthSkipsSignIn", 2, signIn, paths("/health", "/version"));
        int priority = 3;
        for (List<String> paths : List.of(List.of("/ajax-api/*", "/api/*", "/graphql"),
                List.of("/get-artifact", "/model-versions/get-artifact"))) {
            CfnListenerRule rule = CfnListenerRule.Builder.create(this, priority == 3 ? "ApiDeniedWithoutSession"
                            : "ArtifactsDeniedWithoutSession")
                    .listenerArn(httpsListener.getRef())
                    .priority(priority++)
                    .conditions(List.of(paths(paths.toArray(String[]::new))))
                    .actions(signIn.authenticateThen("deny", forward(2), false))
                    .build();
            rule.getCfnOptions().setCondition(signIn.signsIn());
        }
        // The load balancer calls the provider's token and user-info endpoints itself (ELB guide,
        // "Authenticate users": without a route to them sign-in answers 500).
        CfnSecurityGroupEgress egress = CfnSecurityGroupEgress.Builder.create(this, "SignInEgress")
                .groupId(securityGroup.getSecurityGroupId())
                .ipProtocol("tcp").fromPort(443).toPort(443).cidrIp("0.0.0.0/0")
                .description("Sign-in: the identity provider's token and user-info endpoints")
                .build();
        egress.getCfnOptions().setCondition(signIn.signsIn());
        credentials.getCfnOptions().setCondition(signIn.signsIn());
        health.getCfnOptions().setCondition(signIn.signsIn());
    }

    private CfnListenerRule forwardOnHttps(String id, int priority, SignIn signIn,
            CfnListenerRule.RuleConditionProperty condition) {
        return CfnListenerRule.Builder.create(this, id)
                .listenerArn(httpsListener.getRef())
                .priority(priority)
                .conditions(List.of(condition))
                .actions(List.of(CfnListenerRule.ActionProperty.builder()
                        .type("forward")
                        .targetGroupArn(targetGroup.getTargetGroupArn())
                        .build()))
                .build();
    }

    private static CfnListenerRule.RuleConditionProperty paths(String... values) {
        return CfnListenerRule.RuleConditionProperty.builder()
                .field("path-pattern")
                .pathPatternConfig(CfnListenerRule.PathPatternConfigProperty.builder().values(List.of(values)).build())
                .build();
    }

    /** A port-80 rule that forwards to the tracking server what matches its condition. */
    private CfnListenerRule forwardOnPortEighty(String id, int priority, CfnListenerRule.RuleConditionProperty condition) {
        return CfnListenerRule.Builder.create(this, id)
                .listenerArn(httpListener.getRef())
                .priority(priority)
                .conditions(List.of(condition))
                .actions(List.of(CfnListenerRule.ActionProperty.builder()
                        .type("forward")
                        .targetGroupArn(targetGroup.getTargetGroupArn())
                        .build()))
                .build();
    }

    /** Raw CloudFormation (PascalCase keys): it sits inside an Fn::If, where CDK does not map struct fields. */
    private Map<String, Object> forward() {
        return Json.object("Type", "forward", "TargetGroupArn", targetGroup.getTargetGroupArn());
    }

    /** A forward that follows an authenticate action. */
    private Map<String, Object> forward(int order) {
        return Json.object("Type", "forward", "Order", order, "TargetGroupArn", targetGroup.getTargetGroupArn());
    }

    String arn() {
        return alb.getLoadBalancerArn();
    }

    private static Map<String, Object> redirectToHttps() {
        return Json.object("Type", "redirect", "RedirectConfig",
                Json.object("Protocol", "HTTPS", "Port", "443", "StatusCode", "HTTP_301"));
    }

    ApplicationLoadBalancer albConstruct() {
        return alb;
    }

    SecurityGroup securityGroup() {
        return securityGroup;
    }

    ApplicationTargetGroup targetGroup() {
        return targetGroup;
    }

    String dnsName() {
        return alb.getLoadBalancerDnsName();
    }

    /** The scheme clients use: https with a certificate, http without. */
    String scheme() {
        return Fn.conditionIf(hasCertificate.getLogicalId(), "https", "http").toString();
    }

    /**
     * Where the health gate probes: https://DomainName when the stack manages the domain (the URI
     * users will use); otherwise through the ALB's own name over port 80, which forwards the gate's
     * requests whatever the certificate names.
     */
    String probeUrl() {
        return Fn.conditionIf(tls.managesDomain().getLogicalId(), Fn.join("", List.of("https://", tls.domainName())),
                "http://" + dnsName()).toString();
    }

    /**
     * What the probe of https://DomainName needs besides the listeners every configuration has: the
     * alias record and the HTTPS listener. Both exist only with a managed domain, and DependsOn
     * cannot name a resource whose condition is false, so this is a reference for Metadata.
     */
    Object probeNeedsDomain() {
        return Fn.conditionIf(tls.managesDomain().getLogicalId(), List.of(aliasRecord.getRef(), httpsListener.getRef()),
                Aws.NO_VALUE);
    }

    /**
     * What must exist before targets can register: the target group is attached to the load
     * balancer through the port-80 listener and its health rule in every configuration.
     */
    List<Construct> listeners() {
        return List.of(httpListener, healthRule, gateRule);
    }
}
