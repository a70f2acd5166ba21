/**
 * Chaos scenarios' kit: a {@link dev.ballast.chaos.History} of every client operation against instances of the example
 * running as child JVMs, {@link dev.ballast.chaos.Checker}s of the invariants a fault must not break, the load that
 * records the history, and the report every scenario adds its row to.
 */
@NullMarked
package dev.ballast.chaos;

import org.jspecify.annotations.NullMarked;
