package dmlflow.deployer.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dmlflow.deployer.testing.Moto;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.route53.Route53Client;

/** The zone a certificate is validated in, read from Route 53 (moto_server) before anything changes. */
class DomainZoneTest {
    private static Route53Client route53;
    private static String publicZone;
    private static String privateZone;

    @BeforeAll
    static void zones() {
        Moto.start();
        route53 = Route53Client.create();
        publicZone = route53.createHostedZone(r -> r.name("example.com.").callerReference(UUID.randomUUID().toString()))
                .hostedZone().id();
        privateZone = route53.createHostedZone(r -> r.name("internal.example.").callerReference(UUID.randomUUID().toString())
                .vpc(v -> v.vpcId("vpc-12345678").vpcRegion("eu-west-1"))
                .hostedZoneConfig(c -> c.privateZone(true))).hostedZone().id();
    }

    @Test
    void aNameInThePublicZoneIsAccepted() {
        assertThatCode(() -> DomainZone.check(route53, publicZone, "mlflow.example.com")).doesNotThrowAnyException();
        assertThatCode(() -> DomainZone.check(route53, publicZone, "MLflow.Example.com.")).doesNotThrowAnyException();
        assertThatCode(() -> DomainZone.check(route53, publicZone, "example.com")).doesNotThrowAnyException();
    }

    @Test
    void aNameOutsideTheZoneAPrivateZoneOrNoZoneIsRefusedWithWhatToGive() {
        assertThatThrownBy(() -> DomainZone.check(route53, publicZone, "mlflow.example.org"))
                .hasMessageContaining("DomainName mlflow.example.org is not in hosted zone").hasMessageContaining("(example.com)");
        assertThatThrownBy(() -> DomainZone.check(route53, publicZone, "notexample.com"))
                .hasMessageContaining("is not in hosted zone");
        assertThatThrownBy(() -> DomainZone.check(route53, privateZone, "mlflow.internal.example"))
                .hasMessageContaining("is private: ACM validates the certificate through public DNS");
        assertThatThrownBy(() -> DomainZone.check(route53, "Z0000000000NOSUCHZONE", "mlflow.example.com"))
                .hasMessageContaining("there is no Route 53 hosted zone Z0000000000NOSUCHZONE");
    }

    /**
     * A record made by hand at the name (the earlier route: CertificateArn, DomainName and a CNAME
     * or alias of one's own) would make the stack's alias record fail and the deploy roll back; a
     * CAA record set that names no Amazon issuer would leave the certificate unissued. Both are
     * refused before anything changes; the stack's own alias, on an update, is not in the way.
     */
    @Test
    void aRecordInTheWayOrACaaWithoutAmazonIsRefusedBeforeAnythingChanges() {
        String zone = route53.createHostedZone(r -> r.name("team.example.net.").callerReference(UUID.randomUUID().toString()))
                .hostedZone().id();
        record(zone, "mlflow.team.example.net.", "CNAME", "mlflow-alb-123.eu-west-1.elb.amazonaws.com");
        assertThatThrownBy(() -> DomainZone.check(route53, zone, "mlflow.team.example.net"))
                .hasMessageContaining("mlflow.team.example.net already has a CNAME record in hosted zone")
                .hasMessageContaining("mlflow-alb-123.eu-west-1.elb.amazonaws.com").hasMessageContaining("Nothing was changed");
        assertThatCode(() -> DomainZone.check(route53, zone, "mlflow.team.example.net", true))
                .as("the stack's own record, on an update that keeps zone and name").doesNotThrowAnyException();
        assertThatCode(() -> DomainZone.check(route53, zone, "other.team.example.net")).doesNotThrowAnyException();

        record(zone, "team.example.net.", "CAA", "0 issue \"letsencrypt.org\"");
        assertThatThrownBy(() -> DomainZone.check(route53, zone, "other.team.example.net"))
                .as("the zone apex's CAA governs the names below it without their own")
                .hasMessageContaining("the CAA records at team.example.net let only letsencrypt.org issue certificates")
                .hasMessageContaining("0 issue \"amazon.com\"");
        record(zone, "ok.team.example.net.", "CAA", "0 issue \"amazon.com\"");
        assertThatCode(() -> DomainZone.check(route53, zone, "ok.team.example.net")).as("its own CAA, naming Amazon")
                .doesNotThrowAnyException();
        record(zone, "iodef.team.example.net.", "CAA", "0 iodef \"mailto:security@example.net\"");
        assertThatCode(() -> DomainZone.check(route53, zone, "iodef.team.example.net"))
                .as("no issue property restricts nothing (RFC 8659)").doesNotThrowAnyException();
        assertThat(DomainZone.madeBy(Map.of("HostedZoneId", zone, "DomainName", "MLflow.team.example.net."), zone,
                "mlflow.team.example.net")).isTrue();
        assertThat(DomainZone.madeBy(Map.of("HostedZoneId", "", "DomainName", "mlflow.team.example.net"), zone,
                "mlflow.team.example.net")).as("the earlier route: the name without the zone").isFalse();
    }

    private static void record(String zone, String name, String type, String value) {
        route53.changeResourceRecordSets(r -> r.hostedZoneId(zone).changeBatch(b -> b.changes(c -> c.action("CREATE")
                .resourceRecordSet(s -> s.name(name).type(type).ttl(300L).resourceRecords(v -> v.value(value))))));
    }

    @Test
    void onlyADeployThatSetsTheZoneOrTheNameLooksItUp() {
        Map<String, String> withZone = Map.of("HostedZoneId", "Z1", "DomainName", "mlflow.example.com");
        assertThat(DomainZone.needsCheck(withZone, Map.of(), true)).as("a new stack").isTrue();
        assertThat(DomainZone.needsCheck(withZone, Map.of("DomainName", "x.example.com"), false)).isTrue();
        assertThat(DomainZone.needsCheck(withZone, Map.of("Workers", "4"), false)).as("an unrelated update").isFalse();
        assertThat(DomainZone.needsCheck(Map.of("HostedZoneId", ""), Map.of(), true)).as("no zone").isFalse();
    }
}
