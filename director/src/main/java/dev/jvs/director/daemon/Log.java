package dev.jvs.director.daemon;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The daemon's log: one line at a time to stdout ({@code 2026-12-06T13:45:01.123+00:00 INFO  [conductor] ...}:
 * ISO date and time to the millisecond, the level, the thread that speaks, which names the part of the daemon),
 * and to syslog when {@code --log-facility} asks for it (the message alone: syslog stamps its own). Static,
 * so that no class reaches back up to the command for it; the packages below the daemon (ha, check, notify)
 * are handed {@code Log::info} as a plain consumer.
 */
public final class Log
{
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
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
        final String level = line.startsWith("warning") ? "WARN " : "INFO ";
        final String name = Thread.currentThread().getName();
        final String who = name.startsWith("jvs-") ? name.substring(4) : name;
        synchronized (System.out)
        {
            System.out.println(OffsetDateTime.now().format(STAMP) + " " + level + "[" + who + "] " + line);
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
