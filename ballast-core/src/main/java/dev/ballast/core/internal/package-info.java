/** Implementation details of ballast-core; not API, may change in any release. */
@NullMarked
package dev.ballast.core.internal;

import org.jspecify.annotations.NullMarked;
