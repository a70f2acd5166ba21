/** Auto-configuration of RFC 9457 problem details for servlet web applications. */
@NullMarked
package dev.ballast.boot.autoconfigure.web;

import org.jspecify.annotations.NullMarked;
