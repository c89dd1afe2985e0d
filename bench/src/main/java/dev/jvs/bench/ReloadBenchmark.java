package dev.jvs.bench;

import dev.jvs.director.check.HealthChecker;
import dev.jvs.director.config.ConfigLoader;
import dev.jvs.director.config.KeepalivedConfig;
import dev.jvs.engine.Neighbors;
import dev.jvs.engine.service.ServiceTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A reload at keepalived 2.3.0's scale (2,277 virtual servers, 37,205 real servers; bench/scripts/large-config.py):
 * what the conductor does on SIGHUP, on one worker's table. Two files differ in 1% of the real servers' weights,
 * and each invocation reloads the other one over the running table, so every call is a 1% change.
 *
 * <ul>
 *   <li>{@code parse}: read, preprocess and check the file ({@code jvs check} without the JVM's start).</li>
 *   <li>{@code reload}: parse, the new checker from the old one's states, and the diff applied.</li>
 *   <li>{@code apply}: the diff applied alone (parsed beforehand): what a worker does between two batches.</li>
 * </ul>
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 10)
@Measurement(iterations = 20)
@Fork(3)
@State(Scope.Thread)
public class ReloadBenchmark
{
    private Path dir;
    private final Path[] files = new Path[2];
    private final KeepalivedConfig[] parsed = new KeepalivedConfig[2];
    private ServiceTable table;
    private final Neighbors neighbors = new Neighbors();
    private HealthChecker checker;
    private int next;

    @Setup(Level.Trial)
    public void generate() throws Exception
    {
        dir = Files.createTempDirectory("jvs-reload");
        files[0] = dir.resolve("a.conf");
        files[1] = dir.resolve("b.conf");
        run("python3", script(), files[0].toString(), "0");
        run("python3", script(), files[1].toString(), "1");
        parsed[0] = KeepalivedConfig.load(files[0]);
        parsed[1] = KeepalivedConfig.load(files[1]);
        table = new ServiceTable(() -> 0);
        final long now = System.currentTimeMillis();
        ConfigLoader.apply(parsed[0], table, neighbors, -1, now);
        checker = new HealthChecker(parsed[0], Map.of(), line -> { });
        ConfigLoader.reconcile(parsed[0], table, neighbors, now, checker);
        next = 1;
    }

    private static String script()
    {
        for (final String p : new String[] {"bench/scripts/large-config.py", "scripts/large-config.py",
            "../bench/scripts/large-config.py"})
        {
            if (Files.exists(Path.of(p)))
            {
                return p;
            }
        }
        throw new IllegalStateException("run from the repository: bench/scripts/large-config.py not found");
    }

    private static void run(final String... cmd) throws IOException, InterruptedException
    {
        final Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (0 != p.waitFor())
        {
            throw new IOException(String.join(" ", cmd) + " failed");
        }
    }

    @TearDown(Level.Trial)
    public void clean() throws IOException
    {
        checker.close();
        for (final Path f : files)
        {
            Files.deleteIfExists(f);
        }
        Files.deleteIfExists(dir);
    }

    @Benchmark
    public KeepalivedConfig parse() throws Exception
    {
        return KeepalivedConfig.load(files[0]);
    }

    @Benchmark
    public Object reload() throws Exception
    {
        final KeepalivedConfig kc = KeepalivedConfig.load(files[next]);
        final HealthChecker hc = new HealthChecker(kc, checker.states(), line -> { });
        checker.close();
        checker = hc;
        next ^= 1;
        return ConfigLoader.reconcile(kc, table, neighbors, System.currentTimeMillis(), hc);
    }

    @Benchmark
    public Object apply()
    {
        final KeepalivedConfig kc = parsed[next];
        next ^= 1;
        return ConfigLoader.reconcile(kc, table, neighbors, System.currentTimeMillis(), checker);
    }
}
