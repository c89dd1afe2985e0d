package dev.jvs.director.daemon;

/**
 * Signal handlers through sun.misc.Signal (module jdk.unsupported), reached by reflection because javac
 * warns on its direct use and the build treats warnings as errors.
 */
final class Signals
{
    private Signals()
    {
    }

    /**
     * Run an action on a signal (on the JVM's signal thread: it must only hand the work on).
     *
     * @param name the signal without SIG ("HUP").
     * @param action what to do.
     */
    static void on(final String name, final Runnable action)
    {
        if (!tryOn(name, action))
        {
            // SIGUSR2 is the JVM's own suspend/resume signal unless _JAVA_SR_SIGNUM moves it (bin/jvs does).
            Log.info("warning: cannot handle SIG" + name + ("USR2".equals(name) ?
                " (start jvs with _JAVA_SR_SIGNUM=39, as bin/jvs does)" : ""));
        }
    }

    /**
     * Every other signal whose default would end the process is ignored, as keepalived's daemon does: the named
     * ones with a log line, the real-time ones (but the JVM's suspend/resume signal) silently, through libc.
     */
    static void ignoreTheRest()
    {
        for (final String name : new String[] {"ALRM", "VTALRM", "PROF", "IO", "PWR", "XCPU", "XFSZ", "STKFLT", "SYS",
            "PIPE"})
        {
            tryOn(name, () -> Log.info("SIG" + name + " ignored"));
        }
        int sr = 39;
        try
        {
            sr = Integer.parseInt(System.getenv().getOrDefault("_JAVA_SR_SIGNUM", "12"));
        }
        catch (final NumberFormatException ex)
        {
            // the JVM's default
        }
        for (int sig = 34; sig <= 64; sig++)
        {
            if (sig != sr)
            {
                dev.jvs.engine.os.LibC.ignoreSignal(sig);
            }
        }
    }

    private static boolean tryOn(final String name, final Runnable action)
    {
        try
        {
            final Class<?> signal = Class.forName("sun.misc.Signal");
            final Class<?> handler = Class.forName("sun.misc.SignalHandler");
            final Object h = java.lang.reflect.Proxy.newProxyInstance(handler.getClassLoader(),
                new Class<?>[] {handler}, (proxy, method, args) ->
                {
                    if ("handle".equals(method.getName()))
                    {
                        action.run();
                    }
                    return null;
                });
            signal.getMethod("handle", signal, handler).invoke(null,
                signal.getConstructor(String.class).newInstance(name), h);
            return true;
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            // Unknown here, or the JVM's own.
            return false;
        }
    }
}
