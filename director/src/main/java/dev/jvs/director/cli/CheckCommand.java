package dev.jvs.director.cli;

import dev.jvs.director.adm.IpvsadmFormat;
import dev.jvs.director.adm.IpvsadmFormat;
import dev.jvs.director.adm.IpvsadmFormat;
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
        "Warnings (unknown keywords, defaults keepalived fills in; file:line, in line order) go to standard error",
        "and do not fail the check; before an error, every warning collected up to it is printed."})
public final class CheckCommand implements Callable<Integer>
{
    @Option(names = {"-f", "--config"}, required = true, description = "keepalived.conf")
    private Path config;

    @Option(names = "--dump", description = "print the virtual services as ipvsadm-save -n would, then the VRRP instances")
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
            // Every warning first: a misspelt keyword warned about may be the cause of the error.
            KeepalivedConfig.inLineOrder(ex.warnings()).forEach(w -> System.err.println("warning: " + w));
            System.err.println(ex.getMessage());
            return 1;
        }
        KeepalivedConfig.inLineOrder(kc.warnings).forEach(w -> System.err.println("warning: " + w));
        if (dump)
        {
            final ServiceTable services = new ServiceTable(() -> 0);
            ConfigLoader.apply(kc, services, new Neighbors(), -1, 0);
            IpvsadmFormat.save(services).forEach(System.out::println);
            // Then the VRRP instances, as comments so the output stays valid ipvsadm-restore input.
            for (final dev.jvs.director.config.VrrpConfig.Instance i : kc.vrrp.instances())
            {
                final dev.jvs.vrrp.InstanceConfig c = i.cfg();
                System.out.println(String.format(java.util.Locale.ROOT,
                    "# vrrp_instance %s: %s vrid %d VRRPv%d priority %d advert_int %.2f%s%s%s addresses %s", c.name(),
                    c.iface(), c.vrid(), c.version(), c.priority(), c.advertCentis() / 100.0,
                    null != c.authPass() ? " auth PASS" : "", c.preempt() ? "" : " nopreempt",
                    c.unicastPeers().length + c.unicastPeers6().length > 0 ? " unicast" : "",
                    dev.jvs.director.config.VrrpConfig.vipText(c)));
            }
        }
        return 0;
    }
}
