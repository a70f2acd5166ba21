/** What a Ballast web application answers when a request fails: the problem-details error codes. */
@NullMarked
package dev.ballast.boot.web;

import org.jspecify.annotations.NullMarked;
