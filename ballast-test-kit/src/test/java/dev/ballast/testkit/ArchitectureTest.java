package dev.ballast.testkit;

import dev.ballast.test.arch.ArchitectureRules;
import org.junit.jupiter.api.Test;

/** This module's compiled classes keep Ballast's layering and conventions (see {@link ArchitectureRules}). */
class ArchitectureTest {

    @Test
    void theModuleFollowsTheArchitectureRules() {
        ArchitectureRules.checkCompiledClasses();
    }
}
