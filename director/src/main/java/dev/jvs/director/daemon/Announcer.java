package dev.jvs.director.daemon;

import com.sun.jna.Memory;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.os.LibC;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Announcing the VIPs to the routers through the host's BGP daemon (BIRD, FRR...), for N active directors behind
 * ECMP ({@code --announce-table N}). jvs speaks no BGP: while it can serve a VIP it holds a /32 route to it in
 * kernel routing table N, through a TUN device of its own ({@code jvsann-IFACE}); the daemon learns that table
 * (BIRD: {@code protocol kernel { learn; kernel table N; }}) and exports what it holds. A crash needs no
 * clean-up to be seen: the kernel removes the device with the process, the routes go with it, and the daemon
 * withdraws at once (netlink), where a file or a daemon's API would keep announcing a dead director.
 * Route changes run on a thread of their own (ip(8) takes milliseconds the conductor does not have).
 */
final class Announcer implements AutoCloseable
{
    private final long table;
    private final String device;
    private final int tunFd;
    private final Set<Integer> announced = new TreeSet<>();
    private final ExecutorService exec = Executors.newSingleThreadExecutor(r ->
    {
        final Thread t = new Thread(r, "jvs-announce");
        t.setDaemon(true);
        return t;
    });

    private Announcer(final long table, final String device, final int tunFd)
    {
        this.table = table;
        this.device = device;
        this.tunFd = tunFd;
    }

    /**
     * @param table the kernel routing table the BGP daemon learns.
     * @param iface the director's first interface (names the device).
     * @return the announcer, its device up and no route yet.
     * @throws IOException when the TUN device cannot be made.
     */
    static Announcer open(final long table, final String iface) throws IOException
    {
        final String dev = ("jvsann-" + iface).substring(0, Math.min(15, 7 + iface.length()));
        final int fd = LibC.open("/dev/net/tun", LibC.O_RDWR);
        if (fd < 0)
        {
            throw new IOException("/dev/net/tun: " + LibC.strerror(LibC.errno()));
        }
        try (Memory ifr = new Memory(40))
        {
            ifr.clear();
            final byte[] name = dev.getBytes(StandardCharsets.US_ASCII);
            ifr.write(0, name, 0, name.length);
            ifr.setShort(16, (short)(LibC.IFF_TUN | LibC.IFF_NO_PI));
            if (LibC.ioctl(fd, LibC.TUNSETIFF, ifr) < 0)
            {
                final String why = LibC.strerror(LibC.errno());
                LibC.close(fd);
                throw new IOException("TUNSETIFF " + dev + ": " + why);
            }
        }
        final Announcer a = new Announcer(table, dev, fd);
        try
        {
            Commands.run(List.of("ip", "link", "set", dev, "up"));
        }
        catch (final IOException ex)
        {
            a.close();
            throw new IOException("--announce-table: " + ex.getMessage(), ex);
        }
        return a;
    }

    /**
     * Announce exactly these VIPs from now on: routes added for the new, removed for the gone.
     *
     * @param vips what this director can serve now.
     */
    void announce(final Set<Integer> vips)
    {
        if (announced.equals(vips))
        {
            return;
        }
        final Set<Integer> add = new TreeSet<>(vips);
        add.removeAll(announced);
        final Set<Integer> del = new TreeSet<>(announced);
        del.removeAll(vips);
        announced.clear();
        announced.addAll(vips);
        exec.execute(() ->
        {
            for (final int v : add)
            {
                change("replace", v);
                Log.info("announce: " + Ipv4.toString(v) + "/32 (table " + table + ")");
            }
            for (final int v : del)
            {
                change("del", v);
                Log.info("announce: withdrew " + Ipv4.toString(v) + "/32");
            }
        });
    }

    /**
     * A graceful stop's first step: withdraw everything, then give the routers and the flows on their way the
     * drain time before the forwarding stops.
     *
     * @param drainMs how long to keep forwarding after the withdrawal.
     */
    void withdrawAndDrain(final long drainMs)
    {
        final boolean any = !announced.isEmpty();
        announce(Set.of());
        finish();
        if (any && drainMs > 0)
        {
            Log.info("announce: draining " + drainMs + " ms before the forwarding stops");
            try
            {
                Thread.sleep(drainMs);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void change(final String verb, final int vip)
    {
        try
        {
            Commands.run(List.of("ip", "route", verb, Ipv4.toString(vip) + "/32", "dev", device, "table",
                Long.toString(table)));
        }
        catch (final IOException ex)
        {
            Log.info("warning: announce: " + ex.getMessage());
        }
    }

    private void finish()
    {
        exec.shutdown();
        try
        {
            exec.awaitTermination(10, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** The device goes, and its routes with it. */
    @Override
    public void close()
    {
        finish();
        LibC.close(tunFd);
    }
}
