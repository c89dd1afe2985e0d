package dev.jvs.director;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line describes itself: every subcommand in jvs --help, jvs help adm, jvs run -h without -V's clash. */
class CliHelpTest extends CapturedOutput
{
    private String text()
    {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpShouldListAndDescribeEveryCommand()
    {
        assertEquals(0, Main.execute("--help"));
        for (final String c : new String[] {"run", "adm", "check", "realserver", "sim", "replay"})
        {
            assertTrue(text().contains("\n  " + c + " "), c + ": " + text());
        }
        assertEquals(0, Main.execute("help", "adm"));
        assertTrue(text().contains("-L|-l [-t|-u VIP:PORT|-f MARK]"), text());
        out.reset();
        assertEquals(0, Main.execute("adm", "-h"));
        assertTrue(text().contains("Usage: jvs adm"), text());
        assertEquals(0, Main.execute("run", "-h"));
        assertTrue(text().contains("-V, --dont-release-vrrp") && text().contains("-v, --version"), text());
        assertEquals(2, Main.execute("adm", "-L", "-Z"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("multiple commands specified"));
    }
}
