package dev.ballast.example.brokerage;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Example brokerage service: every Ballast module in one Spring Boot application on embedded defaults. */
@SpringBootApplication
public class BrokerageApplication {

    /** Starts the service. */
    public static void main(String[] args) {
        SpringApplication.run(BrokerageApplication.class, args);
    }
}
