package dev.jvs.director.notify;

import dev.jvs.director.config.GlobalDefs;
import dev.jvs.director.config.RealServer;
import dev.jvs.director.config.VirtualServer;
import dev.jvs.director.config.VrrpConfig;
import dev.jvs.engine.frame.Ipv4;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * keepalived's smtp_alert: a mail to {@code notification_email} through {@code smtp_server} on a real server's
 * or a VRRP instance's transition, with keepalived's subjects and bodies (smtp.c), sent in order by a thread
 * of its own so that neither the checker nor the forwarding thread waits on a mail server.
 */
public final class Mailer implements AutoCloseable
{
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z",
        Locale.ROOT);
    private final GlobalDefs g;
    private final String routerId;
    private final String from;
    private final String helo;
    private final Consumer<String> log;
    private final ExecutorService exec = Executors.newSingleThreadExecutor(r ->
    {
        final Thread t = new Thread(r, "jvs-smtp");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param g the global_defs (mail settings).
     * @param log log lines.
     */
    public Mailer(final GlobalDefs g, final Consumer<String> log)
    {
        this.g = g;
        final String host = hostName();
        this.routerId = null != g.routerId() ? g.routerId() : host;
        this.from = null != g.notificationFrom() ? g.notificationFrom() : "keepalived@" + host;
        this.helo = null != g.smtpHeloName() ? g.smtpHeloName() : host;
        this.log = log;
    }

    /** @return whether mail can be sent at all (a server and recipients). */
    public boolean configured()
    {
        return 0 != g.smtpServer() && !g.notificationEmails().isEmpty();
    }

    /**
     * A real server went up or down.
     *
     * @param rs the real server.
     * @param up its new state.
     */
    public void realServer(final RealServer rs, final boolean up)
    {
        if (rs.smtpAlert() || rs.vs().smtpAlert() || g.smtpAlert() || g.smtpAlertChecker())
        {
            send("[" + routerId + "] Realserver [" + rs.address() + "]:" + rs.port() + " of virtual server [" +
                vsName(rs.vs()) + " - " + (up ? "UP" : "DOWN"),
                up ? "=> CHECK succeed on service <=" : "=> CHECK failed on service <=");
        }
    }

    /**
     * A VRRP instance changed state.
     *
     * @param instance its configuration.
     * @param state MASTER, BACKUP or FAULT.
     */
    public void vrrp(final VrrpConfig.Instance instance, final String state)
    {
        if (!(instance.smtpAlert() || g.smtpAlert() || g.smtpAlertVrrp()))
        {
            return;
        }
        final String body = switch (state)
        {
            case "MASTER" -> "=> VRRP Instance is now owning VRRP VIPs <=";
            case "BACKUP" -> "=> VRRP Instance is nolonger owning VRRP VIPs <=";
            case "FAULT" -> "=> VRRP Instance is in FAULT state <=";
            default -> null;
        };
        if (null != body)
        {
            send("[" + routerId + "] VRRP Instance " + instance.cfg().name() + " - Entering " + state + " state", body);
        }
    }

    private static String vsName(final VirtualServer vs)
    {
        if (null != vs.group())
        {
            return vs.group() + "]";
        }
        return 0 != vs.fwmark() ? "FWM " + vs.fwmark() + "]" : vs.address() + "]:" + vs.port();
    }

    private void send(final String subject, final String body)
    {
        if (!configured())
        {
            return;
        }
        final String date = ZonedDateTime.now().format(DATE);
        try
        {
            exec.execute(() -> deliver(subject, body, date));
        }
        catch (final java.util.concurrent.RejectedExecutionException ex)
        {
            log.accept("warning: smtp_alert not sent (shutting down): " + subject);
        }
    }

    private void deliver(final String subject, final String body, final String date)
    {
        final int timeout = (int)Math.min(Integer.MAX_VALUE, g.smtpConnectTimeoutMs());
        try (Socket s = new Socket())
        {
            s.connect(new InetSocketAddress(Ipv4.toString(g.smtpServer()), g.smtpPort()), timeout);
            s.setSoTimeout(timeout);
            final BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                StandardCharsets.US_ASCII));
            final OutputStream out = s.getOutputStream();
            expect(in, 220, "greeting");
            command(out, in, "HELO " + helo, 250);
            command(out, in, "MAIL FROM:<" + from + ">", 250);
            for (final String to : g.notificationEmails())
            {
                command(out, in, "RCPT TO:<" + to + ">", 250);
            }
            command(out, in, "DATA", 354);
            final String message = "Date: " + date + "\r\nFrom: " + from + "\r\nSubject: " + subject +
                "\r\nX-Mailer: Keepalived\r\nTo: " + String.join(", ", g.notificationEmails()) + "\r\n\r\n" + body +
                "\r\n";
            command(out, in, message + ".", 250);
            command(out, in, "QUIT", 221);
            log.accept("smtp_alert sent: " + subject);
        }
        catch (final IOException ex)
        {
            log.accept("warning: smtp_alert to " + Ipv4.toString(g.smtpServer()) + ":" + g.smtpPort() + " failed (" +
                ex.getMessage() + "): " + subject);
        }
    }

    private static void command(final OutputStream out, final BufferedReader in, final String line, final int code)
        throws IOException
    {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        expect(in, code, line.length() > 20 ? line.substring(0, 20) + "..." : line);
    }

    private static void expect(final BufferedReader in, final int code, final String after) throws IOException
    {
        String line;
        do
        {
            line = in.readLine();
            if (null == line)
            {
                throw new IOException("connection closed after " + after);
            }
        }
        while (line.length() > 3 && '-' == line.charAt(3));
        if (!line.startsWith(String.valueOf(code)) && !(250 == code && line.startsWith("251")))
        {
            throw new IOException("'" + line + "' after " + after);
        }
    }

    private static String hostName()
    {
        try
        {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/hostname")).strip();
        }
        catch (final IOException ex)
        {
            return "localhost";
        }
    }

    @Override
    public void close()
    {
        exec.shutdown();
        try
        {
            exec.awaitTermination(5, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
