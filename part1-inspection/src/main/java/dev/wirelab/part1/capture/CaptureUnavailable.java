package dev.wirelab.part1.capture;

import java.io.IOException;
import java.util.Locale;

/**
 * Live capture cannot run here; the message names what is missing and how to fix it on this OS.
 * Its own type, because a caller may carry on without capture (the demo shows its bundled captures).
 */
public final class CaptureUnavailable extends IOException {

    private static final long serialVersionUID = 1L;

    public CaptureUnavailable(String message) {
        super(message);
    }

    static boolean isMac() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac");
    }

    static boolean isWindows() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("windows");
    }

    static CaptureUnavailable noLibpcap(Throwable cause) {
        String fix;
        if (isWindows()) {
            fix = "install Npcap from https://npcap.com (tick \"Support loopback traffic\")";
        } else if (isMac()) {
            fix = "libpcap ships with macOS; check that /usr/lib/libpcap.A.dylib is readable";
        } else {
            fix = "install it: sudo apt-get install libpcap0.8 (Debian/Ubuntu) or sudo dnf install libpcap (Fedora)";
        }
        return new CaptureUnavailable("libpcap was not found (" + cause.getClass().getSimpleName() + "); " + fix);
    }

    static CaptureUnavailable noPermission(String iface, String detail) {
        String fix;
        if (isMac()) {
            fix = "run with sudo, or give your user read access to /dev/bpf* (Wireshark's ChmodBPF does that)";
        } else if (isWindows()) {
            fix = "run as Administrator, or reinstall Npcap without \"Restrict driver access to Administrators\"";
        } else {
            // Name the JDK that is running, not "which java" (./lab may run another one), and the
            // ldconfig step: a java with file capabilities starts in secure mode, which ignores
            // the relative library path, so it cannot find libjli.so without it.
            String home = System.getProperty("java.home");
            fix = "run with sudo, or once: sudo setcap cap_net_raw,cap_net_admin=eip " + home + "/bin/java && echo "
                    + home + "/lib | sudo tee /etc/ld.so.conf.d/wirelab-java.conf && sudo ldconfig";
        }
        return new CaptureUnavailable("no permission to capture on " + iface + " (" + detail + "): capturing needs root or CAP_NET_RAW+CAP_NET_ADMIN; " + fix);
    }

    static boolean isPermissionMessage(String msg) {
        String m = String.valueOf(msg).toLowerCase(Locale.ROOT);
        return m.contains("permission") || m.contains("not permitted") || m.contains("access denied")
                || m.contains("eperm") || m.contains("/dev/bpf");
    }
}
