package dev.jvs.director.cli;

import dev.jvs.schedulers.sim.Simulator;
import dev.jvs.schedulers.sim.TraceException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code jvs sim}: replay a JSON Lines trace through an IPVS scheduler and print each pick. */
@Command(
    name = "sim",
    mixinStandardHelpOptions = true,
    description = {
        "Replay a trace (JSON Lines) through a scheduler; print 'ID SERVER' for every conn event,",
        "or 'ID -' when no server can take it. A bad line stops the run with exit status 2."})
public final class SimCommand implements Callable<Integer>
{
    @Option(names = {"-s", "--scheduler"}, required = true,
        description = "rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos")
    private String scheduler;

    @Option(names = {"-b", "--flags"}, defaultValue = "",
        description = "scheduler flags: sh-fallback, sh-port, mh-fallback, mh-port (comma-separated)")
    private String flags;

    @Option(names = {"-t", "--trace"}, description = "trace file (default: standard input)")
    private Path trace;

    @Option(names = "--seed", defaultValue = "1", description = "seed of twos' draws when an event has no \"rand\"")
    private long seed;

    @Override
    public Integer call() throws IOException
    {
        final PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
        final Simulator sim;
        try
        {
            sim = new Simulator(scheduler, flags, seed);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("jvs sim: " + ex.getMessage());
            return 2;
        }
        try (BufferedReader in = null == trace ?
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)) :
            Files.newBufferedReader(trace, StandardCharsets.UTF_8))
        {
            sim.run(in, out);
            return 0;
        }
        catch (final TraceException ex)
        {
            out.flush();
            System.err.println("jvs sim: " + (null == trace ? "<stdin>" : trace.toString()) + ": " +
                ex.getMessage());
            return 2;
        }
        catch (final java.nio.file.NoSuchFileException ex)
        {
            System.err.println("jvs sim: no such trace file: " + trace);
            return 2;
        }
    }
}
