package dev.jvs.director;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code jvs} command line: one entry point, a subcommand per job. */
@Command(
    name = "jvs",
    mixinStandardHelpOptions = true,
    version = "jvs 0.1.0",
    description = "A user-space Linux Virtual Server.",
    subcommands = {SimCommand.class, ReplayCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable
{
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /**
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        System.exit(execute(args));
    }

    /**
     * Run without exiting (tests).
     *
     * @param args command line.
     * @return exit status.
     */
    public static int execute(final String... args)
    {
        return new CommandLine(new Main()).execute(args);
    }

    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }
}
