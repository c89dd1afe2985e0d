package dev.jvs.director.cli;

import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * {@code jvs load-classes} (hidden): load every class of the jar without initialising any, so that a JVM started
 * with {@code -XX:ArchiveClassesAtExit} writes a class-data-sharing archive of them. {@code make build} and the
 * package's postinst make {@code jvs.jsa} this way; the launcher maps it, and the director starts about a
 * tenth of a second sooner (bench/RESULTS.md).
 */
@Command(name = "load-classes", hidden = true, description = "Load the jar's classes (to build the CDS archive).")
public final class LoadClassesCommand implements Callable<Integer>
{
    private static final String[] PACKAGES = {"dev/jvs/", "picocli/", "org/agrona/", "com/sun/jna/",
        "org/HdrHistogram/"};

    @Override
    public Integer call() throws IOException, java.net.URISyntaxException
    {
        final Path jar = Path.of(LoadClassesCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        int loaded = 0;
        try (JarFile f = new JarFile(jar.toFile()))
        {
            for (final JarEntry e : java.util.Collections.list(f.entries()))
            {
                final String n = e.getName();
                if (n.endsWith(".class") && !n.contains("module-info") && !n.startsWith("META-INF/") &&
                    java.util.Arrays.stream(PACKAGES).anyMatch(n::startsWith))
                {
                    try
                    {
                        Class.forName(n.substring(0, n.length() - 6).replace('/', '.'), false,
                            LoadClassesCommand.class.getClassLoader());
                        loaded++;
                    }
                    catch (final ClassNotFoundException | LinkageError ex)
                    {
                        // An optional dependency's class: not needed at run time either.
                    }
                }
            }
        }
        System.out.println("loaded " + loaded + " classes");
        return 0;
    }
}
