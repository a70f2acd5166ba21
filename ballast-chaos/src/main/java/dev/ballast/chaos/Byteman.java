package dev.ballast.chaos;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jboss.byteman.agent.submit.ScriptText;
import org.jboss.byteman.agent.submit.Submit;

/**
 * Fault injection at a named point of a child JVM with Byteman (the agent {@code org.jboss.byteman:byteman}, started
 * with the JVM through {@link #jvmOptions()}; its listener on 127.0.0.1 only, on a port of its own). Rules are installed
 * and removed at run time through the listener ({@code byteman-submit}), so the JVM runs unchanged until {@link
 * #inject} and again after {@link InjectedFault#close()}. Each rule writes one line {@code ballast-fault <name>} to the
 * JVM's standard output every time it fires, so a scenario can count its firings in the instance's log ({@link
 * InjectedFault#firings}) and fail when a rule fires never (a misspelt class or method is silently never injected).
 * Works with Byteman 4.0.27 on Java 25 without further options.
 */
@SuppressWarnings("try") // InjectedFault.close() waits for the agent; an interrupt then is the caller's
public final class Byteman {

    /** What a rule writes to the JVM's standard output each time it fires, followed by its name. */
    public static final String FIRED = "ballast-fault ";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9 ._-]{1,80}");

    private final int port;

    private Byteman(int port) {
        this.port = port;
    }

    /** An agent for one JVM, its listener on a free loopback port. */
    public static Byteman onFreePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new Byteman(socket.getLocalPort());
        }
    }

    /** The agent's jar, found through its main class on this classpath. */
    public static Path agentJar() {
        try {
            Path jar = Path.of(Class.forName("org.jboss.byteman.agent.Main")
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException("the Byteman agent is not a jar here: " + jar);
            }
            return jar;
        } catch (ClassNotFoundException | URISyntaxException e) {
            throw new IllegalStateException("org.jboss.byteman:byteman is not on the classpath", e);
        }
    }

    /** The options that start the JVM with the agent and its listener on 127.0.0.1:{@link #port()}. */
    public List<String> jvmOptions() {
        return List.of("-javaagent:" + agentJar() + "=listener:true,address:127.0.0.1,port:" + port);
    }

    /** The listener's port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** The agent's version, asked through the listener: shows that the agent runs in the JVM and listens. */
    public String agentVersion() throws Exception {
        return submit().getAgentVersion().strip();
    }

    /**
     * Installs {@code rule} in the running JVM; it stays until the returned fault is closed. Fails if the agent
     * reports an error: the rule does not parse (reported once its class is loaded; a condition or action that does
     * not type-check is reported only when the rule first triggers, and then it never fires: count the firings).
     */
    public InjectedFault inject(Rule rule) throws Exception {
        ScriptText script = new ScriptText("ballast-" + rule.name().replace(' ', '-') + ".btm", rule.text());
        String answer = submit().addScripts(List.of(script));
        String listing = rules();
        if (!answer.contains("install rule " + rule.name()) || listing.contains(".rule.exception.")) {
            remove(script);
            throw new IllegalStateException("Byteman did not install " + rule.name() + ": " + answer + listing);
        }
        return new InjectedFault(this, rule, script);
    }

    /** What the agent says about its rules: each with where it was injected, how often it triggered, errors. */
    public String rules() throws Exception {
        return submit().listAllRules();
    }

    void remove(ScriptText script) throws Exception {
        submit().deleteScripts(List.of(script));
    }

    private Submit submit() {
        return new Submit("127.0.0.1", port);
    }

    /**
     * One Byteman rule that throws at a method's entry.
     *
     * @param name the rule's name (letters, digits, space, {@code ._-}); also the tag of its firings in the log
     * @param className the fully qualified class (not an interface: the rule applies to that class only)
     * @param method the method's name, optionally with its parameter types, e.g. {@code complete(String, List)}
     * @param condition a Byteman condition ({@code true} to fire on every call)
     * @param exception the expression that builds the exception, e.g. {@code new java.sql.SQLException("injected")}:
     *     a checked one must be declared by the method
     */
    public record Rule(String name, String className, String method, String condition, String exception) {

        /** Validates the name (it is written into the rule script and the log). */
        public Rule {
            Objects.requireNonNull(name, "name");
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("rule name must be 1-80 of letters, digits, space, ._-: " + name);
            }
            Objects.requireNonNull(className, "className");
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(condition, "condition");
            Objects.requireNonNull(exception, "exception");
        }

        /** A rule that throws {@code exception} at every entry of {@code className.method}. */
        public static Rule throwAtEntry(String name, String className, String method, String exception) {
            return new Rule(name, className, method, "true", exception);
        }

        /** The script the agent receives. */
        public String text() {
            return "RULE " + name + "\n"
                    + "CLASS " + className + "\n"
                    + "METHOD " + method + "\n"
                    + "AT ENTRY\n"
                    + "IF " + condition + "\n"
                    + "DO traceln(\"" + FIRED + name + "\");\n"
                    + "   throw " + exception + "\n"
                    + "ENDRULE\n";
        }
    }

    /** A rule installed in a running JVM; {@link #close()} removes it. */
    public static final class InjectedFault implements AutoCloseable {
        private final Byteman agent;
        private final Rule rule;
        private final ScriptText script;
        private boolean removed;

        private InjectedFault(Byteman agent, Rule rule, ScriptText script) {
            this.agent = agent;
            this.rule = rule;
            this.script = script;
        }

        /** The rule. */
        public Rule rule() {
            return rule;
        }

        /** How often the rule fired, counted in {@code output} (the JVM's standard output, e.g. its log file). */
        public long firings(String output) {
            return firings(rule.name(), output);
        }

        /** How often the rule named {@code name} fired, counted in {@code output}. */
        public static long firings(String name, String output) {
            return output.lines().filter(line -> line.equals(FIRED + name)).count();
        }

        /** Removes the rule: the method runs unchanged from now on. Idempotent. */
        @Override
        public void close() throws Exception {
            if (!removed) {
                agent.remove(script);
                removed = true;
            }
        }
    }
}
