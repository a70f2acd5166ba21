/** A Lettuce {@code RedisClient} from Spring Boot's {@code spring.data.redis.*} settings. */
@NullMarked
package dev.ballast.boot.autoconfigure.redis;

import org.jspecify.annotations.NullMarked;
