package dev.ballast.boot.autoconfigure.alert;

/** A {@code ballast.alert.*} property is invalid; the message names it and, unless it is a secret, its value. */
final class InvalidAlertPropertyException extends IllegalStateException {

    InvalidAlertPropertyException(String property, String problem) {
        super("Invalid property " + property + ": " + problem);
    }
}
