/** What the starter's auto-configurations share: this instance's name. Not API. */
@NullMarked
package dev.ballast.boot.internal;

import org.jspecify.annotations.NullMarked;
