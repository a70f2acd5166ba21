package dev.ballast.core;

import java.util.Optional;

/**
 * Names one unit of work: what business {@code domain} it belongs to, which {@code task} it is, and the {@code id}
 * of the thing it works on.
 *
 * <p>{@code domain} and {@code task} are low-cardinality names that become metric tags, so they are validated: 1 to
 * {@value #MAX_NAME_LENGTH} characters of letters, digits, {@code .}, {@code _} and {@code -}. The {@code id} is free
 * text that only ever appears in logs, MDC and traces, never as a metric tag; it is truncated to {@value
 * #MAX_ID_LENGTH} characters and line breaks and other control characters are replaced by spaces, so an id cannot
 * forge log lines.
 *
 * <p>Immutable and thread-safe.
 *
 * @param domain business area, e.g. {@code Order}
 * @param task operation within the domain, e.g. {@code Place}
 * @param id identifier of the subject, e.g. an order id; empty when there is none
 */
public record TaskContext(String domain, String task, String id) {

    /** Longest accepted domain or task name. */
    public static final int MAX_NAME_LENGTH = 64;

    /** Longest id kept; longer ids are cut to this length. */
    public static final int MAX_ID_LENGTH = 128;

    /** Validates {@code domain} and {@code task} and sanitises {@code id}. */
    public TaskContext {
        requireName("domain", domain);
        requireName("task", task);
        id = sanitiseId(id);
    }

    /** A context with the given names and id. */
    public static TaskContext of(String domain, String task, Object id) {
        return new TaskContext(domain, task, String.valueOf(id));
    }

    /** A context for work that has no subject id. */
    public static TaskContext of(String domain, String task) {
        return new TaskContext(domain, task, "");
    }

    /**
     * The context of the task the current thread is running inside a {@link LogicExecutor}, or one handed over by
     * {@link ContextPropagation}.
     */
    public static Optional<TaskContext> current() {
        return Optional.ofNullable(TaskFrame.get().currentTask());
    }

    @Override
    public String toString() {
        return id.isEmpty() ? domain + "." + task : domain + "." + task + "[" + id + "]";
    }

    private static void requireName(String what, String value) {
        if (value == null) {
            throw new IllegalArgumentException("TaskContext " + what + " must not be null");
        }
        int length = value.length();
        if (length == 0 || length > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("TaskContext " + what + " must be 1 to " + MAX_NAME_LENGTH
                    + " characters long, was " + length + ": '" + abbreviate(value) + "'");
        }
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (!isNameChar(c)) {
                throw new IllegalArgumentException("TaskContext " + what + " may hold only letters, digits, '.', '_'"
                        + " and '-'; '" + abbreviate(value) + "' has '" + printable(c) + "' at index " + i);
            }
        }
    }

    private static boolean isNameChar(char c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '.'
                || c == '_'
                || c == '-';
    }

    private static String sanitiseId(String id) {
        if (id == null) {
            return "";
        }
        String cut = id.length() > MAX_ID_LENGTH ? id.substring(0, MAX_ID_LENGTH) : id;
        for (int i = 0; i < cut.length(); i++) {
            if (Character.isISOControl(cut.charAt(i))) {
                return replaceControls(cut);
            }
        }
        return cut;
    }

    private static String replaceControls(String text) {
        char[] chars = text.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            if (Character.isISOControl(chars[i])) {
                chars[i] = ' ';
            }
        }
        return new String(chars);
    }

    private static String abbreviate(String value) {
        String shown = value.length() > 80 ? value.substring(0, 80) + "..." : value;
        return replaceControls(shown);
    }

    private static String printable(char c) {
        return Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }
}
