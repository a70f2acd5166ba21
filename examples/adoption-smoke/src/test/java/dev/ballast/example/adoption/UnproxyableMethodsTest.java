package dev.ballast.example.adoption;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.ballast.boot.DistributedLock;
import dev.ballast.boot.Task;
import dev.ballast.test.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Issue 16 item 9: @Task / @DistributedLock where a proxy cannot apply them is reported, naming the method: private,
 * final and static methods (a WARN, or a start-up failure with ballast.aop.unproxyable=fail), and calls from the bean's
 * own class, found in its class file (always a WARN, naming the caller).
 */
class UnproxyableMethodsTest {

    @RegisterExtension
    final LogCapture logs = LogCapture.of("dev.ballast.boot.internal.aop");

    @Test
    void aPrivateTaskMethodAndAFinalLockMethodAreReportedOnceByName() {
        Apps.runner().withUserConfiguration(Config.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(logs.eventsAtLeast(Level.WARN))
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .anySatisfy(message -> assertThat(message)
                            .contains("@Task on " + Careless.class.getName() + ".hidden")
                            .contains("is private"))
                    .anySatisfy(message -> assertThat(message)
                            .contains("@DistributedLock on " + Careless.class.getName() + ".sealed")
                            .contains("is final"))
                    .hasSize(2);
        });
    }

    @Test
    void unproxyableFailMakesItAStartUpError() {
        Apps.runner()
                .withUserConfiguration(Config.class)
                .withPropertyValues("ballast.aop.unproxyable=fail")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining(Careless.class.getName() + ".")
                        .hasMessageContaining("ballast.aop.unproxyable=fail"));
    }

    @Test
    void aTaskCalledFromItsOwnClassIsReportedNamingTheMethodAndTheCaller() {
        Apps.runner().withUserConfiguration(SelfCallingConfig.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(logs.eventsAtLeast(Level.WARN))
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .anySatisfy(message -> assertThat(message)
                            .contains("@Task on " + SelfCalling.class.getName() + ".settle")
                            .contains("when SelfCalling.settleAll calls it")
                            .contains("not through Spring's proxy"))
                    .anySatisfy(message -> assertThat(message)
                            .contains("@DistributedLock on " + SelfCalling.class.getName() + ".rebalance")
                            .contains("when SelfCalling.nightly (in a lambda) calls it"))
                    .noneSatisfy(message -> assertThat(message).contains(".settleAll (bean"))
                    .hasSize(2);
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class SelfCallingConfig {
        @Bean
        SelfCalling selfCalling() {
            return new SelfCalling();
        }
    }

    static class SelfCalling {
        @Task(domain = "Trade", task = "Settle", id = "#tradeId")
        public void settle(String tradeId) {}

        @Task(domain = "Trade", task = "SettleAll")
        public void settleAll() {
            settle("t-1");
        }

        @DistributedLock(key = "'rebalance'")
        public void rebalance() {}

        public void nightly() {
            Runnable job = () -> rebalance();
            job.run();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Config {
        @Bean
        Careless careless() {
            return new Careless();
        }
    }

    static class Careless {
        @Task(domain = "Trade", task = "Hidden")
        private void hidden() {}

        @DistributedLock(key = "'k'")
        public final void sealed() {}

        @Task(domain = "Trade", task = "Fine")
        public void fine() {
            hidden();
        }
    }
}
