package dev.ballast.boot.autoconfigure.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.alert.action.ActionOperation;
import dev.ballast.alert.action.ActionService;
import dev.ballast.alert.action.ActionSigner;
import dev.ballast.alert.action.ActionToken;
import dev.ballast.core.ClientException;
import dev.ballast.core.CommonErrorCode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.SecurityContext;

/**
 * Who a link signed through {@code /actuator/ballastactions} is for: the signed-in user when the request is
 * authenticated (whatever name it claims), else the name given; the token carries it as its origin and expires after
 * the signer's ttl. The HTTP path, problems included, is proved on the example ({@code ActionsActuatorHttpTest}).
 */
class ActionsEndpointTest {

    private static final Instant NOW = Instant.parse("2026-12-04T09:00:00Z");

    private final ActionSigner signer = new ActionSigner(
            Map.of("k1", "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII)),
            "k1",
            URI.create("https://svc.example"),
            Duration.ofHours(2),
            Clock.fixed(NOW, ZoneOffset.UTC),
            name -> name.equals("test.mode"));

    private final ActionOperation mode = new ActionOperation() {
        @Override
        public String name() {
            return "test.mode";
        }

        @Override
        public Set<String> argumentNames() {
            return Set.of("mode");
        }

        @Override
        public String describe(Map<String, String> arguments) {
            String to = arguments.get("mode");
            if (!"A".equals(to) && !"B".equals(to)) {
                throw new IllegalArgumentException("mode must be A or B");
            }
            return "Move to " + to;
        }

        @Override
        public String perform(Map<String, String> arguments, String actor) {
            return "Moved";
        }
    };

    private final ActionsEndpoint endpoint = new ActionsEndpoint(signer, ActionService.byName(List.of(mode)));

    @Test
    void anAuthenticatedRequestIsSignedForItsUserWhateverNameItClaims() {
        Map<String, Object> link = endpoint.link(signedIn("olivia"), "test.mode", "mode=B", "mallory");

        assertThat(link).containsEntry("requestedBy", "olivia").containsEntry("description", "Move to B");
        ActionToken token = token(link);
        assertThat(token.fingerprint()).isEqualTo("actuator|olivia");
        assertThat(token.operation()).isEqualTo("test.mode");
        assertThat(token.arguments()).containsExactly(Map.entry("mode", "B"));
        assertThat(token.expiresAt()).isEqualTo(NOW.plus(Duration.ofHours(2)));
        assertThat(link).containsEntry("expiresAt", "2026-12-04T11:00:00Z");
    }

    @Test
    void anAnonymousRequestIsSignedForTheNameItGivesAndNeedsOne() {
        Map<String, Object> link = endpoint.link(SecurityContext.NONE, "test.mode", " mode = A ", " ops-kim ");
        assertThat(token(link).fingerprint()).isEqualTo("actuator|ops-kim");
        assertThat(token(link).arguments()).containsExactly(Map.entry("mode", "A"));

        assertInvalid(
                () -> endpoint.link(SecurityContext.NONE, "test.mode", "mode=A", null), "requestedBy is required");
        assertInvalid(
                () -> endpoint.link(SecurityContext.NONE, "test.mode", "mode=A", "ops\nkim"),
                "requestedBy must be at most 80 printable characters");
        // found by a black-box check: a right-to-left override makes the name read otherwise in the audit
        assertInvalid(
                () -> endpoint.link(SecurityContext.NONE, "test.mode", "mode=A", "ops\u202Emik"),
                "requestedBy must be at most 80 printable characters");
    }

    @Test
    void argumentsTheOperationRefusesAreRefusedBeforeAnythingIsSigned() {
        assertInvalid(
                () -> endpoint.link(signedIn("olivia"), "test.mode", "mode=C", null),
                "Operation 'test.mode' does not take {mode=C}: mode must be A or B");
        assertInvalid(
                () -> endpoint.link(signedIn("olivia"), "test.other", "", null),
                "No operation 'test.other' here; this service has [test.mode]");
        assertInvalid(
                () -> endpoint.link(signedIn("olivia"), "test.mode", "mode=A,modee=B", null),
                "Operation 'test.mode' takes only [mode], not 'modee'");
    }

    @Test
    void argumentsTooLongForALinkAreRefusedNotSignedIntoALinkThatCannotBeRead() {
        ActionOperation free = new ActionOperation() { // takes any arguments
                    @Override
                    public String name() {
                        return "test.mode";
                    }

                    @Override
                    public String describe(Map<String, String> arguments) {
                        return "Anything";
                    }

                    @Override
                    public String perform(Map<String, String> arguments, String actor) {
                        return "Done";
                    }
                };
        ActionsEndpoint anything = new ActionsEndpoint(signer, ActionService.byName(List.of(free)));

        assertThat(anything.link(signedIn("olivia"), "test.mode", "k=" + "x".repeat(2000), null))
                .containsKey("url");
        assertInvalid(
                () -> anything.link(signedIn("olivia"), "test.mode", "k=" + "x".repeat(3000), null),
                "are too long for a link");
    }

    @Test
    void aLinkForAnotherInstanceIsCheckedForWhatNoInstanceCouldTakeAndWarnsWhenThatNameRecordedNoAddress() {
        // found by a black-box check: inst-b signed max=abc, max=300 (over the limit) and a mistyped instance name for
        // inst-a with 200, links that could only ever be refused
        ActionSigner onB = new ActionSigner(
                Map.of("k1", "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII)),
                "k1",
                URI.create("https://b.svc.example"),
                Duration.ofHours(2),
                Clock.fixed(NOW, ZoneOffset.UTC),
                "executor.resize"::equals,
                "inst-b",
                "executor.resize"::equals,
                name -> name.equals("inst-a")
                        ? java.util.Optional.of(URI.create("https://a.svc.example"))
                        : java.util.Optional.empty());
        ActionsEndpoint endpoint = new ActionsEndpoint(
                onB,
                ActionService.byName(List.of(new ResizePoolOperation(
                        new org.springframework.beans.factory.support.DefaultListableBeanFactory(), 256))));

        assertInvalid(
                () -> endpoint.link(SecurityContext.NONE, "executor.resize", "pool=md,max=abc,instance=inst-a", "ops"),
                "max must be a whole number, was 'abc'");
        assertInvalid(
                () -> endpoint.link(SecurityContext.NONE, "executor.resize", "pool=md,max=8.5,instance=inst-a", "ops"),
                "max must be a whole number, was '8.5'");
        assertInvalid(
                () -> endpoint.link(
                        SecurityContext.NONE,
                        "executor.resize",
                        "pool=md,max=99999999999999999999,instance=inst-a",
                        "ops"),
                "New maximum 99999999999999999999 must be between 1 and 256");
        assertInvalid(
                () -> endpoint.link(SecurityContext.NONE, "executor.resize", "pool=md,max=300,instance=inst-a", "ops"),
                "New maximum 300 must be between 1 and 256");
        assertInvalid(
                () -> endpoint.link(SecurityContext.NONE, "executor.resize", "max=8,instance=inst-a", "ops"),
                "No pool given");

        Map<String, Object> forA =
                endpoint.link(SecurityContext.NONE, "executor.resize", "pool=md,max=12,instance=inst-a", "ops");
        assertThat((String) forA.get("url")).startsWith("https://a.svc.example/ballast/actions/");
        assertThat(forA).doesNotContainKey("warning");

        Map<String, Object> mistyped =
                endpoint.link(SecurityContext.NONE, "executor.resize", "pool=md,instance=inst-zz", "ops");
        assertThat((String) mistyped.get("url")).startsWith("https://b.svc.example/ballast/actions/");
        assertThat((String) mistyped.get("warning"))
                .startsWith("No instance named 'inst-zz' has recorded where it answers links");
    }

    private void assertInvalid(Runnable call, String detail) {
        assertThatThrownBy(call::run)
                .isInstanceOfSatisfying(
                        ClientException.class, e -> assertThat(e.errorCode()).isEqualTo(CommonErrorCode.INVALID_INPUT))
                .hasMessageContaining(detail);
    }

    private ActionToken token(Map<String, Object> link) {
        String url = (String) link.get("url");
        assertThat(url).startsWith("https://svc.example/ballast/actions/");
        return signer.verify(url.substring(url.lastIndexOf('/') + 1));
    }

    private static SecurityContext signedIn(String user) {
        Principal principal = () -> user;
        return new SecurityContext() {
            @Override
            public @Nullable Principal getPrincipal() {
                return principal;
            }

            @Override
            public boolean isUserInRole(String role) {
                return false;
            }
        };
    }
}
