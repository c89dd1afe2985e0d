package dev.jvs.director.cli;

import com.sun.jna.Memory;
import dev.jvs.director.daemon.Commands;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.os.LibC;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code jvs rs-tun}: on a real server whose kernel lacks the ipip module, take the director's IPIP packets
 * from a raw socket (which also keeps the kernel from answering "protocol unreachable"), strip the outer
 * header and write the client's packet into a TUN device, so the server's stack receives it as if it had
 * come straight to the VIP. The VIP goes on loopback with arp_ignore/arp_announce (as for DR) and reverse
 * path filtering is turned off for the TUN device: the reply leaves by the normal route, straight to the
 * client. Runs until killed.
 */
@Command(
    name = "rs-tun",
    mixinStandardHelpOptions = true,
    description = "Decapsulate IPIP from the director into a TUN device on a real server (no ipip module).")
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
        final int raw = LibC.socket(LibC.AF_INET, LibC.SOCK_RAW, LibC.IPPROTO_IPIP);
        if (raw < 0)
        {
            System.err.println("jvs rs-tun: raw IPIP socket: " + LibC.strerror(LibC.errno()));
            return 1;
        }
        try
        {
            sh("ip", "link", "set", dev, "up");
            sh("sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf." + dev + ".rp_filter=0",
                "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2");
            for (final String v : vips)
            {
                Ipv4.parse(v);
                sh("sh", "-c", "ip addr show dev lo | grep -q ' " + v + "/32' || ip addr add " + v + "/32 dev lo");
            }
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            System.err.println("jvs rs-tun: " + ex.getMessage());
            return 1;
        }
        System.out.println("rs-tun: decapsulating IPIP into " + dev + " for " + String.join(", ", vips));
        System.out.flush();
        final Memory buf = new Memory(65536);
        long packets = 0;
        while (true)
        {
            final long n = LibC.recv(raw, buf, 65536, 0);
            if (n < Ipv4.MIN_HEADER_LENGTH)
            {
                continue;
            }
            // A raw IPv4 socket receives the outer header too.
            final int hl = (buf.getByte(0) & 0xF) << 2;
            if (hl < Ipv4.MIN_HEADER_LENGTH || n <= hl + Ipv4.MIN_HEADER_LENGTH)
            {
                continue;
            }
            LibC.write(tun, buf.share(hl), n - hl);
            packets++;
        }
    }
}
