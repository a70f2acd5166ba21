package dev.ballast.loadtest.soak;

import dev.ballast.test.KafkaBroker;
import java.io.InputStream;

/**
 * The Kafka broker of {@code scripts/soak PUBLISHER=kafka}: a single-node KRaft broker ({@link KafkaBroker}, a child JVM
 * from the Maven jars) that prints {@code bootstrap <host:port>} once it answers, and stops when its standard input
 * closes (the script's exit). Run as a source file with ballast-test-support and Kafka on the class path.
 */
public final class SoakKafka {

    private SoakKafka() {}

    public static void main(String[] args) throws Exception {
        try (KafkaBroker broker = KafkaBroker.create().start()) {
            System.out.println("bootstrap " + broker.bootstrapServers());
            System.out.flush();
            try (InputStream in = System.in) {
                while (in.read() >= 0) {
                    // nothing is sent; end of input means the script is gone
                }
            }
        }
    }
}
