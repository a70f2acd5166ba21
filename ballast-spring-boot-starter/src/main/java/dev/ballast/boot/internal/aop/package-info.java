/** Support shared by Ballast's annotation interceptors. Not API. */
@NullMarked
package dev.ballast.boot.internal.aop;

import org.jspecify.annotations.NullMarked;
