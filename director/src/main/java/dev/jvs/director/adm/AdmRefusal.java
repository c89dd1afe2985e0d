package dev.jvs.director.adm;

/**
 * A request the director refuses, with the exit status {@code jvs adm} ends with: ipvsadm's where it has one (1 for
 * listing a service that does not exist); the kernel's refusals of an edit are ipvsadm's 255, the status every
 * other IllegalArgumentException from the director gets.
 */
public final class AdmRefusal extends IllegalArgumentException
{
    private static final long serialVersionUID = 1L;
    private final int status;

    /**
     * @param status the exit status.
     * @param message what to print.
     */
    public AdmRefusal(final int status, final String message)
    {
        super(message);
        this.status = status;
    }

    /** @return the exit status. */
    public int status()
    {
        return status;
    }
}
