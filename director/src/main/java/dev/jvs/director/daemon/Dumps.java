package dev.jvs.director.daemon;

import dev.jvs.director.check.HealthChecker;
import dev.jvs.director.config.KeepalivedConfig;
import dev.jvs.director.config.RealServer;
import dev.jvs.director.config.VirtualServer;
import dev.jvs.engine.Method;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.vrrp.InstanceConfig;
import dev.jvs.vrrp.VrrpCounter;
import dev.jvs.vrrp.VrrpInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

/**
 * What keepalived writes on SIGUSR1 and SIGUSR2, where it writes them ({@code keepalived.data} and
 * {@code keepalived.stats} in its temporary directory, /tmp): the running configuration with the VRRP
 * instances' and the real servers' states, and each VRRP instance's statistics in keepalived's own layout, so
 * that the scripts operators have for keepalived read them.
 */
final class Dumps
{
    private Dumps()
    {
    }

    /**
     * keepalived's vrrp_print_stats, line for line.
     *
     * @param instances the running instances.
     * @return the text.
     */
    static String stats(final List<VrrpInstance> instances)
    {
        final StringBuilder b = new StringBuilder();
        for (final VrrpInstance i : instances)
        {
            b.append("VRRP Instance: ").append(i.config().name()).append('\n')
                .append("  Advertisements:\n")
                .append("    Received: ").append(i.counter(VrrpCounter.ADVERT_RECEIVED)).append('\n')
                .append("    Sent: ").append(i.counter(VrrpCounter.ADVERT_SENT)).append('\n')
                .append("  Became master: ").append(i.counter(VrrpCounter.BECOME_MASTER)).append('\n')
                .append("  Released master: ").append(i.counter(VrrpCounter.RELEASE_MASTER)).append('\n')
                .append("  Packet Errors:\n")
                .append("    Length: ").append(i.counter(VrrpCounter.PACKET_LENGTH_ERRORS)).append('\n')
                .append("    TTL: ").append(i.counter(VrrpCounter.TTL_ERRORS)).append('\n')
                .append("    Invalid Type: ").append(i.counter(VrrpCounter.INVALID_TYPE)).append('\n')
                .append("    Advertisement Interval: ").append(i.counter(VrrpCounter.ADVERT_INTERVAL_ERRORS))
                .append('\n')
                .append("    Address List: ").append(i.counter(VrrpCounter.ADDRESS_LIST_ERRORS)).append('\n')
                .append("  Authentication Errors:\n")
                .append("    Invalid Type: ").append(i.counter(VrrpCounter.INVALID_AUTH_TYPE)).append('\n')
                .append("    Type Mismatch: ").append(i.counter(VrrpCounter.AUTH_TYPE_MISMATCH)).append('\n')
                .append("    Failure: ").append(i.counter(VrrpCounter.AUTH_FAILURE)).append('\n')
                .append("  Priority Zero:\n")
                .append("    Received: ").append(i.counter(VrrpCounter.PRIORITY_ZERO_RECEIVED)).append('\n')
                .append("    Sent: ").append(i.counter(VrrpCounter.PRIORITY_ZERO_SENT)).append('\n');
        }
        return b.toString();
    }

    /**
     * keepalived's data dump, its sections and the lines an operator looks for: the instances with their
     * state and priority, the virtual servers with each real server's weight and whether its checks pass.
     *
     * @param kc the running configuration.
     * @param instances the running VRRP instances.
     * @param checker the running checker.
     * @return the text.
     */
    static String data(final KeepalivedConfig kc, final List<VrrpInstance> instances, final HealthChecker checker)
    {
        final StringBuilder b = new StringBuilder();
        b.append("------< Global definitions >------\n");
        b.append(" Router ID = ").append(null == kc.globals.routerId() ? "(none)" : kc.globals.routerId()).append('\n');
        b.append("------< VRRP Topology >------\n");
        for (final VrrpInstance i : instances)
        {
            final InstanceConfig c = i.config();
            b.append(" VRRP Instance = ").append(c.name()).append('\n');
            b.append("   VRRP Version = ").append(c.version()).append('\n');
            if (null != i.group())
            {
                b.append("   Sync group = ").append(i.group().name()).append('\n');
            }
            b.append("   State = ").append(i.state()).append('\n');
            b.append("   Interface = ").append(c.iface()).append('\n');
            b.append("   Virtual Router ID = ").append(c.vrid()).append('\n');
            b.append("   Priority = ").append(c.priority()).append('\n');
            b.append("   Effective priority = ").append(i.effectivePriority()).append('\n');
            b.append(String.format(Locale.ROOT, "   Advert interval = %.2f sec%n", c.advertCentis() / 100.0));
            b.append("   Preempt = ").append(c.preempt() ? "enabled" : "disabled").append('\n');
            b.append("   Virtual IP = ").append(c.addressCount()).append('\n');
            for (final dev.jvs.engine.frame.IpAddress a : dev.jvs.director.config.VrrpConfig.vips(c))
            {
                b.append("     ").append(a).append('\n');
            }
        }
        b.append("------< LVS Topology >------\n");
        for (final VirtualServer vs : kc.virtualServers)
        {
            b.append(" ------< Virtual server >------\n");
            b.append(0 != vs.fwmark() ? " VS FWMARK = " + Integer.toUnsignedString(vs.fwmark()) :
                " VS VIP = " + vs.address() + ", VPORT = " + vs.port()).append('\n');
            b.append(String.format(Locale.ROOT, "   delay_loop = %.6f%n", vs.delayLoopMs() / 1000.0));
            b.append("   lvs_sched = ").append(vs.scheduler()).append('\n');
            b.append("   protocol = ").append(6 == vs.protocol() ? "TCP" : 17 == vs.protocol() ? "UDP" : "SCTP")
                .append('\n');
            b.append("   Quorum = ").append(vs.quorum()).append(", up = ").append(checker.quorumUp(vs) ? "yes" : "no")
                .append('\n');
            for (final RealServer rs : vs.realServers())
            {
                final int w = checker.weight(rs);
                b.append("   ------< Real server >------\n");
                b.append("   RIP = ").append(rs.address()).append(", RPORT = ").append(rs.port())
                    .append(", WEIGHT = ").append(Math.max(0, w)).append('\n');
                b.append("   forwarding method = ").append(Method.name(rs.method() < 0 ? vs.method() : rs.method()))
                    .append('\n');
                b.append("   Alive = ").append(checker.isDown(rs) ? "no" : "yes").append('\n');
            }
        }
        return b.toString();
    }

    /**
     * Write a dump whole (a reader never sees half of it): to a temporary file, then renamed.
     *
     * @param file where.
     * @param text what.
     */
    static void write(final Path file, final String text)
    {
        try
        {
            final Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, text);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Log.info("wrote " + file);
        }
        catch (final IOException ex)
        {
            Log.info("warning: cannot write " + file + ": " + ex.getMessage());
        }
    }
}
