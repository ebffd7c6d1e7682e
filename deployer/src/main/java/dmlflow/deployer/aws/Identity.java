package dmlflow.deployer.aws;

import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityResponse;

/** Who the credentials belong to: checked before anything else, and said out loud. */
public record Identity(String account, String arn) {
    public static Identity check(StsClient sts) {
        GetCallerIdentityResponse me = sts.getCallerIdentity();
        return new Identity(me.account(), me.arn());
    }
}
