/** A Lettuce client (standalone, Sentinel or Cluster) from Spring Boot's {@code spring.data.redis.*} settings. */
@NullMarked
package dev.ballast.boot.autoconfigure.redis;

import org.jspecify.annotations.NullMarked;
