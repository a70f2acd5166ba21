package dev.ballast.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ErrorModelTest {

    @Test
    void aClientExceptionCarriesItsCodeStatusAndDefaultMessage() {
        ClientException e = new ClientException(CommonErrorCode.NOT_FOUND);

        assertThat(e.errorCode().code()).isEqualTo("NOT_FOUND");
        assertThat(e.httpStatus()).isEqualTo(404);
        assertThat(e).hasMessage("The resource was not found");
    }

    @Test
    void aClientExceptionRefusesA5xxCode() {
        assertThatThrownBy(() -> new ClientException(CommonErrorCode.UNAVAILABLE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs a 4xx error code, UNAVAILABLE has HTTP status 503");
    }

    @Test
    void aServerExceptionRefusesA4xxCode() {
        assertThatThrownBy(() -> new ServerException(CommonErrorCode.CONFLICT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs a 5xx error code, CONFLICT has HTTP status 409");
    }
}
