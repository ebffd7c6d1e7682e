package dmlflow.deployer.stack;

import dmlflow.deployer.console.DeployerException;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.HostedZone;
import software.amazon.awssdk.services.route53.model.NoSuchHostedZoneException;

/**
 * The Route 53 zone a stack is to certify its DomainName in, checked before anything changes: ACM
 * validates through public DNS, so a private zone or a zone that does not hold the name leaves the
 * certificate waiting for validation that never comes (the deploy would hang for hours).
 */
public final class DomainZone {
    public static final String ZONE = "HostedZoneId";
    public static final String DOMAIN = "DomainName";

    private DomainZone() {
    }

    /** Whether this deploy sets the zone or the name anew (a stack that has both already was checked then). */
    public static boolean needsCheck(Map<String, String> effective, Map<String, String> given, boolean creating) {
        if (effective.getOrDefault(ZONE, "").isEmpty()) {
            return false;
        }
        return creating || given.containsKey(ZONE) || given.containsKey(DOMAIN);
    }

    public static void check(Route53Client route53, String zoneId, String domain) {
        HostedZone zone;
        try {
            zone = route53.getHostedZone(r -> r.id(zoneId)).hostedZone();
        } catch (NoSuchHostedZoneException e) {
            throw DeployerException.usage("there is no Route 53 hosted zone " + zoneId + " in this account: give the"
                    + " id of the public zone that holds " + domain + " (aws route53 list-hosted-zones-by-name)");
        } catch (SdkException e) {
            throw DeployerException.failed("cannot read Route 53 hosted zone " + zoneId + ": " + e.getMessage());
        }
        String zoneName = zone.name().toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
        if (zone.config() != null && Boolean.TRUE.equals(zone.config().privateZone())) {
            throw DeployerException.usage("hosted zone " + zoneId + " (" + zoneName + ") is private: ACM validates the"
                    + " certificate through public DNS, so give the public zone's id");
        }
        String name = domain.toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
        if (!name.equals(zoneName) && !name.endsWith("." + zoneName)) {
            throw DeployerException.usage("DomainName " + domain + " is not in hosted zone " + zoneId + " (" + zoneName
                    + "): give a name in that zone, or the zone that holds " + domain);
        }
    }
}
