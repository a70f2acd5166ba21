package dev.ballast.boot.autoconfigure.web;

import dev.ballast.boot.web.WebErrorCode;
import dev.ballast.core.CommonErrorCode;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;

/** The codes and generic texts shared by the exception handler, the error controller and the Tomcat valve. */
final class Problems {

    /** Property of a problem that names the incident to quote; also in the log line that reports it. */
    static final String INCIDENT = "incident";

    /** Where signed alert action links live (the alert module's {@code ActionSigner.PATH}). */
    private static final String ACTION_LINKS = "/ballast/actions/";

    private static final URI ACTION_LINKS_INSTANCE = URI.create("/ballast/actions");

    private Problems() {}

    /** The {@code code} of a problem with {@code status} when no more specific one is known. */
    static String codeFor(int status) {
        return switch (status) {
            case 400 -> CommonErrorCode.INVALID_INPUT.code();
            case 404 -> CommonErrorCode.NOT_FOUND.code();
            case 409 -> CommonErrorCode.CONFLICT.code();
            case 413 -> WebErrorCode.PAYLOAD_TOO_LARGE.code();
            case 414 -> WebErrorCode.URI_TOO_LONG.code();
            case 431 -> WebErrorCode.HEADERS_TOO_LARGE.code();
            case 500 -> CommonErrorCode.INTERNAL_ERROR.code();
            case 503 -> CommonErrorCode.UNAVAILABLE.code();
            default -> {
                HttpStatus known = HttpStatus.resolve(status);
                yield known != null ? known.name() : (status >= 500 ? "INTERNAL_ERROR" : "HTTP_" + status);
            }
        };
    }

    /** The code of an error the container raised without an exception: a 400 there is a malformed request. */
    static String containerCodeFor(int status) {
        return status == 400 ? WebErrorCode.MALFORMED_REQUEST.code() : codeFor(status);
    }

    /** The detail of an error the container raised without an exception: generic, nothing from the request. */
    static String containerDetail(int status, @Nullable String incident) {
        String detail =
                switch (status) {
                    case 400 ->
                        "The request was rejected before it reached the application: a malformed request line, URI"
                                + " (an encoded '/', '\\' or NUL, an invalid escape) or headers, or a request line"
                                + " or header block over the server's size limit";
                    case 404 -> "There is nothing at this path";
                    case 405 -> "The method is not allowed here";
                    case 413 -> WebErrorCode.PAYLOAD_TOO_LARGE.message();
                    case 414 -> WebErrorCode.URI_TOO_LONG.message();
                    case 431 -> WebErrorCode.HEADERS_TOO_LARGE.message();
                    default -> title(status);
                };
        return incident == null ? detail : detail + "; quote incident " + incident + " when reporting this";
    }

    /** The standard reason phrase, as the problem's {@code title}. */
    static String title(int status) {
        HttpStatus known = HttpStatus.resolve(status);
        return known != null ? known.getReasonPhrase() : "HTTP " + status;
    }

    /**
     * The {@code instance} of a problem answering a request for {@code path}: the path as sent, except that a signed
     * alert action link ({@code /ballast/actions/<token>}, the token being the capability) is cut to
     * {@code /ballast/actions}, whatever refused it (a method the link does not take, a path under it, the request
     * filter); null when the path is not a valid URI reference.
     */
    static @Nullable URI instance(String path) {
        if (path.startsWith(ACTION_LINKS)) {
            return ACTION_LINKS_INSTANCE;
        }
        try {
            return new URI(path);
        } catch (URISyntaxException invalid) {
            return null; // a path Tomcat let through but java.net.URI rejects is not shown
        }
    }

    /** A fresh reference for a server failure: 16 hex digits, quoted by the client, found in the log. */
    static String newIncident() {
        return String.format("%016x", ThreadLocalRandom.current().nextLong());
    }

    /**
     * A problem as JSON, written by hand where no message converter is available (the container's error valve, the
     * request filter): the fields and their order as Spring MVC writes its problems ({@code type} left out, which RFC
     * 9457 reads as {@code about:blank}), so that a client sees one shape whichever layer answered.
     */
    static String json(int status, String code, String detail, @Nullable String instance, @Nullable String incident) {
        StringBuilder json = new StringBuilder(200);
        json.append("{\"detail\":");
        quote(json, detail);
        if (instance != null) {
            json.append(",\"instance\":");
            quote(json, instance);
        }
        json.append(",\"status\":").append(status).append(",\"title\":");
        quote(json, title(status));
        json.append(",\"code\":");
        quote(json, code);
        if (incident != null) {
            json.append(",\"" + INCIDENT + "\":");
            quote(json, incident);
        }
        return json.append('}').toString();
    }

    private static void quote(StringBuilder json, String text) {
        json.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f || (c >= 0xd800 && c <= 0xdfff)) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        json.append('"');
    }

    /** Text from a request (a field name, a path) shown in a problem: at most 100 characters, no control characters. */
    static String shown(String text) {
        String cut = text.length() > 100 ? text.substring(0, 100) + "..." : text;
        StringBuilder shown = new StringBuilder(cut.length());
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            shown.append(Character.isISOControl(c) ? '?' : c);
        }
        return shown.toString();
    }
}
