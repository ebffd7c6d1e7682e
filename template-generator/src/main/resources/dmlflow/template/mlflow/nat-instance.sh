#!/bin/bash
# dmlflow NAT instance (user data): forwards what the private subnets send to the internet, with
# the instance's address as its source. The forwarding script runs at every boot (a systemd unit),
# so a reboot or an automatic recovery comes back forwarding. Once it forwards, the instance signals
# CloudFormation (its creation policy), which only then gives it its address and the private routes.
# This text goes through Fn::Sub: CloudFormation fills in the stack name, region and this resource's
# logical id below, so the shell code here writes $name, never a dollar and a brace.
set -euo pipefail

# dnf can run out of memory on a t4g.nano's 512 MiB (amazon-linux-2023 issue 404): a swap file
# for this first boot, when packages are installed.
if ! swapon --show | grep -q .; then
    { fallocate -l 1G /swapfile && chmod 600 /swapfile && mkswap /swapfile > /dev/null && swapon /swapfile; } || true
fi

cat > /usr/local/sbin/dmlflow-nat <<'SCRIPT'
#!/bin/bash
# Forwarding on, and masquerade out of the interface that holds the default route.
set -euo pipefail
if ! command -v nft > /dev/null; then
    # Amazon Linux 2023 may come without nftables; its repositories are reachable once the
    # instance has its address (the public one it boots with, then its Elastic IP).
    until dnf -y -q --setopt=install_weak_deps=False install nftables; do sleep 10; done
fi
sysctl -q -w net.ipv4.ip_forward=1
sysctl -q -w net.ipv4.conf.all.send_redirects=0
uplink=$(ip -o -4 route show to default | awk '{print $5; exit}')
if [ -z "$uplink" ]; then
    echo "dmlflow-nat: no default route, nothing to masquerade through" >&2
    exit 1
fi
nft delete table ip dmlflow_nat 2> /dev/null || true
nft -f - <<RULES
table ip dmlflow_nat {
    chain postrouting {
        type nat hook postrouting priority srcnat; policy accept;
        oifname "$uplink" masquerade
    }
}
RULES
echo "dmlflow-nat: forwarding, masquerading out of $uplink"
SCRIPT
chmod 755 /usr/local/sbin/dmlflow-nat

cat > /etc/systemd/system/dmlflow-nat.service <<'UNIT'
[Unit]
Description=dmlflow NAT: forwarding and masquerade for the private subnets
After=network-online.target
Wants=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/dmlflow-nat
Restart=on-failure
RestartSec=10

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
status=0
systemctl enable --now dmlflow-nat.service || status=$?
if [ "$status" = 0 ]; then
    # Forwarding on and the masquerade rule loaded, or the signal says failure.
    { [ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] && nft list table ip dmlflow_nat > /dev/null; } || status=1
fi

# cfn-signal needs no credentials: CloudFormation checks that the instance belongs to the stack
# (cfn-signal reference). Amazon Linux 2023 may come without the helper scripts.
signal() {
    command -v cfn-signal || echo /opt/aws/bin/cfn-signal
}
until [ -x "$(signal)" ] || dnf -y -q --setopt=install_weak_deps=False install aws-cfn-bootstrap; do sleep 10; done
for attempt in 1 2 3 4 5 6 7 8 9 10; do
    if "$(signal)" --exit-code "$status" --stack '${AWS::StackName}' \
            --resource '${NatResource}' --region '${AWS::Region}'; then
        break
    fi
    echo "dmlflow-nat: signal attempt $attempt failed, trying again" >&2
    sleep 10
done
exit "$status"
