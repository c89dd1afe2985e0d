package dev.jvs.director;

import dev.jvs.director.cli.AdmCommand;
import dev.jvs.director.cli.CheckCommand;
import dev.jvs.director.cli.GenDocsCommand;
import dev.jvs.director.cli.LoadClassesCommand;
import dev.jvs.director.cli.RealServerCommand;
import dev.jvs.director.cli.ReplayCommand;
import dev.jvs.director.cli.RsTunCommand;
import dev.jvs.director.cli.RunCommand;
import dev.jvs.director.cli.SimCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code jvs} command line: one entry point, a subcommand per job. */
@Command(
    name = "jvs",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "A user-space Linux Virtual Server.",
    subcommands = {SimCommand.class, ReplayCommand.class, RunCommand.class, RsTunCommand.class, RealServerCommand.class,
        AdmCommand.class, CheckCommand.class, GenDocsCommand.class, LoadClassesCommand.class,
        CommandLine.HelpCommand.class})
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
        if (args.length > 0 && "adm".equals(args[0]))
        {
            return AdmCommand.run(java.util.List.of(args).subList(1, args.length));
        }
        if (args.length > 0 && "run".equals(args[0]))
        {
            // The daemon's start is on the clock (a restarted master preempts late): picocli models run alone,
            // not every command (a tenth of a second saved).
            final RunCommand run = new RunCommand();
            final CommandLine cl = new CommandLine(run).setCommandName("jvs run");
            refusalsAsTheDaemonSays(cl);
            final int status = cl.execute(java.util.Arrays.copyOfRange(args, 1, args.length));
            return 0 == status ? run.exitCode() : status;
        }
        final CommandLine cl = new CommandLine(new Main());
        refusalsAsTheDaemonSays(cl);
        final int status = cl.execute(args);
        final CommandLine sub = cl.getParseResult() == null || !cl.getParseResult().hasSubcommand() ? null :
            cl.getParseResult().subcommand().commandSpec().commandLine();
        if (0 == status && null != sub && sub.getCommand() instanceof RunCommand)
        {
            return ((RunCommand)sub.getCommand()).exitCode();
        }
        return status;
    }

    private static void refusalsAsTheDaemonSays(final CommandLine cl)
    {
        final CommandLine.IParameterExceptionHandler usage = cl.getParameterExceptionHandler();
        cl.setParameterExceptionHandler((ex, rest) ->
        {
            final int refused = RunCommand.refuse(ex);
            return refused >= 0 ? refused : usage.handleParseException(ex, rest);
        });
    }

    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }
}
