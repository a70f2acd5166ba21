package dev.ballast.boot.autoconfigure.alert;

import dev.ballast.alert.action.ActionRecord;
import dev.ballast.alert.action.ActionService;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.web.util.HtmlUtils;

/**
 * The server-rendered pages of an action link: plain HTML with inline CSS, readable on a phone, no scripts. Every
 * value is HTML-escaped. Stateless.
 */
final class ActionPage {

    private ActionPage() {}

    /** The confirmation page: what the link would do, and a button that POSTs it. */
    static String confirm(String service, ActionService.Preview preview, String token, @Nullable Csrf csrf) {
        StringBuilder body = new StringBuilder();
        body.append("<p class=\"what\">").append(e(preview.description())).append("</p>");
        body.append(facts(
                preview.token().operation(),
                preview.token().arguments(),
                preview.token().fingerprint()));
        body.append("<p class=\"small\">Link valid until ")
                .append(e(preview.token().expiresAt().toString()))
                .append(". Nothing happens until you confirm.</p>");
        body.append("<form method=\"post\" action=\"/ballast/actions/")
                .append(e(token))
                .append("\">");
        if (csrf != null) {
            body.append("<input type=\"hidden\" name=\"")
                    .append(e(csrf.parameter()))
                    .append("\" value=\"")
                    .append(e(csrf.token()))
                    .append("\">");
        }
        body.append("<button id=\"confirm\" type=\"submit\">Confirm</button></form>");
        return page(service, "Confirm: " + preview.token().operation(), body.toString());
    }

    /** What a POST did, or that the link was used already. */
    static String result(String service, ActionRecord record, boolean alreadyDone) {
        StringBuilder body = new StringBuilder();
        String heading =
                alreadyDone ? "Already done" : record.outcome() == ActionRecord.Outcome.DONE ? "Done" : "Failed";
        body.append("<p id=\"outcome\" class=\"")
                .append(alreadyDone ? "done" : record.outcome().name().toLowerCase(java.util.Locale.ROOT))
                .append("\">")
                .append(heading)
                .append("</p>");
        body.append("<p id=\"result\">").append(e(record.result())).append("</p>");
        body.append(facts(record.operation(), record.arguments(), record.fingerprint()));
        body.append("<p class=\"small\">By ")
                .append(e(record.actor()))
                .append(" at ")
                .append(e(record.requestedAt().toString()))
                .append(".</p>");
        return page(service, heading + ": " + record.operation(), body.toString());
    }

    /** A refusal: expired, tampered, forbidden. */
    static String refusal(String service, String title, String detail) {
        return page(service, title, "<p id=\"outcome\" class=\"failed\">" + e(title) + "</p><p>" + e(detail) + "</p>");
    }

    private static String facts(String operation, Map<String, String> arguments, String fingerprint) {
        StringBuilder rows = new StringBuilder("<table>");
        rows.append(row("Action", operation)).append(row("Alert", fingerprint));
        arguments.forEach((key, value) -> rows.append(row(key, value)));
        return rows.append("</table>").toString();
    }

    private static String row(String key, String value) {
        return "<tr><th>" + e(key) + "</th><td>" + e(value) + "</td></tr>";
    }

    private static String page(String service, String title, String body) {
        return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                + "<meta name=\"robots\" content=\"noindex\"><title>" + e(title) + "</title><style>"
                + "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:36rem;padding:1rem;line-height:1.4}"
                + "h1{font-size:1.3rem}.what{font-size:1.1rem}table{border-collapse:collapse;width:100%;margin:1rem 0}"
                + "th,td{text-align:left;padding:.4rem;border-bottom:1px solid #ddd;word-break:break-all}"
                + "button{font-size:1.1rem;padding:.8rem 1.6rem;width:100%;background:#c0392b;color:#fff;border:0;"
                + "border-radius:.4rem}.small{color:#666;font-size:.9rem}.done{color:#1e8449;font-weight:bold}"
                + ".failed{color:#c0392b;font-weight:bold}</style></head><body><h1>" + e(service) + " \u00b7 "
                + e(title) + "</h1>" + body + "</body></html>";
    }

    private static String e(String text) {
        return HtmlUtils.htmlEscape(text);
    }

    /** Spring Security's CSRF parameter and token, when present. */
    record Csrf(String parameter, String token) {}
}
