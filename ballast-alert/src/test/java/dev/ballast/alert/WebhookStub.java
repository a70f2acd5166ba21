package dev.ballast.alert;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.URI;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A WireMock server on a free port standing in for Discord, Slack or a webhook receiver. */
final class WebhookStub implements AutoCloseable {

    static final JsonMapper JSON = JsonMapper.builder().build();

    final WireMockServer server;

    WebhookStub() {
        server = new WireMockServer(WireMockConfiguration.options()
                .dynamicPort()
                .bindAddress("127.0.0.1")
                .containerThreads(20));
        server.start();
    }

    URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    void answer(String path, ResponseDefinitionBuilder response) {
        server.stubFor(post(urlPathEqualTo(path)).willReturn(response));
    }

    void answer(String path, int status) {
        answer(path, aResponse().withStatus(status));
    }

    List<LoggedRequest> requests(String path) {
        return server.findAll(postRequestedFor(urlPathEqualTo(path)));
    }

    List<JsonNode> bodies(String path) {
        return requests(path).stream()
                .map(r -> JSON.readTree(r.getBodyAsString()))
                .toList();
    }

    @Override
    public void close() {
        server.stop();
    }
}
