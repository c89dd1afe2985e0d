package dev.jvs.director.ha;

import dev.jvs.director.config.VrrpConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * ipvsadm 1.31's -L --daemon line over what the kernel's start_sync_thread reports: defaults filled in, maxlen
 * from the MTU (a master's taken as 1500, a backup's clamped to 1500 .. 65535) or the configured one clamped.
 */
class DaemonLineTest
{
    private static final VrrpConfig.SyncDaemon DEFAULTS =
        new VrrpConfig.SyncDaemon("eth1", "VI_2", 0, 0, 8848, 1, 0xE0000051);

    @Test
    void defaultsShouldBeListedAsTheKernelFillsThemIn()
    {
        assertEquals("master sync daemon (mcast=eth1, syncid=0, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)",
            ConnSync.daemonLine(DEFAULTS, true, 9000));
        assertEquals("backup sync daemon (mcast=eth1, syncid=0, maxlen=8972, group=224.0.0.81, port=8848, ttl=1)",
            ConnSync.daemonLine(DEFAULTS, false, 9000));
        assertEquals("backup sync daemon (mcast=eth1, syncid=0, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)",
            ConnSync.daemonLine(DEFAULTS, false, 1280));
    }

    @Test
    void aConfiguredMaxlenShouldBeClampedAsTheKernelClampsIt()
    {
        final VrrpConfig.SyncDaemon small = new VrrpConfig.SyncDaemon("eth1", "VI_2", 7, 600, 9000, 2, 0xEF000001);
        assertEquals("master sync daemon (mcast=eth1, syncid=7, maxlen=600, group=239.0.0.1, port=9000, ttl=2)",
            ConnSync.daemonLine(small, true, 1500));
        assertEquals("backup sync daemon (mcast=eth1, syncid=7, maxlen=1024, group=239.0.0.1, port=9000, ttl=2)",
            ConnSync.daemonLine(small, false, 1500));
        final VrrpConfig.SyncDaemon big = new VrrpConfig.SyncDaemon("eth1", null, 0, 65535, 8848, 1, 0xE0000051);
        assertEquals("master sync daemon (mcast=eth1, syncid=0, maxlen=65507, group=224.0.0.81, port=8848, ttl=1)",
            ConnSync.daemonLine(big, true, 1500));
    }
}
