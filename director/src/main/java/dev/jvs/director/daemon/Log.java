package dev.jvs.director.daemon;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/**
 * The daemon's log: one line at a time to stdout, stamped to the millisecond, and to syslog when
 * {@code --log-facility} asks for it. Static, so that no class reaches back up to the command for it; the
 * packages below the daemon (ha, check, notify) are handed {@code Log::info} as a plain consumer.
 */
public final class Log
{
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    private static volatile Syslog syslog;

    private Log()
    {
    }

    /**
     * Log a line; one that starts with "warning" goes to syslog at LOG_WARNING.
     *
     * @param line the message.
     */
    public static void info(final String line)
    {
        synchronized (System.out)
        {
            System.out.println(LocalTime.now().format(STAMP) + " " + line);
            System.out.flush();
        }
        final Syslog s = syslog;
        if (null != s)
        {
            s.log(line);
        }
    }

    /**
     * Also log to syslog, as keepalived -S.
     *
     * @param socket the syslog socket.
     * @param facility the option's value.
     * @throws IllegalArgumentException for a bad facility.
     * @throws IllegalStateException when the socket cannot be made.
     */
    public static void toSyslog(final String socket, final String facility)
    {
        syslog = new Syslog(socket, Syslog.facility(facility));
    }
}
