package dev.ballast.boot.autoconfigure.actuate;

import dev.ballast.boot.web.WebErrorCode;
import dev.ballast.core.ClientException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.OperationType;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.invoke.OperationInvoker;
import org.springframework.boot.actuate.endpoint.invoke.OperationInvokerAdvisor;
import org.springframework.boot.actuate.endpoint.invoke.OperationParameter;
import org.springframework.boot.actuate.endpoint.invoke.OperationParameters;

/**
 * Ballast's actuator writes ({@code POST}/{@code DELETE} on {@code /actuator/ballastactions}, {@code ballastsilences}
 * and {@code outbox}) refuse a field they do not take with 400 {@code UNKNOWN_FIELD}, naming it and the fields they
 * do take. Spring's actuator binds the named fields and drops the rest, so an operator's typo ({@code "coment"}, {@code
 * "requestBy"}) was lost without a word, or read as a missing field. Only these endpoints' writes: reads, and other
 * endpoints, keep Spring's behaviour.
 */
final class UnknownFieldsRefused implements OperationInvokerAdvisor {

    static final Set<String> ENDPOINTS = Set.of("ballastactions", "ballastsilences", "outbox");

    /** How many unknown names a refusal shows (a body with thousands of fields gets a short answer). */
    private static final int SHOWN = 5;

    @Override
    public OperationInvoker apply(
            EndpointId endpointId, OperationType type, OperationParameters parameters, OperationInvoker invoker) {
        if (type == OperationType.READ || !ENDPOINTS.contains(endpointId.toString())) {
            return invoker;
        }
        Set<String> taken = new TreeSet<>(
                parameters.stream().map(OperationParameter::getName).toList());
        return context -> {
            List<String> unknown = context.getArguments().keySet().stream()
                    .filter(name -> !taken.contains(name))
                    .sorted()
                    .toList();
            if (!unknown.isEmpty()) {
                throw new ClientException(
                        WebErrorCode.UNKNOWN_FIELD,
                        (unknown.size() == 1 ? "Unknown field " : "Unknown fields ")
                                + String.join(
                                        ", ",
                                        unknown.stream()
                                                .limit(SHOWN)
                                                .map(UnknownFieldsRefused::quoted)
                                                .toList())
                                + (unknown.size() > SHOWN ? " and " + (unknown.size() - SHOWN) + " more" : "")
                                + "; this operation takes " + String.join(", ", takenNames(parameters)));
            }
            return invoker.invoke(context);
        };
    }

    /** The fields a client sends: not the path's parts, nor what Spring fills in itself (the security context). */
    private static List<String> takenNames(OperationParameters parameters) {
        return parameters.stream()
                .filter(parameter -> parameter.getAnnotation(Selector.class) == null)
                .filter(parameter -> !parameter.getType().getName().startsWith("org.springframework."))
                .map(OperationParameter::getName)
                .toList();
    }

    private static String quoted(String name) {
        String shown = name.length() <= 60 ? name : name.substring(0, 60) + "…";
        return "'" + shown.replaceAll("\\p{Cntrl}", "?") + "'";
    }
}
