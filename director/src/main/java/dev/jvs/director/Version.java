package dev.jvs.director;

import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The project's version, as Maven built it (version.properties, filtered): jvs --version and jvs_build_info. */
public final class Version implements CommandLine.IVersionProvider
{
    private static final String VERSION = read();

    private static String read()
    {
        try (InputStream in = Version.class.getResourceAsStream("version.properties"))
        {
            final Properties p = new Properties();
            if (null != in)
            {
                p.load(in);
            }
            final String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
    }

    /** @return the version, e.g. 0.1.0-SNAPSHOT. */
    public static String get()
    {
        return VERSION;
    }

    @Override
    public String[] getVersion()
    {
        return new String[] {"jvs " + VERSION + " (Java " + System.getProperty("java.runtime.version") + ")"};
    }
}
