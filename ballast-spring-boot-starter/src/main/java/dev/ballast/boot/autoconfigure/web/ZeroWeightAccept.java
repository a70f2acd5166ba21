package dev.ballast.boot.autoconfigure.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Enumeration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.HandlerMapping;

/**
 * Refuses (406) before the handler runs a request whose {@code Accept} header gives every type the handler declares it
 * produces a weight of 0, which RFC 9110 (12.4.2) defines as "not acceptable". Spring MVC's negotiation ignores the
 * weight when it matches {@code produces}, so {@code Accept: application/json;q=0, text/plain} reached a handler that
 * produces only JSON: a state-changing POST did its work and answered in a type the client had refused. The weight of a
 * type is that of the most specific range that includes it ({@code application/json;q=0, *}{@code /*} refuses JSON and
 * takes the rest). Only mappings that declare {@code produces} are checked (Spring records what they produce); a
 * request whose {@code Accept} header weighs nothing costs one scan of it; a header Spring cannot parse is left to
 * Spring.
 */
final class ZeroWeightAccept implements HandlerInterceptor {

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
            throws HttpMediaTypeNotAcceptableException {
        if (!(request.getAttribute(HandlerMapping.PRODUCIBLE_MEDIA_TYPES_ATTRIBUTE) instanceof Collection<?> producible)
                || producible.isEmpty()) {
            return true;
        }
        List<MediaType> accepted = zeroWeighted(request.getHeaders(HttpHeaders.ACCEPT));
        if (accepted == null) {
            return true;
        }
        List<MediaType> types = new ArrayList<>();
        for (Object type : producible) {
            if (type instanceof MediaType mediaType) {
                if (weight(mediaType, accepted) > 0) {
                    return true;
                }
                types.add(mediaType);
            }
        }
        throw new HttpMediaTypeNotAcceptableException(types);
    }

    /** The ranges of an {@code Accept} header that gives some range a weight of 0, else null. */
    private static @Nullable List<MediaType> zeroWeighted(@Nullable Enumeration<String> values) {
        if (values == null) {
            return null;
        }
        List<String> header = new ArrayList<>();
        boolean weighted = false;
        while (values.hasMoreElements()) {
            String value = values.nextElement();
            header.add(value);
            // any weight at all (Spring also reads "q = 0" and q="0"): the parse below decides whether one is 0
            weighted |= value.indexOf('q') >= 0 || value.indexOf('Q') >= 0;
        }
        if (!weighted) {
            return null;
        }
        List<MediaType> accepted;
        try {
            accepted = MediaType.parseMediaTypes(header);
        } catch (InvalidMediaTypeException e) {
            return null;
        }
        for (MediaType range : accepted) {
            if (range.getQualityValue() == 0) {
                return accepted;
            }
        }
        return null;
    }

    /**
     * The weight {@code accepted} gives {@code type}: that of the most specific range including it (a concrete type
     * over {@code type/*} over {@code *}{@code /*}, then more parameters), the highest among equally specific ones; 0
     * when none includes it.
     */
    static double weight(MediaType type, List<MediaType> accepted) {
        int best = -1;
        double weight = 0;
        for (MediaType range : accepted) {
            if (!range.includes(type) || !parametersMatch(range, type)) {
                continue;
            }
            int specificity = specificity(range);
            if (specificity > best) {
                best = specificity;
                weight = range.getQualityValue();
            } else if (specificity == best) {
                weight = Math.max(weight, range.getQualityValue());
            }
        }
        return weight;
    }

    private static int specificity(MediaType range) {
        int parameters = range.getParameters().size() - (range.getParameter("q") == null ? 0 : 1);
        // isWildcardSubtype() also holds for a suffix range such as application/*+json
        int level = range.isWildcardType() ? 0 : range.isWildcardSubtype() ? 1 : 2;
        return level * 1000 + parameters;
    }

    /** A range's parameters other than the weight must be the type's own ({@code text/html;level=1}). */
    private static boolean parametersMatch(MediaType range, MediaType type) {
        for (var parameter : range.getParameters().entrySet()) {
            if (parameter.getKey().equalsIgnoreCase("q")) {
                continue;
            }
            String own = type.getParameter(parameter.getKey());
            if (own == null || !own.equalsIgnoreCase(parameter.getValue())) {
                return false;
            }
        }
        return true;
    }
}
