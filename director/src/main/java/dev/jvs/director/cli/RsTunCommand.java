package dev.jvs.director.cli;

import com.sun.jna.Memory;
import dev.jvs.director.daemon.Commands;
import dev.jvs.engine.frame.IpAddress;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.os.LibC;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code jvs rs-tun}: on a real server whose kernel lacks the ipip module (ip6_tunnel for IPv6 VIPs), take the
 * director's IPIP (ip6ip6) packets from a raw socket (which also keeps the kernel from answering "protocol
 * unreachable"), strip the outer header and write the client's packet into a TUN device, so the server's
 * stack receives it as if it had come straight to the VIP. The VIP goes on loopback with arp_ignore/arp_announce (as for DR) and reverse
 * path filtering is turned off for the TUN device: the reply leaves by the normal route, straight to the
 * client. Runs until killed.
 */
@Command(
    name = "rs-tun",
    mixinStandardHelpOptions = true,
    description = "Decapsulate IPIP or ip6ip6 from the director into a TUN device on a real server (no ipip or " +
        "ip6_tunnel module).")
public final class RsTunCommand implements Callable<Integer>
{
    @Option(names = "--vip", required = true, split = ",", description = "virtual addresses served here")
    private List<String> vips;

    @Option(names = "--dev", defaultValue = "jvstun0", description = "TUN device name (default ${DEFAULT-VALUE})")
    private String dev;

    private static void sh(final String... cmd) throws IOException
    {
        Commands.run(List.of(cmd));
    }

    @Override
    public Integer call()
    {
        if (0 != LibC.geteuid())
        {
            System.err.println("jvs rs-tun: must run as root");
            return 1;
        }
        final int tun = LibC.open("/dev/net/tun", LibC.O_RDWR);
        if (tun < 0)
        {
            System.err.println("jvs rs-tun: /dev/net/tun: " + LibC.strerror(LibC.errno()));
            return 1;
        }
        final Memory ifr = new Memory(40);
        ifr.clear();
        final byte[] name = dev.getBytes(StandardCharsets.US_ASCII);
        ifr.write(0, name, 0, Math.min(15, name.length));
        ifr.setShort(16, (short)(LibC.IFF_TUN | LibC.IFF_NO_PI));
        if (LibC.ioctl(tun, LibC.TUNSETIFF, ifr) < 0)
        {
            System.err.println("jvs rs-tun: TUNSETIFF " + dev + ": " + LibC.strerror(LibC.errno()));
            return 1;
        }
        final boolean v4 = vips.stream().anyMatch(v -> v.indexOf(':') < 0);
        final boolean v6 = vips.stream().anyMatch(v -> v.indexOf(':') >= 0);
        final int raw = v4 ? LibC.socket(LibC.AF_INET, LibC.SOCK_RAW, LibC.IPPROTO_IPIP) : -1;
        final int raw6 = v6 ? LibC.socket(LibC.AF_INET6, LibC.SOCK_RAW, LibC.IPPROTO_IPV6) : -1;
        if (v4 && raw < 0 || v6 && raw6 < 0)
        {
            System.err.println("jvs rs-tun: raw " + (v4 && raw < 0 ? "IPIP" : "ip6ip6") + " socket: " +
                LibC.strerror(LibC.errno()));
            return 1;
        }
        try
        {
            sh("ip", "link", "set", dev, "up");
            sh("sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf." + dev + ".rp_filter=0",
                "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2");
            for (final String v : vips)
            {
                final IpAddress a = IpAddress.parse(v);
                final String prefix = a.v6() ? "/128" : "/32";
                sh("sh", "-c", "ip addr show dev lo | grep -q ' " + a + prefix + "' || ip addr add " + a + prefix +
                    " dev lo");
            }
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            System.err.println("jvs rs-tun: " + ex.getMessage());
            return 1;
        }
        System.out.println("rs-tun: decapsulating " + (v4 ? "IPIP" : "") + (v4 && v6 ? " and " : "") +
            (v6 ? "ip6ip6" : "") + " into " + dev + " for " + String.join(", ", vips));
        System.out.flush();
        if (v4 && v6)
        {
            final Thread t = new Thread(() -> decapsulate(raw6, tun, 0), "rs-tun-ip6ip6");
            t.setDaemon(true);
            t.start();
        }
        // A raw IPv4 socket receives the outer header too; a raw IPv6 one gives the payload alone.
        decapsulate(v4 ? raw : raw6, tun, v4 ? -1 : 0);
        return 0;
    }

    /** Copy each tunnelled packet's inner datagram into the TUN device, for ever. */
    private static void decapsulate(final int raw, final int tun, final int fixedHeader)
    {
        final Memory buf = new Memory(65536);
        while (true)
        {
            final long n = LibC.recv(raw, buf, 65536, 0);
            final int hl = fixedHeader >= 0 ? fixedHeader : n < Ipv4.MIN_HEADER_LENGTH ? -1 :
                (buf.getByte(0) & 0xF) << 2;
            final int inner = fixedHeader < 0 ? Ipv4.MIN_HEADER_LENGTH : 40;
            if (hl < 0 || fixedHeader < 0 && hl < Ipv4.MIN_HEADER_LENGTH || n < hl + inner)
            {
                continue;
            }
            LibC.write(tun, buf.share(hl), n - hl);
        }
    }
}
