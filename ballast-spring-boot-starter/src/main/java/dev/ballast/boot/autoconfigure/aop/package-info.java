/** Support shared by Ballast's annotation interceptors. Not API. */
@NullMarked
package dev.ballast.boot.autoconfigure.aop;

import org.jspecify.annotations.NullMarked;
