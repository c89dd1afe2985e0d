#!/bin/sh
# Build the Debian package: build-deb.sh JAR OUTDIR -> OUTDIR/jvs_VERSION_all.deb
# Depends only on what the daemon runs: a Java 17 runtime, nftables, iproute2, ethtool, libpcap (--io pcap).
set -eu
jar=$(readlink -f "$1") out=$(readlink -f "$2")
here=$(dirname "$(readlink -f "$0")")
version=$(java -jar "$jar" --version | awk '{print $2}' | sed 's/-SNAPSHOT/~snapshot/')
root=$(mktemp -d)
chmod 0755 "$root"
trap 'rm -rf "$root"' EXIT
sh "$here/install.sh" "$jar" "$root" /usr >/dev/null
install -d "$root/DEBIAN"
size=$(du -sk "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: jvs
Version: $version
Architecture: all
Maintainer: The jvs authors <jvs@localhost>
Section: net
Priority: optional
Installed-Size: $size
Depends: default-jre-headless (>= 2:1.17) | java17-runtime-headless, nftables, iproute2, ethtool, libpcap0.8
Suggests: ipvsadm, prometheus
Description: user-space Linux Virtual Server with keepalived's configuration
 A layer-4 load balancer (director) forwarding TCP and UDP by NAT, IPIP
 tunnelling or direct routing with IPVS's schedulers over AF_PACKET rings,
 configured by keepalived.conf, with its health checkers, VRRP failover and
 connection sync.
CONTROL
echo /etc/default/jvs > "$root/DEBIAN/conffiles"
cat > "$root/DEBIAN/postinst" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
    # The class-data-sharing archive of this jar, where the launcher looks for it: a faster start.
    install -d /var/lib/jvs
    rm -f /var/lib/jvs/jvs.jsa
    java -XX:ArchiveClassesAtExit=/var/lib/jvs/jvs.jsa -Xlog:cds=off -Xlog:cds+dynamic=off \
        -jar /usr/share/jvs/jvs.jar load-classes >/dev/null 2>&1 || true
fi
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
    # Not started here: the operator stops keepalived and ipvsadm -C first (docs/operations.md).
    systemctl enable jvs.service >/dev/null 2>&1 || true
fi
SCRIPT
cat > "$root/DEBIAN/prerm" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
    systemctl stop jvs.service || true
fi
SCRIPT
cat > "$root/DEBIAN/postrm" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = remove ] || [ "$1" = purge ]; then
    rm -f /var/lib/jvs/jvs.jsa
fi
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
fi
SCRIPT
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"
mkdir -p "$out"
dpkg-deb --root-owner-group -Zxz --build "$root" "$out/jvs_${version}_all.deb" >/dev/null
echo "$out/jvs_${version}_all.deb"
