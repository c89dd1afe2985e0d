package dev.jvs.director.daemon;

import com.sun.jna.Memory;
import dev.jvs.engine.os.LibC;

import java.nio.charset.StandardCharsets;

/**
 * systemd's notification protocol (sd_notify(3)) without libsystemd: datagrams of {@code KEY=VALUE} lines to the
 * AF_UNIX socket named by {@code $NOTIFY_SOCKET} ({@code @} for the abstract namespace). READY=1 once the rings
 * are up and the first configuration is applied, RELOADING=1 / READY=1 around a SIGHUP reload, STOPPING=1, and
 * WATCHDOG=1 at half of {@code $WATCHDOG_USEC} while the conductor cycles. Without {@code $NOTIFY_SOCKET}
 * (not under systemd) every call does nothing.
 */
final class SdNotify implements AutoCloseable
{
    private final int fd;
    private final Memory addr = new Memory(110);
    private final int addrLength;
    private final Memory buf = new Memory(1024);
    private final long watchdogMs;
    private long nextWatchdog;
    /** Pings start with the first READY=1: systemd counts the watchdog from there. */
    private volatile boolean ready;

    private SdNotify(final int fd, final byte[] path, final long watchdogMs)
    {
        this.fd = fd;
        this.watchdogMs = watchdogMs;
        addr.clear();
        addr.setShort(0, (short)LibC.AF_UNIX);
        if (fd >= 0)
        {
            addr.write(2, path, 0, path.length);
            if ('@' == path[0])
            {
                addr.setByte(2, (byte)0);
            }
        }
        // An abstract name is counted exactly; a path with its terminating NUL.
        addrLength = fd < 0 ? 0 : 2 + path.length + ('@' == path[0] ? 0 : 1);
    }

    /** @return a notifier that says nothing. */
    static SdNotify none()
    {
        return new SdNotify(-1, new byte[] {0}, 0);
    }

    /**
     * @return the notifier systemd's environment asks for: a silent one when there is none.
     */
    static SdNotify fromEnvironment()
    {
        final String socket = System.getenv("NOTIFY_SOCKET");
        final long watchdog = watchdogMs(System.getenv("WATCHDOG_USEC"), System.getenv("WATCHDOG_PID"));
        if (null == socket || socket.isEmpty() || (socket.charAt(0) != '/' && socket.charAt(0) != '@'))
        {
            return none();
        }
        final byte[] path = socket.getBytes(StandardCharsets.UTF_8);
        if (path.length > 107)
        {
            Log.info("warning: NOTIFY_SOCKET is longer than a unix socket path: " + socket);
            return none();
        }
        final int fd = LibC.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM, 0);
        if (fd < 0)
        {
            Log.info("warning: socket(AF_UNIX) for NOTIFY_SOCKET: " + LibC.strerror(LibC.errno()));
        }
        return new SdNotify(fd, path, watchdog);
    }

    /** The watchdog's ping interval: half of WATCHDOG_USEC, if it is meant for this process; 0 for none. */
    static long watchdogMs(final String usec, final String pid)
    {
        if (null == usec || (null != pid && !pid.equals(Long.toString(ProcessHandle.current().pid()))))
        {
            return 0;
        }
        try
        {
            return Math.max(1, Long.parseLong(usec) / 2000);
        }
        catch (final NumberFormatException ex)
        {
            return 0;
        }
    }

    /** @return true under systemd's notification socket. */
    boolean enabled()
    {
        return fd >= 0;
    }

    /**
     * Send one state change.
     *
     * @param state lines of KEY=VALUE, joined by newlines.
     */
    synchronized void send(final String state)
    {
        if (fd < 0)
        {
            return;
        }
        final byte[] b = state.getBytes(StandardCharsets.UTF_8);
        final int n = (int)Math.min(b.length, buf.size());
        buf.write(0, b, 0, n);
        if (LibC.sendto(fd, buf, n, 0, addr, addrLength) < 0)
        {
            Log.info("warning: sd_notify " + state.replace('\n', ' ') + ": " + LibC.strerror(LibC.errno()));
        }
    }

    /** The reload protocol's first half; {@link #ready} is the second. */
    void reloading()
    {
        // systemd 253+ wants the monotonic time of the reload's start with it (Type=notify-reload).
        send("RELOADING=1\nMONOTONIC_USEC=" + System.nanoTime() / 1000);
    }

    /** @param status what systemctl status shows. */
    void ready(final String status)
    {
        send("READY=1\nSTATUS=" + status);
        ready = true;
    }

    /** Pinged from the conductor's cycle: due every half watchdog period. @param nowMs the time. */
    void watchdog(final long nowMs)
    {
        if (watchdogMs > 0 && ready && nowMs >= nextWatchdog)
        {
            nextWatchdog = nowMs + watchdogMs;
            send("WATCHDOG=1");
        }
    }

    @Override
    public void close()
    {
        if (fd >= 0)
        {
            LibC.close(fd);
        }
    }
}
