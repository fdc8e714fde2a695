package dev.wirelab.common;

/**
 * A failure the user can act on, reported as one line without a stack trace, e.g. "port 8080 is
 * already in use". Carries the exit code: {@link Cli#FAILED} unless said otherwise.
 */
public class UserError extends RuntimeException {

    private final int exitCode;

    public UserError(String message) {
        this(message, Cli.FAILED);
    }

    public UserError(String message, int exitCode) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    public UserError(String message, Throwable cause) {
        super(message, cause, false, false);
        this.exitCode = Cli.FAILED;
    }

    public int exitCode() {
        return exitCode;
    }
}
