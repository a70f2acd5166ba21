package dev.ballast.example.adoption;

import dev.ballast.test.arch.ArchitectureRules;
import org.junit.jupiter.api.Test;

/** The example's compiled classes keep Ballast's layering: no library internals (see {@link ArchitectureRules}). */
class ArchitectureTest {

    @Test
    void theExampleFollowsTheArchitectureRules() {
        ArchitectureRules.checkCompiledClasses();
    }
}
