/** JMH benchmarks comparing Ballast with its peers. */
package dev.ballast.bench;
