package dmlflow.template.mlflow;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import software.constructs.Construct;
import software.constructs.IDependable;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnCondition;
import software.amazon.awscdk.CfnResource;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.services.ec2.CfnEIP;
import software.amazon.awscdk.services.ec2.CfnNatGateway;
import software.amazon.awscdk.services.ec2.CfnRoute;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpoint;
import software.amazon.awscdk.services.ec2.ISubnet;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointAwsService;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointOptions;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.NatGatewayProps;
import software.amazon.awscdk.services.ec2.NatProvider;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.ec2.VpcProps;

/**
 * The VPC: public subnets (load balancer, NAT), private subnets with egress (tasks, functions)
 * and isolated subnets (Aurora) over two availability zones, one NAT (a gateway or an instance,
 * by NatMode), an S3 gateway endpoint.
 */
final class Network extends Construct {
    /** The NAT: a managed gateway, or an instance (NatMode), each under its condition. */
    record Nat(CfnCondition gateway, CfnCondition instance, String instanceImage, String instanceType) {
        Nat {
            Objects.requireNonNull(gateway, "gateway");
            Objects.requireNonNull(instance, "instance");
            Objects.requireNonNull(instanceImage, "instanceImage");
        }
    }

    record Props(String vpcCidr, Nat nat) {
        Props {
            Objects.requireNonNull(vpcCidr, "vpcCidr");
            Objects.requireNonNull(nat, "nat");
        }
    }

    private final Vpc vpc;
    private final CfnEIP natAddress;
    private final NatInstance natInstance;
    private final Nat nat;
    private final List<IDependable> egressPath = new ArrayList<>();

    Network(Construct scope, String id, Props props) {
        super(scope, id);
        nat = props.nat();
        // Our own address for the NAT gateway, so that the load balancer can let the health gate
        // (which reaches it from the private subnets, through the NAT) in whatever AllowedCidr is.
        natAddress = CfnEIP.Builder.create(this, "NatAddress").domain("vpc").build();
        vpc = new Vpc(this, "Vpc", VpcProps.builder()
                .ipAddresses(new ParameterCidr(props.vpcCidr()))
                .maxAzs(2)
                .natGateways(1)
                .natGatewayProvider(NatProvider.gateway(NatGatewayProps.builder()
                        .eipAllocationIds(List.of(natAddress.getAttrAllocationId()))
                        .build()))
                .subnetConfiguration(List.of(
                        subnet("Public", SubnetType.PUBLIC),
                        subnet("Private", SubnetType.PRIVATE_WITH_EGRESS),
                        subnet("Isolated", SubnetType.PRIVATE_ISOLATED)))
                // The default would add a Lambda-backed custom resource (an asset) to the template.
                .restrictDefaultSecurityGroup(false)
                .build());
        // Tasks pull artifacts from S3 without paying NAT data charges; it also gives VPC
        // functions a path to their presigned ResponseURL.
        GatewayVpcEndpoint s3 = vpc.addGatewayEndpoint("S3", GatewayVpcEndpointOptions.builder()
                .service(GatewayVpcEndpointAwsService.S3)
                .build());
        egressPath.add(s3);

        // NatMode: the gateway (and its address) or the instance (with its own), never both. The
        // private subnets' default route points at whichever exists; a route to the instance also
        // waits for the instance's address (a reference in its metadata), without which nothing
        // gets out.
        ISubnet natSubnet = vpc.getPublicSubnets().get(0);
        CfnNatGateway gateway = (CfnNatGateway) natSubnet.getNode().findChild("NATGateway");
        gateway.getCfnOptions().setCondition(nat.gateway());
        natAddress.getCfnOptions().setCondition(nat.gateway());
        natInstance = new NatInstance(this, "NatInstance", new NatInstance.Props(vpc.getVpcId(), vpc.getVpcCidrBlock(),
                natSubnet.getSubnetId(), List.of((CfnResource) natSubnet.getNode().findChild("DefaultRoute"),
                        (CfnResource) natSubnet.getNode().findChild("RouteTableAssociation")),
                nat.instanceImage(), nat.instanceType(), nat.instance()));
        for (ISubnet subnet : vpc.getPrivateSubnets()) {
            CfnRoute route = (CfnRoute) subnet.getNode().findChild("DefaultRoute");
            route.addPropertyOverride("NatGatewayId", Fn.conditionIf(nat.gateway().getLogicalId(), gateway.getRef(), Aws.NO_VALUE));
            route.addPropertyOverride("InstanceId", Fn.conditionIf(nat.instance().getLogicalId(),
                    natInstance.instance().getRef(), Aws.NO_VALUE));
            route.addMetadata("dmlflow:waitsForNatAddress", Fn.conditionIf(nat.instance().getLogicalId(),
                    natInstance.address().getRef(), Aws.NO_VALUE));
        }
        // Each private subnet's route to the NAT gateway (which itself waits for its public subnet's
        // route and association, and the internet gateway), and the association that puts the
        // subnet on that route table: without it the subnet falls back to the main route table.
        for (ISubnet subnet : vpc.getPrivateSubnets()) {
            egressPath.add(subnet.getNode().findChild("DefaultRoute"));
            egressPath.add(subnet.getNode().findChild("RouteTableAssociation"));
        }
    }

    private static SubnetConfiguration subnet(String name, SubnetType type) {
        return SubnetConfiguration.builder().name(name).subnetType(type)
                .cidrMask(32 - ParameterCidr.SUBNET_HOST_BITS).build();
    }

    IVpc vpc() {
        return vpc;
    }

    SubnetSelection publicSubnets() {
        return SubnetSelection.builder().subnetType(SubnetType.PUBLIC).build();
    }

    SubnetSelection applicationSubnets() {
        return SubnetSelection.builder().subnetType(SubnetType.PRIVATE_WITH_EGRESS).build();
    }

    SubnetSelection dataSubnets() {
        return SubnetSelection.builder().subnetType(SubnetType.PRIVATE_ISOLATED).build();
    }

    List<String> applicationSubnetIds() {
        return vpc.selectSubnets(applicationSubnets()).getSubnetIds();
    }

    /** The public address every outbound connection from the private subnets comes from. */
    String natPublicIp() {
        return Fn.conditionIf(nat.gateway().getLogicalId(), natAddress.getAttrPublicIp(),
                natInstance.address().getAttrPublicIp()).toString();
    }

    NatInstance natInstance() {
        return natInstance;
    }

    /**
     * The way out of the private subnets: the NAT routes and the S3 endpoint. A custom resource
     * whose function or task needs them depends on these, so stack deletion removes it before
     * it removes its way to answer.
     */
    void requireEgress(Construct dependent) {
        egressPath.forEach(dependency -> dependent.getNode().addDependency(dependency));
    }
}
