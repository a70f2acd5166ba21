package dev.ballast.alert.action;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.alert.alertmanager.AlertmanagerWebhook;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.core.alert.Severity;
import dev.ballast.test.MutableClock;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/**
 * A button Alertmanager relays to whichever instance its receiver address reaches, bound by the rule to the instance
 * the alert is about, points at that instance's own address (as it announced it in the shared ledger), so that it
 * works at the first click. Found by a black-box check: with two instances, each with its own base URL, the
 * "Raise the pool (inst-a)" button signed by inst-b pointed at inst-b and answered 422 there.
 */
class AnnouncedAddressesTest {

    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T10:00:00Z"));
    private final JdbcDataSource h2 = h2();
    /** Tasks the addresses hand to their background: run when the test says. */
    private final List<Runnable> background = new ArrayList<>();

    @Test
    void aRelayedButtonBoundToAnotherInstancePointsAtThatInstancesOwnAddress() {
        JdbcActionLedger ledgerOfA = new JdbcActionLedger(h2, "a_");
        JdbcActionLedger ledgerOfB = new JdbcActionLedger(h2, "a_");
        ledgerOfA.announce("inst-a", URI.create("https://inst-a.brokerage.example/"), clock.instant());
        ledgerOfB.announce("inst-b", URI.create("https://inst-b.brokerage.example"), clock.instant());
        AnnouncedAddresses addresses = addresses(ledgerOfB);
        addresses.refresh();
        ActionSigner signerOfB = signer("inst-b", "https://inst-b.brokerage.example", addresses);

        assertThat(relayedResize(signerOfB, "inst-a"))
                .as("bound to inst-a by the rule, received by inst-b")
                .startsWith("https://inst-a.brokerage.example/ballast/actions/");
        assertThat(relayedResize(signerOfB, "inst-b")).startsWith("https://inst-b.brokerage.example/ballast/actions/");
        assertThat(relayedResize(signerOfB, null))
                .as("unbound: where the receiver answers")
                .startsWith("https://inst-b.brokerage.example/ballast/actions/");
        assertThat(relayedResize(signerOfB, "inst-c"))
                .as("an instance that announced nothing: the signer's own address, as before")
                .startsWith("https://inst-b.brokerage.example/ballast/actions/");
        assertThat(background)
                .as("inst-c unknown, but the copy is fresh: not read again yet")
                .isEmpty();
    }

    @Test
    void anInstanceThatStartsLaterIsFoundByAReadInTheBackgroundWhileTheSigningGoesOn() {
        JdbcActionLedger ledger = new JdbcActionLedger(h2, "b_");
        AnnouncedAddresses addresses = addresses(ledger);
        addresses.refresh();
        ledger.announce("inst-late", URI.create("https://late.brokerage.example"), clock.instant());

        assertThat(addresses.apply("inst-late"))
                .as("the copy is fresh: not read again")
                .isEmpty();
        assertThat(background).isEmpty();
        clock.advance(Duration.ofSeconds(2));
        assertThat(addresses.apply("inst-late"))
                .as("the read did not end within its 250 ms: answered from the copy")
                .isEmpty();
        assertThat(addresses.apply("inst-late")).isEmpty();
        assertThat(background).as("one read at a time").hasSize(1);
        background.removeFirst().run();

        assertThat(addresses.apply("inst-late")).contains(URI.create("https://late.brokerage.example"));
    }

    /** Found by a black-box check: the first link signed for an instance that had just started pointed elsewhere. */
    @Test
    void theFirstLinkForAnInstanceThatStartedSinceTheLastReadPointsAtIt() {
        JdbcActionLedger ledger = new JdbcActionLedger(h2, "d_");
        AnnouncedAddresses addresses = new AnnouncedAddresses(ledger, clock, Duration.ofSeconds(30), Runnable::run);
        addresses.refresh();
        clock.advance(Duration.ofSeconds(2));
        ledger.announce("inst-d", URI.create("https://d.brokerage.example"), clock.instant());
        ActionSigner signerOfB = signer("inst-b", "https://inst-b.brokerage.example", addresses);

        assertThat(relayedResize(signerOfB, "inst-d")).startsWith("https://d.brokerage.example/ballast/actions/");
    }

    @Test
    void aCopyOlderThanItsMaximumAgeIsReadAgainSoAMovedInstanceIsFollowed() {
        JdbcActionLedger ledger = new JdbcActionLedger(h2, "c_");
        ledger.announce("inst-a", URI.create("https://old.brokerage.example"), clock.instant());
        AnnouncedAddresses addresses = addresses(ledger);
        addresses.refresh();
        ledger.announce("inst-a", URI.create("https://new.brokerage.example"), clock.instant());

        clock.advance(Duration.ofSeconds(29));
        assertThat(addresses.apply("inst-a")).contains(URI.create("https://old.brokerage.example"));
        assertThat(background).isEmpty();
        clock.advance(Duration.ofSeconds(2));
        assertThat(addresses.apply("inst-a")).contains(URI.create("https://old.brokerage.example"));
        background.removeFirst().run();

        assertThat(addresses.apply("inst-a")).contains(URI.create("https://new.brokerage.example"));
    }

    @Test
    void anAddressThatIsNotAnAbsoluteHttpUrlIsNotFollowed() {
        InMemoryActionLedger ledger = new InMemoryActionLedger();
        ledger.announce("inst-a", URI.create("javascript:alert(1)"), clock.instant());
        ledger.announce("inst-b", URI.create("/relative"), clock.instant());
        ledger.announce("inst-c", URI.create("http://inst-c:8080"), clock.instant());
        AnnouncedAddresses addresses = addresses(ledger);
        addresses.refresh();

        assertThat(addresses.apply("inst-a")).isEmpty();
        assertThat(addresses.apply("inst-b")).isEmpty();
        assertThat(addresses.apply("inst-c")).contains(URI.create("http://inst-c:8080"));
    }

    private AnnouncedAddresses addresses(ActionLedger ledger) {
        return new AnnouncedAddresses(ledger, clock, Duration.ofSeconds(30), background::add);
    }

    private ActionSigner signer(String instance, String baseUrl, AnnouncedAddresses addresses) {
        return new ActionSigner(
                Map.of("k1", KEY),
                "k1",
                URI.create(baseUrl),
                Duration.ofHours(1),
                clock,
                name -> true,
                instance,
                "executor.resize"::equals,
                addresses);
    }

    /** The link of the pool rule's button as the Alertmanager receiver makes it, bound to {@code boundTo} or not. */
    private static String relayedResize(ActionSigner signer, String boundTo) {
        Map<String, String> arguments = boundTo == null
                ? Map.of("pool", "marketDataBulkhead")
                : Map.of("pool", "marketDataBulkhead", "instance", boundTo);
        Alert relayed = Alert.builder(Severity.WARNING, "BallastExecutorPoolSaturated")
                .fingerprint("alertmanager|" + UUID.randomUUID())
                .label("source", AlertmanagerWebhook.SOURCE)
                .build();
        Optional<AlertAction> link =
                signer.link(relayed, AlertAction.operation("Raise the pool", "executor.resize", arguments));
        return link.orElseThrow().url().toString();
    }

    private static JdbcDataSource h2() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:addresses-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        return h2;
    }
}
