package io.kortexdl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kortexdl.spark.collective.CollectiveSettings;
import io.kortexdl.spark.collective.CollectiveSettings.Protection;
import java.util.Map;
import org.apache.spark.SecurityManager;
import org.apache.spark.SecurityManager$;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** Which protection the collective takes from an application's Spark security settings, without a cluster. */
class CollectiveSecurityTest {
    private static CollectiveSettings protect(Map<String, String> settings) {
        SparkConf conf = new SparkConf(false);
        settings.forEach(conf::set);
        SecurityManager security = new SecurityManager(conf, SecurityManager$.MODULE$.$lessinit$greater$default$2(),
                SecurityManager$.MODULE$.$lessinit$greater$default$3());
        return CollectiveSecurity.protect(CollectiveSettings.DEFAULTS, conf, security);
    }

    @Test
    void followsSparksAuthenticationAndEncryption() {
        assertEquals(Protection.NONE, protect(Map.of()).protection());
        CollectiveSettings authenticated = protect(Map.of("spark.authenticate", "true",
                "spark.authenticate.secret", "s"));
        assertEquals(Protection.AUTHENTICATED, authenticated.protection());
        assertEquals(0, authenticated.keyBits());
        CollectiveSettings encrypted = protect(Map.of("spark.authenticate", "true", "spark.authenticate.secret", "s",
                "spark.network.crypto.enabled", "true"));
        assertEquals(Protection.ENCRYPTED, encrypted.protection());
        assertEquals(128, encrypted.keyBits(), "Spark's default key length");
        assertEquals(256, protect(Map.of("spark.authenticate", "true", "spark.authenticate.secret", "s",
                "spark.network.crypto.enabled", "true", "spark.network.crypto.keyLength", "256")).keyBits());
        assertEquals(Protection.ENCRYPTED, protect(Map.of("spark.authenticate", "true", "spark.authenticate.secret",
                "s", "spark.authenticate.enableSaslEncryption", "true")).protection(), "SASL encryption counts too");
        assertEquals(Protection.ENCRYPTED, protect(Map.of("spark.authenticate", "true", "spark.authenticate.secret",
                "s", "spark.network.crypto.enabled", "true", "spark.network.crypto.cipher", "AES/GCM/NoPadding"))
                .protection());
    }

    @Test
    void refusesWhatItCannotHonourNamingTheSetting() {
        IllegalArgumentException noSecret = assertThrows(IllegalArgumentException.class, () -> protect(Map.of(
                "spark.ssl.rpc.enabled", "true", "spark.ssl.enabled", "true")));
        assertTrue(noSecret.getMessage().startsWith("spark.ssl.rpc.enabled is true but spark.authenticate is not"),
                noSecret.getMessage());
        IllegalArgumentException key = assertThrows(IllegalArgumentException.class, () -> protect(Map.of(
                "spark.authenticate", "true", "spark.authenticate.secret", "s", "spark.network.crypto.enabled", "true",
                "spark.network.crypto.keyLength", "bits")));
        assertTrue(key.getMessage().startsWith("spark.network.crypto.keyLength is 'bits'"), key.getMessage());
    }
}
