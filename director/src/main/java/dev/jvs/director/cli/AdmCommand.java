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

import dev.jvs.director.adm.IpvsadmArgs;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jvs adm [--socket PATH] IPVSADM-ARGS...}: ipvsadm's command line, checked here as ipvsadm checks it
 * ({@link IpvsadmArgs}: its words, its status 2) and answered by the running director through its control
 * socket; what the director refuses ends with ipvsadm's status for it (255 for an edit the kernel would refuse, 1
 * for a service that is not there). jvs's own requests: {@code --reload} (waits for the result), {@code --vrrp},
 * {@code --checkers}, {@code metrics}. A picocli command for the help and the man page; the flags themselves are
 * ipvsadm's grammar (grouped, optional arguments), parsed by {@link IpvsadmArgs} rather than declared one by one.
 */
@Command(
    name = "adm",
    description = {
        "ipvsadm's command line for the running director (default: the one socket in /run/jvs/net-INODE/).",
        "  -A|-E -t|-u VIP:PORT|-f MARK [-s SCHED] [-p [SECONDS]] [-M NETMASK] [-b FLAGS] [-o]",
        "  -D -t|-u VIP:PORT|-f MARK      -C      --set TCP TCPFIN UDP      -R < ipvsadm-save output",
        "  -a|-e -t|-u VIP:PORT|-f MARK -r RIP[:PORT] [-g|-i|-m] [-w WEIGHT] [-x UPPER] [-y LOWER]",
        "  -d -t|-u VIP:PORT|-f MARK -r RIP[:PORT]",
        "  -L|-l [-t|-u VIP:PORT|-f MARK] [-n] [-c] [--stats|--rate|--thresholds|--persistent-conn|--timeout|--daemon]",
        "     [--exact] [--sort]      (grouped short flags as ipvsadm: -Ln, -Lnc)",
        "  -Z [-t|-u VIP:PORT|-f MARK]    -S [-n]",
        "jvs's own: --reload (waits; status 1 with the reason when the file is refused), --vrrp (instances, state,",
        "priorities), --checkers (each checker's last result and time), metrics (the Prometheus text).",
        "Exit status as ipvsadm: 0 done, 2 a bad command line, 255 refused by the director, 1 no such service or",
        "no director."})
public final class AdmCommand implements java.util.concurrent.Callable<Integer>
{
    /** Where {@code jvs run} puts its socket (IFACE.sock) unless told otherwise: this network namespace's. */
    static final Path RUN_DIR = dev.jvs.director.daemon.RunDir.here();
    private static final List<String> OWN = List.of("--reload", "--vrrp", "--checkers", "metrics");

    @Option(names = "--socket", paramLabel = "PATH", description = "the director's control socket")
    private Path socketOption;

    @Parameters(paramLabel = "IPVSADM-ARGS", description = "ipvsadm's flags, or one of jvs's requests")
    private List<String> args = new ArrayList<>();

    @Override
    public Integer call()
    {
        final List<String> all = new ArrayList<>();
        if (null != socketOption)
        {
            all.addAll(List.of("--socket", socketOption.toString()));
        }
        all.addAll(args);
        return run(all);
    }

    /** @return the socket of the one director of this network namespace, or null (said why). */
    private static Path theOneSocket()
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
            return null;
        }
        return found.get(0);
    }

    /**
     * @param argv what follows {@code jvs adm}.
     * @return the exit status.
     */
    public static int run(final List<String> argv)
    {
        Path socket = null;
        final List<String> given = new ArrayList<>();
        for (int i = 0; i < argv.size(); i++)
        {
            if ("--socket".equals(argv.get(i)) && i + 1 < argv.size())
            {
                socket = Path.of(argv.get(++i));
            }
            else
            {
                given.add(argv.get(i));
            }
        }
        final List<String> args;
        if (given.size() == 1 && OWN.contains(given.get(0)))
        {
            args = given;
        }
        else
        {
            final IpvsadmArgs parsed;
            try
            {
                parsed = IpvsadmArgs.parse(given);
            }
            catch (final IpvsadmArgs.Refused ex)
            {
                System.err.println(ex.getMessage());
                return ex.status();
            }
            if (parsed.help())
            {
                new CommandLine(new AdmCommand()).setCommandName("jvs adm").usage(System.out);
                return 0;
            }
            if (parsed.version())
            {
                System.out.println("jvs adm " + dev.jvs.director.Version.get() + " (ipvsadm's command line, IPVS 1.2.1)");
                return 0;
            }
            args = new ArrayList<>(parsed.tokens());
        }
        if (null == socket)
        {
            socket = theOneSocket();
            if (null == socket)
            {
                return 1;
            }
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
            final int status = Integer.parseInt(reply.substring(0, nl).trim());
            (0 == status ? System.out : System.err).print(reply.substring(nl + 1));
            return status;
        }
        catch (final IOException ex)
        {
            System.err.println("jvs adm: cannot reach the director at " + socket + ": " + ex.getMessage() +
                " (is jvs run running, and are you root?)");
            return 1;
        }
    }
}
