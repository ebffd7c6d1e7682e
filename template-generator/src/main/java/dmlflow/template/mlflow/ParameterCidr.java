package dmlflow.template.mlflow;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.services.ec2.AllocateCidrRequest;
import software.amazon.awscdk.services.ec2.AllocatedSubnet;
import software.amazon.awscdk.services.ec2.IIpAddresses;
import software.amazon.awscdk.services.ec2.IpAddresses;
import software.amazon.awscdk.services.ec2.RequestedSubnet;
import software.amazon.awscdk.services.ec2.SubnetIpamOptions;
import software.amazon.awscdk.services.ec2.VpcIpamOptions;

/**
 * Carves the VPC's subnets out of a CIDR that is only known at deploy time (a template parameter).
 *
 * <p>CDK's own {@link IpAddresses#cidr} refuses tokens because it splits the range while it
 * synthesizes; here CloudFormation splits it with {@code Fn::Cidr}. Every subnet is a /24, so
 * any VPC prefix from /16 to /21 holds the six of them.
 */
final class ParameterCidr implements IIpAddresses {
    static final int SUBNET_HOST_BITS = 8;
    private final String vpcCidr;

    ParameterCidr(String vpcCidr) {
        this.vpcCidr = vpcCidr;
    }

    @Override
    public VpcIpamOptions allocateVpcCidr() {
        return VpcIpamOptions.builder().cidrBlock(vpcCidr).build();
    }

    @Override
    public SubnetIpamOptions allocateSubnetsCidr(AllocateCidrRequest input) {
        List<RequestedSubnet> requested = input.getRequestedSubnets();
        List<String> blocks = Fn.cidr(vpcCidr, requested.size(), String.valueOf(SUBNET_HOST_BITS));
        List<AllocatedSubnet> allocated = new ArrayList<>();
        for (int i = 0; i < requested.size(); i++) {
            allocated.add(AllocatedSubnet.builder()
                    .cidr(Fn.select(i, blocks))
                    .build());
        }
        return SubnetIpamOptions.builder().allocatedSubnets(allocated).build();
    }

}
