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
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            // SIGUSR2 is the JVM's own suspend/resume signal unless _JAVA_SR_SIGNUM moves it (bin/jvs does).
            Log.info("warning: cannot handle SIG" + name + ": " + (null != ex.getCause() ? ex.getCause() : ex) +
                ("USR2".equals(name) ? " (start jvs with _JAVA_SR_SIGNUM=39, as bin/jvs does)" : ""));
        }
    }
}
