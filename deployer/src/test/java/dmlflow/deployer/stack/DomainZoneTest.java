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

    @Test
    void onlyADeployThatSetsTheZoneOrTheNameLooksItUp() {
        Map<String, String> withZone = Map.of("HostedZoneId", "Z1", "DomainName", "mlflow.example.com");
        assertThat(DomainZone.needsCheck(withZone, Map.of(), true)).as("a new stack").isTrue();
        assertThat(DomainZone.needsCheck(withZone, Map.of("DomainName", "x.example.com"), false)).isTrue();
        assertThat(DomainZone.needsCheck(withZone, Map.of("Workers", "4"), false)).as("an unrelated update").isFalse();
        assertThat(DomainZone.needsCheck(Map.of("HostedZoneId", ""), Map.of(), true)).as("no zone").isFalse();
    }
}
