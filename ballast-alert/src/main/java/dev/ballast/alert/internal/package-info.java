/** Implementation of ballast-alert; not an API, may change without notice. */
@NullMarked
package dev.ballast.alert.internal;

import org.jspecify.annotations.NullMarked;
