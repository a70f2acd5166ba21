package dev.ballast.example.adoption;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A plain Spring Boot service that adds Ballast the way the README says: the BOM, the starter, nothing else. It uses
 * {@code @Task}, a Ballast cache through {@code @Cacheable}, {@code @DistributedLock} and the transactional outbox.
 */
@SpringBootApplication
public class AdoptionApplication {

    public static void main(String[] args) {
        SpringApplication.run(AdoptionApplication.class, args);
    }
}
