package dmlflow.deployer;

import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityResponse;

/** Who the credentials belong to: checked before anything else, and said out loud. */
record Identity(String account, String arn) {
    static Identity check(StsClient sts) {
        GetCallerIdentityResponse me = sts.getCallerIdentity();
        return new Identity(me.account(), me.arn());
    }
}
