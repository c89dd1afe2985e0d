package dev.jvs.director;

import dev.jvs.director.config.ConfigException;
import dev.jvs.director.config.ConfigLoader;
import dev.jvs.director.config.KeepalivedConfig;
import dev.jvs.engine.Neighbors;
import dev.jvs.engine.service.ServiceTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code jvs check}: test a configuration as {@code keepalived --config-test} does, and show what would run. */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = {
        "Check a keepalived.conf: exit 0 when it is valid, 1 with the errors (file:line:column) when not.",
        "Warnings (unknown keywords, file:line) go to standard error and do not fail the check."})
final class CheckCommand implements Callable<Integer>
{
    @Option(names = {"-f", "--config"}, required = true, description = "keepalived.conf")
    private Path config;

    @Option(names = "--dump", description = "print the virtual services as ipvsadm-save -n would")
    private boolean dump;

    @Override
    public Integer call()
    {
        final KeepalivedConfig kc;
        try
        {
            kc = KeepalivedConfig.load(config);
        }
        catch (final ConfigException ex)
        {
            System.err.println(ex.getMessage());
            return 1;
        }
        kc.warnings.forEach(w -> System.err.println("warning: " + w));
        if (dump)
        {
            final ServiceTable services = new ServiceTable(() -> 0);
            ConfigLoader.apply(kc, services, new Neighbors(), -1, 0);
            IpvsadmFormat.save(services).forEach(System.out::println);
        }
        return 0;
    }
}
