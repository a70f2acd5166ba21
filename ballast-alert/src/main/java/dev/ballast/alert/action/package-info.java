/**
 * Signed actions: an alert's operation becomes a link {@code /ballast/actions/{token}} whose token is signed with
 * HMAC-SHA256 ({@link dev.ballast.alert.action.ActionSigner}); {@link dev.ballast.alert.action.ActionService} shows
 * what a token would do without doing it, performs it once, refuses replays, and audits who did what.
 */
@NullMarked
package dev.ballast.alert.action;

import org.jspecify.annotations.NullMarked;
