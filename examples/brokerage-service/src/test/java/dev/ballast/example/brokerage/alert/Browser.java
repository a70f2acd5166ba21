package dev.ballast.example.brokerage.alert;

import dev.ballast.test.DebianTool;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/** Headless Debian Chromium through Debian's chromedriver (packages chromium and chromium-driver). */
final class Browser {

    private Browser() {}

    static ChromeDriver start() throws IOException {
        DebianTool chromium = DebianTool.require("chromium", "chromium");
        DebianTool driver = DebianTool.require("chromedriver", "chromium-driver");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.binary().toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=412,915",
                "--user-data-dir=" + Files.createTempDirectory("ballast-chromium-"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(driver.binary().toString()))
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }
}
