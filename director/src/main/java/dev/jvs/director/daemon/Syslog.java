package dev.jvs.director.daemon;

import com.sun.jna.Memory;
import dev.jvs.engine.os.LibC;

import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Log lines to syslog as keepalived does with {@code -S, --log-facility}: an RFC 3164 datagram
 * ({@code <PRI>Mmm dd hh:mm:ss jvs[PID]: message}) to /dev/log, facility local0..local7 (or daemon, keepalived's
 * default). Java's DatagramChannel has no Unix-domain sockets, hence libc. Lines still go to stdout too.
 */
final class Syslog implements AutoCloseable
{
    /** LOG_DAEMON. */
    static final int DAEMON = 3;
    /** LOG_LOCAL0; local N is LOCAL0 + N. */
    static final int LOCAL0 = 16;
    /** LOG_INFO. */
    static final int INFO = 6;
    /** LOG_WARNING. */
    static final int WARNING = 4;

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.ROOT);
    private final int fd;
    private final int facility;
    private final Memory addr = new Memory(110);
    private final int addrLength;
    private final Memory buf = new Memory(2048);
    private final long pid = ProcessHandle.current().pid();

    /**
     * @param socket the syslog socket (/dev/log).
     * @param facility the facility number (LOG_LOCAL0 + N, or LOG_DAEMON).
     */
    Syslog(final String socket, final int facility)
    {
        this.facility = facility;
        this.fd = LibC.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM, 0);
        if (fd < 0)
        {
            throw new IllegalStateException("socket(AF_UNIX): " + LibC.strerror(LibC.errno()));
        }
        final byte[] path = socket.getBytes(StandardCharsets.UTF_8);
        if (path.length > 107)
        {
            LibC.close(fd);
            throw new IllegalArgumentException("syslog socket path too long: " + socket);
        }
        addr.clear();
        addr.setShort(0, (short)LibC.AF_UNIX);
        addr.write(2, path, 0, path.length);
        addrLength = 2 + path.length + 1;
    }

    /**
     * Parse keepalived's {@code --log-facility}: 0..7 for local0..local7, or a name.
     *
     * @param value the option's value.
     * @return the facility number.
     */
    static int facility(final String value)
    {
        if (value.matches("[0-7]"))
        {
            return LOCAL0 + Integer.parseInt(value);
        }
        if (value.matches("local[0-7]"))
        {
            return LOCAL0 + (value.charAt(5) - '0');
        }
        if ("daemon".equals(value))
        {
            return DAEMON;
        }
        throw new IllegalArgumentException("--log-facility must be 0..7 (local0..local7), local0..local7 or daemon, " +
            "not " + value);
    }

    /**
     * Send one line; a line that starts with "warning" goes at LOG_WARNING, the rest at LOG_INFO. Losing a
     * datagram (no syslog daemon) is not an error: stdout has the line.
     *
     * @param line the message.
     */
    synchronized void log(final String line)
    {
        final int severity = line.startsWith("warning") ? WARNING : INFO;
        final String msg = "<" + (facility * 8 + severity) + ">" + LocalDateTime.now().format(STAMP) + " jvs[" + pid +
            "]: " + line;
        final byte[] b = msg.getBytes(StandardCharsets.UTF_8);
        final int n = (int)Math.min(b.length, buf.size());
        buf.write(0, b, 0, n);
        LibC.sendto(fd, buf, n, 0, addr, addrLength);
    }

    @Override
    public void close()
    {
        LibC.close(fd);
    }
}
