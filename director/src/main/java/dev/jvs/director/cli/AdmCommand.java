package dev.jvs.director.cli;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code jvs adm [--socket PATH] IPVSADM-ARGS...}: ipvsadm's flags, sent to the running daemon's control
 * socket. Outside picocli, because ipvsadm's flags (-L, -n, -Sn) are not ours to declare one by one.
 */
public final class AdmCommand
{
    /** Where {@code jvs run} puts its socket (IFACE.sock) unless told otherwise: this network namespace's. */
    static final Path RUN_DIR = dev.jvs.director.daemon.RunDir.here();

    private AdmCommand()
    {
    }

    public static int run(final List<String> argv)
    {
        Path socket = null;
        final List<String> args = new ArrayList<>();
        for (int i = 0; i < argv.size(); i++)
        {
            if ("--socket".equals(argv.get(i)) && i + 1 < argv.size())
            {
                socket = Path.of(argv.get(++i));
            }
            else if ("-h".equals(argv.get(i)) || "--help".equals(argv.get(i)))
            {
                System.out.println("Usage: jvs adm [--socket PATH] IPVSADM-ARGS\n" +
                    "  -A|-E -t|-u VIP:PORT|-f MARK [-s SCHED] [-p [SECONDS]] [-M NETMASK] [-b FLAGS] [-o]\n" +
                    "  -D -t|-u VIP:PORT|-f MARK      -C\n" +
                    "  -a|-e -t|-u VIP:PORT|-f MARK -r RIP[:PORT] [-g|-i|-m] [-w WEIGHT] [-x UPPER] [-y LOWER]\n" +
                    "  -d -t|-u VIP:PORT|-f MARK -r RIP[:PORT]     --set TCP TCPFIN UDP     -R < ipvsadm-save output\n" +
                    "  -L|-l [-n] [-c] [--stats|--rate|--thresholds|--persistent-conn|--timeout] [--exact]\n" +
                    "  -Z [-t|-u|-f SERVICE]    -S [-n]    --reload\n" +
                    "ipvsadm's flags, answered by the running director (default: the one socket in " + RUN_DIR + ").");
                return 0;
            }
            else
            {
                args.add(argv.get(i));
            }
        }
        if (null == socket)
        {
            final List<Path> found = new ArrayList<>();
            try (java.nio.file.DirectoryStream<Path> d = java.nio.file.Files.newDirectoryStream(RUN_DIR, "*.sock"))
            {
                d.forEach(found::add);
            }
            catch (final IOException ex)
            {
                // No directory: no director.
            }
            if (1 != found.size())
            {
                System.err.println("jvs adm: " + (found.isEmpty() ? "no director is running (no socket in " + RUN_DIR +
                    ")" : "several directors are running: choose one with --socket " + found));
                return 1;
            }
            socket = found.get(0);
        }
        if (!args.isEmpty() && ("-R".equals(args.get(0)) || "--restore".equals(args.get(0))))
        {
            // ipvsadm -R reads ipvsadm-save output from standard input; the daemon applies it line by line.
            try
            {
                args.add(new String(System.in.readAllBytes(), StandardCharsets.UTF_8));
            }
            catch (final IOException ex)
            {
                System.err.println("jvs adm -R: cannot read standard input: " + ex.getMessage());
                return 1;
            }
        }
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX))
        {
            c.connect(UnixDomainSocketAddress.of(socket));
            final ByteBuffer req = ByteBuffer.wrap(String.join("\0", args).getBytes(StandardCharsets.UTF_8));
            while (req.hasRemaining())
            {
                c.write(req);
            }
            c.shutdownOutput();
            final String reply = new String(Channels.newInputStream(c).readAllBytes(), StandardCharsets.UTF_8);
            final int nl = reply.indexOf('\n');
            if (nl < 0)
            {
                System.err.println("jvs adm: no answer from " + socket);
                return 1;
            }
            final boolean ok = "0".equals(reply.substring(0, nl));
            (ok ? System.out : System.err).print(reply.substring(nl + 1));
            return ok ? 0 : 2;
        }
        catch (final IOException ex)
        {
            System.err.println("jvs adm: cannot reach the director at " + socket + ": " + ex.getMessage() +
                " (is jvs run running, and are you root?)");
            return 1;
        }
    }
}
