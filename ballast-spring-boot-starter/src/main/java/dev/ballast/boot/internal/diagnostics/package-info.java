/** The starter's start-up error for an invalid setting, shared by its auto-configurations. Not API. */
@NullMarked
package dev.ballast.boot.internal.diagnostics;

import org.jspecify.annotations.NullMarked;
